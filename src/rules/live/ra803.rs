//! RA803 running-config-drift.

use super::probe_results;
use crate::model::live::SocketPath;
use crate::engine::{Emitter, Location};
use crate::model::containerd::{ContainerdConfig, CriConfig};

use crate::model::live::{CriApi, CriEndpoint, Probe, ProbeFailure, RunningCriConfig};
use crate::model::{Effective, NodeSnapshot, Span, Version};
use crate::release::ContainerdRelease;

use super::probe_results::failure_words;

declare_rule! {
    id: "RA803",
    name: "running-config-drift",
    area: Live,
    summary: "The running containerd's CRI config differs from config.toml on disk (SystemdCgroup, sandbox image, registry): containerd was not restarted",
    inputs: [RuntimeSocket, ContainerdConfig],
    cases: [
        Drift("drift", Warning),
    ],
}

/// Every CRI endpoint that is containerd's is compared with config.toml when it reports its
/// running config; one that could not be asked makes the rule inconclusive.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !probe_results::probed(snap, out) {
        return;
    }
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let endpoints: Vec<&CriEndpoint> = snap
        .live
        .cri
        .iter()
        .filter(|c| {
            cfg.grpc_address.value.serves(&c.socket)
                || c.version
                    .ok()
                    .is_some_and(|v| v.runtime_name == "containerd")
        })
        .collect();
    if endpoints.is_empty() {
        out.not_applicable(format!(
            "containerd's socket {} was not probed",
            cfg.grpc_address.value
        ));
        return;
    }
    let mut compared = false;
    let mut not_applicable = Vec::new();
    let mut undecided = Vec::new();
    for e in endpoints {
        match running_config(e) {
            RunningConfig::Reported(running) => {
                compared = true;
                Comparison {
                    cfg,
                    release: &snap.versions.containerd,
                    endpoint: e,
                    running_version: e
                        .version
                        .ok()
                        .and_then(|v| Version::parse(&v.runtime_version)),
                }
                .compare(out, running);
            }
            RunningConfig::NotApplicable(why) => not_applicable.push(why),
            RunningConfig::Undecided(why) => undecided.push(why),
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    } else if !compared {
        out.not_applicable(not_applicable.join("; "));
    }
}

/// What one endpoint's CRI Status says of the config containerd runs with.
enum RunningConfig<'e> {
    Reported(&'e RunningCriConfig),
    /// There is none to compare, and why.
    NotApplicable(String),
    /// It could not be asked, and why.
    Undecided(String),
}

fn running_config(e: &CriEndpoint) -> RunningConfig<'_> {
    let no_cri = || {
        RunningConfig::NotApplicable(format!(
            "containerd on {} serves no CRI (see RA802): there is no running CRI config",
            e.socket
        ))
    };
    match &e.status {
        Probe::Ok { value } => match &value.config {
            Some(r) => RunningConfig::Reported(r),
            None => RunningConfig::NotApplicable(format!(
                "containerd on {} does not report its running CRI config in Status",
                e.socket
            )),
        },
        Probe::Failed {
            failure: ProbeFailure::Unimplemented,
            ..
        } => no_cri(),
        _ if e.api.ok() == Some(&CriApi::None) => no_cri(),
        Probe::Failed { failure, reason } => RunningConfig::Undecided(format!(
            "CRI Status on {}: {} ({reason})",
            e.socket,
            failure_words(*failure)
        )),
        Probe::Skipped { reason } => RunningConfig::Undecided(format!(
            "CRI Status on {} was not probed: {reason}",
            e.socket
        )),
    }
}

/// The running config one endpoint reports, against config.toml.
struct Comparison<'s> {
    cfg: &'s ContainerdConfig,
    /// The release the config's effective values were computed for.
    release: &'s ContainerdRelease,
    endpoint: &'s CriEndpoint,
    running_version: Option<Version>,
}

/// One setting on both sides.
struct Setting {
    name: &'static str,
    key: String,
    disk: String,
    running: String,
    /// Where config.toml sets it (None: containerd's default).
    at: Option<Span>,
    /// config.toml leaves it to containerd's default: only comparable when the config was
    /// evaluated for the release that runs.
    defaulted: bool,
    /// What changes when containerd restarts and reads config.toml.
    consequence: &'static str,
}

/// The settings both the running config and config.toml give: the default runtime's
/// SystemdCgroup, default_runtime_name, the sandbox image, the registry's config_path and
/// mirrors.
fn settings(cri: &CriConfig, running: &RunningCriConfig) -> Vec<Setting> {
    let layout = cri.layout;
    let mut settings = Vec::new();
    if let (Some(r), Some(rt)) = (running.systemd_cgroup, cri.default_runtime()) {
        settings.push(Setting {
            name: "SystemdCgroup",
            key: format!(
                "{}.runtimes.{}.options.SystemdCgroup",
                layout.runtime_table(),
                rt.name
            ),
            disk: rt.systemd_cgroup.value.to_string(),
            running: r.to_string(),
            at: rt.systemd_cgroup.span().or(rt.options).or(rt.defined_at),
            defaulted: rt.systemd_cgroup.is_default(),
            consequence: "the cgroup driver changes at the next restart: a kubelet set to the running driver then mismatches containerd (RA201) and pods restart across the node",
        });
    }
    if let (Some(r), Some(d)) = (
        &running.default_runtime_name,
        non_empty(&cri.default_runtime_name),
    ) {
        settings.push(effective(
            "default_runtime_name",
            format!("{}.default_runtime_name", layout.runtime_table()),
            d,
            r,
            "new pods run on another runtime handler after the next restart",
        ));
    }
    if let Some(r) = &running.sandbox_image {
        settings.push(effective(
            "sandbox image",
            layout.sandbox_key().to_owned(),
            &cri.sandbox_image,
            r,
            "new pod sandboxes use another pause image after the next restart: a node that cannot pull it starts no pod",
        ));
    }
    if let Some(r) = &running.registry_config_path {
        settings.push(effective(
            "registry config_path",
            format!("{}.config_path", layout.registry_table()),
            &cri.registry.config_path,
            r,
            "image pulls use other registry hosts, mirrors and credentials after the next restart",
        ));
    }
    let mut disk_mirrors: Vec<String> = cri
        .registry
        .mirrors
        .iter()
        .map(|m| m.host.value.clone())
        .collect();
    let mut run_mirrors = running.registry_mirrors.clone();
    disk_mirrors.sort();
    disk_mirrors.dedup();
    run_mirrors.sort();
    run_mirrors.dedup();
    settings.push(Setting {
        name: "registry mirrors",
        key: format!("{}.mirrors", layout.registry_table()),
        disk: list(&disk_mirrors),
        running: list(&run_mirrors),
        at: cri
            .registry
            .mirrors
            .first()
            .map(|m| m.host.span)
            .or(cri.registry.table),
        defaulted: false,
        consequence: "image pulls go to other mirrors after the next restart",
    });
    settings
}

impl Comparison<'_> {
    /// A setting that differs is drift, unless config.toml leaves it to a default computed for
    /// another release than the one that runs: that is not compared, and said so.
    fn compare(&self, out: &mut Emitter<Case>, running: &RunningCriConfig) {
        let same_release = self.same_release();
        for s in settings(&self.cfg.cri, running) {
            if s.disk == s.running {
                continue;
            }
            if s.defaulted && !same_release {
                out.assume(self.not_compared(&s));
                continue;
            }
            Drifted {
                setting: &s,
                config_path: &self.cfg.path,
                socket: &self.endpoint.socket,
                runtime: probe_results::runtime_words(self.endpoint),
            }
            .emit(out);
        }
    }

    /// The config's effective values were computed for the release that runs.
    fn same_release(&self) -> bool {
        self.running_version
            .as_ref()
            .is_some_and(|running| self.release.is_exactly(running))
    }

    /// Why a defaulted setting is not compared: its default is another release's.
    fn not_compared(&self, s: &Setting) -> String {
        format!(
            "{}: config.toml leaves it to containerd's default, evaluated for containerd {} while {} runs; not compared",
            s.name,
            self.release.evaluated(),
            self.running_version.as_ref().map_or_else(
                || "an unknown release".to_owned(),
                |v| format!("containerd {v}")
            )
        )
    }
}

/// A setting the running containerd has another value of than config.toml.
struct Drifted<'a> {
    setting: &'a Setting,
    /// config.toml's path.
    config_path: &'a str,
    /// The socket of the running containerd.
    socket: &'a SocketPath,
    /// The running containerd, in words (`containerd 1.7.2`).
    runtime: String,
}

impl Drifted<'_> {
    /// What config.toml says of the setting.
    fn disk_side(&self) -> String {
        let s = self.setting;
        if s.defaulted {
            format!("config.toml leaves it to containerd's default, {}", s.disk)
        } else {
            format!("{} sets {}", self.config_path, s.disk)
        }
    }

    fn message(&self) -> String {
        let (runtime, socket, disk_side) = (&self.runtime, self.socket, self.disk_side());
        format!(
            "the running containerd ({runtime} on {socket}) uses {} = {}, but {disk_side}: containerd was not restarted after config.toml changed",
            self.setting.name, self.setting.running
        )
    }

    fn impact(&self) -> String {
        format!(
            "The node runs with settings that are no longer written anywhere, and {}. The audit's other findings \
             describe config.toml, not what runs now.",
            self.setting.consequence
        )
    }

    fn fix(&self) -> String {
        let socket = self.socket;
        format!(
            "Decide which value is right, write it to {} ({}), then drain the node and `systemctl restart containerd`; \
             `crictl --runtime-endpoint unix://{socket} info` then shows the running config.",
            self.config_path, self.setting.key
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let s = self.setting;
        let at = s.at.map_or_else(
            || Location::Path(self.config_path.to_owned()),
            Location::Span,
        );
        out.finding(Case::Drift, at, self.message())
            .label(format!("on disk: {}", s.disk))
            .related(
                Location::Path(self.socket.to_string()),
                format!("the running CRI config says {}", s.running),
            )
            .impact(self.impact())
            .fix(self.fix())
            .key(s.key.clone())
            .actual(format!("running: {}", s.running))
            .expected(format!("config.toml: {}", s.disk))
            .emit();
    }
}

fn effective(
    name: &'static str,
    key: String,
    disk: &Effective<String>,
    running: &str,
    consequence: &'static str,
) -> Setting {
    Setting {
        name,
        key,
        disk: quoted(&disk.value),
        running: quoted(running),
        at: disk.span(),
        defaulted: disk.is_default(),
        consequence,
    }
}

fn non_empty(e: &Effective<String>) -> Option<&Effective<String>> {
    (!e.value.is_empty()).then_some(e)
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CONTAINERD_SOCKET: SocketPath = SocketPath::known("/run/containerd/containerd.sock");

    fn sandbox_image(defaulted: bool) -> Setting {
        Setting {
            name: "sandbox image",
            key: "plugins.\"io.containerd.grpc.v1.cri\".sandbox_image".to_owned(),
            disk: quoted("registry.k8s.io/pause:3.10"),
            running: quoted("registry.k8s.io/pause:3.6"),
            at: None,
            defaulted,
            consequence: "new pod sandboxes use another pause image after the next restart",
        }
    }

    fn drifted(setting: &Setting) -> Drifted<'_> {
        Drifted {
            setting,
            config_path: "/etc/containerd/config.toml",
            socket: &CONTAINERD_SOCKET,
            runtime: "containerd 1.7.2".to_owned(),
        }
    }

    #[test]
    fn the_message_says_whether_config_toml_sets_the_value_or_leaves_it_to_the_default() {
        let set = sandbox_image(false);
        assert_eq!(
            drifted(&set).message(),
            "the running containerd (containerd 1.7.2 on /run/containerd/containerd.sock) uses sandbox image = \
             \"registry.k8s.io/pause:3.6\", but /etc/containerd/config.toml sets \"registry.k8s.io/pause:3.10\": \
             containerd was not restarted after config.toml changed"
        );
        let defaulted = sandbox_image(true);
        assert!(drifted(&defaulted).message().contains(
            "but config.toml leaves it to containerd's default, \"registry.k8s.io/pause:3.10\":"
        ));
    }

    #[test]
    fn the_fix_names_the_key_and_the_running_socket() {
        let setting = sandbox_image(false);
        let fix = drifted(&setting).fix();
        assert!(fix.contains(
            "write it to /etc/containerd/config.toml (plugins.\"io.containerd.grpc.v1.cri\".sandbox_image)"
        ));
        assert!(
            fix.contains("`crictl --runtime-endpoint unix:///run/containerd/containerd.sock info`")
        );
    }
}

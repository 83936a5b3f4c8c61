//! RA803 running-config-drift.

use super::probe_results;
use crate::release::ContainerdRelease;
use crate::engine::{Emitter, Location};
use crate::model::containerd::ContainerdConfig;
use crate::model::live::{CriApi, CriEndpoint, Probe, ProbeFailure, RunningCriConfig};
use crate::model::{Effective, NodeSnapshot, Span, Version};
use crate::model::endpoint::clean;

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
            clean(&c.socket) == cfg.grpc_address.value.path()
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
        let no_cri = || {
            format!(
                "containerd on {} serves no CRI (see RA802): there is no running CRI config",
                e.socket
            )
        };
        let running = match &e.status {
            Probe::Ok { value } => match &value.config {
                Some(r) => r,
                None => {
                    not_applicable.push(format!(
                        "containerd on {} does not report its running CRI config in Status",
                        e.socket
                    ));
                    continue;
                }
            },
            Probe::Failed {
                failure: ProbeFailure::Unimplemented,
                ..
            } => {
                not_applicable.push(no_cri());
                continue;
            }
            _ if e.api.ok() == Some(&CriApi::None) => {
                not_applicable.push(no_cri());
                continue;
            }
            Probe::Failed { failure, reason } => {
                undecided.push(format!(
                    "CRI Status on {}: {} ({reason})",
                    e.socket,
                    failure_words(*failure)
                ));
                continue;
            }
            Probe::Skipped { reason } => {
                undecided.push(format!(
                    "CRI Status on {} was not probed: {reason}",
                    e.socket
                ));
                continue;
            }
        };
        compared = true;
        Drift {
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
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    } else if !compared {
        out.not_applicable(not_applicable.join("; "));
    }
}

struct Drift<'s> {
    cfg: &'s ContainerdConfig,
    /// The release the config's effective values were computed for.
    release: &'s ContainerdRelease,
    endpoint: &'s CriEndpoint,
    running_version: Option<Version>,
}

/// One setting on both sides.
struct Setting<'a> {
    name: &'static str,
    key: String,
    disk: String,
    running: String,
    /// Where config.toml sets it (None: containerd's default).
    at: Option<Span>,
    /// config.toml leaves it to containerd's default: only comparable when the config was
    /// evaluated for the release that runs.
    defaulted: bool,
    consequence: &'a str,
}

impl Drift<'_> {
    fn compare(&self, out: &mut Emitter<Case>, running: &RunningCriConfig) {
        let cri = &self.cfg.cri;
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

        let same_release = self.same_release();
        for s in settings {
            if s.disk == s.running {
                continue;
            }
            if s.defaulted && !same_release {
                out.assume(format!(
                    "{}: config.toml leaves it to containerd's default, evaluated for containerd {} while {} runs; not compared",
                    s.name,
                    self.release.evaluated(),
                    self.running_version
                        .as_ref()
                        .map_or_else(|| "an unknown release".to_owned(), |v| format!("containerd {v}"))
                ));
                continue;
            }
            self.emit(out, &s);
        }
    }

    /// The config's effective values were computed for the release that runs.
    fn same_release(&self) -> bool {
        self.running_version
            .as_ref()
            .is_some_and(|running| self.release.is_exactly(running))
    }

    fn emit(&self, out: &mut Emitter<Case>, s: &Setting) {
        let socket = &self.endpoint.socket;
        let disk_side = if s.defaulted {
            format!("config.toml leaves it to containerd's default, {}", s.disk)
        } else {
            format!("{} sets {}", self.cfg.path, s.disk)
        };
        let at =
            s.at.map_or_else(|| Location::Path(self.cfg.path.clone()), Location::Span);
        let runtime = probe_results::runtime_words(self.endpoint);
        out.finding(
            Case::Drift,
            at,
            format!(
                "the running containerd ({runtime} on {socket}) uses {} = {}, but {disk_side}: containerd was not restarted after config.toml changed",
                s.name, s.running
            ),
        )
        .label(format!("on disk: {}", s.disk))
        .related(
            Location::Path(socket.clone()),
            format!("the running CRI config says {}", s.running),
        )
        .impact(format!(
            "The node runs with settings that are no longer written anywhere, and {}. The audit's other findings \
             describe config.toml, not what runs now.",
            s.consequence
        ))
        .fix(format!(
            "Decide which value is right, write it to {} ({}), then drain the node and `systemctl restart containerd`; \
             `crictl --runtime-endpoint unix://{socket} info` then shows the running config.",
            self.cfg.path, s.key
        ))
        .key(s.key.clone())
        .actual(format!("running: {}", s.running))
        .expected(format!("config.toml: {}", s.disk))
        .emit();
    }
}

fn effective<'a>(
    name: &'static str,
    key: String,
    disk: &Effective<String>,
    running: &str,
    consequence: &'a str,
) -> Setting<'a> {
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

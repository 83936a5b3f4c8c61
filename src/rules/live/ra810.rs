//! RA810 kubelet-config-drift.

use crate::engine::{Emitter, Location};
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::model::live::{KubeletLive, Probe, RunningKubeletConfig};
use crate::model::{Component, Effective, NodeSnapshot, Span};

use super::probe_results::failure_words;

declare_rule! {
    id: "RA810",
    name: "kubelet-config-drift",
    area: Live,
    summary: "The running kubelet's cgroup driver or container runtime endpoint (configz, through the API server) differs from its flags and config.yaml on disk: the kubelet was not restarted",
    inputs: [KubeletFlags, KubeletConfig, KubernetesApi],
    cases: [
        Drift("drift", Warning),
    ],
}

/// The kubelet's endpoint when neither a flag nor config.yaml sets it, on the releases whose
/// configz shows the endpoint (1.27+, migration facts KLT-003).
const DEFAULT_ENDPOINT: &str = "unix:///run/containerd/containerd.sock";

const GATE: &str = "KubeletCgroupDriverFromCRI";

/// The running configuration against the effective settings on disk, one setting at a time;
/// a setting whose disk side cannot be known makes the rule inconclusive.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let live = &snap.live.kubelet;
    let running = match &live.configz {
        Probe::Ok { value } => value,
        Probe::Skipped { reason } => {
            out.not_applicable(format!(
                "the running kubelet's configuration was not read ({reason})"
            ));
            return;
        }
        Probe::Failed { failure, reason } => {
            out.inconclusive(format!(
                "the running kubelet's configuration{} could not be read: {} ({reason})",
                of_node(live),
                failure_words(*failure)
            ));
            return;
        }
    };
    let Some(kubelet) = out.need(&snap.kubelet, "kubelet configuration") else {
        return;
    };
    let mut undecided = Vec::new();
    for s in settings(snap, kubelet, running, out) {
        match s {
            Compared::Same => {}
            Compared::Undecided(why) => undecided.push(why),
            Compared::Differs(d) => d.emit(snap, live, out),
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    }
}

/// ` (configz of Node n1)`.
fn of_node(live: &KubeletLive) -> String {
    live.node
        .as_deref()
        .map(|n| format!(" (configz of Node {n})"))
        .unwrap_or_default()
}

/// One setting on both sides.
enum Compared {
    Same,
    Differs(Drifted),
    /// The disk side cannot be known, and why.
    Undecided(String),
}

/// The cgroup driver, and the runtime endpoint where configz has it (kubelet 1.27+).
fn settings(
    snap: &NodeSnapshot,
    kubelet: &KubeletSettings,
    running: &RunningKubeletConfig,
    out: &mut Emitter<Case>,
) -> Vec<Compared> {
    let mut compared = Vec::new();
    if let Some(driver) = &running.cgroup_driver {
        if driver_from_cri(snap, kubelet) {
            out.assume(format!(
                "the kubelet takes its cgroup driver from containerd ({GATE}, containerd 2.x): its own cgroupDriver is ignored, and configz shows the file's driver or containerd's depending on the kubelet's release (kubernetes#134673), so the driver was not compared"
            ));
        } else {
            compared.push(cgroup_driver(kubelet, driver));
        }
    }
    match &running.container_runtime_endpoint {
        Some(endpoint) => compared.push(runtime_endpoint(kubelet, endpoint)),
        None => out.assume(
            "the running kubelet's configz has no containerRuntimeEndpoint (kubelet before 1.27 takes it as a flag only, which configz does not show): only the cgroup driver was compared",
        ),
    }
    compared
}

/// The kubelet ignores its own driver: the feature gate is on for its release and containerd
/// (2.0+) reports the driver (migration facts CGRP-001).
fn driver_from_cri(snap: &NodeSnapshot, kubelet: &KubeletSettings) -> bool {
    let gate = kubelet
        .config
        .present()
        .and_then(|c| c.feature_gate(GATE))
        .map(|g| g.value);
    snap.versions.containerd.reports_cgroup_driver()
        && snap
            .versions
            .kubelet
            .as_ref()
            .is_some_and(|k| k.cgroup_driver_from_cri(gate))
}

fn cgroup_driver(kubelet: &KubeletSettings, running: &str) -> Compared {
    let disk = match &kubelet.effective.cgroup_driver {
        Setting::Known(e) => e,
        Setting::Unknown { reason } => {
            return Compared::Undecided(format!("the cgroup driver on disk is unknown: {reason}"));
        }
        Setting::Unset => return Compared::Same,
    };
    if disk.value == running {
        return Compared::Same;
    }
    Compared::Differs(Drifted {
        setting: Which::CgroupDriver,
        key: key(kubelet, "cgroup-driver", "cgroupDriver", disk),
        disk: disk.value.clone(),
        running: running.to_owned(),
        at: disk.span(),
        defaulted: disk.is_default(),
    })
}

fn runtime_endpoint(kubelet: &KubeletSettings, running: &str) -> Compared {
    let (disk, at, defaulted, key_name) = match &kubelet.effective.runtime_endpoint {
        Setting::Known(e) => (
            e.value.clone(),
            e.span(),
            e.is_default(),
            key(
                kubelet,
                "container-runtime-endpoint",
                "containerRuntimeEndpoint",
                e,
            ),
        ),
        Setting::Unset => (
            Endpoint::parse(DEFAULT_ENDPOINT),
            None,
            true,
            "containerRuntimeEndpoint".to_owned(),
        ),
        Setting::Unknown { reason } => {
            return Compared::Undecided(format!(
                "the container runtime endpoint on disk is unknown: {reason}"
            ));
        }
    };
    let live = Endpoint::parse(running);
    if disk.same_socket(&live) || disk.written().trim() == running.trim() {
        return Compared::Same;
    }
    Compared::Differs(Drifted {
        setting: Which::RuntimeEndpoint,
        key: key_name,
        disk: disk.written().trim().to_owned(),
        running: running.to_owned(),
        at,
        defaulted,
    })
}

/// `--cgroup-driver` when a flag sets it (flags win), else the config file's key.
fn key<T>(kubelet: &KubeletSettings, flag: &str, field: &str, e: &Effective<T>) -> String {
    let by_flag = e.span().is_some_and(|s| {
        kubelet
            .flags_named(flag)
            .any(|f| f.span.file == s.file && f.span.range().contains(&(s.start as usize)))
    });
    if by_flag {
        format!("--{flag}")
    } else {
        field.to_owned()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    CgroupDriver,
    RuntimeEndpoint,
}

/// A setting the running kubelet has another value of than its files.
struct Drifted {
    setting: Which,
    /// `cgroupDriver`, `--cgroup-driver`, `containerRuntimeEndpoint`, ...
    key: String,
    disk: String,
    running: String,
    /// Where the files set it (None: the kubelet's default).
    at: Option<Span>,
    defaulted: bool,
}

impl Drifted {
    fn name(&self) -> &'static str {
        match self.setting {
            Which::CgroupDriver => "cgroup driver",
            Which::RuntimeEndpoint => "container runtime endpoint",
        }
    }

    /// What the files say of the setting.
    fn disk_side(&self, snap: &NodeSnapshot) -> String {
        match self.at {
            Some(span) => {
                let p = snap.sources.position(span);
                format!(
                    "{}:{} sets {} {}",
                    snap.sources.get(span.file).host_path,
                    p.line,
                    self.key,
                    self.disk
                )
            }
            None if self.defaulted => format!(
                "no flag or config file sets {}, so the kubelet's default {} applies at its next start",
                self.key, self.disk
            ),
            None => format!("the files set {} {}", self.key, self.disk),
        }
    }

    fn message(&self, snap: &NodeSnapshot, live: &KubeletLive) -> String {
        format!(
            "the running kubelet{} uses {} {}, but {}: the kubelet was not restarted after the change",
            of_node(live),
            self.name(),
            self.running,
            self.disk_side(snap)
        )
    }

    fn impact(&self) -> String {
        let (disk, running) = (&self.disk, &self.running);
        match self.setting {
            Which::CgroupDriver => format!(
                "The kubelet runs with the {running} driver, written nowhere; at its next restart (a reboot, a package upgrade) it switches to {disk}. \
                 If containerd then uses the other driver, pods fail to start (runc: `expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups`) \
                 or sandboxes are re-created across the node (RA201), and changing the driver of a node that ran pods can break sandbox re-creation even after a restart. \
                 The audit's file-based findings describe the kubelet after that restart, not the one running now."
            ),
            Which::RuntimeEndpoint => format!(
                "The kubelet talks to {running} now; at its next restart it talks to {disk} instead. The pods of the runtime on {running} are \
                 then no longer managed, and if nothing serves {disk} the node goes NotReady. The audit's file-based findings describe the kubelet \
                 after that restart, not the one running now."
            ),
        }
    }

    fn fix(&self, snap: &NodeSnapshot, live: &KubeletLive) -> String {
        let node = live.node.as_deref().unwrap_or("NODE");
        let file = self.at.map_or_else(
            || "the kubelet's config file".to_owned(),
            |s| snap.sources.get(s.file).host_path.clone(),
        );
        format!(
            "Decide which value is right and write it to {file} ({}); then `kubectl drain {node} --ignore-daemonsets` and \
             `systemctl restart kubelet` so the kubelet reads it, and `kubectl uncordon {node}`. \
             `kubectl get --raw /api/v1/nodes/{node}/proxy/configz` then shows the running value.",
            self.key
        )
    }

    fn emit(self, snap: &NodeSnapshot, live: &KubeletLive, out: &mut Emitter<Case>) {
        let at = match self.at {
            Some(span) => Location::Span(span),
            None => Location::Path(default_location(snap)),
        };
        let related = live
            .source
            .clone()
            .unwrap_or_else(|| "the kubelet's configz".to_owned());
        let mut f = out
            .finding(Case::Drift, at, self.message(snap, live))
            .label(format!("on disk: {}", self.disk))
            .related(
                Location::Path(related),
                format!("the running kubelet's configz says {}", self.running),
            )
            .impact(self.impact())
            .fix(self.fix(snap, live))
            .key(self.key.clone())
            .actual(format!("running: {}", self.running))
            .expected(format!("on disk: {}", self.disk));
        if let Some(k) = &snap.versions.kubelet {
            f = f.version(Component::Kubelet, k.fact());
        }
        f.emit();
    }
}

/// Where a setting the files leave to the default belongs: the config file, else the first
/// file of flags.
fn default_location(snap: &NodeSnapshot) -> String {
    let Some(k) = snap.kubelet.present() else {
        return "/var/lib/kubelet/config.yaml".to_owned();
    };
    if let Some(c) = k.config.present() {
        return c.path.clone();
    }
    k.flag_sources.first().map_or_else(
        || "/var/lib/kubelet/config.yaml".to_owned(),
        |f| f.path.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drifted(setting: Which) -> Drifted {
        let (disk, running, key) = match setting {
            Which::CgroupDriver => ("cgroupfs", "systemd", "cgroupDriver"),
            Which::RuntimeEndpoint => (
                "unix:///run/containerd/containerd.sock",
                "unix:///var/run/cri-dockerd.sock",
                "containerRuntimeEndpoint",
            ),
        };
        Drifted {
            setting,
            key: key.into(),
            disk: disk.into(),
            running: running.into(),
            at: None,
            defaulted: false,
        }
    }

    #[test]
    fn the_impact_says_what_the_next_restart_changes() {
        let d = drifted(Which::CgroupDriver).impact();
        assert!(
            d.contains("runs with the systemd driver") && d.contains("switches to cgroupfs"),
            "{d}"
        );
        let e = drifted(Which::RuntimeEndpoint).impact();
        assert!(
            e.contains("talks to unix:///var/run/cri-dockerd.sock now"),
            "{e}"
        );
    }
}

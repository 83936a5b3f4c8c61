//! RA903 runtime-version-differs.

use crate::engine::{Emitter, Location};
use crate::model::live::{Probe, ProbeFailure, ProbeMode};
use crate::model::{Component, NodeSnapshot, Version, VersionOrigin};

declare_rule! {
    id: "RA903",
    name: "runtime-version-differs",
    area: Versions,
    summary: "A running daemon reports another version than the migration target or the Node object's containerRuntimeVersion",
    inputs: [RuntimeSocket, NodeObject],
    cases: [
        /// A running daemon reports another version than the migration target on the command line.
        TargetDiffers("target-differs", Warning),
        /// A running daemon reports another version than the Node object's containerRuntimeVersion.
        NodeDiffers("node-object-differs", Warning),
    ],
}

/// A version a daemon reported, and where.
struct Running {
    component: Component,
    /// `containerd` / `docker`, as in containerRuntimeVersion.
    scheme: &'static str,
    version: Version,
    socket: String,
    what: &'static str,
}

fn running(snap: &NodeSnapshot, undecided: &mut Vec<String>) -> Vec<Running> {
    let mut out = Vec::new();
    for e in &snap.live.cri {
        match &e.version {
            Probe::Ok { value } if value.runtime_name == "containerd" => {
                if let Some(version) = Version::parse(&value.runtime_version) {
                    out.push(Running {
                        component: Component::Containerd,
                        scheme: "containerd",
                        version,
                        socket: e.socket.clone(),
                        what: "CRI Version",
                    });
                }
            }
            Probe::Failed { failure, reason }
                if !matches!(failure, ProbeFailure::Unimplemented | ProbeFailure::Refused) =>
            {
                undecided.push(format!("CRI Version on {}: {reason}", e.socket));
            }
            _ => {}
        }
    }
    if let Some(d) = &snap.live.docker {
        match &d.version {
            Probe::Ok { value } => {
                if let Some(version) = Version::parse(&value.version) {
                    out.push(Running {
                        component: Component::Docker,
                        scheme: "docker",
                        version,
                        socket: d.socket.clone(),
                        what: "Docker /version",
                    });
                }
            }
            Probe::Failed { reason, .. } | Probe::Skipped { reason } => {
                undecided.push(format!("Docker /version on {}: {reason}", d.socket));
            }
        }
    }
    // Several CRI sockets may lead to the same containerd: report each version once.
    out.dedup_by(|a, b| a.component == b.component && a.version == b.version);
    out
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if let ProbeMode::Offline { reason } = &snap.live.mode {
        out.not_applicable(format!("live probes did not run ({reason})"));
        return;
    }
    let mut undecided = Vec::new();
    let daemons = running(snap, &mut undecided);
    if daemons.is_empty() {
        if undecided.is_empty() {
            out.not_applicable("no running containerd or Docker reported its version");
        } else {
            out.inconclusive(undecided.join("; "));
        }
        return;
    }
    let mut compared = false;
    for d in &daemons {
        if d.component == Component::Containerd
            && let Some(target) = snap.versions.containerd.known_fact()
            && matches!(target.origin, VersionOrigin::Cli { .. })
        {
            compared = true;
            if !d.version.matches(&target.version) {
                let flag = match &target.origin {
                    VersionOrigin::Cli { flag } => *flag,
                    _ => "--containerd-version",
                };
                out.finding(
                    Case::TargetDiffers,
                    Location::Path(d.socket.clone()),
                    format!(
                        "the running containerd reports {} ({} on {}), but the audit evaluates containerd {} ({flag})",
                        d.version, d.what, d.socket, target.version
                    ),
                )
                .label(format!("containerd {} runs here", d.version))
                .impact(format!(
                    "Every version-dependent verdict of this audit (defaults, removed options, the support matrix) is for \
                     containerd {}, not for the {} that runs: until this node runs the target, what runs now may \
                     behave differently from what the report says.",
                    target.version, d.version
                ))
                .fix(format!(
                    "Upgrade containerd on this node to {} before relying on the verdicts, or audit what runs now \
                     without {flag} (the running version is then used).",
                    target.version
                ))
                .key("containerd-version")
                .actual(format!("running: containerd {}", d.version))
                .expected(format!("{flag} {}", target.version))
                .version(Component::Containerd, target)
                .emit();
            }
        }
        if let Some(node) = &snap.versions.node_runtime
            && node.name == d.scheme
            && let Some(nv) = &node.version
        {
            compared = true;
            if !d.version.matches(nv) {
                let raw = format!(
                    "{}://{}",
                    node.name,
                    nv.raw.rsplit("://").next().unwrap_or(&nv.raw)
                );
                out.finding(
                    Case::NodeDiffers,
                    Location::Path(d.socket.clone()),
                    format!(
                        "the running {} reports {} ({} on {}), but the Node object's containerRuntimeVersion says {raw}",
                        d.component, d.version, d.what, d.socket
                    ),
                )
                .label(format!("{} {} runs here", d.component, d.version))
                .related(Location::Span(node.span), "containerRuntimeVersion")
                .impact(
                    "The Node object does not describe this node as it runs now: it was exported before the runtime \
                     changed, or it belongs to another node. Verdicts that used its versions disagree with the node.",
                )
                .fix(format!(
                    "Export the Node object again (`kubectl get node <name> -o yaml`) and check that --node-file is this \
                     node's; `kubectl get nodes -o wide` shows the runtime the kubelet reports (expected here: {}://{}).",
                    d.scheme, d.version
                ))
                .key(format!("{}-version", d.scheme))
                .actual(format!("running: {} {}", d.component, d.version))
                .expected(format!("containerRuntimeVersion {raw}"))
                .emit();
            }
        }
    }
    if !compared {
        out.not_applicable(
            "nothing to compare the running versions with: no --containerd-version and no Node object naming this runtime",
        );
    }
}

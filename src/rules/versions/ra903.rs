//! RA903 runtime-version-differs.

use crate::engine::{Emitter, Location};
use crate::model::live::{Probe, ProbeFailure, ProbeMode, SocketPath};
use crate::model::version::NodeRuntime;
use crate::model::{Component, NodeSnapshot, Span, Version, VersionFact, VersionOrigin};

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
    socket: SocketPath,
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

/// Each running daemon is compared with what the audit was told of it: containerd with the
/// target on the command line, either daemon with the Node object's containerRuntimeVersion.
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
    let target = cli_target(snap);
    let mut compared = false;
    for d in &daemons {
        if d.component == Component::Containerd
            && let Some((target, flag)) = target
        {
            compared = true;
            if !d.version.matches(&target.version) {
                TargetDiffers {
                    running: d,
                    target,
                    flag,
                }
                .emit(out);
            }
        }
        if let Some(node) = &snap.versions.node_runtime
            && node.name == d.scheme
            && let Some(nv) = &node.version
        {
            compared = true;
            if !d.version.matches(nv) {
                NodeDiffers {
                    running: d,
                    reported: reported_version(node, nv),
                    at: node.span,
                }
                .emit(out);
            }
        }
    }
    if !compared {
        out.not_applicable(
            "nothing to compare the running versions with: no --containerd-version and no Node object naming this runtime",
        );
    }
}

/// The containerd release the command line names as the migration target, and its flag.
fn cli_target(snap: &NodeSnapshot) -> Option<(&VersionFact, &'static str)> {
    let target = snap.versions.containerd.known_fact()?;
    match target.origin {
        VersionOrigin::Cli { flag } => Some((target, flag)),
        _ => None,
    }
}

/// containerRuntimeVersion as the Node object writes it: `containerd://1.7.2`.
fn reported_version(node: &NodeRuntime, version: &Version) -> String {
    format!(
        "{}://{}",
        node.name,
        version.raw.rsplit("://").next().unwrap_or(&version.raw)
    )
}

/// The running containerd is another release than the target the audit evaluates.
struct TargetDiffers<'a> {
    running: &'a Running,
    target: &'a VersionFact,
    /// The flag that names the target.
    flag: &'static str,
}

impl TargetDiffers<'_> {
    fn message(&self) -> String {
        let Running {
            version,
            what,
            socket,
            ..
        } = self.running;
        format!(
            "the running containerd reports {version} ({what} on {socket}), but the audit evaluates containerd {} ({})",
            self.target.version, self.flag
        )
    }

    fn impact(&self) -> String {
        format!(
            "Every version-dependent verdict of this audit (defaults, removed options, the support matrix) is for \
             containerd {}, not for the {} that runs: until this node runs the target, what runs now may \
             behave differently from what the report says.",
            self.target.version, self.running.version
        )
    }

    fn fix(&self) -> String {
        let flag = self.flag;
        format!(
            "Upgrade containerd on this node to {} before relying on the verdicts, or audit what runs now \
             without {flag} (the running version is then used).",
            self.target.version
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let (running, target) = (&self.running.version, &self.target.version);
        out.finding(
            Case::TargetDiffers,
            Location::Path(self.running.socket.to_string()),
            self.message(),
        )
        .label(format!("containerd {running} runs here"))
        .impact(self.impact())
        .fix(self.fix())
        .key("containerd-version")
        .actual(format!("running: containerd {running}"))
        .expected(format!("{} {target}", self.flag))
        .version(Component::Containerd, self.target)
        .emit();
    }
}

/// A running daemon is another version than the Node object's containerRuntimeVersion.
struct NodeDiffers<'a> {
    running: &'a Running,
    /// containerRuntimeVersion, as the Node object writes it.
    reported: String,
    /// Where the Node object writes it.
    at: Span,
}

impl NodeDiffers<'_> {
    const IMPACT: &'static str = "The Node object does not describe this node as it runs now: it was exported before the runtime \
                     changed, or it belongs to another node. Verdicts that used its versions disagree with the node.";

    fn message(&self) -> String {
        let Running {
            component,
            version,
            socket,
            what,
            ..
        } = self.running;
        format!(
            "the running {component} reports {version} ({what} on {socket}), but the Node object's containerRuntimeVersion says {}",
            self.reported
        )
    }

    fn fix(&self) -> String {
        format!(
            "Export the Node object again (`kubectl get node <name> -o yaml`) and check that --node-file is this \
             node's; `kubectl get nodes -o wide` shows the runtime the kubelet reports (expected here: {}://{}).",
            self.running.scheme, self.running.version
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let Running {
            component,
            scheme,
            version,
            socket,
            ..
        } = self.running;
        out.finding(
            Case::NodeDiffers,
            Location::Path(socket.to_string()),
            self.message(),
        )
        .label(format!("{component} {version} runs here"))
        .related(Location::Span(self.at), "containerRuntimeVersion")
        .impact(Self::IMPACT)
        .fix(self.fix())
        .key(format!("{scheme}-version"))
        .actual(format!("running: {component} {version}"))
        .expected(format!("containerRuntimeVersion {}", self.reported))
        .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(component: Component, scheme: &'static str, version: &str) -> Running {
        Running {
            component,
            scheme,
            version: Version::parse(version).expect("a version"),
            socket: SocketPath::new("/run/containerd/containerd.sock"),
            what: "CRI Version",
        }
    }

    #[test]
    fn a_differing_target_names_the_flag_that_set_it() {
        let containerd = running(Component::Containerd, "containerd", "1.6.20");
        let target = VersionFact {
            version: Version::parse("2.1.4").expect("a version"),
            origin: VersionOrigin::Cli {
                flag: "--containerd-version",
            },
        };
        let differs = TargetDiffers {
            running: &containerd,
            target: &target,
            flag: "--containerd-version",
        };
        assert_eq!(
            differs.message(),
            "the running containerd reports 1.6.20 (CRI Version on /run/containerd/containerd.sock), but the audit evaluates containerd 2.1.4 (--containerd-version)"
        );
        assert!(differs.fix().contains("without --containerd-version"));
    }

    #[test]
    fn the_node_objects_version_is_quoted_with_its_scheme() {
        let node = NodeRuntime {
            name: "docker".to_owned(),
            version: Version::parse("docker://20.10.7"),
            span: Span::new(crate::model::FileId(0), 0..1),
        };
        let version = node.version.as_ref().expect("a version");
        assert_eq!(reported_version(&node, version), "docker://20.10.7");
        let docker = running(Component::Docker, "docker", "24.0.7");
        let differs = NodeDiffers {
            running: &docker,
            reported: reported_version(&node, version),
            at: node.span,
        };
        assert!(
            differs
                .message()
                .starts_with("the running Docker reports 24.0.7")
        );
        assert!(differs.fix().ends_with("(expected here: docker://24.0.7)."));
    }
}

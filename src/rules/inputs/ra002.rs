//! RA002 input-syntax-error.

use crate::engine::{Emitter, Location};
use crate::model::{InputKind, NodeSnapshot, Problem};

declare_rule! {
    id: "RA002",
    name: "input-syntax-error",
    area: Inputs,
    summary: "A TOML, YAML, JSON or env file has a syntax error; its consumer refuses it",
    inputs: [ContainerdConfig, KubeletFlags, KubeletSystemdDropIn, KubeletConfig, CrictlConfig, DockerDaemonConfig, NodeObject, StaticPodManifest],
    cases: [
        Syntax("syntax", Error),
    ],
}

/// What the consumer of each kind of file does with a syntax error.
fn consequence(kind: InputKind) -> &'static str {
    match kind {
        InputKind::ContainerdConfig => {
            "containerd refuses to start (`failed to load TOML ...` / `failed to unmarshal TOML at row R column C`); \
             every pod on the node stops once it is restarted."
        }
        InputKind::KubeletConfig => {
            "The kubelet refuses to start (`failed to load kubelet config file`); the node goes NotReady."
        }
        InputKind::KubeletFlags | InputKind::KubeletSystemdDropIn => {
            "systemd cannot pass these flags as written; the kubelet starts with a different command line than intended, or not at all."
        }
        InputKind::CrictlConfig => {
            "crictl cannot load its config and falls back to probing default endpoints."
        }
        InputKind::DockerDaemonConfig => {
            "dockerd refuses to start (`unable to configure the Docker daemon with file /etc/docker/daemon.json`)."
        }
        InputKind::NodeObject => {
            "The Node object cannot be audited: annotation and version checks do not run."
        }
        InputKind::StaticPodManifest => {
            "The kubelet logs `Could not process manifest file` and does not run this static pod."
        }
        _ => "Checks that need this file could not run.",
    }
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    for p in &snap.problems {
        let Problem::Syntax {
            format,
            message,
            span,
        } = &p.problem
        else {
            continue;
        };
        // A hosts.toml that does not parse has a containerd-specific consequence: RA405.
        if p.kind == InputKind::HostsToml {
            continue;
        }
        let at = span.map_or_else(|| Location::Path(p.path.clone()), Location::Span);
        out.finding(
            Case::Syntax,
            at,
            format!("{format} syntax error in {} {}: {message}", p.kind.label(), p.path),
        )
        .impact(format!(
            "{} Checks that need it are inconclusive: {}.",
            consequence(p.kind),
            super::rules_reading(p.kind)
        ))
        .fix(format!("Correct the {format} syntax at the marked position and validate the file before restarting its service."))
        .key(p.path.to_string())
        .label(message.clone())
        .emit();
    }
}

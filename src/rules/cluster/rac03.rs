//! RAC03 kubelet-containerd-unsupported.

use crate::cluster::facts::{ClusterFacts, NodeFacts};
use crate::engine::Emitter;
use crate::model::{Component, Version, VersionFact, VersionOrigin};
use crate::release::{ContainerdRelease, KubeletRelease, support};

use super::{kubelet_of, node_location};

declare_cluster_rule! {
    id: "RAC03",
    name: "kubelet-containerd-unsupported",
    summary: "A node's kubelet and the containerd it runs (or moves to) are not a supported pair",
    cases: [
        CriV1Missing("cri-v1-missing", Error),
        OneXGone("containerd-1x-unsupported", Error),
        Outside("outside-matrix", Warning),
    ],
}

fn check(facts: &ClusterFacts, out: &mut Emitter<Case>) {
    if !super::have_nodes(facts, out) {
        return;
    }
    let mut docker_nodes = 0;
    for node in facts.nodes() {
        let Some(kubelet) = kubelet_of(node) else {
            continue;
        };
        let containerd = match node.runtime_name() {
            "containerd" => Version::parse(&node.runtime).map(|version| {
                ContainerdRelease::resolve(
                    Some(&VersionFact {
                        version,
                        origin: VersionOrigin::Probe {
                            what: format!("Node {}'s status.nodeInfo.containerRuntimeVersion", node.name),
                        },
                    }),
                    None,
                )
            }),
            "docker" => {
                docker_nodes += 1;
                facts.target.containerd.clone()
            }
            _ => None,
        };
        if let Some(containerd) = containerd {
            judge(facts, node, &kubelet, &containerd, out);
        }
    }
    if docker_nodes > 0 && facts.target.containerd.is_none() {
        out.assume(format!(
            "{docker_nodes} node(s) on Docker were not judged: name the containerd they move to with --containerd-version"
        ));
    }
    out.assume(format!("the support matrix read covers {}", support::MATRIX_COVERS));
}

fn judge(
    facts: &ClusterFacts,
    node: &NodeFacts,
    kubelet: &KubeletRelease,
    containerd: &ContainerdRelease,
    out: &mut Emitter<Case>,
) {
    let Some(version) = containerd.version() else {
        return;
    };
    let runs = if node.runtime_name() == "docker" {
        format!("containerd {version}, the migration target (--containerd-version),")
    } else {
        format!("containerd {version}")
    };
    let kubelet_label = format!("kubelet {}", kubelet.version());
    let (case, message, impact, expected) = if kubelet.speaks_only_cri_v1() && !version.at_least(1, 6, 0) {
        (
            Case::CriV1Missing,
            format!("Node {}: {kubelet_label} needs CRI v1, which {runs} lacks", node.name),
            "The kubelet does not register the node: `unknown service runtime.v1.RuntimeService` (Kubernetes 1.26 \
             removed CRI v1alpha2; containerd serves CRI v1 from 1.6.0)."
                .to_owned(),
            "containerd 1.6.0 or later (1.6.15+ or 1.7.0+ recommended for 1.26+)".to_owned(),
        )
    } else if kubelet.drops_containerd_1x() && containerd.is_1x() {
        (
            Case::OneXGone,
            format!(
                "Node {}: {runs} is not supported by {kubelet_label}: Kubernetes 1.35 was the last release to support containerd 1.x",
                node.name
            ),
            "Kubernetes 1.36 and later are tested and supported only with containerd 2.x: problems on this node are \
             outside what either project supports."
                .to_owned(),
            "containerd 2.2.0 or later".to_owned(),
        )
    } else if let Some(lines) = support::supported_lines(kubelet)
        && let Some(minimum) = support::minimum_outside(containerd, lines)
    {
        let listed: Vec<String> = lines.iter().map(|l| format!("{l}+")).collect();
        (
            Case::Outside,
            format!(
                "Node {}: {runs} is outside the releases containerd supports for {kubelet_label}",
                node.name
            ),
            format!(
                "containerd's RELEASES.md lists {} for Kubernetes {}.{}: other releases are not tested with it.",
                listed.join(", "),
                kubelet.minor().0,
                kubelet.minor().1
            ),
            format!("containerd {minimum} or later in its line"),
        )
    } else {
        return;
    };
    out.finding(case, node_location(facts, node), message)
        .impact(impact)
        .fix(format!(
            "Move Node {} to {expected} (or its kubelet to a release that supports the containerd it runs).",
            node.name
        ))
        .key("status.nodeInfo")
        .label("unsupported pair")
        .actual(format!("{} with {}", node.kubelet_version, version))
        .expected(expected)
        .version(Component::Kubelet, kubelet.fact())
        .release(containerd)
        .emit();
}

//! RAC01 node-on-docker.

use crate::cluster::facts::{ClusterFacts, NodeFacts};
use crate::engine::Emitter;
use crate::model::endpoint::{DockerSocket, Endpoint};

use super::{kubelet_of, node_location};

declare_cluster_rule! {
    id: "RAC01",
    name: "node-on-docker",
    summary: "A node still runs Docker: its runtime reports docker://, through dockershim or cri-dockerd",
    cases: [
        Dockershim("dockershim", Error),
        CriDockerd("cri-dockerd", Warning),
    ],
}

fn check(facts: &ClusterFacts, out: &mut Emitter<Case>) {
    if !super::have_nodes(facts, out) {
        return;
    }
    let mut unknown = 0;
    for node in facts.nodes() {
        if node.runtime.is_empty() {
            unknown += 1;
            continue;
        }
        if node.runtime_name() == "docker" {
            report(facts, node, out);
        }
    }
    if unknown > 0 {
        out.assume(format!(
            "{unknown} node(s) report no status.nodeInfo.containerRuntimeVersion and were not judged"
        ));
    }
}

/// dockershim up to kubelet 1.23, unless kubeadm's annotation names cri-dockerd's socket;
/// from 1.24, only cri-dockerd can serve Docker to the kubelet.
fn report(facts: &ClusterFacts, node: &NodeFacts, out: &mut Emitter<Case>) {
    let kubelet = kubelet_of(node);
    let era_of = |value: &str| Endpoint::parse(value).docker_era();
    // The running kubelet's endpoint says which, when configz shows it; else kubeadm's
    // annotation, else the kubelet's version.
    let running = node.running_endpoint().and_then(era_of);
    let annotated = node.cri_socket.as_deref().and_then(era_of);
    let (dockershim, how) = match (running, annotated, &kubelet) {
        (Some(era), _, _) => (
            era == DockerSocket::Dockershim,
            format!(
                "the running kubelet's configz names {}",
                node.running_endpoint().unwrap_or_default()
            ),
        ),
        (None, Some(DockerSocket::CriDockerd), _) => (
            false,
            "kubeadm's cri-socket annotation names cri-dockerd's socket".to_owned(),
        ),
        (None, _, Some(k)) if k.has_dockershim() => (
            true,
            format!("kubelet {} still has dockershim built in", k.version()),
        ),
        (None, _, Some(k)) => (
            false,
            format!(
                "kubelet {} has no dockershim, so cri-dockerd serves Docker to it",
                k.version()
            ),
        ),
        (None, _, None) => (
            false,
            format!("the kubelet version {:?} does not parse", node.kubelet_version),
        ),
    };
    let message = format!(
        "Node {} runs {} ({how})",
        node.name, node.runtime
    );
    let (case, impact, fix) = if dockershim {
        (
            Case::Dockershim,
            "Kubernetes 1.24 removed dockershim: upgraded as it is, this node's kubelet stops with \
             `failed to run Kubelet: using dockershim is not supported` (or, with kubeadm's flags, `failed to parse \
             kubelet flag: unknown flag: --network-plugin`) and the node goes NotReady, unless it moves to \
             containerd (or cri-dockerd) first.",
            "Drain the node, install containerd and point the kubelet at it (`--container-runtime=remote \
             --container-runtime-endpoint=unix:///run/containerd/containerd.sock`; `runtime-audit fix` on the \
             node writes it), update kubeadm's cri-socket annotation, then uncordon. Run `runtime-audit` on the \
             node first.",
        )
    } else {
        (
            Case::CriDockerd,
            "The node is not migrated: Docker Engine stays its runtime behind cri-dockerd, an adapter maintained \
             outside Kubernetes. Kubernetes reports it as `docker://`, like a dockershim node, so the migration \
             cannot be told finished from the API until it moves to containerd.",
            "Drain the node, move the kubelet's endpoint from cri-dockerd's socket to containerd's, update \
             kubeadm's cri-socket annotation, then uncordon. Run `runtime-audit` on the node first.",
        )
    };
    let mut b = out
        .finding(case, node_location(facts, node), message)
        .impact(impact)
        .fix(fix)
        .key("status.nodeInfo.containerRuntimeVersion")
        .label("still on Docker")
        .actual(node.runtime.clone())
        .expected("containerd://…");
    if let Some(k) = &kubelet {
        b = b.version(crate::model::Component::Kubelet, k.fact());
    }
    b.emit();
}

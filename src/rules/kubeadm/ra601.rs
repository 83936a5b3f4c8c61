//! RA601 cri-socket-annotation-missing.

use crate::engine::Emitter;
use crate::model::node::CRI_SOCKET_ANNOTATION;
use crate::model::{Component, Input, NodeSnapshot};

use super::cri_socket::{
    SocketSource, annotate, kubeadm_evidence, kubeadm_version_text, socket_source,
};
use crate::rules::containerd_socket::containerd_endpoint;

declare_rule! {
    id: "RA601",
    name: "cri-socket-annotation-missing",
    area: Kubeadm,
    summary: "A kubeadm node's Node object lacks kubeadm.alpha.kubernetes.io/cri-socket, which kubeadm upgrade reads",
    inputs: [NodeObject, KubeletFlags, KubeletConfig],
    cases: [
        Missing("missing", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let node = match &snap.node {
        Input::Present(n) => n,
        other => {
            out.need(other, "Node object (--node-file)");
            return;
        }
    };
    let Some(evidence) = kubeadm_evidence(snap, node) else {
        out.not_applicable(
            "not a kubeadm node: no kubeadm-flags.env, no instance-config.yaml, no kubeadm annotation on the Node",
        );
        return;
    };
    if node.cri_socket.is_some() {
        return;
    }
    let version = snap.versions.kubelet.as_ref();
    let source = socket_source(snap, version);
    match source {
        SocketSource::InstanceConfig => {
            out.not_applicable(
                "kubeadm 1.34+ (NodeLocalCRISocket) reads the CRI socket from /var/lib/kubelet/instance-config.yaml, which exists",
            );
            return;
        }
        SocketSource::Unknown => {
            out.inconclusive(
                "/var/lib/kubelet/instance-config.yaml exists: kubeadm 1.34+ reads the socket from it and needs no annotation, older kubeadm needs the annotation; the kubeadm version is unknown (pass --kubernetes-version)",
            );
            return;
        }
        SocketSource::Annotation => {}
    }
    let (socket, socket_origin) = containerd_endpoint(snap);
    let node_name = node.display_name().to_owned();
    let version_text = version.map_or_else(
        || {
            "every kubeadm version reads it when /var/lib/kubelet/instance-config.yaml is absent"
                .to_owned()
        },
        |v| format!("{}, reads it on upgrade", kubeadm_version_text(v)),
    );
    let mut b = out
        .finding(
            Case::Missing,
            node.annotations_at,
            format!(
                "Node {node_name} is a kubeadm node ({evidence}) but has no `{CRI_SOCKET_ANNOTATION}` annotation; {version_text}"
            ),
        )
        .impact(format!(
            "`kubeadm upgrade node` on this node fails: `node {node_name} doesn't have {CRI_SOCKET_ANNOTATION} annotation`."
        ))
        .fix(format!(
            "Run `{}` (`{socket}` is {socket_origin}). From kubeadm 1.34 the socket lives in /var/lib/kubelet/instance-config.yaml instead.",
            annotate(node, &socket)
        ))
        .key(CRI_SOCKET_ANNOTATION)
        .label("no cri-socket annotation")
        .actual("annotation absent")
        .expected(format!("{CRI_SOCKET_ANNOTATION}: {socket}"));
    if let Some(v) = version {
        b = b.version(Component::Kubelet, v.fact());
    }
    b.emit();
}

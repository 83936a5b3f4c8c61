//! RA603 cri-socket-annotation-no-scheme.

use crate::engine::Emitter;
use crate::model::node::{CRI_SOCKET_ANNOTATION, CriSocketAnnotation};
use crate::model::{Component, Input, NodeSnapshot};

use super::cri_socket::{SocketSource, annotate, socket_source};
use crate::rules::containerd_socket::containerd_endpoint;

declare_rule! {
    id: "RA603",
    name: "cri-socket-annotation-no-scheme",
    area: Kubeadm,
    summary: "The kubeadm cri-socket annotation is a bare path without `unix://` (deprecated by kubeadm)",
    inputs: [NodeObject],
    cases: [
        NoScheme("no-scheme", Warning),
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
    let Some(CriSocketAnnotation { key, socket: value }) = &node.cri_socket else {
        out.not_applicable(format!(
            "the Node has no `{CRI_SOCKET_ANNOTATION}` annotation"
        ));
        return;
    };
    let version = snap.versions.kubelet.as_ref();
    if socket_source(snap, version) == SocketSource::InstanceConfig {
        out.not_applicable(
            "kubeadm 1.34+ reads the CRI socket from /var/lib/kubelet/instance-config.yaml, not from the annotation",
        );
        return;
    }
    let endpoint = &value.value;
    if endpoint.scheme().is_some() || endpoint.is_empty() {
        return;
    }
    // A schemeless dockershim path is also stale: suggest containerd's socket then.
    let (target, why) = if endpoint.docker_era().is_some() {
        let (t, origin) = containerd_endpoint(snap);
        let why = format!(
            " (`{}` is stale too, RA602; `{t}` is {origin})",
            value.value
        );
        (t, why)
    } else {
        (format!("unix://{}", endpoint.written().trim()), String::new())
    };
    let mut b = out
        .finding(
            Case::NoScheme,
            value.span,
            format!(
                "Node {}'s `{CRI_SOCKET_ANNOTATION}` `{}` has no `unix://` scheme",
                node.display_name(),
                value.value
            ),
        )
        .impact(format!(
            "kubeadm warns on every run: `Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet errors in the future. Automatically prepending scheme \"unix\" to the \"criSocket\" with value \"{}\". Please update your configuration!`",
            value.value
        ))
        .fix(format!("Run `{}`{why}.", annotate(node, &target)))
        .key(CRI_SOCKET_ANNOTATION)
        .label("no unix://")
        .actual(value.value.to_string())
        .expected(target.clone())
        .related(*key, "annotation");
    if let Some(v) = version {
        b = b.version(Component::Kubelet, v.fact());
    }
    b.emit();
}

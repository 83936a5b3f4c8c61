//! RA602 cri-socket-annotation-stale.

use crate::engine::Emitter;
use crate::model::node::CRI_SOCKET_ANNOTATION;
use crate::model::{Component, Input, NodeSnapshot};

use super::common::{SocketSource, annotate, kubeadm_version_text, socket_source};
use crate::rules::kubelet::common::{Endpoint, containerd_endpoint, containerd_socket};

declare_rule! {
    id: "RA602",
    name: "cri-socket-annotation-stale",
    area: Kubeadm,
    summary: "The CRI socket kubeadm reads (Node annotation, or instance-config.yaml on 1.34+) is Docker's or not containerd's",
    inputs: [NodeObject, KubeletConfig, KubeletFlags, ContainerdConfig],
    cases: [
        DockerSocket("docker-socket", Error),
        OtherSocket("other-socket", Error),
        InstanceConfigStale("instance-config-stale", Error),
    ],
}

const IMPACT: &str = "`kubeadm upgrade` talks to that socket: with Docker gone it fails its preflight and image pulls (`[ERROR ImagePull]: failed to pull image ...`), older kubeadm reports `docker is required for container runtime`.";

/// The socket kubeadm should see, and where that comes from.
fn reference(snap: &NodeSnapshot) -> Option<(Endpoint, String)> {
    if let Some(c) = containerd_socket(snap) {
        let (_, origin) = containerd_endpoint(snap);
        return Some((c, origin));
    }
    let k = snap.kubelet.present()?;
    let e = k.effective.runtime_endpoint.known()?;
    let endpoint = Endpoint::parse(&e.value);
    endpoint
        .docker_era()
        .is_none()
        .then(|| (endpoint, "the kubelet's runtime endpoint".to_owned()))
}

/// What is wrong with a socket kubeadm reads, if anything: the case and the message tail.
fn verdict(value: &str, reference: Option<&(Endpoint, String)>) -> Option<(bool, String)> {
    let e = Endpoint::parse(value);
    if let Some(kind) = e.docker_era() {
        if reference.is_some_and(|(r, _)| r.same_socket(&e)) {
            return None;
        }
        return Some((true, format!("is {}", kind.describe())));
    }
    let (r, origin) = reference?;
    (!r.same_socket(&e)).then(|| (false, format!("is not `{}` ({origin})", r.path)))
}

#[expect(clippy::too_many_lines, reason = "to be split")]
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let version = snap.versions.kubelet.as_ref();
    let source = socket_source(snap, version);
    let reference = reference(snap);
    if reference.is_none() {
        out.assume("neither containerd's config nor the kubelet's endpoint is known: only Docker-era sockets are recognized as stale");
    }
    let (target, target_origin) = containerd_endpoint(snap);
    let version_note = version.map_or_else(
        || "the kubeadm version is unknown".to_owned(),
        kubeadm_version_text,
    );
    let mut checked_anything = false;

    // The annotation, unless kubeadm reads instance-config.yaml instead.
    match &snap.node {
        Input::Present(node) if source != SocketSource::InstanceConfig => {
            if let Some((key, value)) = node.annotation_entry(CRI_SOCKET_ANNOTATION) {
                checked_anything = true;
                if let Some((docker, what)) = verdict(&value.value, reference.as_ref()) {
                    let case = if docker {
                        Case::DockerSocket
                    } else {
                        Case::OtherSocket
                    };
                    let mut b = out
                        .finding(
                            case,
                            value.span,
                            format!(
                                "Node {}'s `{CRI_SOCKET_ANNOTATION}` `{}` {what}; `kubeadm upgrade` reads the node's CRI socket from this annotation ({version_note})",
                                node.display_name(),
                                value.value
                            ),
                        )
                        .impact(IMPACT)
                        .fix(format!(
                            "Run `{}` (`{target}` is {target_origin}).",
                            annotate(node, &target)
                        ))
                        .key(CRI_SOCKET_ANNOTATION)
                        .label(if docker { "Docker-era socket" } else { "not containerd's socket" })
                        .actual(value.value.clone())
                        .expected(target.clone())
                        .related(key.span, "annotation");
                    if let Some(v) = version {
                        b = b.version(Component::Kubelet, v.fact());
                    }
                    b.emit();
                }
            }
        }
        Input::Present(_) => {}
        Input::Absent { .. } => {}
        Input::Unreadable { path, reason } => {
            out.inconclusive(format!("Node object {path} could not be read: {reason}"));
        }
        Input::Invalid { path, reason, .. } => {
            out.inconclusive(format!("Node object {path} is not valid: {reason}"));
        }
    }

    // instance-config.yaml, which kubeadm 1.34+ reads (and will read after an upgrade).
    if let Some(k) = snap.kubelet.present() {
        match &k.instance_config {
            Input::Present(ic) => {
                if let Some(e) = &ic.container_runtime_endpoint {
                    checked_anything = true;
                    if let Some((_, what)) = verdict(&e.value, reference.as_ref()) {
                        let mut b = out
                            .finding(
                                Case::InstanceConfigStale,
                                e.span,
                                format!(
                                    "`containerRuntimeEndpoint: {}` in {} {what}; kubeadm 1.34+ (NodeLocalCRISocket) reads the node's CRI socket from this file",
                                    e.value, ic.path
                                ),
                            )
                            .impact(format!(
                                "{IMPACT} kubeadm also writes this endpoint into /var/lib/kubelet/config.yaml on upgrade, pointing the kubelet at it."
                            ))
                            .fix(format!(
                                "Set `containerRuntimeEndpoint: {target}` in {} (`{target}` is {target_origin}).",
                                ic.path
                            ))
                            .key("instance-config.containerRuntimeEndpoint")
                            .label("stale CRI socket")
                            .actual(e.value.clone())
                            .expected(target.clone());
                        if let Some(v) = version {
                            b = b.version(Component::Kubelet, v.fact());
                        }
                        b.emit();
                    }
                }
            }
            Input::Absent { .. } => {}
            Input::Unreadable { path, reason } => {
                out.inconclusive(format!("{path} could not be read: {reason}"));
            }
            Input::Invalid { path, reason, .. } => {
                out.inconclusive(format!("{path} is not valid: {reason}"));
            }
        }
    }

    if !checked_anything {
        let reason = match (&snap.node, source) {
            (_, SocketSource::InstanceConfig) => {
                "kubeadm 1.34+ reads instance-config.yaml, which sets no containerRuntimeEndpoint"
                    .to_owned()
            }
            (Input::Absent { .. }, _) => {
                "no Node object (--node-file) and no instance-config.yaml with a socket".to_owned()
            }
            _ => format!(
                "the Node has no `{CRI_SOCKET_ANNOTATION}` annotation (RA601) and no instance-config.yaml sets a socket"
            ),
        };
        out.not_applicable(reason);
    }
}

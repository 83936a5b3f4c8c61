//! RA602 cri-socket-annotation-stale.

use crate::engine::Emitter;
use crate::model::node::{CRI_SOCKET_ANNOTATION, CriSocketAnnotation};
use crate::model::{Component, Input, NodeSnapshot, Span, Spanned};
use crate::release::KubeletRelease;

use super::cri_socket::{SocketSource, annotate, kubeadm_version_text, socket_source};
use crate::rules::containerd_socket::{containerd_endpoint, containerd_socket};
use crate::model::endpoint::Endpoint;

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
fn reference(snap: &NodeSnapshot) -> Option<(&Endpoint, String)> {
    if let Some(c) = containerd_socket(snap) {
        let (_, origin) = containerd_endpoint(snap);
        return Some((c, origin));
    }
    let k = snap.kubelet.present()?;
    let endpoint = &k.effective.runtime_endpoint.known()?.value;
    endpoint
        .docker_era()
        .is_none()
        .then(|| (endpoint, "the kubelet's runtime endpoint".to_owned()))
}

/// What is wrong with a socket kubeadm reads.
struct Stale {
    /// A Docker-era socket, rather than another socket than containerd's.
    docker_era: bool,
    /// The message tail: `is dockershim's socket (...)`, ``is not `/run/...` (origin)``.
    what: String,
}

/// What is wrong with a socket kubeadm reads, if anything.
fn verdict(e: &Endpoint, reference: Option<&(&Endpoint, String)>) -> Option<Stale> {
    if let Some(kind) = e.docker_era() {
        if reference.is_some_and(|(r, _)| r.same_socket(e)) {
            return None;
        }
        return Some(Stale {
            docker_era: true,
            what: format!("is {}", kind.describe()),
        });
    }
    let (r, origin) = reference?;
    (!r.same_socket(e)).then(|| Stale {
        docker_era: false,
        what: format!("is not `{}` ({origin})", r.path()),
    })
}

/// kubeadm reads the annotation or instance-config.yaml (or, version unknown, either): each
/// one it may read is checked against containerd's socket.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let version = snap.versions.kubelet.as_ref();
    let source = socket_source(snap, version);
    let reference = reference(snap);
    if reference.is_none() {
        out.assume("neither containerd's config nor the kubelet's endpoint is known: only Docker-era sockets are recognized as stale");
    }
    let (socket, origin) = containerd_endpoint(snap);
    let target = Target {
        socket,
        origin,
        kubeadm: version,
    };
    let mut checked_anything = false;

    // The annotation, unless kubeadm reads instance-config.yaml instead.
    match &snap.node {
        Input::Present(node) if source != SocketSource::InstanceConfig => {
            if let Some(CriSocketAnnotation { key, socket: value }) = &node.cri_socket {
                checked_anything = true;
                if let Some(stale) = verdict(&value.value, reference.as_ref()) {
                    StaleAnnotation {
                        node: node.display_name(),
                        command: annotate(node, &target.socket),
                        key: *key,
                        value,
                        stale,
                        target: &target,
                    }
                    .emit(out);
                }
            }
        }
        Input::Present(_) | Input::Absent { .. } => {}
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
                    if let Some(stale) = verdict(&e.value, reference.as_ref()) {
                        StaleInstanceConfig {
                            path: &ic.path,
                            endpoint: e,
                            stale,
                            target: &target,
                        }
                        .emit(out);
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
        out.not_applicable(nothing_to_check(&snap.node, source));
    }
}

/// Why nothing was checked: no source kubeadm reads names a socket.
fn nothing_to_check<T>(node: &Input<T>, source: SocketSource) -> String {
    match (node, source) {
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
    }
}

/// The socket kubeadm should read, and the version every finding depends on.
struct Target<'a> {
    /// containerd's socket, as an endpoint.
    socket: String,
    /// Where that socket comes from, in words.
    origin: String,
    kubeadm: Option<&'a KubeletRelease>,
}

/// A `kubeadm.alpha.kubernetes.io/cri-socket` annotation that is not containerd's socket.
struct StaleAnnotation<'a> {
    /// The node's name in commands.
    node: &'a str,
    /// The `kubectl annotate` command that fixes it.
    command: String,
    key: Span,
    value: &'a Spanned<Endpoint>,
    stale: Stale,
    target: &'a Target<'a>,
}

impl StaleAnnotation<'_> {
    fn case(&self) -> Case {
        if self.stale.docker_era {
            Case::DockerSocket
        } else {
            Case::OtherSocket
        }
    }

    fn message(&self) -> String {
        let version_note = self.target.kubeadm.map_or_else(
            || "the kubeadm version is unknown".to_owned(),
            kubeadm_version_text,
        );
        format!(
            "Node {}'s `{CRI_SOCKET_ANNOTATION}` `{}` {}; `kubeadm upgrade` reads the node's CRI socket from this annotation ({version_note})",
            self.node, self.value.value, self.stale.what
        )
    }

    fn fix(&self) -> String {
        format!(
            "Run `{}` (`{}` is {}).",
            self.command, self.target.socket, self.target.origin
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(self.case(), self.value.span, self.message())
            .impact(IMPACT)
            .fix(self.fix())
            .key(CRI_SOCKET_ANNOTATION)
            .label(if self.stale.docker_era {
                "Docker-era socket"
            } else {
                "not containerd's socket"
            })
            .actual(self.value.value.to_string())
            .expected(self.target.socket.clone())
            .related(self.key, "annotation");
        if let Some(v) = self.target.kubeadm {
            b = b.version(Component::Kubelet, v.fact());
        }
        b.emit();
    }
}

/// A `containerRuntimeEndpoint` in instance-config.yaml that is not containerd's socket.
struct StaleInstanceConfig<'a> {
    /// instance-config.yaml's path.
    path: &'a str,
    endpoint: &'a Spanned<Endpoint>,
    stale: Stale,
    target: &'a Target<'a>,
}

impl StaleInstanceConfig<'_> {
    fn message(&self) -> String {
        format!(
            "`containerRuntimeEndpoint: {}` in {} {}; kubeadm 1.34+ (NodeLocalCRISocket) reads the node's CRI socket from this file",
            self.endpoint.value, self.path, self.stale.what
        )
    }

    fn impact() -> String {
        format!(
            "{IMPACT} kubeadm also writes this endpoint into /var/lib/kubelet/config.yaml on upgrade, pointing the kubelet at it."
        )
    }

    fn fix(&self) -> String {
        format!(
            "Set `containerRuntimeEndpoint: {}` in {} (`{}` is {}).",
            self.target.socket, self.path, self.target.socket, self.target.origin
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(Case::InstanceConfigStale, self.endpoint.span, self.message())
            .impact(Self::impact())
            .fix(self.fix())
            .key("instance-config.containerRuntimeEndpoint")
            .label("stale CRI socket")
            .actual(self.endpoint.value.to_string())
            .expected(self.target.socket.clone());
        if let Some(v) = self.target.kubeadm {
            b = b.version(Component::Kubelet, v.fact());
        }
        b.emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_is_stale_when_docker_era_or_not_the_reference() {
        let socket = Endpoint::parse("unix:///run/containerd/containerd.sock");
        let containerd = (&socket, "containerd's default socket".to_owned());
        let verdict = |e: &str, reference| verdict(&Endpoint::parse(e), reference);
        let docker = verdict("unix:///var/run/dockershim.sock", Some(&containerd));
        assert!(docker.is_some_and(|s| s.docker_era));
        let crio = verdict("unix:///run/crio/crio.sock", Some(&containerd)).expect("stale");
        assert!(!crio.docker_era);
        assert_eq!(
            crio.what,
            "is not `/run/containerd/containerd.sock` (containerd's default socket)"
        );
        assert!(verdict("/var/run/containerd/containerd.sock", Some(&containerd)).is_none());
        // Without a reference only Docker-era sockets are known to be stale.
        assert!(verdict("unix:///run/crio/crio.sock", None).is_none());
    }
}

//! Where kubeadm keeps a node's CRI socket: whether the node is kubeadm's at all, whether
//! kubeadm reads the socket from the Node's annotation or from instance-config.yaml, and the
//! command that fixes the annotation.

use crate::collect::kubelet::KUBEADM_FLAGS;
use crate::model::node::{CRI_SOCKET_ANNOTATION, NodeObject};
use crate::model::{Input, NodeSnapshot};
use crate::release::KubeletRelease;

/// Why this node counts as set up by kubeadm, if it does.
pub(crate) fn kubeadm_evidence(snap: &NodeSnapshot, node: &NodeObject) -> Option<String> {
    if let Some(k) = snap.kubelet.present() {
        if k.service
            .environment_files
            .iter()
            .any(|f| f.path == KUBEADM_FLAGS && f.exists)
        {
            return Some(format!("{KUBEADM_FLAGS} exists"));
        }
        if k.instance_config.is_present() {
            return Some("/var/lib/kubelet/instance-config.yaml exists".into());
        }
    }
    node.annotations
        .iter()
        .find(|(k, _)| k.value.starts_with("kubeadm.alpha.kubernetes.io/"))
        .map(|(k, _)| format!("the Node has the kubeadm annotation {}", k.value))
}

/// Which CRI socket source `kubeadm upgrade` reads on this node
/// (`getNodeRegistration` in kubeadm's `app/util/config/cluster.go`): with the
/// NodeLocalCRISocket gate (beta and on by default from 1.34) it reads
/// /var/lib/kubelet/instance-config.yaml when that file exists, and the Node annotation
/// otherwise; without the gate always the annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SocketSource {
    Annotation,
    InstanceConfig,
    /// The kubeadm version is unknown and instance-config.yaml exists.
    Unknown,
}

pub(crate) fn socket_source(snap: &NodeSnapshot, version: Option<&KubeletRelease>) -> SocketSource {
    let instance = snap
        .kubelet
        .present()
        .is_some_and(|k| !matches!(k.instance_config, Input::Absent { .. }));
    match (version, instance) {
        (_, false) => SocketSource::Annotation,
        (Some(v), true) if v.node_local_cri_socket() => SocketSource::InstanceConfig,
        (Some(_), true) => SocketSource::Annotation,
        (None, true) => SocketSource::Unknown,
    }
}

/// `kubectl annotate node NAME --overwrite kubeadm.alpha.kubernetes.io/cri-socket=SOCKET`.
pub(crate) fn annotate(node: &NodeObject, socket: &str) -> String {
    format!(
        "kubectl annotate node {} --overwrite {CRI_SOCKET_ANNOTATION}={socket}",
        node.display_name()
    )
}

/// `kubeadm 1.29, taken to be the kubelet's version from --kubernetes-version`.
pub(crate) fn kubeadm_version_text(v: &KubeletRelease) -> String {
    format!(
        "kubeadm {}, taken to be the kubelet's version {}",
        v.version(),
        v.origin()
    )
}

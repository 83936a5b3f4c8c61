//! The Node object (`kubectl get node NAME -o yaml|json`).

use super::endpoint::Endpoint;
use super::source::{Span, Spanned};

pub(crate) const CRI_SOCKET_ANNOTATION: &str = "kubeadm.alpha.kubernetes.io/cri-socket";

#[derive(Clone, Debug)]
pub(crate) struct NodeObject {
    pub(crate) name: Option<Spanned<String>>,
    /// `metadata.annotations` when present, else `metadata`, else the object: where a
    /// missing annotation belongs.
    pub(crate) annotations_at: Span,
    pub(crate) annotations: Vec<(Spanned<String>, Spanned<String>)>,
    /// kubeadm's `kubeadm.alpha.kubernetes.io/cri-socket` annotation (the last one written).
    pub(crate) cri_socket: Option<CriSocketAnnotation>,
    pub(crate) kubelet_version: Option<Spanned<String>>,
    pub(crate) container_runtime_version: Option<Spanned<String>>,
    /// How the object was picked from the file (`the only Node`, `--node-name`, ...).
    pub(crate) selected_by: String,
}

/// The CRI socket kubeadm recorded on the node.
#[derive(Clone, Debug)]
pub(crate) struct CriSocketAnnotation {
    /// The annotation's key.
    pub(crate) key: Span,
    pub(crate) socket: Spanned<Endpoint>,
}

impl NodeObject {
    /// The name to use in commands (`kubectl annotate node NAME ...`).
    pub(crate) fn display_name(&self) -> &str {
        self.name
            .as_ref()
            .map_or("<node-name>", |n| n.value.as_str())
    }
}

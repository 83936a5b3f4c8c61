//! The Node object (`kubectl get node NAME -o yaml|json`).

use super::source::{FileId, Spanned};

pub const CRI_SOCKET_ANNOTATION: &str = "kubeadm.alpha.kubernetes.io/cri-socket";

#[derive(Clone, Debug)]
pub struct NodeObject {
    pub path: String,
    pub file: FileId,
    pub name: Option<Spanned<String>>,
    /// The whole object (for findings about something missing from it).
    pub object: Spanned<()>,
    pub annotations: Vec<(Spanned<String>, Spanned<String>)>,
    pub labels: Vec<(Spanned<String>, Spanned<String>)>,
    pub kubelet_version: Option<Spanned<String>>,
    pub container_runtime_version: Option<Spanned<String>>,
}

impl NodeObject {
    pub fn annotation(&self, key: &str) -> Option<&Spanned<String>> {
        self.annotations
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }

    /// Any `kubeadm.alpha.kubernetes.io/*` annotation: the node was set up by kubeadm.
    pub fn has_kubeadm_annotations(&self) -> bool {
        self.annotations
            .iter()
            .any(|(k, _)| k.value.starts_with("kubeadm.alpha.kubernetes.io/"))
    }
}

//! The Node object (`kubectl get node NAME -o yaml|json`).

use super::source::{FileId, Span, Spanned};

pub const CRI_SOCKET_ANNOTATION: &str = "kubeadm.alpha.kubernetes.io/cri-socket";

#[derive(Clone, Debug)]
pub struct NodeObject {
    pub path: String,
    pub file: FileId,
    pub name: Option<Spanned<String>>,
    /// The whole object (for findings about something missing from it).
    pub object: Spanned<()>,
    /// `metadata.annotations` when present, else `metadata`, else the object: where a
    /// missing annotation belongs.
    pub annotations_at: Span,
    pub annotations: Vec<(Spanned<String>, Spanned<String>)>,
    pub labels: Vec<(Spanned<String>, Spanned<String>)>,
    pub kubelet_version: Option<Spanned<String>>,
    pub container_runtime_version: Option<Spanned<String>>,
    /// How the object was picked from the file (`the only Node`, `--node-name`, ...).
    pub selected_by: String,
}

impl NodeObject {
    pub fn annotation(&self, key: &str) -> Option<&Spanned<String>> {
        self.annotations
            .iter()
            .rev()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }

    /// The annotation entry (key and value).
    pub fn annotation_entry(&self, key: &str) -> Option<&(Spanned<String>, Spanned<String>)> {
        self.annotations.iter().rev().find(|(k, _)| k.value == key)
    }

    /// Any `kubeadm.alpha.kubernetes.io/*` annotation: the node was set up by kubeadm.
    pub fn has_kubeadm_annotations(&self) -> bool {
        self.annotations
            .iter()
            .any(|(k, _)| k.value.starts_with("kubeadm.alpha.kubernetes.io/"))
    }

    /// The name to use in commands (`kubectl annotate node NAME ...`).
    pub fn display_name(&self) -> &str {
        self.name
            .as_ref()
            .map_or("<node-name>", |n| n.value.as_str())
    }
}

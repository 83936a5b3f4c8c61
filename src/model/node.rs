//! The Node object (`kubectl get node NAME -o yaml|json`).

use super::source::{Span, Spanned};

pub(crate) const CRI_SOCKET_ANNOTATION: &str = "kubeadm.alpha.kubernetes.io/cri-socket";

#[derive(Clone, Debug)]
pub(crate) struct NodeObject {
    pub(crate) name: Option<Spanned<String>>,
    /// `metadata.annotations` when present, else `metadata`, else the object: where a
    /// missing annotation belongs.
    pub(crate) annotations_at: Span,
    pub(crate) annotations: Vec<(Spanned<String>, Spanned<String>)>,
    pub(crate) kubelet_version: Option<Spanned<String>>,
    pub(crate) container_runtime_version: Option<Spanned<String>>,
    /// How the object was picked from the file (`the only Node`, `--node-name`, ...).
    pub(crate) selected_by: String,
}

impl NodeObject {
    pub(crate) fn annotation(&self, key: &str) -> Option<&Spanned<String>> {
        self.annotations
            .iter()
            .rev()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }

    /// The annotation entry (key and value).
    pub(crate) fn annotation_entry(
        &self,
        key: &str,
    ) -> Option<&(Spanned<String>, Spanned<String>)> {
        self.annotations.iter().rev().find(|(k, _)| k.value == key)
    }

    /// The name to use in commands (`kubectl annotate node NAME ...`).
    pub(crate) fn display_name(&self) -> &str {
        self.name
            .as_ref()
            .map_or("<node-name>", |n| n.value.as_str())
    }
}

//! The Node object's kubeadm cri-socket annotation: an API object, never edited; the fix is
//! the `kubectl` command to run.

use crate::rules::containerd_socket::containerd_endpoint;
use crate::rules::kubeadm::cri_socket::annotate;

use super::{Of, Proposal};

/// RA601 / RA602 / RA603: the annotation pointed at containerd's socket, as a command.
pub(super) fn cri_socket_annotation(of: &Of<'_>) -> Option<Proposal> {
    if of.case() == "instance-config-stale" {
        return None;
    }
    let node = of.snap.node.present()?;
    let (socket, origin) = containerd_endpoint(of.snap);
    of.manual(format!(
        "the Node object lives in the API, which runtime-audit never edits: run `{}` ({origin})",
        annotate(node, &socket)
    ))
}

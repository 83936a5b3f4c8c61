//! What crictl.yaml should say on a node moving to containerd, and whether the node is one
//! crictl is worth configuring on.

use crate::model::NodeSnapshot;
use crate::rules::containerd_socket::containerd_endpoint;

/// The crictl.yaml content that points crictl at containerd.
pub(crate) fn recommended(snap: &NodeSnapshot) -> (String, String) {
    let (socket, origin) = containerd_endpoint(snap);
    (
        format!("runtime-endpoint: {socket}\nimage-endpoint: {socket}\ntimeout: 10\n"),
        format!("`{socket}` is {origin}"),
    )
}

/// Whether the node looks like a Kubernetes node worth configuring crictl on.
pub(crate) fn is_kubernetes_node(snap: &NodeSnapshot) -> bool {
    snap.kubelet.is_present() || snap.containerd.is_present() || snap.node.is_present()
}

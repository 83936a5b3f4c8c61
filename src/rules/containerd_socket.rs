//! The socket containerd serves, as the kubelet, kubeadm, crictl and containerd rules name it in
//! their fixes.

use crate::model::NodeSnapshot;
use crate::model::endpoint::Endpoint;
use crate::release::containerd_defaults::CRI_ENDPOINT;

/// The socket containerd serves, as an endpoint, and why that one.
pub(crate) fn containerd_endpoint(snap: &NodeSnapshot) -> (String, String) {
    match snap.containerd.present() {
        Some(c) => {
            let e = &c.grpc_address.value;
            let origin = if c.grpc_address.is_default() {
                "containerd's default `[grpc] address`".to_owned()
            } else {
                format!("`[grpc] address` in {}", c.path)
            };
            (e.unix_uri(), origin)
        }
        None => (
            CRI_ENDPOINT.to_owned(),
            "containerd's default socket".to_owned(),
        ),
    }
}

/// The socket containerd serves, when containerd's config was read.
pub(crate) fn containerd_socket(snap: &NodeSnapshot) -> Option<&Endpoint> {
    snap.containerd.present().map(|c| &c.grpc_address.value)
}

//! RA6xx: kubeadm and the Node object.

pub(crate) mod cri_socket;

area_rules!(ra601, ra602, ra603);

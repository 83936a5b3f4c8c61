//! RA6xx: kubeadm and the Node object.

mod common;

area_rules!(ra601, ra602, ra603);

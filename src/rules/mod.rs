//! The rule set. One file per rule under its area (`declare_rule!`); each area lists its
//! rules with `area_rules!`.

#[macro_use]
mod declare;

mod cgroup;
mod cluster;
pub(crate) mod containerd;
pub(crate) mod containerd_socket;
mod crictl;
mod inputs;
pub(crate) mod kubeadm;
pub(crate) mod kubelet;
mod live;
pub(crate) mod registry;
mod releases;
pub(crate) mod sandbox;
mod versions;

use crate::engine::Rule;

/// Every rule, in id order.
pub fn all() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = [
        inputs::RULES,
        containerd::RULES,
        cgroup::RULES,
        sandbox::RULES,
        registry::RULES,
        kubelet::RULES,
        kubeadm::RULES,
        crictl::RULES,
        live::RULES,
        versions::RULES,
        cluster::RULES,
    ]
    .concat();
    rules.sort_by_key(|r| r.meta.id);
    rules
}

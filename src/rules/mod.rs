//! The rule set. One file per rule under its area (`declare_rule!`); each area lists its
//! rules with `area_rules!`.

#[macro_use]
mod declare;

mod cgroup;
mod containerd;
pub(crate) mod containerd_release;
mod crictl;
mod inputs;
mod kubeadm;
mod kubelet;
mod live;
mod registry;
mod sandbox;
mod versions;
mod versions_context;

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
    ]
    .concat();
    rules.sort_by_key(|r| r.meta.id);
    rules
}

/// The rule with this id or name.
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    all()
        .into_iter()
        .find(|r| r.meta.id.eq_ignore_ascii_case(id_or_name) || r.meta.name == id_or_name)
}

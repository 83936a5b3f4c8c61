//! The rollout at a glance: nodes by pool, runtime and kubelet version.

use std::collections::BTreeMap;

use super::facts::NodeFacts;

/// Node labels that name a node pool, on managed platforms and node provisioners.
const POOL_LABELS: &[&str] = &[
    "eks.amazonaws.com/nodegroup",
    "alpha.eksctl.io/nodegroup-name",
    "karpenter.sh/nodepool",
    "karpenter.sh/provisioner-name",
    "cloud.google.com/gke-nodepool",
    "kubernetes.azure.com/agentpool",
    "agentpool",
    "doks.digitalocean.com/node-pool",
    "node.kubernetes.io/pool",
    "node-pool",
    "nodepool",
];

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Rollout {
    /// The label the nodes are grouped by; None when no node has a pool label.
    pub(crate) group_by: Option<String>,
    pub(crate) groups: Vec<Group>,
    /// Over all nodes.
    pub(crate) total: Group,
}

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Group {
    /// The label's value (`(none)` for nodes without it).
    pub(crate) name: String,
    pub(crate) nodes: usize,
    /// `docker 20.10`, `containerd 1.7`: the runtime and its minor.
    pub(crate) runtimes: BTreeMap<String, usize>,
    /// `1.23`: the kubelet's minor.
    pub(crate) kubelets: BTreeMap<String, usize>,
    /// The running kubelets' cgroup drivers (configz, read from the API only); `unread` for
    /// nodes whose configz could not be read.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) cgroup_drivers: BTreeMap<String, usize>,
}

impl Group {
    fn add(&mut self, node: &NodeFacts) {
        self.nodes += 1;
        *self
            .runtimes
            .entry(runtime_line(&node.runtime))
            .or_default() += 1;
        *self
            .kubelets
            .entry(minor(&node.kubelet_version))
            .or_default() += 1;
        if let Some(configz) = &node.configz {
            let driver = match configz {
                Ok(c) => c.cgroup_driver.as_deref().unwrap_or("unknown"),
                Err(_) => "unread",
            };
            *self.cgroup_drivers.entry(driver.to_owned()).or_default() += 1;
        }
    }

    /// Nodes whose runtime is Docker.
    pub(crate) fn on_docker(&self) -> usize {
        self.runtimes
            .iter()
            .filter(|(r, _)| r.starts_with("docker"))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Groups the nodes by `label`, or by the pool label most nodes carry.
pub(crate) fn rollout(nodes: &[NodeFacts], label: Option<&str>) -> Rollout {
    let group_by = label
        .map(str::to_owned)
        .or_else(|| most_common_pool_label(nodes));
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut total = Group {
        name: "all nodes".into(),
        ..Group::default()
    };
    for node in nodes {
        total.add(node);
        if let Some(key) = &group_by {
            let name = node.label(key).unwrap_or("(none)").to_owned();
            groups
                .entry(name.clone())
                .or_insert_with(|| Group {
                    name,
                    ..Group::default()
                })
                .add(node);
        }
    }
    Rollout {
        group_by,
        groups: groups.into_values().collect(),
        total,
    }
}

fn most_common_pool_label(nodes: &[NodeFacts]) -> Option<String> {
    POOL_LABELS
        .iter()
        .map(|key| {
            (
                nodes.iter().filter(|n| n.label(key).is_some()).count(),
                *key,
            )
        })
        .filter(|(n, _)| *n > 0)
        // The most nodes; the earlier label of the list on a tie (max_by keeps the last).
        .rev()
        .max_by_key(|(n, _)| *n)
        .map(|(_, key)| key.to_owned())
}

/// `docker://20.10.7` → `docker 20.10`; `containerd://1.7.2-k3s1` → `containerd 1.7`.
fn runtime_line(runtime: &str) -> String {
    match runtime.split_once("://") {
        Some((name, version)) => format!("{name} {}", minor(version)),
        None if runtime.is_empty() => "(unknown)".into(),
        None => runtime.to_owned(),
    }
}

/// `v1.23.17-eks-1234` → `1.23`.
fn minor(version: &str) -> String {
    let v = version.trim_start_matches('v');
    let mut parts = v.split(['.', '-', '+']);
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) if !major.is_empty() => format!("{major}.{minor}"),
        _ if v.is_empty() => "(unknown)".into(),
        _ => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::facts::ReadAt;

    fn node(name: &str, runtime: &str, kubelet: &str, pool: Option<&str>) -> NodeFacts {
        NodeFacts {
            name: name.into(),
            at: ReadAt { input: 0, line: 1 },
            runtime: runtime.into(),
            kubelet_version: kubelet.into(),
            labels: pool
                .map(|p| vec![("eks.amazonaws.com/nodegroup".to_owned(), p.to_owned())])
                .unwrap_or_default(),
            cri_socket: None,
            kubeadm_annotated: false,
            configz: None,
        }
    }

    #[test]
    fn nodes_group_by_the_pool_label_most_carry() {
        let nodes = [
            node("a", "docker://20.10.7", "v1.23.17-eks-1", Some("old")),
            node("b", "containerd://1.7.2", "v1.24.3", Some("new")),
            node("c", "containerd://1.7.11", "v1.24.9", Some("new")),
            node("d", "", "", None),
        ];
        let r = rollout(&nodes, None);
        assert_eq!(r.group_by.as_deref(), Some("eks.amazonaws.com/nodegroup"));
        let names: Vec<(&str, usize, usize)> = r
            .groups
            .iter()
            .map(|g| (g.name.as_str(), g.nodes, g.on_docker()))
            .collect();
        assert_eq!(names, vec![("(none)", 1, 0), ("new", 2, 0), ("old", 1, 1)]);
        assert_eq!(r.total.runtimes.get("containerd 1.7"), Some(&2));
        assert_eq!(r.total.kubelets.get("1.23"), Some(&1));
        assert_eq!(r.total.runtimes.get("(unknown)"), Some(&1));
    }
}

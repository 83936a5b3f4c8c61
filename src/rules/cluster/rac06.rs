//! RAC06 kubelet-cgroup-driver.

use crate::cluster::facts::{ClusterFacts, NodeFacts};
use crate::engine::Emitter;

use super::node_location;

declare_cluster_rule! {
    id: "RAC06",
    name: "kubelet-cgroup-driver",
    summary: "A Docker node's running kubelet uses the cgroupfs driver: containerd must be set to match, or both moved to systemd",
    cases: [
        CgroupfsBeforeMove("cgroupfs-before-move", Warning),
    ],
}

fn check(facts: &ClusterFacts, out: &mut Emitter<Case>) {
    if facts.api.is_none() {
        out.not_applicable(
            "the objects were read from files: the running kubelets' configuration (configz) is read only from the API",
        );
        return;
    }
    if !super::have_nodes(facts, out) {
        return;
    }
    let asked: Vec<&NodeFacts> = facts.nodes().iter().filter(|n| n.configz.is_some()).collect();
    if asked.is_empty() {
        out.not_applicable("no node's kubelet configz was asked");
        return;
    }
    let mut failed = asked.iter().filter_map(|n| match &n.configz {
        Some(Err(f)) => Some((n.name.as_str(), f)),
        _ => None,
    });
    if let Some((first, why)) = failed.next() {
        let count = 1 + failed.count();
        if count == asked.len() {
            out.inconclusive(format!(
                "no kubelet's configz could be read ({count} nodes); the first: {why}"
            ));
            return;
        }
        out.assume(format!(
            "{count} node(s) whose kubelet configz could not be read were not checked; the first, {first}: {why}"
        ));
    }
    for node in asked {
        let driver = node.running().and_then(|c| c.cgroup_driver.as_deref());
        if node.runtime_name() == "docker" && driver == Some("cgroupfs") {
            report(facts, node, out);
        }
    }
}

fn report(facts: &ClusterFacts, node: &NodeFacts, out: &mut Emitter<Case>) {
    out.finding(
        Case::CgroupfsBeforeMove,
        node_location(facts, node),
        format!(
            "Node {}'s running kubelet uses the cgroupfs cgroup driver (its configz), and the node still runs {}",
            node.name, node.runtime
        ),
    )
    .impact(
        "Docker's daemon.json set the driver for Docker; containerd takes it from `SystemdCgroup` in its runc \
         options instead. If containerd runs systemd (as the guides and `runtime-audit fix` set it) while this \
         kubelet stays on cgroupfs, every pod fails with `expected cgroupsPath to be of format \
         \"slice:prefix:name\" for systemd cgroups`; containerd 1.x has no startup check that would say so first.",
    )
    .fix(
        "When the node moves, set the kubelet to `cgroupDriver: systemd` (in /var/lib/kubelet/config.yaml, or \
         `--cgroup-driver=systemd`) together with containerd's `SystemdCgroup = true`, then restart containerd and \
         the kubelet on the drained node; `runtime-audit fix` on the node writes both. Keeping cgroupfs works only \
         if containerd keeps `SystemdCgroup = false` too.",
    )
    .key("kubeletconfig.cgroupDriver")
    .label("cgroupfs")
    .actual("cgroupfs")
    .expected("systemd (with containerd's SystemdCgroup = true)")
    .emit();
}

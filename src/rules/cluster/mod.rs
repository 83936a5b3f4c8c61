//! Cluster rules: the migration seen from the Kubernetes objects of every node and workload.
//! Each reads [`ClusterFacts`] and names the object it is about.

area_rules!(rac01, rac02, rac03, rac04, rac05, rac06);

use crate::cluster::facts::{ClusterFacts, NodeFacts, ObjectRef, ReadAt};
pub(crate) use crate::cluster::some_of;
use crate::engine::{Emitter, Location, ObjectAt};
use crate::model::{Version, VersionFact, VersionOrigin};
use crate::release::KubeletRelease;
use crate::vocabulary::RuleCase;

/// Whether there are nodes to judge; if not, the rule says why: inconclusive when the nodes
/// could not be listed, not applicable when none were read.
pub(crate) fn have_nodes<C: RuleCase>(facts: &ClusterFacts, out: &mut Emitter<C>) -> bool {
    have(
        facts,
        out,
        "nodes",
        facts.nodes().is_empty(),
        "no Node objects were read",
    )
}

/// Whether there are pods to judge, as [`have_nodes`] says it of nodes.
pub(crate) fn have_pods<C: RuleCase>(facts: &ClusterFacts, out: &mut Emitter<C>) -> bool {
    have(
        facts,
        out,
        "pods",
        facts.gathered.pods == 0,
        "no Pod objects were read",
    )
}

fn have<C: RuleCase>(
    facts: &ClusterFacts,
    out: &mut Emitter<C>,
    resource: &str,
    none: bool,
    none_read: &str,
) -> bool {
    if let Some(why) = facts.unlisted(resource) {
        out.inconclusive(why);
        return false;
    }
    if none {
        out.not_applicable(none_read);
        return false;
    }
    true
}

/// Where a finding about an object points: the object, and the file and line it was read at.
pub(crate) fn object_at(facts: &ClusterFacts, object: ObjectRef, at: ReadAt) -> Location {
    let file = (at.line > 0).then(|| (facts.input_name(at).to_owned(), at.line));
    Location::Object(ObjectAt::new(object, file))
}

pub(crate) fn node_location(facts: &ClusterFacts, node: &NodeFacts) -> Location {
    object_at(facts, ObjectRef::new("Node", None, &node.name), node.at)
}

/// The kubelet release a node reports, when its version parses.
pub(crate) fn kubelet_of(node: &NodeFacts) -> Option<KubeletRelease> {
    let version = Version::parse(&node.kubelet_version)?;
    Some(KubeletRelease::new(VersionFact {
        version,
        origin: VersionOrigin::Probe {
            what: format!("Node {}'s status.nodeInfo.kubeletVersion", node.name),
        },
    }))
}

/// `3 pods on 2 nodes`, `1 pod on 1 node`.
pub(crate) fn pods_on_nodes<T>(c: &crate::cluster::rollup::Concern<T>) -> String {
    let (p, n) = (c.pods.len(), c.nodes.len());
    format!(
        "{p} {} on {n} {}",
        if p == 1 { "pod" } else { "pods" },
        if n == 1 { "node" } else { "nodes" }
    )
}

/// The pods and nodes of one concern, for the finding.
pub(crate) fn affected<T>(c: &crate::cluster::rollup::Concern<T>) -> crate::engine::Affected {
    crate::engine::Affected {
        pods: c.pods.clone(),
        nodes: c.nodes.clone(),
    }
}

/// How the owner was found, when it was inferred: `` (owner inferred: …)``.
pub(crate) fn inferred_words(w: &crate::cluster::rollup::Workload) -> String {
    w.inferred
        .as_ref()
        .map(|why| format!(" (owner inferred: {why})"))
        .unwrap_or_default()
}

//! `runtime-audit cluster`: the migration seen from the Kubernetes objects of a whole cluster.
//! Objects are read (files now, the API later) into [`facts::ClusterFacts`], which the
//! cluster rules check like the node rules check a node's snapshot.

pub(crate) mod facts;
pub(crate) mod mounts;
pub(crate) mod objects;
pub(crate) mod read;
pub(crate) mod rollout;
pub(crate) mod rollup;

use crate::release::ContainerdRelease;

/// The release the cluster is moving to, when given.
#[derive(Debug, Default)]
pub(crate) struct Target {
    pub(crate) containerd: Option<ContainerdRelease>,
}

/// `node-1, node-2, node-3 and 12 more`.
pub(crate) fn some_of(names: &[String], shown: usize) -> String {
    if names.len() <= shown {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..shown].join(", "),
        names.len() - shown
    )
}

/// Reads the inputs and gathers the facts.
pub(crate) fn gather(
    inputs: &[String],
    stdin: &mut dyn std::io::Read,
    target: Target,
    progress: bool,
) -> facts::ClusterFacts {
    let expanded = read::expand(inputs);
    let (sources, gathered) = read::read_all(&expanded, stdin, progress);
    let workloads = rollup::workloads(&gathered);
    let mut gathered = gathered;
    gathered.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    facts::ClusterFacts {
        inputs: sources,
        gathered,
        workloads,
        target,
    }
}

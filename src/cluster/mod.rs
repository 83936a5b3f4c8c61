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

/// A Node or a pod read twice (the same export given twice, a directory holding both a List
/// and its parts) counts once: the first read, in input order, is kept.
fn drop_duplicates(g: &mut facts::Gathered) {
    let mut seen = std::collections::HashMap::new();
    g.nodes.sort_by_key(|n| n.at);
    g.nodes.retain(|n| match seen.get(&n.name) {
        Some(first) => {
            g.problems.push(facts::ReadProblem {
                at: n.at,
                message: format!(
                    "Node {} was read before (input {first}): this copy is ignored",
                    n.name
                ),
            });
            false
        }
        None => {
            seen.insert(n.name.clone(), n.at.input + 1);
            true
        }
    });
    let mut seen = std::collections::HashSet::new();
    g.hits.sort_by_key(|p| p.at);
    g.hits
        .retain(|p| seen.insert((p.namespace.clone(), p.name.clone())));
    g.problems.sort();
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
    assemble(sources, gathered, target, None, |_| {})
}

/// Lists the objects from the API, with each node's configz. Err when the API could not be
/// used at all.
pub(crate) fn gather_api(
    how: &read::api::ApiRead,
    target: Target,
    progress: bool,
) -> Result<facts::ClusterFacts, crate::api::ApiFailure> {
    let (mut outcome, gathered) = read::read_api(how, progress)?;
    let api = facts::ApiSource {
        server: outcome.server,
        credentials: outcome.credentials,
    };
    Ok(assemble(
        outcome.sources,
        gathered,
        target,
        Some(api),
        |node| {
            node.configz = outcome.configz.remove(&node.name);
        },
    ))
}

/// The facts from what was read: each object once, each node with what `per_node` adds, the
/// pods rolled up to their owners, the nodes by name.
fn assemble(
    inputs: Vec<facts::InputSource>,
    mut gathered: facts::Gathered,
    target: Target,
    api: Option<facts::ApiSource>,
    mut per_node: impl FnMut(&mut facts::NodeFacts),
) -> facts::ClusterFacts {
    drop_duplicates(&mut gathered);
    gathered.nodes.iter_mut().for_each(&mut per_node);
    let workloads = rollup::workloads(&gathered);
    gathered.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    facts::ClusterFacts {
        inputs,
        gathered,
        workloads,
        target,
        api,
    }
}

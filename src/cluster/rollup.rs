//! Pods rolled up to the object a person manages: Pod → ReplicaSet → Deployment,
//! Pod → Job → CronJob, DaemonSet, StatefulSet, or the pod itself when nothing owns it.
//! Owners come from the ReplicaSets and Jobs read, never from one request per pod.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::facts::{Gathered, ObjectRef, PodHit, ReadAt};
use super::mounts::{DockerContainer, HostMount};

/// A top-level owner and what its pods do with Docker.
#[derive(Clone, Debug)]
pub(crate) struct Workload {
    pub(crate) object: ObjectRef,
    /// Where the owner object was read; else where its first pod was.
    pub(crate) at: ReadAt,
    /// How the owner was found when the chain was not read whole.
    pub(crate) inferred: Option<String>,
    /// Each hostPath of interest (by class and normalised path) with the pods that have it.
    pub(crate) mounts: Vec<Concern<HostMount>>,
    /// Each container running Docker (by kind, name and image) with the pods that have it.
    pub(crate) docker: Vec<Concern<DockerContainer>>,
}

/// One thing a workload does with Docker, and the pods that do it.
#[derive(Clone, Debug)]
pub(crate) struct Concern<T> {
    pub(crate) what: T,
    /// `namespace/name` of each pod, sorted.
    pub(crate) pods: Vec<String>,
    /// The nodes those pods run on, sorted.
    pub(crate) nodes: Vec<String>,
}

impl<T> Concern<T> {
    fn new(what: T) -> Concern<T> {
        Concern {
            what,
            pods: Vec::new(),
            nodes: Vec::new(),
        }
    }

    fn add(&mut self, pod: &PodHit) {
        self.pods.push(format!("{}/{}", pod.namespace, pod.name));
        self.nodes.extend(pod.node.iter().cloned());
    }

    fn settle(&mut self) {
        self.pods.sort();
        self.pods.dedup();
        let nodes: BTreeSet<String> = self.nodes.drain(..).collect();
        self.nodes = nodes.into_iter().collect();
    }
}

type Key = (String, Option<String>, String);

/// Each ReplicaSet and Job read: its controller, and where it was read.
type Links = HashMap<Key, (Option<(String, String)>, ReadAt)>;

fn key(kind: &str, namespace: &str, name: &str) -> Key {
    (kind.to_owned(), Some(namespace.to_owned()), name.to_owned())
}

/// Groups the pods that touch Docker by their top-level owner.
pub(crate) fn workloads(g: &Gathered) -> Vec<Workload> {
    let links: Links = g
        .links
        .iter()
        .map(|l| {
            let o = &l.object;
            (
                (o.kind.clone(), o.namespace.clone(), o.name.clone()),
                (l.owner.clone(), l.at),
            )
        })
        .collect();
    let read_at: HashMap<&ObjectRef, ReadAt> =
        g.controllers.iter().map(|(o, at)| (o, *at)).collect();
    let mut by_owner: BTreeMap<ObjectRef, Workload> = BTreeMap::new();
    for pod in &g.hits {
        let (object, inferred, owner_at) = top_owner(pod, &links);
        let owner_at = owner_at.or_else(|| read_at.get(&object).copied());
        let w = by_owner.entry(object.clone()).or_insert_with(|| Workload {
            object,
            at: owner_at.unwrap_or(pod.at),
            inferred: inferred.clone(),
            mounts: Vec::new(),
            docker: Vec::new(),
        });
        if owner_at.is_none() && pod.at < w.at {
            w.at = pod.at;
        }
        for m in &pod.mounts {
            let same = |c: &&mut Concern<HostMount>| {
                c.what.class == m.class && c.what.normalised == m.normalised
            };
            match w.mounts.iter_mut().find(same) {
                Some(c) => {
                    for by in &m.mounted_by {
                        if !c.what.mounted_by.contains(by) {
                            c.what.mounted_by.push(by.clone());
                        }
                    }
                    c.add(pod);
                }
                None => {
                    let mut c = Concern::new(m.clone());
                    c.add(pod);
                    w.mounts.push(c);
                }
            }
        }
        for d in &pod.docker {
            match w.docker.iter_mut().find(|c| &c.what == d) {
                Some(c) => c.add(pod),
                None => {
                    let mut c = Concern::new(d.clone());
                    c.add(pod);
                    w.docker.push(c);
                }
            }
        }
    }
    by_owner
        .into_values()
        .map(|mut w| {
            w.mounts.iter_mut().for_each(Concern::settle);
            w.docker.iter_mut().for_each(Concern::settle);
            w
        })
        .collect()
}

/// The pod's top-level owner, how it was inferred if it was, and where the owner was read.
fn top_owner(pod: &PodHit, links: &Links) -> (ObjectRef, Option<String>, Option<ReadAt>) {
    let ns = pod.namespace.as_str();
    // A static pod's mirror is owned by its Node: the pod itself is what a person manages.
    let Some((mut kind, mut name)) = pod.owner.clone().filter(|(k, _)| k != "Node") else {
        return (
            ObjectRef::new("Pod", Some(ns), &pod.name),
            None,
            Some(pod.at),
        );
    };
    let mut at = None;
    // Owner chains are short (two links for Deployments and CronJobs); the bound guards
    // against a cycle in malformed input.
    for _ in 0..8 {
        match links.get(&key(&kind, ns, &name)) {
            Some((Some((k, n)), _)) => {
                at = None;
                kind = k.clone();
                name = n.clone();
            }
            Some((None, read)) => {
                at = Some(*read);
                break;
            }
            None if kind == "ReplicaSet" => {
                if let Some(deployment) = deployment_of(&name, pod.template_hash.as_deref()) {
                    let why = format!(
                        "ReplicaSet {ns}/{name} was not read: its name and the pod's `pod-template-hash` label make it Deployment {deployment}'s"
                    );
                    return (
                        ObjectRef::new("Deployment", Some(ns), deployment),
                        Some(why),
                        None,
                    );
                }
                break;
            }
            None => break,
        }
    }
    (ObjectRef::new(&kind, Some(ns), &name), None, at)
}

/// A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`.
fn deployment_of<'n>(replica_set: &'n str, hash: Option<&str>) -> Option<&'n str> {
    let hash = hash.filter(|h| !h.is_empty())?;
    replica_set
        .strip_suffix(hash)?
        .strip_suffix('-')
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::facts::OwnerLink;
    use crate::cluster::mounts::MountClass;

    fn hit(name: &str, owner: Option<(&str, &str)>, hash: Option<&str>, node: &str) -> PodHit {
        PodHit {
            namespace: "logging".into(),
            name: name.into(),
            at: ReadAt { input: 0, line: 10 },
            node: Some(node.into()),
            owner: owner.map(|(k, n)| (k.into(), n.into())),
            template_hash: hash.map(str::to_owned),
            mounts: vec![HostMount {
                class: MountClass::DockerSocket,
                normalised: "/var/run/docker.sock".into(),
                path: "/var/run/docker.sock".into(),
                volume: "sock".into(),
                mounted_by: vec!["agent (/var/run/docker.sock)".into()],
                read_only: false,
            }],
            docker: Vec::new(),
        }
    }

    #[test]
    fn pods_roll_up_through_read_owners_and_inferred_deployments() {
        let g = Gathered {
            hits: vec![
                hit("agent-x1", Some(("DaemonSet", "agent")), None, "n1"),
                hit("agent-x2", Some(("DaemonSet", "agent")), None, "n2"),
                hit(
                    "web-7d9f-abc",
                    Some(("ReplicaSet", "web-7d9f")),
                    Some("7d9f"),
                    "n1",
                ),
                hit("job-1-x", Some(("Job", "backup-2890")), None, "n2"),
                hit("bare", None, None, "n1"),
                hit("odd-1", Some(("ReplicaSet", "odd")), Some("zz"), "n1"),
            ],
            links: vec![OwnerLink {
                object: ObjectRef::new("Job", Some("logging"), "backup-2890"),
                owner: Some(("CronJob".into(), "backup".into())),
                at: ReadAt { input: 0, line: 3 },
            }],
            ..Gathered::default()
        };
        let found: Vec<(String, Vec<String>, bool)> = workloads(&g)
            .into_iter()
            .map(|w| {
                (
                    w.object.display(),
                    w.mounts[0].nodes.clone(),
                    w.inferred.is_some(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("CronJob logging/backup".into(), vec!["n2".into()], false),
                (
                    "DaemonSet logging/agent".into(),
                    vec!["n1".into(), "n2".into()],
                    false
                ),
                ("Deployment logging/web".into(), vec!["n1".into()], true),
                ("Pod logging/bare".into(), vec!["n1".into()], false),
                ("ReplicaSet logging/odd".into(), vec!["n1".into()], false),
            ]
        );
    }
}

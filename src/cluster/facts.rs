//! What the cluster rules read, gathered from every object: the nodes, the pods that touch
//! Docker (with the owner each names), the owners read, and what could not be read. Pods that
//! touch nothing are only counted, so memory follows the nodes and the findings, not the pods.

use std::collections::BTreeMap;

use super::mounts::{DockerContainer, HostMount, docker_containers, host_mounts};
use super::objects::{CRI_SOCKET_ANNOTATION, Object, POD_TEMPLATE_HASH};

/// Where an object was read: an input file (index into [`ClusterFacts::inputs`]) and the
/// line its text starts on (0 when the input has no lines, as for an API list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ReadAt {
    pub(crate) input: usize,
    pub(crate) line: usize,
}

/// A Kubernetes object by kind, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub(crate) fn new(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            kind: kind.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// `DaemonSet logging/log-agent`, `Node node-1`.
    pub(crate) fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A Node as the rules read it.
#[derive(Clone, Debug)]
pub(crate) struct NodeFacts {
    pub(crate) name: String,
    pub(crate) at: ReadAt,
    /// `status.nodeInfo.containerRuntimeVersion`: `docker://20.10.7`, `containerd://1.7.24`.
    pub(crate) runtime: String,
    /// `status.nodeInfo.kubeletVersion`: `v1.23.17`, `v1.29.4-eks-1234`.
    pub(crate) kubelet_version: String,
    pub(crate) labels: Vec<(String, String)>,
    /// `kubeadm.alpha.kubernetes.io/cri-socket`, when set.
    pub(crate) cri_socket: Option<String>,
    /// Any `kubeadm.alpha.kubernetes.io/*` annotation is set.
    pub(crate) kubeadm_annotated: bool,
    /// The running kubelet's configuration, when read from the API (None: not asked, as
    /// when the objects come from files).
    pub(crate) configz: Option<Result<crate::api::KubeletConfigz, crate::api::ApiFailure>>,
}

impl NodeFacts {
    pub(crate) fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The managed platform (or k3s) the node's labels or runtime version show, if any:
    /// such nodes are not kubeadm's.
    pub(crate) fn platform(&self) -> Option<&'static str> {
        const MARKS: &[(&str, &str)] = &[
            ("eks.amazonaws.com/", "EKS"),
            ("cloud.google.com/gke-", "GKE"),
            ("kubernetes.azure.com/", "AKS"),
            ("k3s.io/", "k3s"),
        ];
        if self.runtime.contains("-k3s") {
            return Some("k3s");
        }
        MARKS.iter().find_map(|(prefix, platform)| {
            self.labels
                .iter()
                .any(|(k, _)| k.starts_with(prefix))
                .then_some(*platform)
        })
    }

    /// The running kubelet's configuration, when it was read.
    pub(crate) fn running(&self) -> Option<&crate::api::KubeletConfigz> {
        self.configz.as_ref().and_then(|c| c.as_ref().ok())
    }

    /// The endpoint the running kubelet uses, from configz (kubelet 1.27+; a flag before,
    /// which configz does not show).
    pub(crate) fn running_endpoint(&self) -> Option<&str> {
        self.running()
            .and_then(|c| c.container_runtime_endpoint.as_deref())
            .filter(|e| !e.trim().is_empty())
    }

    /// The runtime's name before `://`: `docker`, `containerd`, `cri-o`.
    pub(crate) fn runtime_name(&self) -> &str {
        self.runtime
            .split_once("://")
            .map_or(self.runtime.as_str(), |(n, _)| n)
    }
}

/// A pod that touches Docker, with what its spec shows.
#[derive(Clone, Debug)]
pub(crate) struct PodHit {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) at: ReadAt,
    pub(crate) node: Option<String>,
    /// The controller owner reference: (kind, name).
    pub(crate) owner: Option<(String, String)>,
    pub(crate) template_hash: Option<String>,
    pub(crate) mounts: Vec<HostMount>,
    pub(crate) docker: Vec<DockerContainer>,
}

/// A ReplicaSet or Job and the controller that owns it.
#[derive(Clone, Debug)]
pub(crate) struct OwnerLink {
    pub(crate) object: ObjectRef,
    pub(crate) owner: Option<(String, String)>,
    pub(crate) at: ReadAt,
}

/// An object that could not be read, or a read that failed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ReadProblem {
    pub(crate) at: ReadAt,
    pub(crate) message: String,
}

/// An input: a file, standard input, or an API resource.
#[derive(Clone, Debug)]
pub(crate) struct InputSource {
    pub(crate) name: String,
    /// Objects read from it.
    pub(crate) objects: usize,
    /// Why it could not be read at all, or stopped early.
    pub(crate) failure: Option<String>,
    /// For a LIST of the API: the resource (`nodes`, `pods`).
    pub(crate) api_resource: Option<&'static str>,
}

/// What one reader thread gathered; merged into [`ClusterFacts`] at the end.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    pub(crate) nodes: Vec<NodeFacts>,
    pub(crate) pods: usize,
    pub(crate) pods_by_phase: BTreeMap<String, usize>,
    pub(crate) hits: Vec<PodHit>,
    pub(crate) links: Vec<OwnerLink>,
    /// Deployments, DaemonSets, StatefulSets, CronJobs: where each was read.
    pub(crate) controllers: Vec<(ObjectRef, ReadAt)>,
    pub(crate) other_kinds: BTreeMap<String, usize>,
    pub(crate) problems: Vec<ReadProblem>,
    /// Objects read per input.
    pub(crate) objects_per_input: BTreeMap<usize, usize>,
}

impl Gathered {
    /// Takes what the rules need from one object.
    pub(crate) fn add(&mut self, object: &Object<'_>, at: ReadAt) {
        if !object.kind.is_empty() {
            *self.objects_per_input.entry(at.input).or_default() += 1;
        }
        let meta = &object.metadata;
        // The API always names a namespaced object's namespace; files written by hand may
        // leave it out, and `kubectl apply` then uses `default`.
        let namespace = Some(meta.namespace.as_deref().unwrap_or("default"));
        match object.kind.as_ref() {
            // A List inside the input (`jq -s` of several Lists): its items count one by one.
            "List" => {
                for item in &object.items {
                    self.add(item, at);
                }
            }
            "Node" => self.nodes.push(node_facts(object, at)),
            "Pod" => self.add_pod(object, at),
            "ReplicaSet" | "Job" => self.links.push(OwnerLink {
                object: ObjectRef::new(&object.kind, namespace, &meta.name),
                owner: controller_of(object),
                at,
            }),
            "Deployment" | "DaemonSet" | "StatefulSet" | "CronJob" => self
                .controllers
                .push((ObjectRef::new(&object.kind, namespace, &meta.name), at)),
            "" => self.problems.push(ReadProblem {
                at,
                message: "an object without `kind`: skipped".into(),
            }),
            other => *self.other_kinds.entry(other.to_owned()).or_default() += 1,
        }
    }

    fn add_pod(&mut self, pod: &Object<'_>, at: ReadAt) {
        self.pods += 1;
        let phase = pod.status.phase.as_deref().unwrap_or("Unknown");
        match self.pods_by_phase.get_mut(phase) {
            Some(n) => *n += 1,
            None => {
                self.pods_by_phase.insert(phase.to_owned(), 1);
            }
        }
        let mounts = host_mounts(pod);
        let docker = docker_containers(pod, &mounts);
        if mounts.is_empty() && docker.is_empty() {
            return;
        }
        let meta = &pod.metadata;
        self.hits.push(PodHit {
            namespace: meta.namespace.as_deref().unwrap_or("default").to_owned(),
            name: meta.name.to_string(),
            at,
            node: pod.spec.node_name.as_deref().map(str::to_owned),
            owner: controller_of(pod),
            template_hash: meta.labels.get(POD_TEMPLATE_HASH).map(str::to_owned),
            mounts,
            docker,
        });
    }

    pub(crate) fn merge(&mut self, other: Gathered) {
        self.nodes.extend(other.nodes);
        self.pods += other.pods;
        for (phase, n) in other.pods_by_phase {
            *self.pods_by_phase.entry(phase).or_default() += n;
        }
        self.hits.extend(other.hits);
        self.links.extend(other.links);
        self.controllers.extend(other.controllers);
        for (kind, n) in other.other_kinds {
            *self.other_kinds.entry(kind).or_default() += n;
        }
        self.problems.extend(other.problems);
        for (input, n) in other.objects_per_input {
            *self.objects_per_input.entry(input).or_default() += n;
        }
    }
}

fn node_facts(node: &Object<'_>, at: ReadAt) -> NodeFacts {
    let meta = &node.metadata;
    let info = node.status.node_info.as_ref();
    NodeFacts {
        name: meta.name.to_string(),
        at,
        runtime: info
            .map(|i| i.container_runtime_version.to_string())
            .unwrap_or_default(),
        kubelet_version: info
            .map(|i| i.kubelet_version.to_string())
            .unwrap_or_default(),
        labels: meta
            .labels
            .0
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cri_socket: meta
            .annotations
            .get(CRI_SOCKET_ANNOTATION)
            .map(str::to_owned),
        kubeadm_annotated: !meta.annotations.0.is_empty(),
        configz: None,
    }
}

/// The owner reference marked `controller: true`, else the only one.
fn controller_of(object: &Object<'_>) -> Option<(String, String)> {
    let refs = &object.metadata.owner_references;
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| (refs.len() == 1).then(|| &refs[0]))
        .map(|r| (r.kind.to_string(), r.name.to_string()))
}

/// Everything the cluster rules read.
#[derive(Debug, Default)]
pub(crate) struct ClusterFacts {
    pub(crate) inputs: Vec<InputSource>,
    pub(crate) gathered: Gathered,
    /// The pods that touch Docker, rolled up to their top-level owners.
    pub(crate) workloads: Vec<super::rollup::Workload>,
    /// The migration target given on the command line, if any.
    pub(crate) target: super::Target,
    /// The API server the objects were listed from, and whose credentials were used.
    pub(crate) api: Option<ApiSource>,
}

/// The API server read, for the reports.
#[derive(Clone, Debug)]
pub(crate) struct ApiSource {
    pub(crate) server: String,
    /// `kubeconfig ~/.kube/config (context prod)`, `the pod's service account`.
    pub(crate) credentials: String,
}

impl ClusterFacts {
    pub(crate) fn nodes(&self) -> &[NodeFacts] {
        &self.gathered.nodes
    }

    /// Why an API resource could not be listed, when it could not.
    pub(crate) fn unlisted(&self, resource: &str) -> Option<&str> {
        self.inputs
            .iter()
            .find(|i| i.api_resource == Some(resource) && i.objects == 0)
            .and_then(|i| i.failure.as_deref())
    }

    pub(crate) fn input_name(&self, at: ReadAt) -> &str {
        self.inputs.get(at.input).map_or("", |i| i.name.as_str())
    }

    /// Nothing at all could be read.
    pub(crate) fn nothing_read(&self) -> bool {
        self.gathered.objects_per_input.values().all(|n| *n == 0)
    }
}

//! The node snapshot: everything the collectors found, as plain immutable data.
//!
//! No I/O happens here. Rules read this; the report reads only the [`SourceMap`] (to quote
//! lines) and what rules emitted.

pub(crate) mod containerd;
pub(crate) mod crictl;
pub(crate) mod docker;
pub(crate) mod endpoint;
pub(crate) mod hosts;
pub(crate) mod input;
pub(crate) mod kubelet;
pub mod live;
pub(crate) mod manifests;
pub(crate) mod node;
pub(crate) mod policy;
pub mod source;
pub(crate) mod toml_path;
pub(crate) mod version;

use std::sync::Arc;

pub use input::{Effective, Input, InputProblem, InputRecord, InputState, Origin, Problem};
pub use source::{FileId, InputKind, SourceFile, SourceMap, Span, SpanPosition, Spanned};
pub use version::{Component, Version, VersionFact, VersionOrigin, VersionUse};

use containerd::ContainerdConfig;
use crictl::CrictlConfig;
use docker::DockerDaemonConfig;
use hosts::RegistryHosts;
use kubelet::KubeletSettings;
use node::NodeObject;

/// Everything known about one node.
#[derive(Debug)]
pub struct NodeSnapshot {
    /// The directory the node's files were read under (`/` on the host itself).
    pub(crate) root: String,
    /// How to name this node in reports.
    pub(crate) identity: NodeIdentity,
    pub(crate) sources: Arc<SourceMap>,
    /// Every path looked at and what became of it.
    pub(crate) inputs: Vec<InputRecord>,
    /// Problems with input files (RA0xx).
    pub(crate) problems: Vec<InputProblem>,
    pub(crate) versions: crate::release::Versions,
    pub(crate) containerd: Input<ContainerdConfig>,
    pub(crate) registry_hosts: RegistryHosts,
    pub(crate) kubelet: Input<KubeletSettings>,
    pub(crate) crictl: Input<CrictlConfig>,
    pub(crate) docker: Input<DockerDaemonConfig>,
    pub(crate) node: Input<NodeObject>,
    pub(crate) policy: policy::PolicyFacts,
    /// Sockets, CRI and Docker API answers, host facts.
    pub(crate) live: live::LiveFacts,
    /// Static pod manifests (`/etc/kubernetes/manifests`).
    pub(crate) static_pods: Input<manifests::StaticPods>,
}

/// The node's name for reports and SARIF categories.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeIdentity {
    pub name: String,
    /// Where the name came from: `node-object`, `hostname-file`, `flag`, `unknown`.
    pub source: &'static str,
}

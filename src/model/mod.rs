//! The node snapshot: everything the collectors found, as plain immutable data.
//!
//! No I/O happens here. Rules read this; the report reads only the [`SourceMap`] (to quote
//! lines) and what rules emitted.

pub mod containerd;
pub mod crictl;
pub mod docker;
pub mod hosts;
pub mod input;
pub mod kubelet;
pub mod live;
pub mod manifests;
pub mod node;
pub mod policy;
pub mod source;
pub mod version;

use std::sync::Arc;

pub use input::{Effective, Input, InputProblem, InputRecord, InputState, Origin, Problem};
pub use source::{FileId, InputKind, SourceFile, SourceMap, Span, SpanPosition, Spanned};
pub use version::{Component, Version, VersionFact, VersionOrigin, VersionUse, Versions};

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
    pub root: String,
    /// How to name this node in reports.
    pub identity: NodeIdentity,
    pub sources: Arc<SourceMap>,
    /// Every path looked at and what became of it.
    pub inputs: Vec<InputRecord>,
    /// Problems with input files (RA0xx).
    pub problems: Vec<InputProblem>,
    pub versions: Versions,
    pub containerd: Input<ContainerdConfig>,
    pub registry_hosts: RegistryHosts,
    pub kubelet: Input<KubeletSettings>,
    pub crictl: Input<CrictlConfig>,
    pub docker: Input<DockerDaemonConfig>,
    pub node: Input<NodeObject>,
    pub policy: policy::PolicyFacts,
    /// Sockets, CRI and Docker API answers, host facts.
    pub live: live::LiveFacts,
    /// Static pod manifests (`/etc/kubernetes/manifests`).
    pub static_pods: Input<manifests::StaticPods>,
}

/// The node's name for reports and SARIF categories.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeIdentity {
    pub name: String,
    /// Where the name came from: `node-object`, `hostname-file`, `flag`, `unknown`.
    pub source: &'static str,
}

//! The releases at hand on one node: the kubelet's, containerd's (known, assumed or unknown)
//! and Docker's, as collect resolved them.

use crate::model::version::NodeRuntime;
use crate::model::{Component, VersionFact};

use super::containerd::ContainerdRelease;
use super::kubernetes::KubeletRelease;

/// The versions known about this node, best source first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Versions {
    pub(crate) kubelet: Option<KubeletRelease>,
    /// Known from a version given or found, else assumed from the containerd config's
    /// `version` header, else unknown.
    pub(crate) containerd: ContainerdRelease,
    pub(crate) docker: Option<VersionFact>,
    /// What the node reports as its runtime (`containerRuntimeVersion`, e.g. `docker://20.10.7`).
    pub(crate) node_runtime: Option<NodeRuntime>,
}

impl Versions {
    /// A component's version as given or found (an assumed containerd release is not one).
    pub(crate) fn known(&self, component: Component) -> Option<&VersionFact> {
        match component {
            Component::Kubelet => self.kubelet.as_ref().map(KubeletRelease::fact),
            Component::Containerd => self.containerd.known_fact(),
            Component::Docker => self.docker.as_ref(),
        }
    }
}

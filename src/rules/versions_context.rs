//! Versions as rules say them in findings (the containerd release has its own type,
//! `containerd_release::ContainerdRelease`).

use crate::model::{Component, VersionFact};

/// "kubelet 1.29 (from --kubernetes-version)".
pub fn describe(component: Component, fact: &VersionFact) -> String {
    format!("{component} {} ({})", fact.version, fact.origin)
}

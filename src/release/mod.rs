//! What each release of containerd and Kubernetes does, in one place: a type per component,
//! resolved once from the versions the audit knows, with a named predicate for every behaviour
//! a collector or a rule depends on. Nothing else compares version numbers.

pub mod containerd;
pub mod containerd_defaults;
pub mod kubernetes;
pub mod support;

pub use containerd::{ConfigVersionSupport, ContainerdRelease, ReleaseNumber};
pub use kubernetes::KubeletRelease;

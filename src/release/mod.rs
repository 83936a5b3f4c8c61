//! What each release of containerd and Kubernetes does, in one place: a type per component,
//! resolved once from the versions the audit knows, with a named predicate for every behaviour
//! a collector or a rule depends on. Nothing else compares version numbers.

pub(crate) mod config_schema;
pub(crate) mod containerd;
pub(crate) mod containerd_defaults;
pub(crate) mod kubernetes;
pub(crate) mod support;
pub(crate) mod versions;

pub(crate) use containerd::{ConfigVersionSupport, ContainerdRelease, ReleaseNumber};
pub(crate) use kubernetes::KubeletRelease;
pub(crate) use versions::Versions;

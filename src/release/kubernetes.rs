//! The kubelet release the verdicts are for (the migration target, else the Node object's
//! `kubeletVersion`), and the Kubernetes changes a migration crosses (migration facts KLT-*,
//! SBX-*, CGRP-*, KADM-*).

use std::fmt;

use crate::model::{Version, VersionFact, VersionOrigin};

/// dockershim's socket: the kubelet's default endpoint up to 1.23.
pub(crate) const DOCKERSHIM_SOCKET: &str = "/run/dockershim.sock";

/// The socket the kubelet uses when no runtime endpoint is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DefaultEndpoint {
    /// dockershim's, built into the kubelet up to 1.23.
    Dockershim,
    /// None: kubelet 1.26 refuses to start without an endpoint.
    None,
    /// containerd's (1.24, 1.25 and 1.27 on; kubernetes PR #107624).
    Containerd,
}

/// A kubelet release and where its version came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KubeletRelease {
    fact: VersionFact,
}

impl KubeletRelease {
    pub(crate) fn new(fact: VersionFact) -> KubeletRelease {
        KubeletRelease { fact }
    }

    /// A release given as `--kubernetes-version`, for tests.
    #[cfg(test)]
    pub(crate) fn target(version: &str) -> KubeletRelease {
        KubeletRelease::new(VersionFact {
            version: Version::parse(version).expect("a version"),
            origin: VersionOrigin::Cli {
                flag: "--kubernetes-version",
            },
        })
    }

    pub(crate) fn fact(&self) -> &VersionFact {
        &self.fact
    }

    pub(crate) fn version(&self) -> &Version {
        &self.fact.version
    }

    pub(crate) fn origin(&self) -> &VersionOrigin {
        &self.fact.origin
    }

    /// At or after Kubernetes `1.minor`.
    fn from(&self, minor: u64) -> bool {
        self.fact.version.at_least(1, minor, 0)
    }

    /// `(major, minor)`, e.g. `(1, 29)`.
    pub(crate) fn minor(&self) -> (u64, u64) {
        (self.fact.version.major, self.fact.version.minor)
    }

    /// dockershim is built in: up to 1.23 (removed in 1.24).
    pub(crate) fn has_dockershim(&self) -> bool {
        !self.from(24)
    }

    /// `--container-runtime` is gone (1.27); from 1.24 to 1.26 it accepts only `remote`.
    pub(crate) fn container_runtime_flag_removed(&self) -> bool {
        self.from(27)
    }

    /// The kubelet config file has `containerRuntimeEndpoint` (1.27+), and the endpoint flags
    /// are deprecated in its favour.
    pub(crate) fn runtime_endpoint_in_config(&self) -> bool {
        self.from(27)
    }

    /// The endpoint the kubelet uses when none is set.
    pub(crate) fn default_runtime_endpoint(&self) -> DefaultEndpoint {
        if self.has_dockershim() {
            DefaultEndpoint::Dockershim
        } else if self.fact.version.is_line(1, 26) {
            DefaultEndpoint::None
        } else {
            DefaultEndpoint::Containerd
        }
    }

    /// Only the CRI v1 API is spoken (1.26+); earlier releases fall back to v1alpha2.
    pub(crate) fn speaks_only_cri_v1(&self) -> bool {
        self.from(26)
    }

    /// `--pod-infra-container-image` is deprecated and only protects the image from garbage
    /// collection (1.24+); earlier it also chose the sandbox image for dockershim.
    pub(crate) fn pod_infra_flag_deprecated(&self) -> bool {
        self.from(24)
    }

    /// `--pod-infra-container-image` is removed: the kubelet refuses to start with it (1.35+).
    pub(crate) fn pod_infra_flag_removed(&self) -> bool {
        self.from(35)
    }

    /// The kubelet keeps the pause image out of image garbage collection itself (before
    /// 1.29); from 1.29 it relies on the runtime reporting the image as pinned.
    pub(crate) fn protects_pause_image(&self) -> bool {
        !self.from(29)
    }

    /// The kubelet refuses to start on cgroup v1 unless `failCgroupV1: false` (1.35+).
    pub(crate) fn refuses_cgroup_v1(&self) -> bool {
        self.from(35)
    }

    /// Whether the kubelet takes its cgroup driver from the CRI runtime, given the
    /// `KubeletCgroupDriverFromCRI` feature gate as set (None: not set): GA in 1.34, beta and
    /// on by default from 1.31, opt-in alpha 1.28–1.30 (migration facts CGRP-001).
    pub(crate) fn cgroup_driver_from_cri(&self, gate: Option<bool>) -> bool {
        if self.from(34) {
            true
        } else if self.from(31) {
            gate != Some(false)
        } else if self.from(28) {
            gate == Some(true)
        } else {
            false
        }
    }

    /// kubeadm keeps the CRI socket in the node's kubelet instance config instead of the
    /// `kubeadm.alpha.kubernetes.io/cri-socket` annotation (NodeLocalCRISocket, 1.34+).
    pub(crate) fn node_local_cri_socket(&self) -> bool {
        self.from(34)
    }

    /// Kubernetes no longer supports containerd 1.x (1.36+; 1.35 was the last release).
    pub(crate) fn drops_containerd_1x(&self) -> bool {
        self.from(36)
    }
}

/// "kubelet 1.29 (from --kubernetes-version)".
impl fmt::Display for KubeletRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kubelet {} ({})", self.fact.version, self.fact.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubelet(v: &str) -> KubeletRelease {
        KubeletRelease::target(v)
    }

    #[test]
    fn thresholds_per_release() {
        assert!(kubelet("1.23.17").has_dockershim());
        assert!(!kubelet("1.24").has_dockershim());
        assert_eq!(
            kubelet("1.26.3").default_runtime_endpoint(),
            DefaultEndpoint::None
        );
        assert_eq!(
            kubelet("1.25").default_runtime_endpoint(),
            DefaultEndpoint::Containerd
        );
        assert!(kubelet("1.27").container_runtime_flag_removed());
        assert!(!kubelet("1.26").runtime_endpoint_in_config());
        assert!(kubelet("1.35.0").refuses_cgroup_v1());
        assert!(kubelet("1.34").node_local_cri_socket());
        assert!(kubelet("1.28").protects_pause_image());
        assert!(!kubelet("1.29").protects_pause_image());
        assert!(!kubelet("1.30").cgroup_driver_from_cri(None));
        assert!(kubelet("1.31").cgroup_driver_from_cri(None));
        assert!(!kubelet("1.31").cgroup_driver_from_cri(Some(false)));
        assert_eq!(
            kubelet("1.29").to_string(),
            "kubelet 1.29 (from --kubernetes-version)"
        );
    }
}

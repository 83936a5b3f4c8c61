//! containerd's built-in values for keys a config leaves out, per release (migration facts
//! §0.2), with the reason the effective view shows.

use super::containerd::{ContainerdRelease, ReleaseNumber};

/// The gRPC socket (`[grpc] address`, v4 `io.containerd.server.v1.grpc` `address`). Source:
/// 1.6.20 `config default`; the 2.3 man page and `config default`.
pub(crate) const GRPC_ADDRESS: &str = "/run/containerd/containerd.sock";

/// The same socket as a CRI endpoint, as the kubelet and crictl name it.
pub(crate) const CRI_ENDPOINT: &str = "unix:///run/containerd/containerd.sock";

/// `default_runtime_name`. Source: 1.6.20 and 2.x `config default`.
pub(crate) const RUNTIME_NAME: &str = "runc";

/// `runtime_type` of the default `runc` runtime. Source: 1.6.20 and 2.x `config default`.
pub(crate) const RUNC_RUNTIME_TYPE: &str = crate::model::containerd::RUNC_V2;

/// Effective `options.SystemdCgroup` when absent: false on every release (facts §0.2).
pub(crate) const SYSTEMD_CGROUP: bool = false;

/// The CRI snapshotter (Linux). Source: 1.6.20 and 2.x `config default`.
pub(crate) const SNAPSHOTTER: &str = "overlayfs";

/// CNI plugin binaries directory. Source: 1.6.20 and 2.x `config default` (2.1+ prints it as
/// `bin_dirs = ['/opt/cni/bin']` with an empty `bin_dir`).
pub(crate) const CNI_BIN_DIR: &str = "/opt/cni/bin";

/// CNI network configuration directory. Source: 1.6.20 and 2.x `config default`.
pub(crate) const CNI_CONF_DIR: &str = "/etc/cni/net.d";

/// The `config_path` 2.2 and later use when none is set (PR #6488, Linux; facts §0.2,
/// REG-009). `config default` still prints `''` on 2.3: the default is applied when the CRI
/// image plugin starts.
pub(crate) const CONFIG_PATH_2_2: &str = "/etc/containerd/certs.d:/etc/docker/certs.d";

impl ContainerdRelease {
    /// containerd's default sandbox image. Source: `DefaultSandboxImage` / `DefaultConfig` in
    /// `pkg/cri/config/config_unix.go` and `internal/cri/config/config.go` at each line
    /// (facts §0.2); the installed 1.6.20 prints `registry.k8s.io/pause:3.6`, the 2.0-era
    /// source has `registry.k8s.io/pause:3.10`, a 2.3 `config default` prints
    /// `registry.k8s.io/pause:3.10.2`. An unknown release gets 1.6's.
    pub(crate) fn default_sandbox_image(&self) -> &'static str {
        let Some(v) = self.version() else {
            return "registry.k8s.io/pause:3.6";
        };
        match ReleaseNumber(v.major, v.minor, v.patch) {
            ReleaseNumber(1, 6, p) if p < 10 => "k8s.gcr.io/pause:3.6",
            ReleaseNumber(1, 6, _) => "registry.k8s.io/pause:3.6",
            ReleaseNumber(1, 7, _) => "registry.k8s.io/pause:3.8",
            ReleaseNumber(2, 0 | 1, _) => "registry.k8s.io/pause:3.10",
            ReleaseNumber(2, 2, _) => "registry.k8s.io/pause:3.10.1",
            ReleaseNumber(2, _, _) => "registry.k8s.io/pause:3.10.2",
            ReleaseNumber(1, 5, _) => "k8s.gcr.io/pause:3.5",
            _ => "registry.k8s.io/pause:3.6",
        }
    }

    /// The `config_path` the release uses when the file sets none (or, on 2.2.0 and 2.2.1,
    /// sets it empty), and why.
    pub(crate) fn default_config_path(&self, has_mirrors: bool) -> (&'static str, &'static str) {
        if self.forces_default_config_path() {
            (
                CONFIG_PATH_2_2,
                "containerd 2.2.0/2.2.1 default, applied even when mirrors are set (containerd#12612)",
            )
        } else if self.has_default_config_path() && !has_mirrors {
            (
                CONFIG_PATH_2_2,
                "containerd 2.2+ default when neither config_path nor mirrors is set",
            )
        } else if self.has_default_config_path() {
            (
                "",
                "containerd 2.2+ keeps config_path empty when mirrors are set",
            )
        } else {
            ("", "containerd before 2.2 has no default config_path")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(v: &str) -> ContainerdRelease {
        ContainerdRelease::target(v)
    }

    #[test]
    fn the_default_endpoint_is_the_default_socket() {
        let e = crate::model::endpoint::Endpoint::parse(CRI_ENDPOINT);
        assert_eq!((e.scheme(), e.path()), (Some("unix"), GRPC_ADDRESS));
    }

    #[test]
    fn defaults_per_release() {
        // Seen in the installed 1.6.20 `config default`.
        assert_eq!(
            release("1.6.20").default_sandbox_image(),
            "registry.k8s.io/pause:3.6"
        );
        assert_eq!(
            release("1.6.9").default_sandbox_image(),
            "k8s.gcr.io/pause:3.6"
        );
        assert_eq!(
            release("2.0.3").default_sandbox_image(),
            "registry.k8s.io/pause:3.10"
        );
        assert_eq!(
            release("2.3.1").default_sandbox_image(),
            "registry.k8s.io/pause:3.10.2"
        );
        assert_eq!(release("2.1.4").default_config_path(false).0, "");
        assert_eq!(
            release("2.2.0").default_config_path(false).0,
            CONFIG_PATH_2_2
        );
        assert_eq!(
            release("2.2.1").default_config_path(true).0,
            CONFIG_PATH_2_2
        );
        assert_eq!(release("2.2.2").default_config_path(true).0, "");
        assert_eq!(release("1.7.20").max_config_version(), 2);
        assert_eq!(release("2.2.1").max_config_version(), 3);
        assert_eq!(release("2.3.0").max_config_version(), 4);
        assert_eq!(
            ReleaseNumber::parse("1.6.29"),
            Some(ReleaseNumber(1, 6, 29))
        );
        assert_eq!(ReleaseNumber::parse("2.1"), Some(ReleaseNumber(2, 1, 0)));
        assert_eq!(ReleaseNumber::parse("x"), None);
    }
}

//! Docker's `/etc/docker/daemon.json`: what must be carried over to containerd.

use super::source::{FileId, Spanned};

#[derive(Clone, Debug, Default)]
pub struct DockerDaemonConfig {
    pub path: String,
    pub file: Option<FileId>,
    /// `exec-opts` entries.
    pub exec_opts: Vec<Spanned<String>>,
    /// The cgroup driver `exec-opts` selects (`native.cgroupdriver=systemd`), value only.
    /// None when no entry sets it (dockerd then picks cgroupfs on cgroup v1 hosts and
    /// systemd on cgroup v2 hosts).
    pub cgroup_driver: Option<Spanned<String>>,
    pub insecure_registries: Vec<Spanned<String>>,
    pub registry_mirrors: Vec<Spanned<String>>,
    pub log_driver: Option<Spanned<String>>,
    /// `log-opts` entries: the option name and its value.
    pub log_opts: Vec<(String, Spanned<String>)>,
    pub default_runtime: Option<Spanned<String>>,
    /// `runtimes` names.
    pub runtimes: Vec<Spanned<String>>,
    pub data_root: Option<Spanned<String>>,
    /// `features.containerd-snapshotter`.
    pub containerd_snapshotter: Option<Spanned<bool>>,
}

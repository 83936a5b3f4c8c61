//! Docker's `/etc/docker/daemon.json`: what must be carried over to containerd.

use super::source::Spanned;

#[derive(Clone, Debug, Default)]
pub(crate) struct DockerDaemonConfig {
    /// `exec-opts` entries.
    pub(crate) exec_opts: Vec<Spanned<String>>,
    /// The cgroup driver `exec-opts` selects (`native.cgroupdriver=systemd`), value only.
    /// None when no entry sets it (dockerd then picks cgroupfs on cgroup v1 hosts and
    /// systemd on cgroup v2 hosts).
    pub(crate) cgroup_driver: Option<Spanned<String>>,
    pub(crate) insecure_registries: Vec<Spanned<String>>,
    pub(crate) registry_mirrors: Vec<Spanned<String>>,
    pub(crate) log_driver: Option<Spanned<String>>,
    /// `log-opts` entries: the option name and its value.
    pub(crate) log_opts: Vec<(String, Spanned<String>)>,
    pub(crate) default_runtime: Option<Spanned<String>>,
    /// `runtimes` names.
    pub(crate) runtimes: Vec<Spanned<String>>,
    pub(crate) data_root: Option<Spanned<String>>,
    /// `features.containerd-snapshotter`.
    pub(crate) containerd_snapshotter: Option<Spanned<bool>>,
}

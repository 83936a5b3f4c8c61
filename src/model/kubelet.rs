//! The kubelet's settings: its command line (assembled from kubeadm-flags.env,
//! /etc/default/kubelet, /etc/sysconfig/kubelet and systemd drop-ins) and its config file,
//! merged the way the kubelet merges them (flags win over config.yaml, which wins over
//! defaults). Every effective value remembers the file and span that set it.

use super::input::Effective;
use super::source::{FileId, Span, Spanned};

#[derive(Clone, Debug)]
pub struct KubeletSettings {
    /// Files that contributed flags, in the order their words reach the command line.
    pub flag_sources: Vec<FlagSource>,
    /// The kubelet command line, every occurrence in order (for repeated flags the last wins).
    pub flags: Vec<Flag>,
    /// The config file (`--config`, default `/var/lib/kubelet/config.yaml`), when read.
    pub config: Option<KubeletConfigFile>,
    pub effective: KubeletEffective,
}

impl KubeletSettings {
    /// The occurrence of `--name` that wins (the last one).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Every occurrence of `--name`.
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }
}

/// A file whose content reaches the kubelet command line.
#[derive(Clone, Debug)]
pub struct FlagSource {
    pub path: String,
    pub file: FileId,
    /// How it reaches the command line: `KUBELET_KUBEADM_ARGS`, `ExecStart`, ...
    pub via: String,
}

/// One `--flag[=value]` on the kubelet command line.
#[derive(Clone, Debug)]
pub struct Flag {
    /// Name without leading dashes.
    pub name: String,
    pub value: Option<String>,
    /// The whole word (`--cgroup-driver=systemd`).
    pub span: Span,
    /// Just the value, when there is one.
    pub value_span: Option<Span>,
    /// The variable or line it came through (`KUBELET_KUBEADM_ARGS`).
    pub via: String,
}

impl Flag {
    pub fn value_spanned(&self) -> Option<Spanned<String>> {
        Some(Spanned::new(
            self.value.clone()?,
            self.value_span.unwrap_or(self.span),
        ))
    }
}

/// The fields of KubeletConfiguration the rules need.
#[derive(Clone, Debug)]
pub struct KubeletConfigFile {
    pub path: String,
    pub file: FileId,
    pub api_version: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub cgroup_driver: Option<Spanned<String>>,
    pub container_runtime_endpoint: Option<Spanned<String>>,
    pub image_service_endpoint: Option<Spanned<String>>,
    pub fail_cgroup_v1: Option<Spanned<bool>>,
    pub feature_gates: Vec<(Spanned<String>, Spanned<bool>)>,
    /// The document as a whole (for findings about a missing field).
    pub document: Span,
}

impl KubeletConfigFile {
    pub fn feature_gate(&self, name: &str) -> Option<&Spanned<bool>> {
        self.feature_gates
            .iter()
            .find(|(k, _)| k.value == name)
            .map(|(_, v)| v)
    }
}

/// What the kubelet will actually use.
#[derive(Clone, Debug)]
pub struct KubeletEffective {
    /// `--cgroup-driver` > `cgroupDriver` > default `cgroupfs`.
    pub cgroup_driver: Effective<String>,
    /// `--container-runtime-endpoint` > `containerRuntimeEndpoint` > unset. The default when
    /// unset depends on the kubelet version (dockershim up to 1.23, containerd from 1.24).
    pub runtime_endpoint: Option<Effective<String>>,
    pub image_endpoint: Option<Effective<String>>,
    /// `--container-runtime` (dockershim era; removed in 1.27).
    pub container_runtime: Option<Spanned<String>>,
    /// `--pod-infra-container-image`.
    pub pod_infra_image: Option<Spanned<String>>,
    /// The config file path (`--config`), None when no flag names one.
    pub config_path: Option<Spanned<String>>,
}

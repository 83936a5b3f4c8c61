//! The kubelet's settings: its command line (assembled from kubeadm-flags.env,
//! /etc/default/kubelet, /etc/sysconfig/kubelet and systemd drop-ins) and its config file,
//! merged the way the kubelet merges them (flags win over config.yaml, which wins over
//! defaults). Every effective value remembers the file and span that set it.

use super::input::{Effective, Input};
use super::source::{FileId, Span, Spanned};

#[derive(Clone, Debug)]
pub struct KubeletSettings {
    /// Files that contributed flags, in the order their words reach the command line.
    pub flag_sources: Vec<FlagSource>,
    /// The kubelet command line, every occurrence in order (for repeated flags the last wins).
    pub flags: Vec<Flag>,
    /// Words that are not flags (`${node_labels}` leftovers, stray values): the kubelet
    /// refuses to start on them (`unknown command`).
    pub positional: Vec<Spanned<String>>,
    /// How systemd assembles the command line.
    pub service: KubeletService,
    /// The config file (`--config`, or `/var/lib/kubelet/config.yaml` from the assumed
    /// kubeadm drop-in). Absent when no `--config` names one.
    pub config: Input<KubeletConfigFile>,
    /// kubeadm's per-node `/var/lib/kubelet/instance-config.yaml` (NodeLocalCRISocket).
    pub instance_config: Input<InstanceConfig>,
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
    /// The whole word (`--cgroup-driver=systemd`), or both words of `--flag value`.
    pub span: Span,
    /// Just the value (quotes included), when there is one.
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

/// The kubelet's systemd service as far as the command line is concerned.
#[derive(Clone, Debug, Default)]
pub struct KubeletService {
    /// No unit or drop-in was found: the command line is the one kubeadm's packaged
    /// `10-kubeadm.conf` drop-in builds. Said wherever a value depends on it.
    pub assumed_dropin: bool,
    /// Unit and drop-in files read, in the order systemd applies them.
    pub unit_files: Vec<String>,
    /// The `ExecStart=` that wins (None when assumed or when no unit sets one).
    pub exec_start: Option<Span>,
    /// `EnvironmentFile=` entries in effect, in order.
    pub environment_files: Vec<EnvironmentFileRef>,
    /// Variables the command line refers to, with the value systemd passes.
    pub variables: Vec<EnvVariable>,
    /// Things systemd does with these files that change the command line.
    pub notes: Vec<ServiceNote>,
}

/// One `EnvironmentFile=` entry.
#[derive(Clone, Debug)]
pub struct EnvironmentFileRef {
    pub path: String,
    /// `-` prefix: a missing file is ignored; without it the service does not start.
    pub optional: bool,
    pub exists: bool,
    /// The `EnvironmentFile=` line (None for the assumed drop-in).
    pub span: Option<Span>,
}

/// A variable referenced by `ExecStart=` and its final value.
#[derive(Clone, Debug)]
pub struct EnvVariable {
    pub name: String,
    /// None when no `Environment=` or environment file sets it.
    pub value: Option<String>,
    /// Where the winning assignment is (None when unset or from the assumed drop-in).
    pub span: Option<Span>,
    /// `Environment=` in a unit, an environment file, or the assumed drop-in.
    pub origin: String,
}

/// Something systemd does that changes the command line, for inspect and rules.
#[derive(Clone, Debug)]
pub struct ServiceNote {
    pub message: String,
    pub span: Option<Span>,
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
    /// Fields present with a value of the wrong type (the kubelet refuses the file).
    pub wrong_types: Vec<Spanned<String>>,
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

    /// Whether `field` has a value the kubelet cannot decode.
    pub fn is_wrong_type(&self, field: &str) -> bool {
        self.wrong_types.iter().any(|k| k.value == field)
    }
}

/// `/var/lib/kubelet/instance-config.yaml`, written by kubeadm with NodeLocalCRISocket.
#[derive(Clone, Debug)]
pub struct InstanceConfig {
    pub path: String,
    pub file: FileId,
    pub container_runtime_endpoint: Option<Spanned<String>>,
    pub document: Span,
}

/// What the kubelet will use for one setting.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting<T> {
    /// Set by a flag or the config file, or the kubelet's fixed default.
    Known(Effective<T>),
    /// Neither a flag nor the config file sets it; what the kubelet then does depends on
    /// its version (see the field's documentation).
    Unset,
    /// The config file that could set it is unreadable or invalid and no flag overrides
    /// it: the value cannot be known. Rules go inconclusive.
    Unknown { reason: String },
}

impl<T> Setting<T> {
    pub fn known(&self) -> Option<&Effective<T>> {
        match self {
            Setting::Known(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_unset(&self) -> bool {
        matches!(self, Setting::Unset)
    }

    pub fn unknown_reason(&self) -> Option<&str> {
        match self {
            Setting::Unknown { reason } => Some(reason),
            _ => None,
        }
    }
}

/// What the kubelet will actually use.
#[derive(Clone, Debug)]
pub struct KubeletEffective {
    /// `--cgroup-driver` > `cgroupDriver` > default `cgroupfs` (never `Unset`).
    pub cgroup_driver: Setting<String>,
    /// `--container-runtime-endpoint` > `containerRuntimeEndpoint` > `Unset`. When unset
    /// the kubelet uses dockershim up to 1.23 and `unix:///run/containerd/containerd.sock`
    /// from 1.27 (KubeletConfiguration default); 1.26 has no default and refuses to start.
    pub runtime_endpoint: Setting<String>,
    /// `--image-service-endpoint` > `imageServiceEndpoint` > `Unset` (then the runtime
    /// endpoint is used).
    pub image_endpoint: Setting<String>,
    /// `--container-runtime` (dockershim era; removed in 1.27).
    pub container_runtime: Option<Spanned<String>>,
    /// `--pod-infra-container-image`.
    pub pod_infra_image: Option<Spanned<String>>,
    /// The `--config` flag, None when no flag names one (the assumed kubeadm drop-in's
    /// `--config=/var/lib/kubelet/config.yaml` is not a written flag).
    pub config_path: Option<Spanned<String>>,
}

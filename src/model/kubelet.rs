//! The kubelet's settings: its command line (assembled from kubeadm-flags.env,
//! /etc/default/kubelet, /etc/sysconfig/kubelet and systemd drop-ins) and its config file,
//! merged the way the kubelet merges them (flags win over config.yaml, which wins over
//! defaults). Every effective value remembers the file and span that set it.

use super::endpoint::Endpoint;
use super::input::{Effective, Input};
use super::source::{FileId, Span, Spanned};

#[derive(Clone, Debug)]
pub(crate) struct KubeletSettings {
    /// Files that contributed flags, in the order their words reach the command line.
    pub(crate) flag_sources: Vec<FlagSource>,
    /// The kubelet command line, every occurrence in order (for repeated flags the last wins).
    pub(crate) flags: Vec<Flag>,
    /// Words that are not flags (`${node_labels}` leftovers, stray values): the kubelet
    /// refuses to start on them (`unknown command`).
    pub(crate) positional: Vec<Spanned<String>>,
    /// How systemd assembles the command line.
    pub(crate) service: KubeletService,
    /// The config file (`--config`, or `/var/lib/kubelet/config.yaml` from the assumed
    /// kubeadm drop-in). Absent when no `--config` names one.
    pub(crate) config: Input<KubeletConfigFile>,
    /// kubeadm's per-node `/var/lib/kubelet/instance-config.yaml` (NodeLocalCRISocket).
    pub(crate) instance_config: Input<InstanceConfig>,
    pub(crate) effective: KubeletEffective,
}

impl KubeletSettings {
    /// The occurrence of `--name` that wins (the last one).
    pub(crate) fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Every occurrence of `--name`.
    pub(crate) fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }
}

/// A file whose content reaches the kubelet command line.
#[derive(Clone, Debug)]
pub(crate) struct FlagSource {
    pub(crate) path: String,
    pub(crate) file: FileId,
    /// How it reaches the command line: `KUBELET_KUBEADM_ARGS`, `ExecStart`, ...
    pub(crate) via: String,
}

/// One `--flag[=value]` on the kubelet command line.
#[derive(Clone, Debug)]
pub(crate) struct Flag {
    /// Name without leading dashes.
    pub(crate) name: String,
    pub(crate) value: Option<String>,
    /// The whole word (`--cgroup-driver=systemd`), or both words of `--flag value`.
    pub(crate) span: Span,
    /// Just the value (quotes included), when there is one.
    pub(crate) value_span: Option<Span>,
    /// The variable or line it came through (`KUBELET_KUBEADM_ARGS`).
    pub(crate) via: String,
}

impl Flag {
    pub(crate) fn value_spanned(&self) -> Option<Spanned<String>> {
        Some(Spanned::new(
            self.value.clone()?,
            self.value_span.unwrap_or(self.span),
        ))
    }
}

/// The kubelet's systemd service as far as the command line is concerned.
#[derive(Clone, Debug, Default)]
pub(crate) struct KubeletService {
    /// No unit or drop-in was found: the command line is the one kubeadm's packaged
    /// `10-kubeadm.conf` drop-in builds. Said wherever a value depends on it.
    pub(crate) assumed_dropin: bool,
    /// Unit and drop-in files read, in the order systemd applies them.
    pub(crate) unit_files: Vec<String>,
    /// The `ExecStart=` that wins (None when assumed or when no unit sets one).
    pub(crate) exec_start: Option<Span>,
    /// `EnvironmentFile=` entries in effect, in order.
    pub(crate) environment_files: Vec<EnvironmentFileRef>,
    /// Variables the command line refers to, with the value systemd passes.
    pub(crate) variables: Vec<EnvVariable>,
    /// Things systemd does with these files that change the command line.
    pub(crate) notes: Vec<ServiceNote>,
}

/// One `EnvironmentFile=` entry.
#[derive(Clone, Debug)]
pub(crate) struct EnvironmentFileRef {
    pub(crate) path: String,
    /// `-` prefix: a missing file is ignored; without it the service does not start.
    pub(crate) optional: bool,
    pub(crate) exists: bool,
    /// The `EnvironmentFile=` line (None for the assumed drop-in).
    pub(crate) span: Option<Span>,
}

/// A variable referenced by `ExecStart=` and its final value.
#[derive(Clone, Debug)]
pub(crate) struct EnvVariable {
    pub(crate) name: String,
    /// None when no `Environment=` or environment file sets it.
    pub(crate) value: Option<String>,
    /// Where the winning assignment is (None when unset or from the assumed drop-in).
    pub(crate) span: Option<Span>,
    /// `Environment=` in a unit, an environment file, or the assumed drop-in.
    pub(crate) origin: String,
}

/// Something systemd does that changes the command line, for inspect and rules.
#[derive(Clone, Debug)]
pub(crate) struct ServiceNote {
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
}

/// The fields of KubeletConfiguration the rules need.
#[derive(Clone, Debug)]
pub(crate) struct KubeletConfigFile {
    pub(crate) path: String,
    pub(crate) api_version: Option<Spanned<String>>,
    pub(crate) kind: Option<Spanned<String>>,
    pub(crate) cgroup_driver: Option<Spanned<String>>,
    pub(crate) container_runtime_endpoint: Option<Spanned<Endpoint>>,
    pub(crate) image_service_endpoint: Option<Spanned<Endpoint>>,
    pub(crate) fail_cgroup_v1: Option<Spanned<bool>>,
    pub(crate) feature_gates: Vec<(Spanned<String>, Spanned<bool>)>,
    /// Fields present with a value of the wrong type (the kubelet refuses the file).
    pub(crate) wrong_types: Vec<Spanned<String>>,
    /// The document as a whole (for findings about a missing field).
    pub(crate) document: Span,
}

impl KubeletConfigFile {
    pub(crate) fn feature_gate(&self, name: &str) -> Option<&Spanned<bool>> {
        self.feature_gates
            .iter()
            .find(|(k, _)| k.value == name)
            .map(|(_, v)| v)
    }
}

/// `/var/lib/kubelet/instance-config.yaml`, written by kubeadm with NodeLocalCRISocket.
#[derive(Clone, Debug)]
pub(crate) struct InstanceConfig {
    pub(crate) path: String,
    pub(crate) container_runtime_endpoint: Option<Spanned<Endpoint>>,
}

/// What the kubelet will use for one setting.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Setting<T> {
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
    /// The same setting with its value converted.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Setting<U> {
        match self {
            Setting::Known(e) => Setting::Known(e.map(f)),
            Setting::Unset => Setting::Unset,
            Setting::Unknown { reason } => Setting::Unknown { reason },
        }
    }

    pub(crate) fn known(&self) -> Option<&Effective<T>> {
        match self {
            Setting::Known(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn is_unset(&self) -> bool {
        matches!(self, Setting::Unset)
    }

    pub(crate) fn unknown_reason(&self) -> Option<&str> {
        match self {
            Setting::Unknown { reason } => Some(reason),
            _ => None,
        }
    }
}

/// What the kubelet will actually use.
#[derive(Clone, Debug)]
pub(crate) struct KubeletEffective {
    /// `--cgroup-driver` > `cgroupDriver` > default `cgroupfs` (never `Unset`).
    pub(crate) cgroup_driver: Setting<String>,
    /// `--container-runtime-endpoint` > `containerRuntimeEndpoint` > `Unset`. When unset
    /// the kubelet uses dockershim up to 1.23 and `unix:///run/containerd/containerd.sock`
    /// from 1.27 (KubeletConfiguration default); 1.26 has no default and refuses to start.
    pub(crate) runtime_endpoint: Setting<Endpoint>,
    /// `--image-service-endpoint` > `imageServiceEndpoint` > `Unset` (then the runtime
    /// endpoint is used).
    pub(crate) image_endpoint: Setting<Endpoint>,
    /// `--container-runtime` (dockershim era; removed in 1.27).
    pub(crate) container_runtime: Option<Spanned<String>>,
    /// `--pod-infra-container-image`.
    pub(crate) pod_infra_image: Option<Spanned<String>>,
    /// The `--config` flag, None when no flag names one (the assumed kubeadm drop-in's
    /// `--config=/var/lib/kubelet/config.yaml` is not a written flag).
    pub(crate) config_path: Option<Spanned<String>>,
}

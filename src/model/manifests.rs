//! Static pod manifests (`/etc/kubernetes/manifests`): the pods the kubelet runs from files,
//! as far as the migration cares: which host paths they mount, and where.

use super::input::Input;
use super::source::{FileId, Span, Spanned};

/// kubeadm's `staticPodPath`.
pub const STATIC_POD_DIR: &str = "/etc/kubernetes/manifests";

/// The manifests directory and every manifest file in it.
#[derive(Clone, Debug, Default)]
pub struct StaticPods {
    pub dir: String,
    /// One entry per `*.yaml`, `*.yml` or `*.json` file, in name order.
    pub pods: Vec<Input<StaticPod>>,
}

impl StaticPods {
    /// The manifests that were read and understood.
    pub fn present(&self) -> impl Iterator<Item = &StaticPod> {
        self.pods.iter().filter_map(Input::present)
    }
}

/// One Pod manifest.
#[derive(Clone, Debug)]
pub struct StaticPod {
    pub path: String,
    pub file: FileId,
    /// `metadata.name` (the kubelet appends the node name to it).
    pub name: Option<Spanned<String>>,
    /// `spec.volumes[]` entries with a `hostPath`.
    pub host_paths: Vec<HostPathVolume>,
    /// The whole document.
    pub document: Span,
}

impl StaticPod {
    /// The pod's name, or the file name when it has none.
    pub fn display_name(&self) -> &str {
        self.name.as_ref().map_or_else(
            || self.path.rsplit('/').next().unwrap_or(&self.path),
            |n| n.value.as_str(),
        )
    }
}

/// A `hostPath` volume and the containers that mount it.
#[derive(Clone, Debug)]
pub struct HostPathVolume {
    /// The volume's `name`.
    pub name: Spanned<String>,
    /// `hostPath.path`.
    pub path: Spanned<String>,
    /// `volumeMounts[]` of containers and init containers that name this volume.
    pub mounts: Vec<VolumeMount>,
}

/// One `volumeMounts[]` entry.
#[derive(Clone, Debug)]
pub struct VolumeMount {
    /// The container's `name`.
    pub container: String,
    /// `mountPath`.
    pub mount_path: Spanned<String>,
}

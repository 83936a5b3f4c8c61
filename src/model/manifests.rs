//! Static pod manifests (`/etc/kubernetes/manifests`): the pods the kubelet runs from files,
//! as far as the migration cares: which host paths they mount, and where.

use super::input::Input;
use super::source::Spanned;

/// kubeadm's `staticPodPath`.
pub(crate) const STATIC_POD_DIR: &str = "/etc/kubernetes/manifests";

/// The manifests directory and every manifest file in it.
#[derive(Clone, Debug, Default)]
pub(crate) struct StaticPods {
    /// One entry per `*.yaml`, `*.yml` or `*.json` file, in name order.
    pub(crate) pods: Vec<Input<StaticPod>>,
}

impl StaticPods {}

/// One Pod manifest.
#[derive(Clone, Debug)]
pub(crate) struct StaticPod {
    pub(crate) path: String,
    /// `metadata.name` (the kubelet appends the node name to it).
    pub(crate) name: Option<Spanned<String>>,
    /// `spec.volumes[]` entries with a `hostPath`.
    pub(crate) host_paths: Vec<HostPathVolume>,
}

impl StaticPod {
    /// The pod's name, or the file name when it has none.
    pub(crate) fn display_name(&self) -> &str {
        self.name.as_ref().map_or_else(
            || self.path.rsplit('/').next().unwrap_or(&self.path),
            |n| n.value.as_str(),
        )
    }
}

/// A `hostPath` volume and the containers that mount it.
#[derive(Clone, Debug)]
pub(crate) struct HostPathVolume {
    /// The volume's `name`.
    pub(crate) name: Spanned<String>,
    /// `hostPath.path`.
    pub(crate) path: Spanned<String>,
    /// `volumeMounts[]` of containers and init containers that name this volume.
    pub(crate) mounts: Vec<VolumeMount>,
}

/// One `volumeMounts[]` entry.
#[derive(Clone, Debug)]
pub(crate) struct VolumeMount {
    /// The container's `name`.
    pub(crate) container: String,
    /// `mountPath`.
    pub(crate) mount_path: Spanned<String>,
}

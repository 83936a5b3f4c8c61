//! The kubelet's command line and config file.

use crate::model::Input;
use crate::model::kubelet::KubeletSettings;

use super::Ctx;

pub const KUBEADM_FLAGS: &str = "/var/lib/kubelet/kubeadm-flags.env";

pub fn collect(_ctx: &Ctx) -> Input<KubeletSettings> {
    Input::Absent {
        path: KUBEADM_FLAGS.into(),
    }
}

//! `/etc/crictl.yaml`.

use crate::model::Input;
use crate::model::crictl::CrictlConfig;

use super::Ctx;

pub const CRICTL_CONFIG: &str = "/etc/crictl.yaml";

pub fn collect(_ctx: &Ctx) -> Input<CrictlConfig> {
    Input::Absent {
        path: CRICTL_CONFIG.into(),
    }
}

//! Docker's `/etc/docker/daemon.json`.

use crate::model::Input;
use crate::model::docker::DockerDaemonConfig;

use super::Ctx;

pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";

pub fn collect(_ctx: &Ctx) -> Input<DockerDaemonConfig> {
    Input::Absent {
        path: DAEMON_JSON.into(),
    }
}

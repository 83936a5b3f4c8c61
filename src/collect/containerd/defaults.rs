//! containerd's built-in values when a key is absent (migration-facts §0.2), and what
//! `containerd config dump` of 1.6.20 printed here.

use super::schema::{self, Ver};

pub const GRPC_ADDRESS: &str = "/run/containerd/containerd.sock";
pub const RUNTIME_NAME: &str = "runc";
pub const RUNC_RUNTIME_TYPE: &str = "io.containerd.runc.v2";
pub const SNAPSHOTTER: &str = "overlayfs";
pub const CNI_BIN_DIR: &str = "/opt/cni/bin";
pub const CNI_CONF_DIR: &str = "/etc/cni/net.d";
/// containerd 2.2+ on Linux when neither `config_path` nor `mirrors` is set (PR #6488).
pub const CONFIG_PATH_2_2: &str = "/etc/containerd/certs.d:/etc/docker/certs.d";

pub fn sandbox_image(release: Ver) -> &'static str {
    schema::default_sandbox_image(release)
}

/// The default `config_path`, and why. 2.2.0 and 2.2.1 apply it even next to `mirrors` and
/// over an explicit empty `config_path` (containerd#12612, fixed in 2.2.2).
pub fn config_path(release: Ver, has_mirrors: bool) -> (&'static str, &'static str) {
    if (Ver(2, 2, 0)..Ver(2, 2, 2)).contains(&release) {
        (
            CONFIG_PATH_2_2,
            "containerd 2.2.0/2.2.1 default, applied even when mirrors are set (containerd#12612)",
        )
    } else if release >= Ver(2, 2, 0) && !has_mirrors {
        (
            CONFIG_PATH_2_2,
            "containerd 2.2+ default when neither config_path nor mirrors is set",
        )
    } else if release >= Ver(2, 2, 0) {
        (
            "",
            "containerd 2.2+ keeps config_path empty when mirrors are set",
        )
    } else {
        ("", "containerd before 2.2 has no default config_path")
    }
}

/// Whether an explicit empty `config_path` still gets the default (2.2.0 and 2.2.1).
pub fn empty_config_path_replaced(release: Ver) -> bool {
    (Ver(2, 2, 0)..Ver(2, 2, 2)).contains(&release)
}

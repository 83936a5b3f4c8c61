//! containerd's values when a key is absent, with the reason shown in the effective view.
//! The values themselves are the schema's (sourced per release); this adds the one default
//! that depends on the rest of the config: `config_path` on 2.2.

use super::schema::{self, Ver};

pub fn sandbox_image(release: Ver) -> &'static str {
    schema::default_sandbox_image(release)
}

/// The default `config_path`, and why. 2.2.0 and 2.2.1 apply the new default even next to
/// `mirrors` and over an explicit empty `config_path` (containerd#12612, fixed in 2.2.2).
pub fn config_path(release: Ver, has_mirrors: bool) -> (&'static str, &'static str) {
    if (Ver(2, 2, 0)..Ver(2, 2, 2)).contains(&release) {
        (
            schema::default_registry_config_path(release, false),
            "containerd 2.2.0/2.2.1 default, applied even when mirrors are set (containerd#12612)",
        )
    } else if release >= Ver(2, 2, 0) && !has_mirrors {
        (
            schema::default_registry_config_path(release, false),
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

//! containerd's config.toml and its imports, normalized into one typed model.

pub mod inventory;
pub mod schema;

use crate::model::containerd::ContainerdConfig;
use crate::model::{Input, Versions};

use super::Ctx;

/// The raw files, parsed, before effective values are computed.
pub struct Loaded {
    path: String,
}

/// Reads and parses the main file and its imports.
pub fn load(_ctx: &Ctx, path: &str) -> Loaded {
    Loaded {
        path: path.to_owned(),
    }
}

/// Computes the normalized model and effective values for the containerd version at hand.
pub fn normalize(_ctx: &Ctx, loaded: Loaded, _versions: &Versions) -> Input<ContainerdConfig> {
    Input::Absent { path: loaded.path }
}

//! The key inventory: every key of a containerd config file, judged against the schema of
//! the effective config version and the containerd release at hand.

use toml::de::DeTable;

use crate::model::FileId;
use crate::model::containerd::KeyEntry;

use super::schema::Ver;

/// Walks one parsed file. `config_version` is the effective (merged) `version`; `release` is
/// the containerd release the audit evaluates for (None: unknown, judge by layout only).
pub fn inventory(
    _doc: &DeTable<'_>,
    _file: FileId,
    _config_version: i64,
    _release: Option<Ver>,
) -> Vec<KeyEntry> {
    Vec::new()
}

//! The merged config, as containerd's `mergeConfig` builds it from the main file and its
//! imports, in load order: a later non-empty scalar overrides, lists are appended, and a
//! plugin's table from a later file replaces the earlier one *entirely* on 1.x (seen with
//! containerd 1.6.20 and 1.7.24: an import that only sets `sandbox_image` drops the main file's
//! `SystemdCgroup`), while 2.x merges the two key by key (seen with 2.1.9), which
//! [`Merged::merge_plugins_per_key`] applies once the release is known.

use crate::model::containerd::ConfigVersion;
use crate::model::{Span, Spanned};

use super::access::Table;

/// One plugin's table and the file it came from.
#[derive(Clone, Copy)]
pub(crate) struct PluginTable<'a> {
    pub(crate) table: Table<'a>,
    /// The same table from every file that defines it, merged key by key.
    layered: Table<'a>,
    /// Index into the loaded files.
    pub(crate) file_index: usize,
}

/// A plugin table that a later file replaced.
pub(crate) struct Replaced {
    pub(crate) id: String,
    pub(crate) lost: Span,
    pub(crate) by: Span,
}

pub(crate) struct Merged<'a> {
    pub(crate) version: ConfigVersion,
    pub(crate) disabled_plugins: Vec<Spanned<String>>,
    pub(crate) required_plugins: Vec<Spanned<String>>,
    /// `[grpc] address` (last non-empty).
    pub(crate) grpc_address: Option<Spanned<String>>,
    /// The winning table per plugin id, in first-seen order.
    pub(crate) plugins: Vec<(Spanned<String>, PluginTable<'a>)>,
    /// Plugin tables lost to a later file.
    pub(crate) replaced: Vec<Replaced>,
}

impl<'a> Merged<'a> {
    pub(crate) fn plugin(&self, id: &str) -> Option<&PluginTable<'a>> {
        self.plugins
            .iter()
            .find(|(k, _)| k.value == id)
            .map(|(_, t)| t)
    }

    /// Reads every plugin table merged key by key over the files that define it, as 2.x
    /// does, instead of the last file's table alone.
    pub(crate) fn merge_plugins_per_key(&mut self) {
        for (_, p) in &mut self.plugins {
            p.table = p.layered;
        }
    }

    /// Plugin ids with their header spans.
    pub(crate) fn plugin_ids(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.plugins.iter().map(|(k, _)| k)
    }
}

/// Merges the root tables of the loaded files, in load order.
pub(crate) fn merge<'a>(files: &[Table<'a>]) -> Merged<'a> {
    let mut merged = Merged {
        version: ConfigVersion {
            value: 1,
            span: None,
        },
        disabled_plugins: Vec::new(),
        required_plugins: Vec::new(),
        grpc_address: None,
        plugins: Vec::new(),
        replaced: Vec::new(),
    };
    for (index, root) in files.iter().enumerate() {
        if let Some(v) = root.int("version").filter(|v| v.value != 0) {
            merged.version = ConfigVersion {
                value: v.value,
                span: Some(v.span),
            };
        }
        merged
            .disabled_plugins
            .extend(root.strings("disabled_plugins").unwrap_or_default());
        merged
            .required_plugins
            .extend(root.strings("required_plugins").unwrap_or_default());
        if let Some(a) = root
            .path(&["grpc"])
            .and_then(|g| g.str("address"))
            .filter(|a| !a.value.is_empty())
        {
            merged.grpc_address = Some(a);
        }
        let Some(plugins) = root.table("plugins") else {
            continue;
        };
        for (id, table) in plugins.tables() {
            let mut entry = PluginTable {
                table,
                layered: table,
                file_index: index,
            };
            match merged.plugins.iter_mut().find(|(k, _)| k.value == id.value) {
                Some((old_id, old)) => {
                    if old.file_index != index {
                        merged.replaced.push(Replaced {
                            id: id.value.clone(),
                            lost: old_id.span,
                            by: id.span,
                        });
                    }
                    entry.layered = old.layered.under(table);
                    *old_id = id;
                    *old = entry;
                }
                None => merged.plugins.push((id, entry)),
            }
        }
    }
    merged
}

//! RA110 import-replaces-plugin-table: containerd merges `imports` per plugin, not per key.

use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, KeyEntry, ReplacedTable};
use crate::model::toml_path;
use crate::model::{FileId, NodeSnapshot, Span};

use super::config_words;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA110",
    name: "import-replaces-plugin-table",
    area: Containerd,
    summary: "A plugin table is defined in two config files; containerd keeps only the later one, entirely",
    inputs: [ContainerdConfig],
    cases: [
        LosesMigrationSettings("loses-migration-settings", Error),
        Replaced("replaced", Warning),
    ],
}

/// A setting of the lost table that the winning one does not set.
struct Lost<'k> {
    entry: &'k KeyEntry,
    /// The path below the plugin table (`containerd.runtimes.runc.options.SystemdCgroup`).
    below: String,
    /// What losing it does, for settings the migration depends on.
    consequence: Option<&'static str>,
}

fn consequence(below: &[String]) -> Option<&'static str> {
    let has = |k: &str| below.iter().any(|s| s == k);
    if has("SystemdCgroup") || has("systemd_cgroup") {
        Some(
            "SystemdCgroup falls back to false: containerd uses cgroupfs while the kubelet may use systemd",
        )
    } else if has("sandbox_image") || (has("pinned_images") && has("sandbox")) {
        Some("the sandbox image falls back to containerd's default pause image")
    } else if has("registry") {
        Some("registry settings (config_path, mirrors, credentials) are gone: pulls ignore them")
    } else if has("default_runtime_name") || has("runtimes") {
        Some(
            "runtime definitions are gone: the default runtime or a RuntimeClass handler changes or disappears",
        )
    } else if has("cni") {
        Some("CNI directories fall back to containerd's defaults")
    } else {
        None
    }
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    if cfg.replaced_tables.is_empty() {
        return;
    }
    let release = containerd_release(snap, out);
    if !release.replaces_imported_plugin_tables() {
        out.not_applicable(format!(
            "{} merges a plugin table defined in several files key by key (seen with containerd 2.1.9)",
            release.describe()
        ));
        return;
    }
    for r in &cfg.replaced_tables {
        report(snap, cfg, r, out);
    }
}

/// Paths below `plugins.<plugin>` of every key of one file.
fn below_plugin<'k>(
    cfg: &'k ContainerdConfig,
    file: FileId,
    plugin: &str,
) -> Vec<(Vec<String>, &'k KeyEntry)> {
    cfg.keys
        .iter()
        .filter(|k| k.key.file == file)
        .filter_map(|k| match k.path.segments() {
            [plugins, id, below @ ..]
                if plugins == "plugins" && id == plugin && !below.is_empty() =>
            {
                Some((below.to_vec(), k))
            }
            _ => None,
        })
        .collect()
}

fn lost_settings<'k>(cfg: &'k ContainerdConfig, r: &ReplacedTable) -> Vec<Lost<'k>> {
    let lost = below_plugin(cfg, r.lost.file, &r.plugin);
    let kept = below_plugin(cfg, r.by.file, &r.plugin);
    lost.iter()
        // Leaves only: a table that holds other keys is reported through them.
        .filter(|(p, _)| {
            !lost
                .iter()
                .any(|(q, _)| q.len() > p.len() && q.starts_with(p))
        })
        .filter(|(p, _)| !kept.iter().any(|(q, _)| q == p))
        .map(|(p, k)| Lost {
            entry: k,
            below: p.join("."),
            consequence: consequence(p),
        })
        .collect()
}

fn report(snap: &NodeSnapshot, cfg: &ContainerdConfig, r: &ReplacedTable, out: &mut Emitter<Case>) {
    let lost = lost_settings(cfg, r);
    let mut consequences: Vec<&str> = lost.iter().filter_map(|l| l.consequence).collect();
    consequences.dedup();
    ReplacedPluginTable {
        table: format!("plugins.{}", toml_path::key(&r.plugin)),
        lost_file: config_words::file_of(snap, r.lost),
        by_file: config_words::file_of(snap, r.by),
        lost: lost
            .iter()
            .map(|l| {
                format!(
                    "`{}` (line {})",
                    l.below,
                    snap.sources.position(l.entry.key).line
                )
            })
            .collect(),
        consequences,
        at: r.lost,
        by: r.by,
        imported_at: cfg
            .files
            .iter()
            .find(|f| f.file == r.by.file)
            .and_then(|f| f.imported_by),
        lost_migration_settings: lost
            .iter()
            .filter(|l| l.consequence.is_some())
            .take(5)
            .map(|l| l.entry.key)
            .collect(),
    }
    .emit(out);
}

/// A plugin table of one file that a later file's table of the same plugin replaces.
struct ReplacedPluginTable<'a> {
    /// `plugins."io.containerd.grpc.v1.cri"`.
    table: String,
    /// The file whose table is lost, and the one whose table replaces it.
    lost_file: &'a str,
    by_file: &'a str,
    /// The settings lost, each as `` `below` (line N)``.
    lost: Vec<String>,
    /// What losing the migration settings among them does.
    consequences: Vec<&'static str>,
    at: Span,
    by: Span,
    /// Where the main file imports the later one.
    imported_at: Option<Span>,
    /// The first lost settings the migration depends on.
    lost_migration_settings: Vec<Span>,
}

impl ReplacedPluginTable<'_> {
    fn case(&self) -> Case {
        if self.consequences.is_empty() {
            Case::Replaced
        } else {
            Case::LosesMigrationSettings
        }
    }

    fn listed(&self) -> String {
        self.lost.join(", ")
    }

    fn message(&self) -> String {
        let (table, lost_file, by_file) = (&self.table, self.lost_file, self.by_file);
        let what = if self.lost.is_empty() {
            "whatever it sets that the later table does not set is lost".to_string()
        } else {
            format!("these settings of it are lost: {}", self.listed())
        };
        format!(
            "`[{table}]` in {lost_file} is replaced entirely by `[{table}]` in {by_file}: containerd merges imported \
             files plugin by plugin and keeps only the table of the file loaded last, so {what}"
        )
    }

    fn impact(&self) -> String {
        format!(
            "{}containerd reports nothing; only `containerd config dump` shows the merged result. Seen with containerd \
             1.6.20: an import that sets only `sandbox_image` drops the main file's `SystemdCgroup = true`; containerd \
             2.x merges the same way (its `mergeConfig` replaces map values entirely).",
            if self.consequences.is_empty() {
                String::new()
            } else {
                format!("{}. ", capitalize(&self.consequences.join("; ")))
            }
        )
    }

    fn fix(&self) -> String {
        let (table, by_file) = (&self.table, self.by_file);
        let moved = if self.lost.is_empty() {
            "the settings of this table".to_string()
        } else {
            self.listed()
        };
        format!(
            "Keep each plugin's settings in one file: copy {moved} into the `[{table}...]` tables of {by_file} (the file \
             containerd loads last), or remove `[{table}...]` from {by_file} and keep everything here. Check the merged \
             result with `containerd config dump`."
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(self.case(), self.at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(self.table.clone())
            .label("replaced by a later file")
            .related(self.by, "this table replaces it");
        if let Some(import) = self.imported_at {
            b = b.related(import, "imported here");
        }
        for key in &self.lost_migration_settings {
            b = b.related(*key, "lost");
        }
        b.emit();
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(lost: &[&str], consequences: &[&'static str]) -> ReplacedPluginTable<'static> {
        let span = Span::new(FileId(0), 0..1);
        ReplacedPluginTable {
            table: "plugins.\"io.containerd.grpc.v1.cri\"".to_owned(),
            lost_file: "/etc/containerd/config.toml",
            by_file: "/etc/containerd/conf.d/10-sandbox.toml",
            lost: lost.iter().map(|&l| l.to_owned()).collect(),
            consequences: consequences.to_vec(),
            at: span,
            by: span,
            imported_at: None,
            lost_migration_settings: Vec::new(),
        }
    }

    #[test]
    fn the_lost_settings_are_listed_in_the_message_and_the_fix() {
        let lost = replaced(
            &["`containerd.runtimes.runc.options.SystemdCgroup` (line 12)"],
            &[],
        );
        assert!(lost.message().ends_with(
            "so these settings of it are lost: `containerd.runtimes.runc.options.SystemdCgroup` (line 12)"
        ));
        assert!(lost.fix().starts_with(
            "Keep each plugin's settings in one file: copy `containerd.runtimes.runc.options.SystemdCgroup` (line 12) into"
        ));
        let nothing = replaced(&[], &[]);
        assert!(
            nothing
                .fix()
                .contains("copy the settings of this table into")
        );
    }

    #[test]
    fn the_impact_opens_with_what_losing_migration_settings_does() {
        let losing = replaced(
            &["`sandbox_image` (line 3)"],
            &["the sandbox image falls back to containerd's default pause image"],
        );
        assert_eq!(losing.case(), Case::LosesMigrationSettings);
        assert!(losing.impact().starts_with(
            "The sandbox image falls back to containerd's default pause image. containerd reports nothing"
        ));
        assert!(
            replaced(&[], &[])
                .impact()
                .starts_with("containerd reports nothing")
        );
    }
}

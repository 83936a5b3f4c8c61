//! RA110 import-replaces-plugin-table: containerd merges `imports` per plugin, not per key.

use crate::model::toml_path;
use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, KeyEntry, ReplacedTable};
use crate::model::{FileId, NodeSnapshot};

use super::config_words;

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
    let lost_file = config_words::file_of(snap, r.lost);
    let by_file = config_words::file_of(snap, r.by);
    let table = format!("plugins.{}", toml_path::key(&r.plugin));
    let relevant: Vec<&Lost<'_>> = lost.iter().filter(|l| l.consequence.is_some()).collect();
    let case = if relevant.is_empty() {
        Case::Replaced
    } else {
        Case::LosesMigrationSettings
    };
    let listed = |items: &[&Lost<'_>]| {
        items
            .iter()
            .map(|l| {
                format!(
                    "`{}` (line {})",
                    l.below,
                    snap.sources.position(l.entry.key).line
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all: Vec<&Lost<'_>> = lost.iter().collect();
    let what = if lost.is_empty() {
        "whatever it sets that the later table does not set is lost".to_string()
    } else {
        format!("these settings of it are lost: {}", listed(&all))
    };
    let message = format!(
        "`[{table}]` in {lost_file} is replaced entirely by `[{table}]` in {by_file}: containerd merges imported \
         files plugin by plugin and keeps only the table of the file loaded last, so {what}"
    );
    let mut consequences: Vec<&str> = relevant.iter().filter_map(|l| l.consequence).collect();
    consequences.dedup();
    let impact = format!(
        "{}containerd reports nothing; only `containerd config dump` shows the merged result. Seen with containerd \
         1.6.20: an import that sets only `sandbox_image` drops the main file's `SystemdCgroup = true`; containerd \
         2.x merges the same way (its `mergeConfig` replaces map values entirely).",
        if consequences.is_empty() {
            String::new()
        } else {
            format!("{}. ", capitalize(&consequences.join("; ")))
        }
    );
    let moved = if lost.is_empty() {
        "the settings of this table".to_string()
    } else {
        listed(&all)
    };
    let fix = format!(
        "Keep each plugin's settings in one file: copy {moved} into the `[{table}...]` tables of {by_file} (the file \
         containerd loads last), or remove `[{table}...]` from {by_file} and keep everything here. Check the merged \
         result with `containerd config dump`."
    );
    let mut b = out
        .finding(case, r.lost, message)
        .impact(impact)
        .fix(fix)
        .key(table.clone())
        .label("replaced by a later file")
        .related(r.by, "this table replaces it");
    if let Some(import) = cfg
        .files
        .iter()
        .find(|f| f.file == r.by.file)
        .and_then(|f| f.imported_by)
    {
        b = b.related(import, "imported here");
    }
    for l in relevant.iter().take(5) {
        b = b.related(l.entry.key, "lost");
    }
    b.emit();
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

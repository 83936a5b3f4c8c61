//! RA103 config-version-1.

use crate::model::toml_path;
use crate::release::containerd::v1_plugin_uri;
use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, KeyStatus};
use crate::model::{NodeSnapshot, Span};

use super::config_words;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA103",
    name: "config-version-1",
    area: Containerd,
    summary: "The config has no `version` (or `version = 1`): deprecated, and fully qualified tables in it are ignored on 1.x",
    inputs: [ContainerdConfig],
    cases: [
        Deprecated("deprecated", Warning),
        QualifiedIgnored("qualified-tables-ignored", Error),
        MigrationGap("migration-gap-2.0-2.2", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    if cfg.version.value > 1 {
        return;
    }
    let release = containerd_release(snap, out);
    let mut errors = 0;
    if release.is_1x() {
        for table in ignored_tables(cfg) {
            ignored(snap, cfg, release, table, out);
            errors += 1;
        }
    }
    let short_cri = cfg.cri.tables.iter().find(|t| t.value == "cri");
    if release.migrates_version_1_in_one_step()
        && let Some(t) = short_cri
    {
        migration_gap(cfg, release, t.span, out);
        return;
    }
    if errors == 0 {
        deprecated(cfg, release, out);
    }
}

/// Headers of plugin tables named by a full URI: a version-1 config on 1.x is decoded by
/// short plugin id, so containerd never reads them (seen with 1.6.20: SystemdCgroup under
/// `plugins."io.containerd.grpc.v1.cri"` in a file without `version` stays false).
fn ignored_tables(cfg: &ContainerdConfig) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = cfg
        .cri
        .tables
        .iter()
        .filter(|t| t.value.contains('.'))
        .map(|t| (t.value.clone(), t.span))
        .collect();
    for k in &cfg.keys {
        if let [plugins, id] = k.path.segments()
            && plugins == "plugins"
            && id.contains('.')
            && matches!(k.status, KeyStatus::Ignored { .. })
            && !out.iter().any(|(_, s)| *s == k.key)
        {
            out.push((id.clone(), k.key));
        }
    }
    out.sort_by_key(|(_, s)| (s.file, s.start));
    out
}

/// Where to point when the config has no `version` key: its value when written, else the
/// top of the main file.
fn version_anchor(cfg: &ContainerdConfig) -> Option<Span> {
    cfg.version
        .span
        .or_else(|| cfg.files.first().map(|f| Span::new(f.file, 0..0)))
}

fn ignored(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    (id, span): (String, Span),
    out: &mut Emitter<Case>,
) {
    let is_cri = id == "io.containerd.grpc.v1.cri";
    let lost = if is_cri {
        "every CRI setting in it (SystemdCgroup, sandbox_image, registry, runtimes) is dropped and the CRI plugin \
         runs with its defaults: cgroupfs instead of the systemd cgroup driver, the default pause image, no registry \
         mirrors or hosts.toml directory"
    } else {
        "every setting in it is dropped and the plugin runs with its defaults"
    };
    let message = format!(
        "`[plugins.{}]` is ignored: {} reads a {} config by short plugin ids (`[plugins.cri]`), so a table named by \
         its full URI is never read",
        toml_path::key(&id),
        release.describe(),
        config_words::version_label(cfg)
    );
    let impact = format!(
        "containerd starts without a word about it (it only logs that version 1 is deprecated); {lost}. Seen with \
         containerd 1.6.20: `SystemdCgroup = true` under `[plugins.\"io.containerd.grpc.v1.cri\"...options]` in a \
         file without `version` is effectively false."
    );
    let fix = format!(
        "This table is written for a version 2 config: add `version = 2` as the first line of {}. Then every plugin \
         table must use its full URI: rename any short `[plugins.cri...]` table to `[plugins.\"io.containerd.grpc.v1.cri\"...]` \
         (containerd 1.x refuses to start a version 2 config with `invalid plugin key URI \"cri\" expect \
         io.containerd.x.vx`), and any short name in `disabled_plugins` / `required_plugins` (RA102).",
        cfg.path
    );
    let mut b = out
        .finding(Case::QualifiedIgnored, span, message)
        .impact(impact)
        .fix(fix)
        .key(format!("plugins.{}", toml_path::key(&id)))
        .label("ignored in a version-1 config")
        .actual(config_words::version_label(cfg))
        .expected("version = 2");
    if let Some(v) = cfg.version.span {
        b = b.related(v, "version 1");
    }
    if let Some(main) = cfg.files.first()
        && main.file != span.file
    {
        b = b.related(
            Span::new(main.file, 0..0),
            format!(
                "{} has no `version = 2`",
                config_words::file_of(snap, Span::new(main.file, 0..0))
            ),
        );
    }
    b.release(release).emit();
}

fn deprecated(cfg: &ContainerdConfig, release: &ContainerdRelease, out: &mut Emitter<Case>) {
    let Some(at) = version_anchor(cfg) else {
        return;
    };
    let (message, impact, fix) = if release.is_1x() {
        let log = if release.checks_config_version() {
            "containerd config version `1` has been deprecated and will be converted on each startup in containerd \
             v2.0, use `containerd config migrate` after upgrading to containerd 2.0 to avoid conversion on startup"
        } else {
            "containerd config version `1` has been deprecated and will be removed in containerd v2.0, please switch \
             to version `2`, see https://github.com/containerd/containerd/blob/main/docs/PLUGINS.md#version-header"
        };
        (
            format!(
                "The containerd config is {}, deprecated since containerd 1.5; {} still reads it",
                config_words::version_label(cfg),
                release.describe()
            ),
            format!(
                "containerd logs `{log}` on every start. Settings written for version 2 (fully qualified \
                 `plugins.\"io.containerd.grpc.v1.cri\"` tables, the form every current guide shows) are silently \
                 ignored in this file, and containerd 2.x converts it on every start."
            ),
            format!(
                "Add `version = 2` as the first line of {} and rename the plugin tables to their full URIs: {}. \
                 Short names in `disabled_plugins` / `required_plugins` must become full URIs too (RA102). Check \
                 the result with `containerd config dump` before restarting.",
                cfg.path,
                renames(cfg)
            ),
        )
    } else {
        (
            format!(
                "The containerd config is {}; {} converts it to the current version on every start",
                config_words::version_label(cfg),
                release.describe()
            ),
            "containerd logs `Configuration migrated from version 1, use `containerd config migrate` to avoid \
             migration` on every start, and settings it cannot convert are lost without an error."
                .to_string(),
            format!(
                "Convert the file once with containerd 2.x: `containerd config migrate > /tmp/config.toml`, review \
                 it (`imports` are not migrated), and replace {} with it. The result is `version = 3`, with CRI \
                 settings under `[plugins.'io.containerd.cri.v1.runtime']` and `[plugins.'io.containerd.cri.v1.images']`.",
                cfg.path
            ),
        )
    };
    let b = out
        .finding(Case::Deprecated, at, message)
        .impact(impact)
        .fix(fix)
        .key("version")
        .label(if cfg.version.is_explicit() {
            "version 1 is deprecated"
        } else {
            "no `version` key: read as version 1"
        })
        .actual(config_words::version_label(cfg))
        .expected(if release.is_1x() {
            "version = 2"
        } else {
            "version = 3"
        });
    b.release(release).emit();
}

/// containerd 2.0–2.2 migrate a version-1 file straight to the current version on load, so
/// the CRI plugin's own v2→v3 split never runs (migration-facts CTD-CFG-001(c); seen with
/// containerd 2.1.9).
fn migration_gap(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let message = format!(
        "`[plugins.cri]` settings in a {} config on {}: containerd 2.0–2.2 convert a version-1 file straight to the \
         current version when loading it and skip the CRI plugin's own version 2 → 3 conversion, so the runtime and \
         image settings are never read",
        config_words::version_label(cfg),
        release.describe()
    );
    let impact = "containerd logs `Ignoring unknown key in TOML for plugin` (key=\"containerd runtimes runc\", \
                  plugin=io.containerd.grpc.v1.cri) and runs CRI with its defaults: SystemdCgroup, the default \
                  runtime, the sandbox image and the registry settings are lost (cgroupfs driver, default pause \
                  image), seen with containerd 2.1.9. containerd 2.3 rewrote this migration to run per file.";
    let fix = format!(
        "Convert the config while still on containerd 1.x: add `version = 2` as the first line of {} and rename \
         the plugin tables to their full URIs ({}); after upgrading, run `containerd config migrate` and check \
         `containerd config dump` for SystemdCgroup and the sandbox image.",
        cfg.path,
        renames(cfg)
    );
    let b = out
        .finding(Case::MigrationGap, span, message)
        .impact(impact)
        .fix(fix)
        .key("plugins.cri")
        .label("short CRI table in a version-1 config")
        .actual(config_words::version_label(cfg))
        .expected("version = 2");
    b.release(release).emit();
}

/// The table renames a version 1 → 2 conversion needs, for the CRI tables present.
fn renames(cfg: &ContainerdConfig) -> String {
    let short: Vec<&str> = cfg
        .cri
        .tables
        .iter()
        .filter(|t| !t.value.contains('.'))
        .map(|t| t.value.as_str())
        .collect();
    if short.is_empty() {
        "e.g. `[plugins.cri.containerd.runtimes.runc.options]` becomes \
         `[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]`"
            .to_string()
    } else {
        short
            .iter()
            .map(|s| {
                format!(
                    "`[plugins.{s}...]` becomes `[plugins.{}...]`",
                    toml_path::key(&v1_plugin_uri(s))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

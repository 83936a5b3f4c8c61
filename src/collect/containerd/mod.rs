//! containerd's config.toml and its imports, normalized into one typed model.
//!
//! `load` reads the files (I/O, imports, syntax errors); `normalize` computes, for the
//! containerd release at hand, the merged config, the key inventory, the effective CRI
//! settings and what containerd will do with it.

mod access;
mod duration;
pub(crate) mod inventory;
mod load;
mod merge;
mod outcome;
mod secrets;
mod settings;
mod zero_value;

use crate::model::containerd::{ConfigFile, ContainerdConfig, KeyEntry, KeyStatus, ReplacedTable};
use crate::model::endpoint::Endpoint;
use crate::model::{Effective, Input, InputKind, Problem, VersionFact};
use crate::release::ContainerdRelease;
use crate::release::containerd_defaults as defaults;

use super::Ctx;

pub(crate) use load::Loaded;
pub(crate) use secrets::{lexical_secret_ranges, redact_userinfo, secret_ranges};

/// Reads and parses the main file and its imports.
pub(crate) fn load(ctx: &Ctx, path: &str) -> Loaded {
    load::load(ctx, path)
}

/// Computes the normalized model and effective values for the containerd release at hand:
/// the `known` version, else one assumed from the config's merged `version` header. Returns
/// the release with the config (unknown when no version is known and no config was read).
pub(crate) fn normalize(
    ctx: &Ctx,
    loaded: &Loaded,
    known: Option<&VersionFact>,
) -> (Input<ContainerdConfig>, ContainerdRelease) {
    let path = loaded.path.clone();
    let not_read = |config| (config, ContainerdRelease::resolve(known, None));
    match &loaded.main {
        load::Main::Absent => return not_read(Input::Absent { path }),
        load::Main::Unreadable(reason) => {
            return not_read(Input::Unreadable {
                path,
                reason: reason.clone(),
            });
        }
        load::Main::Invalid { reason, span } => {
            return not_read(Input::Invalid {
                path,
                reason: reason.clone(),
                span: *span,
            });
        }
        load::Main::Read => {}
    }

    let docs: Vec<(&load::LoadedFile, toml::de::DeTable<'_>)> = loaded
        .files
        .iter()
        .filter_map(|f| f.doc().map(|d| (f, d)))
        .collect();
    for (f, doc) in &docs {
        ctx.mask_secrets(f.file, &secrets::secret_ranges(doc, &f.text));
    }
    let tables: Vec<access::Table<'_>> = docs
        .iter()
        .map(|(f, doc)| access::Table::new(doc, f.file))
        .collect();
    let mut merged = merge::merge(&tables);
    let release = ContainerdRelease::resolve(known, Some(merged.version.value));
    if !release.replaces_imported_plugin_tables() {
        merged.merge_plugins_per_key();
    }

    let mut keys: Vec<KeyEntry> = Vec::new();
    for (f, doc) in &docs {
        keys.extend(inventory::inventory(
            doc,
            f.file,
            merged.version.value,
            &release,
        ));
    }
    report_wrong_types(ctx, &keys, &release, merged.version.value);

    let mut cri = settings::read(&merged, &release);
    // The CRI plugin opens each runtime's base spec file when it starts.
    for r in &mut cri.runtimes {
        if let Some(spec) = &r.base_runtime_spec {
            r.base_runtime_spec_found =
                Some(ctx.fs.metadata(&spec.value).is_ok_and(|m| m.is_file()));
        }
    }
    let grpc_address = grpc_address(&merged);
    let outcome = outcome::predict(&outcome::Inputs {
        path: &path,
        merged: &merged,
        release: &release,
        failure: loaded.failure.as_ref(),
        keys: &keys,
        cri: &cri,
    });

    let files = docs
        .iter()
        .zip(&tables)
        .map(|((f, _), t)| ConfigFile {
            path: f.path.clone(),
            file: f.file,
            version: t.int("version"),
            imported_by: f.imported_by,
        })
        .collect();
    let replaced_tables = merged
        .replaced
        .iter()
        .map(|r| ReplacedTable {
            plugin: r.id.clone(),
            lost: r.lost,
            by: r.by,
        })
        .collect();

    let config = ContainerdConfig {
        path,
        files,
        version: merged.version,
        disabled_plugins: merged.disabled_plugins.clone(),
        required_plugins: merged.required_plugins.clone(),
        grpc_address,
        cri,
        keys,
        replaced_tables,
        outcome,
    };
    (Input::Present(config), release)
}

/// containerd's socket as the files set it (before the release is known: the address does
/// not depend on it), for live probes to find it.
pub(crate) fn grpc_address_hint(loaded: &Loaded) -> Option<Endpoint> {
    let docs: Vec<(&load::LoadedFile, toml::de::DeTable<'_>)> = loaded
        .files
        .iter()
        .filter_map(|f| f.doc().map(|d| (f, d)))
        .collect();
    if docs.is_empty() {
        return None;
    }
    let tables: Vec<access::Table<'_>> = docs
        .iter()
        .map(|(f, doc)| access::Table::new(doc, f.file))
        .collect();
    Some(grpc_address(&merge::merge(&tables)).value)
}

/// `[grpc] address`, or in a version-4 file `plugins."io.containerd.server.v1.grpc".address`.
fn grpc_address(merged: &merge::Merged<'_>) -> Effective<Endpoint> {
    let v4 = merged
        .plugin("io.containerd.server.v1.grpc")
        .and_then(|p| p.table.str("address"))
        .filter(|a| !a.value.is_empty());
    match merged.grpc_address.clone().or(v4) {
        Some(a) => Effective::set(Endpoint::parse(&a.value), a.span),
        None => Effective::default(
            Endpoint::parse(defaults::GRPC_ADDRESS),
            "containerd default",
        ),
    }
}

/// Values of the wrong type become input problems (RA003), with what containerd does.
fn report_wrong_types(
    ctx: &Ctx,
    keys: &[KeyEntry],
    release: &ContainerdRelease,
    config_version: i64,
) {
    for k in keys {
        let KeyStatus::WrongType { expected } = &k.status else {
            continue;
        };
        let consequence = if k.plugin().is_none() {
            "containerd refuses to start (`failed to unmarshal TOML: ... Can't convert ...`); every pod on the node stops once it restarts.".to_string()
        } else if k.in_options() {
            "containerd starts and the CRI plugin loads (seen with 1.6.20), but runtime options are decoded into typed fields only when a container is created (`generateRuntimeOptions`), so creating pods with this runtime fails (source-derived; not reproduced here).".to_string()
        } else if release.type_errors_in_cri_tables_are_fatal(config_version) && release.is_1x() {
            "containerd refuses to start: the plugin's table cannot be decoded (`(row, col): Can't convert ...`, seen with containerd 1.6.20).".to_string()
        } else if release.type_errors_in_cri_tables_are_fatal(config_version) {
            "containerd refuses to start: it cannot convert the version 2 CRI table (`containerd: toml: cannot decode TOML <type> into <type>`; an integer `sandbox_image` gives `... integer into string`, seen with containerd 2.1.9).".to_string()
        } else {
            "containerd 2.x cannot decode the plugin's table, so the plugin fails to load (source-derived, UNVERIFIED).".to_string()
        };
        let path = ctx.source_path(k.key.file);
        ctx.problem(
            InputKind::ContainerdConfig,
            &path,
            Problem::WrongType {
                key: k.path.to_string(),
                expected,
                found: ctx.snippet(k.value),
                span: k.value,
                consequence,
            },
        );
    }
}

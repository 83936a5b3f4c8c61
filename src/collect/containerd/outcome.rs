//! What containerd will do with the config: start or not, load the CRI plugin or not, with
//! containerd's own messages. The checks mirror containerd's loader and the CRI plugin's
//! config validation (migration-facts CTD-CFG-002, CTD-CRI-001..003), as confirmed with the
//! real containerd 1.6.20.

use crate::model::Span;
use crate::model::containerd::{
    Blocker, CriConfig, CriLayout, CriOutcome, KeyEntry, KeyStatus, Outcome,
};

use super::access::Table;
use super::duration::is_go_duration;
use super::load::LoadFailure;
use super::merge::Merged;
use super::release::Release;

pub struct Inputs<'a, 'm> {
    pub path: &'a str,
    pub merged: &'a Merged<'m>,
    pub release: &'a Release,
    pub failure: Option<&'a LoadFailure>,
    pub keys: &'a [KeyEntry],
    pub cri: &'a CriConfig,
}

pub fn predict(i: &Inputs<'_, '_>) -> Outcome {
    match starts(i) {
        Err(blocker) => Outcome {
            starts: Err(blocker),
            cri: CriOutcome::NotStarted,
        },
        Ok(()) => {
            let cri = cri(i);
            // A required plugin that fails makes containerd exit.
            let required = i
                .merged
                .required_plugins
                .iter()
                .find(|p| cri_ids(i.release).contains(&p.value.as_str()));
            match (&cri, required) {
                (CriOutcome::FailsToLoad { message, .. }, Some(req)) => Outcome {
                    starts: Err(Blocker {
                        message: format!("load required plugin {}: {message}", req.value),
                        span: Some(req.span),
                    }),
                    cri: CriOutcome::NotStarted,
                },
                _ => Outcome {
                    starts: Ok(()),
                    cri,
                },
            }
        }
    }
}

/// Plugin ids that, disabled or failing, take the CRI service down.
fn cri_ids(release: &Release) -> &'static [&'static str] {
    crate::model::containerd::cri_plugin_ids(release.is_1x())
}

fn starts(i: &Inputs<'_, '_>) -> Result<(), Blocker> {
    if let Some(f) = i.failure {
        return Err(Blocker {
            message: f.message.clone(),
            span: f.span,
        });
    }
    let version = i.merged.version;
    if let Some(msg) = i.release.rejects_version(version.value) {
        return Err(Blocker {
            message: format!("failed to load TOML from {}: {msg}", i.path),
            span: version.span,
        });
    }
    // 1.x checks plugin URIs only for version 2 files; 2.x checks them in every file.
    // Both lines check plugin URIs only in files of version 2 and later: 2.x migrates a
    // version-1 file (short names renamed) before it validates.
    let checks_uris = version.value >= 2;
    if checks_uris {
        for (list, what) in [
            (&i.merged.disabled_plugins, "disabled"),
            (&i.merged.required_plugins, "required"),
        ] {
            if let Some(p) = list.iter().find(|p| !is_plugin_uri(&p.value, i.release)) {
                return Err(Blocker {
                    message: format!(
                        "failed to load TOML from {}: invalid {what} plugin URI {:?} expect io.containerd.x.vx",
                        i.path, p.value
                    ),
                    span: Some(p.span),
                });
            }
        }
    }
    if i.release.is_1x()
        && version.value >= 2
        && let Some(id) = i
            .merged
            .plugin_ids()
            .find(|id| !is_plugin_uri(&id.value, i.release))
    {
        return Err(Blocker {
            message: format!(
                "failed to load TOML from {}: invalid plugin key URI {:?} expect io.containerd.x.vx",
                i.path, id.value
            ),
            span: Some(id.span),
        });
    }
    // A version-1 config on 1.x names plugins by short id: a required plugin written as a URI
    // matches none, and containerd exits once its plugins are loaded (seen with 1.6.20).
    if i.release.is_1x()
        && version.value <= 1
        && let Some(p) = i
            .merged
            .required_plugins
            .iter()
            .find(|p| p.value.contains('.'))
    {
        return Err(Blocker {
            message: format!("required plugin [{}] not included", p.value),
            span: Some(p.span),
        });
    }
    // Values of the wrong type: top-level fields always stop containerd; on 1.x so do typed
    // fields of a plugin table it decodes (the CRI table), but not runtime `options`, which
    // are decoded only when a container is created.
    if let Some(k) = i.keys.iter().find(|k| fatal_type_error(k, i.release)) {
        let expected = match &k.status {
            KeyStatus::WrongType { expected } => *expected,
            _ => "another type",
        };
        return Err(Blocker {
            message: format!("failed to unmarshal TOML: `{}` must be {expected}", k.path),
            span: Some(k.value),
        });
    }
    Ok(())
}

/// The plugin URI form the release's config check accepts: 1.x wants four dot-separated parts
/// (`len(strings.Split(p, ".")) < 4` is rejected; seen with 1.6.20 for `io.containerd.cri`), 2.x
/// any dot.
fn is_plugin_uri(name: &str, release: &Release) -> bool {
    if release.is_1x() {
        name.split('.').count() >= 4
    } else {
        name.contains('.')
    }
}

fn fatal_type_error(k: &KeyEntry, release: &Release) -> bool {
    if !matches!(k.status, KeyStatus::WrongType { .. }) {
        return false;
    }
    if !k.path.starts_with("plugins.") {
        return true;
    }
    release.is_1x()
        && !k.path.contains(".options.")
        && super::settings::CRI_IDS
            .iter()
            .any(|id| k.path.contains(id))
}

fn cri(i: &Inputs<'_, '_>) -> CriOutcome {
    let release = i.release;
    let Some(layout) = release.reads(i.merged.version.value) else {
        // No release leaves a config version unread today; kept for one that would.
        return CriOutcome::Loads;
    };
    let disabling: &[&str] = match (layout, release.is_1x()) {
        // A version-1 file on 1.x disables by short id; the full id does nothing there
        // (seen with 1.6.20).
        (CriLayout::V1, true) => &["cri"],
        (_, true) => &["io.containerd.grpc.v1.cri"],
        // 2.x renames a version-1 file's short `cri` to the full id before matching.
        (_, false) if i.merged.version.value <= 1 => &[
            "cri",
            "io.containerd.grpc.v1.cri",
            "io.containerd.cri.v1.runtime",
            "io.containerd.cri.v1.images",
        ],
        (_, false) => cri_ids(release),
    };
    if let Some(p) = i
        .merged
        .disabled_plugins
        .iter()
        .find(|p| disabling.contains(&p.value.as_str()))
    {
        return CriOutcome::Disabled { span: p.span };
    }
    match validation_error(i, layout) {
        Some((message, span)) => CriOutcome::FailsToLoad {
            message: format!("invalid plugin config: {message}"),
            span,
        },
        None => CriOutcome::Loads,
    }
}

/// The first error of the CRI plugin's config validation.
fn validation_error(i: &Inputs<'_, '_>, layout: CriLayout) -> Option<(String, Option<Span>)> {
    let cri = i.cri;
    let release = i.release;
    let registry = &cri.registry;
    if !registry.mirrors.is_empty() && !registry.config_path.value.is_empty() {
        return Some((
            "`mirrors` cannot be set when `config_path` is provided".into(),
            registry
                .mirrors
                .first()
                .map(|m| m.host.span)
                .or(registry.config_path.span()),
        ));
    }
    if release.is_1x()
        && !registry.config_path.value.is_empty()
        && let Some(tls) = registry.configs.iter().find_map(|c| c.tls.as_ref())
    {
        return Some((
            "`configs.tls` cannot be set when `config_path` is provided".into(),
            Some(tls.table),
        ));
    }
    if let Some(header) = cri.legacy_conflict {
        return Some((
            "conflicting definitions: configuration includes both `untrusted_workload_runtime` and `runtimes[\"untrusted\"]`".into(),
            Some(header),
        ));
    }
    let name = &cri.default_runtime_name;
    if name.value.is_empty() {
        return Some(("`default_runtime_name` is empty".into(), name.span()));
    }
    let Some(default_runtime) = cri.default_runtime() else {
        return Some((
            format!(
                "no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = \"{}\"",
                name.value
            ),
            name.span(),
        ));
    };
    if release.is_1x() {
        const V1_LINUX: &str = "io.containerd.runtime.v1.linux";
        if let Some(sc) = cri.legacy_systemd_cgroup.as_ref().filter(|s| s.value)
            && default_runtime.runtime_type.value != V1_LINUX
        {
            return Some((
                format!("`systemd_cgroup` only works for runtime {V1_LINUX}"),
                Some(sc.span),
            ));
        }
        if let Some(t) = runtime_table(i, layout) {
            for (_, rt) in t
                .path(&["containerd", "runtimes"])
                .map(|r| r.tables())
                .unwrap_or_default()
            {
                let rtype = rt.str("runtime_type").map(|s| s.value).unwrap_or_default();
                for key in ["runtime_engine", "runtime_root"] {
                    if let Some(v) = rt.str(key).filter(|v| !v.value.is_empty())
                        && rtype != V1_LINUX
                    {
                        return Some((
                            format!("`{key}` only works for runtime {V1_LINUX}"),
                            Some(v.span),
                        ));
                    }
                }
            }
            if let Some(np) = t
                .path(&["containerd"])
                .and_then(|c| c.bool("no_pivot"))
                .filter(|b| b.value)
                && default_runtime.runtime_type.value != V1_LINUX
            {
                return Some((
                    format!("`no_pivot` only works for runtime {V1_LINUX}"),
                    Some(np.span),
                ));
            }
            for (key, what) in [
                ("stream_idle_timeout", "invalid stream idle timeout"),
                (
                    "image_pull_progress_timeout",
                    "invalid image pull progress timeout",
                ),
                (
                    "drain_exec_sync_io_timeout",
                    "invalid drain exec sync io timeout",
                ),
            ] {
                if let Some(v) = t
                    .str(key)
                    .filter(|v| !v.value.is_empty() && !is_go_duration(&v.value))
                {
                    return Some((
                        format!("{what}: time: invalid duration {:?}", v.value),
                        Some(v.span),
                    ));
                }
            }
        }
    }
    if let Some(spec) = cri
        .runtimes
        .iter()
        .filter(|r| r.base_runtime_spec_found == Some(false))
        .find_map(|r| r.base_runtime_spec.as_ref())
    {
        return Some((
            format!(
                "failed to create CRI service: failed to load base OCI spec from file: {0}: failed to open base OCI spec: {0}: open {0}: no such file or directory",
                spec.value
            ),
            Some(spec.span),
        ));
    }
    if !release.is_1x()
        && cri.cni.bin_dirs.is_some()
        && !cri.cni.bin_dir.is_default()
        && release.ver >= super::schema::Ver(2, 1, 0)
    {
        return Some((
            "`cni.bin_dir` and `cni.bin_dirs` cannot be set at the same time".into(),
            cri.cni.bin_dir.span(),
        ));
    }
    None
}

/// The table holding `containerd.runtimes` for the layout read.
fn runtime_table<'m>(i: &Inputs<'_, 'm>, layout: CriLayout) -> Option<Table<'m>> {
    let id = match layout {
        CriLayout::V1 => "cri",
        CriLayout::V2 => "io.containerd.grpc.v1.cri",
        CriLayout::V3 => "io.containerd.cri.v1.runtime",
    };
    i.merged.plugin(id).map(|p| p.table)
}

//! What containerd will do with the config: start or not, load the CRI plugin or not, with
//! containerd's own messages. The checks mirror containerd's loader and the CRI plugin's
//! config validation (migration-facts CTD-CFG-002, CTD-CRI-001..003), as confirmed with the
//! real containerd 1.6.20.

use crate::model::Span;
use crate::model::containerd::{
    Blocker, CriConfig, CriLayout, CriOutcome, KeyEntry, KeyStatus, Outcome,
};

use crate::release::ContainerdRelease;
use crate::release::containerd::{
    CRI_GRPC_ID, CRI_RUNTIME_ID, CRI_TABLE_IDS, CRI_V1_ID, ConfigVersionSupport, V1_SHIM,
};

use super::access::Table;
use super::duration::is_go_duration;
use super::load::LoadFailure;
use super::merge::Merged;

pub(crate) struct Inputs<'a, 'm> {
    pub(crate) path: &'a str,
    pub(crate) merged: &'a Merged<'m>,
    pub(crate) release: &'a ContainerdRelease,
    pub(crate) failure: Option<&'a LoadFailure>,
    pub(crate) keys: &'a [KeyEntry],
    pub(crate) cri: &'a CriConfig,
}

pub(crate) fn predict(i: &Inputs<'_, '_>) -> Outcome {
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
                .find(|p| i.release.cri_plugin_ids().contains(&p.value.as_str()));
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

fn starts(i: &Inputs<'_, '_>) -> Result<(), Blocker> {
    if let Some(f) = i.failure {
        return Err(Blocker {
            message: f.message.clone(),
            span: f.span,
        });
    }
    let version = i.merged.version;
    if let ConfigVersionSupport::Refuses { message, .. } =
        i.release.config_version_support(version.value)
    {
        return Err(Blocker {
            message: format!("failed to load TOML from {}: {message}", i.path),
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
            if let Some(p) = list.iter().find(|p| !i.release.is_plugin_uri(&p.value)) {
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
    if i.release.checks_plugin_table_keys(version.value)
        && let Some(id) = i
            .merged
            .plugin_ids()
            .find(|id| !i.release.is_plugin_uri(&id.value))
    {
        return Err(Blocker {
            message: format!(
                "failed to load TOML from {}: invalid plugin key URI {:?} expect io.containerd.x.vx",
                i.path, id.value
            ),
            span: Some(id.span),
        });
    }
    if i.release.misses_required_uri_in_version_1(version.value)
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
    // Values of the wrong type: top-level fields always stop containerd; on 1.x, and on 2.x in
    // a version-2 file it converts, so do typed fields of the CRI table, but not runtime
    // `options`, which are decoded only when a container is created.
    if let Some(k) = i
        .keys
        .iter()
        .find(|k| fatal_type_error(k, i.release, version.value))
    {
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

fn fatal_type_error(k: &KeyEntry, release: &ContainerdRelease, config_version: i64) -> bool {
    if !matches!(k.status, KeyStatus::WrongType { .. }) {
        return false;
    }
    let Some(plugin) = k.plugin() else {
        return true;
    };
    release.type_errors_in_cri_tables_are_fatal(config_version)
        && !k.in_options()
        && CRI_TABLE_IDS.contains(&plugin)
}

fn cri(i: &Inputs<'_, '_>) -> CriOutcome {
    let release = i.release;
    let layout = release.reads(i.merged.version.value);
    let disabling = release.cri_disabled_by(i.merged.version.value);
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

/// A failed check of the CRI plugin's config validation: containerd's message and the span
/// that caused it.
type Invalid = (String, Option<Span>);

/// The first error of the CRI plugin's config validation, in the order containerd checks.
fn validation_error(i: &Inputs<'_, '_>, layout: CriLayout) -> Option<Invalid> {
    registry_error(i.cri, i.release)
        .or_else(|| runtimes_error(i, layout))
        .or_else(|| base_runtime_spec_error(i.cri))
        .or_else(|| cni_error(i.cri, i.release))
}

/// Mirrors or (on some releases) `configs.tls` next to `config_path`.
fn registry_error(cri: &CriConfig, release: &ContainerdRelease) -> Option<Invalid> {
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
    if release.refuses_tls_with_config_path()
        && !registry.config_path.value.is_empty()
        && let Some(tls) = registry.configs.iter().find_map(|c| c.tls.as_ref())
    {
        return Some((
            "`configs.tls` cannot be set when `config_path` is provided".into(),
            Some(tls.table),
        ));
    }
    None
}

/// The runtimes: no conflicting `untrusted` definitions, a default runtime that exists, and on
/// releases that still validate them, the options of the v1 shim used only with that shim.
fn runtimes_error(i: &Inputs<'_, '_>, layout: CriLayout) -> Option<Invalid> {
    let cri = i.cri;
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
    if !i.release.validates_v1_shim_options() {
        return None;
    }
    let default_type = default_runtime.runtime_type.value.as_str();
    if let Some(sc) = cri.legacy_systemd_cgroup.as_ref().filter(|s| s.value)
        && default_type != V1_SHIM
    {
        return Some((
            format!("`systemd_cgroup` only works for runtime {V1_SHIM}"),
            Some(sc.span),
        ));
    }
    let t = runtime_table(i, layout)?;
    v1_shim_option_error(&t, default_type).or_else(|| duration_error(&t))
}

/// `runtime_engine` or `runtime_root` on a runtime, or `no_pivot` with a default runtime,
/// other than the v1 shim (the only one that reads them) in the CRI table `t`.
fn v1_shim_option_error(t: &Table<'_>, default_type: &str) -> Option<Invalid> {
    for (_, rt) in t
        .path(&["containerd", "runtimes"])
        .map(|r| r.tables())
        .unwrap_or_default()
    {
        let rtype = rt.str("runtime_type").map(|s| s.value).unwrap_or_default();
        for key in ["runtime_engine", "runtime_root"] {
            if let Some(v) = rt.str(key).filter(|v| !v.value.is_empty())
                && rtype != V1_SHIM
            {
                return Some((
                    format!("`{key}` only works for runtime {V1_SHIM}"),
                    Some(v.span),
                ));
            }
        }
    }
    if let Some(np) = t
        .path(&["containerd"])
        .and_then(|c| c.bool("no_pivot"))
        .filter(|b| b.value)
        && default_type != V1_SHIM
    {
        return Some((
            format!("`no_pivot` only works for runtime {V1_SHIM}"),
            Some(np.span),
        ));
    }
    None
}

/// A timeout of the CRI table `t` that is not a Go duration.
fn duration_error(t: &Table<'_>) -> Option<Invalid> {
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
    None
}

/// A runtime's `base_runtime_spec` file that is not there: the CRI service cannot be created.
fn base_runtime_spec_error(cri: &CriConfig) -> Option<Invalid> {
    let spec = cri
        .runtimes
        .iter()
        .filter(|r| r.base_runtime_spec_found == Some(false))
        .find_map(|r| r.base_runtime_spec.as_ref())?;
    Some((
        format!(
            "failed to create CRI service: failed to load base OCI spec from file: {0}: failed to open base OCI spec: {0}: open {0}: no such file or directory",
            spec.value
        ),
        Some(spec.span),
    ))
}

/// `cni.bin_dir` next to `cni.bin_dirs`, on releases that refuse both. An empty `bin_dir`
/// (as 2.1's `containerd config default` writes it) is unset to containerd.
fn cni_error(cri: &CriConfig, release: &ContainerdRelease) -> Option<Invalid> {
    (release.refuses_cni_bin_dir_with_bin_dirs()
        && cri.cni.bin_dirs.is_some()
        && !cri.cni.bin_dir.is_default()
        && !cri.cni.bin_dir.value.is_empty())
    .then(|| {
        (
            "`cni.bin_dir` and `cni.bin_dirs` cannot be set at the same time".into(),
            cri.cni.bin_dir.span(),
        )
    })
}

/// The table holding `containerd.runtimes` for the layout read.
fn runtime_table<'m>(i: &Inputs<'_, 'm>, layout: CriLayout) -> Option<Table<'m>> {
    let id = match layout {
        CriLayout::V1 => CRI_V1_ID,
        CriLayout::V2 => CRI_GRPC_ID,
        CriLayout::V3 => CRI_RUNTIME_ID,
    };
    i.merged.plugin(id).map(|p| p.table)
}

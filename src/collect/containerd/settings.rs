//! The CRI settings containerd will use, read from the winning plugin tables of the layout
//! the release reads, with defaults where keys are absent.

use crate::model::containerd::{
    Cni, CriConfig, CriLayout, Mirror, Registry, RegistryAuth, RegistryHostConfig, RegistryTls,
    Runtime,
};
use crate::model::{Effective, Span, Spanned};

use crate::release::ContainerdRelease;
use crate::release::containerd::{
    CRI_GRPC_ID, CRI_IMAGES_ID, CRI_RUNTIME_ID, CRI_TABLE_IDS, CRI_V1_ID,
};
use crate::release::containerd_defaults as defaults;

use super::access::Table;
use super::merge::Merged;

/// Where each group of settings lives for a layout.
struct Tables<'a> {
    /// The table holding `containerd.runtimes` and `cni`.
    runtime: Option<Table<'a>>,
    /// The table holding the sandbox image, `registry` and the snapshotter.
    images: Option<Table<'a>>,
    /// The layout `images` is written in (where the sandbox image and snapshotter keys are).
    images_layout: CriLayout,
}

fn tables<'a>(merged: &Merged<'a>, layout: CriLayout, release: &ContainerdRelease) -> Tables<'a> {
    let plugin = |id: &str| merged.plugin(id).map(|p| p.table);
    match layout {
        CriLayout::V1 => Tables {
            runtime: plugin(CRI_V1_ID),
            images: plugin(CRI_V1_ID),
            images_layout: CriLayout::V1,
        },
        CriLayout::V2 => {
            let renames_short_id = release.renames_short_plugin_ids(merged.version.value);
            let t = plugin(CRI_GRPC_ID)
                .or_else(|| renames_short_id.then(|| plugin(CRI_V1_ID)).flatten());
            let explicit = |id: &str| {
                release
                    .keeps_explicit_split_cri_tables()
                    .then(|| plugin(id))
                    .flatten()
            };
            let images = explicit(CRI_IMAGES_ID);
            Tables {
                runtime: explicit(CRI_RUNTIME_ID).or(t),
                images_layout: if images.is_some() {
                    CriLayout::V3
                } else {
                    CriLayout::V2
                },
                images: images.or(t),
            }
        }
        CriLayout::V3 => Tables {
            runtime: plugin(CRI_RUNTIME_ID),
            images: plugin(CRI_IMAGES_ID),
            images_layout: CriLayout::V3,
        },
    }
}

/// Where a value comes from when no key sets it.
const DEFAULT_NOTE: &str = "containerd default";

/// The CRI settings containerd will use with this config.
pub(crate) fn read(merged: &Merged<'_>, release: &ContainerdRelease) -> CriConfig {
    let reads = release.reads(merged.version.value);
    let t = tables(merged, reads, release);
    let containerd = t.runtime.and_then(|r| r.table("containerd"));
    let runtimes = runtime_settings(containerd, release);
    // Since the v3 layout the snapshotter is an image setting.
    let snapshotter_table = match t.images_layout {
        CriLayout::V3 => t.images,
        CriLayout::V1 | CriLayout::V2 => containerd,
    };
    CriConfig {
        legacy_conflict: runtimes.legacy_conflict,
        layout: reads,
        tables: cri_tables(merged),
        default_runtime_name: runtimes.default_runtime_name,
        runtimes: runtimes.runtimes,
        legacy_systemd_cgroup: legacy_systemd_cgroup(reads, t.runtime),
        sandbox_image: sandbox_image(t.images_layout, t.images, release),
        registry: registry(t.images.and_then(|i| i.table("registry")), release),
        cni: cni(t.runtime.and_then(|r| r.table("cni"))),
        snapshotter: snapshotter(snapshotter_table),
    }
}

/// The runtimes and which one is the default.
struct RuntimeSettings {
    default_runtime_name: Effective<String>,
    runtimes: Vec<Runtime>,
    /// The `untrusted_workload_runtime` header when `runtimes.untrusted` is defined too.
    legacy_conflict: Option<Span>,
}

/// The runtimes of the `containerd` table, with the deprecated runtime tables converted on
/// the releases that still convert them.
fn runtime_settings(containerd: Option<Table<'_>>, release: &ContainerdRelease) -> RuntimeSettings {
    let mut settings = RuntimeSettings {
        default_runtime_name: default_runtime_name(containerd),
        runtimes: runtimes(containerd, release),
        legacy_conflict: None,
    };
    if release.converts_legacy_runtime_tables() {
        convert_legacy_runtimes(containerd, release, &mut settings);
    }
    settings
}

fn default_runtime_name(containerd: Option<Table<'_>>) -> Effective<String> {
    containerd
        .and_then(|c| c.str("default_runtime_name"))
        .map_or_else(
            || Effective::default(defaults::RUNTIME_NAME.to_string(), DEFAULT_NOTE),
            |s| Effective::set(s.value, s.span),
        )
}

/// 1.x turns the deprecated tables into runtimes `untrusted` and `default` (the latter
/// becoming the default runtime) when they name a runtime_type (CRI validateConfig).
fn convert_legacy_runtimes(
    containerd: Option<Table<'_>>,
    release: &ContainerdRelease,
    settings: &mut RuntimeSettings,
) {
    let runtimes = &mut settings.runtimes;
    if let Some((name, header, rt)) = legacy_runtime(
        containerd,
        "untrusted_workload_runtime",
        "untrusted",
        release,
    ) {
        if runtimes
            .iter()
            .any(|r| r.name == name && r.defined_at.is_some())
        {
            settings.legacy_conflict = Some(header);
        } else {
            runtimes.retain(|r| r.name != name);
            runtimes.push(rt);
        }
    }
    if let Some((name, header, rt)) =
        legacy_runtime(containerd, "default_runtime", "default", release)
    {
        settings.default_runtime_name =
            Effective::set(name.clone(), rt.runtime_type.span().unwrap_or(header));
        runtimes.retain(|r| r.name != name);
        runtimes.push(rt);
    }
}

/// The plugin-level `systemd_cgroup` of the single CRI table (gone from the v3 layout).
fn legacy_systemd_cgroup(reads: CriLayout, runtime: Option<Table<'_>>) -> Option<Spanned<bool>> {
    match reads {
        CriLayout::V1 | CriLayout::V2 => runtime.and_then(|r| r.bool("systemd_cgroup")),
        CriLayout::V3 => None,
    }
}

/// The sandbox (pause) image: `sandbox_image`, or in the v3 layout `pinned_images.sandbox`.
fn sandbox_image(
    written: CriLayout,
    images: Option<Table<'_>>,
    release: &ContainerdRelease,
) -> Effective<String> {
    let sandbox = match written {
        CriLayout::V3 => images
            .and_then(|i| i.path(&["pinned_images"]))
            .and_then(|p| p.str("sandbox")),
        CriLayout::V1 | CriLayout::V2 => images.and_then(|i| i.str("sandbox_image")),
    };
    sandbox.map_or_else(
        || {
            Effective::default(
                release.default_sandbox_image().to_string(),
                format!("default of containerd {}", release.evaluated()),
            )
        },
        |s| Effective::set(s.value, s.span),
    )
}

fn cni(cni_table: Option<Table<'_>>) -> Cni {
    Cni {
        bin_dir: cni_table.and_then(|c| c.str("bin_dir")).map_or_else(
            || Effective::default(defaults::CNI_BIN_DIR.into(), DEFAULT_NOTE),
            |s| Effective::set(s.value, s.span),
        ),
        bin_dirs: cni_table.and_then(|c| {
            let span = c.value_span("bin_dirs")?;
            let dirs = c.strings("bin_dirs")?;
            Some(Spanned::new(
                dirs.into_iter().map(|d| d.value).collect(),
                span,
            ))
        }),
        conf_dir: cni_table.and_then(|c| c.str("conf_dir")).map_or_else(
            || Effective::default(defaults::CNI_CONF_DIR.into(), DEFAULT_NOTE),
            |s| Effective::set(s.value, s.span),
        ),
    }
}

fn snapshotter(table: Option<Table<'_>>) -> Effective<String> {
    table.and_then(|s| s.str("snapshotter")).map_or_else(
        || Effective::default(defaults::SNAPSHOTTER.into(), DEFAULT_NOTE),
        |s| Effective::set(s.value, s.span),
    )
}

/// The CRI plugin tables the files write, in source order.
fn cri_tables(merged: &Merged<'_>) -> Vec<Spanned<String>> {
    let mut cri_tables: Vec<Spanned<String>> = merged
        .plugin_ids()
        .filter(|id| CRI_TABLE_IDS.contains(&id.value.as_str()))
        .cloned()
        .collect();
    cri_tables.sort_by_key(|t| (t.span.file, t.span.start));
    cri_tables
}

/// The runtimes containerd will know. Defining any `runtimes.<name>` table replaces
/// containerd's default map (with its `runc` entry) entirely, and a defined runtime starts
/// from zero values (no `runtime_type` means an empty one): both seen in `containerd config
/// dump` of 1.6.20.
fn runtimes(containerd: Option<Table<'_>>, release: &ContainerdRelease) -> Vec<Runtime> {
    let defined: Vec<(Spanned<String>, Table<'_>)> = containerd
        .and_then(|c| c.table("runtimes"))
        .map(|r| r.tables())
        .unwrap_or_default();
    let mut runtimes: Vec<Runtime> = defined
        .into_iter()
        .map(|(name, table)| runtime_from(name.value, Some(name.span), table, release))
        .collect();
    let any_defined = !runtimes.is_empty();
    let runc = runtimes
        .iter_mut()
        .find(|r| r.name == defaults::RUNTIME_NAME);
    match runc {
        // 2.x decodes a `runc` table over the built-in one, which has a runtime_type.
        Some(r) if release.keeps_builtin_runc() && r.runtime_type.is_default() => {
            r.runtime_type = Effective::default(
                defaults::RUNC_RUNTIME_TYPE.into(),
                format!(
                    "{DEFAULT_NOTE}: containerd {} keeps the built-in runc's runtime_type",
                    release.evaluated()
                ),
            );
        }
        Some(_) => {}
        None if !any_defined || release.keeps_builtin_runc() => {
            runtimes.push(builtin_runc(release, any_defined));
        }
        None => {}
    }
    runtimes
}

/// containerd's built-in runc runtime; `beside` says it stays next to runtimes the config
/// defines (2.x).
fn builtin_runc(release: &ContainerdRelease, beside: bool) -> Runtime {
    let span_note = if beside {
        format!(
            "{DEFAULT_NOTE}: containerd {} keeps its built-in runc runtime next to the runtimes defined",
            release.evaluated()
        )
    } else {
        format!("{DEFAULT_NOTE}: containerd's built-in runc runtime")
    };
    Runtime {
        name: defaults::RUNTIME_NAME.to_string(),
        defined_at: None,
        runtime_type: Effective::default(defaults::RUNC_RUNTIME_TYPE.into(), span_note.clone()),
        options: None,
        systemd_cgroup: Effective::default(
            defaults::SYSTEMD_CGROUP,
            format!("{span_note} (SystemdCgroup defaults to false)"),
        ),
        binary_name: None,
        base_runtime_spec: None,
        base_runtime_spec_found: None,
    }
}

/// A deprecated runtime table (`default_runtime`, `untrusted_workload_runtime`) that 1.x
/// turns into the runtime `as_name` when it has a runtime_type.
fn legacy_runtime(
    containerd: Option<Table<'_>>,
    table: &str,
    as_name: &str,
    release: &ContainerdRelease,
) -> Option<(String, Span, Runtime)> {
    let t = containerd?.table(table)?;
    let header = t.key?;
    t.str("runtime_type").filter(|s| !s.value.is_empty())?;
    Some((
        as_name.to_string(),
        header,
        runtime_from(as_name.to_string(), Some(header), t, release),
    ))
}

fn runtime_from(
    name: String,
    defined_at: Option<crate::model::Span>,
    table: Table<'_>,
    release: &ContainerdRelease,
) -> Runtime {
    let runtime_type = table.str("runtime_type").map_or_else(
        || {
            Effective::default(
                String::new(),
                format!(
                    "no runtime_type in runtimes.{name}: containerd {} leaves it empty",
                    release.evaluated()
                ),
            )
        },
        |s| Effective::set(s.value, s.span),
    );
    let options = table.table("options");
    let systemd_cgroup = options.and_then(|o| o.bool("SystemdCgroup")).map_or_else(
        || {
            let why = if options.is_some_and(|o| o.contains("SystemdCgroup")) {
                "SystemdCgroup is not a boolean, so containerd cannot use it"
            } else if table.contains("SystemdCgroup") {
                "SystemdCgroup is outside the options table and ignored; default false"
            } else {
                "SystemdCgroup not set; default false"
            };
            Effective::default(defaults::SYSTEMD_CGROUP, why)
        },
        |b| Effective::set(b.value, b.span),
    );
    Runtime {
        binary_name: options.and_then(|o| o.str("BinaryName")),
        options: options.and_then(|o| o.key),
        base_runtime_spec: table
            .str("base_runtime_spec")
            .filter(|s| !s.value.is_empty()),
        base_runtime_spec_found: None,
        name,
        defined_at,
        runtime_type,
        systemd_cgroup,
    }
}

fn registry(table: Option<Table<'_>>, release: &ContainerdRelease) -> Registry {
    let mirrors: Vec<Mirror> = table
        .and_then(|t| t.table("mirrors"))
        .map(|m| {
            m.tables()
                .into_iter()
                .map(|(host, t)| Mirror {
                    host,
                    endpoints: t
                        .strings("endpoint")
                        .unwrap_or_default()
                        .into_iter()
                        .map(|e| e.map(|u| super::secrets::redact_userinfo(&u)))
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let explicit = table.and_then(|t| t.str("config_path"));
    let (default_path, why) = release.default_config_path(!mirrors.is_empty());
    let config_path = match explicit {
        Some(p) if p.value.is_empty() && release.forces_default_config_path() => {
            Effective::default(default_path.to_string(), why)
        }
        Some(p) => Effective::set(p.value, p.span),
        None => Effective::default(default_path.to_string(), why),
    };
    let configs = table
        .and_then(|t| t.table("configs"))
        .map(|c| {
            c.tables()
                .into_iter()
                .map(|(host, t)| RegistryHostConfig {
                    tls: t.table("tls").map(|tls| RegistryTls {
                        table: tls.key.unwrap_or(host.span),
                        insecure_skip_verify: tls.bool("insecure_skip_verify"),
                        ca_file: tls.str("ca_file"),
                        cert_file: tls.str("cert_file"),
                        key_file: tls.str("key_file"),
                    }),
                    auth: t.table("auth").map(|a| auth(host.clone(), a)),
                    host,
                })
                .collect()
        })
        .unwrap_or_default();
    let auths = table
        .and_then(|t| t.table("auths"))
        .map(|a| {
            a.tables()
                .into_iter()
                .map(|(host, t)| auth(host, t))
                .collect()
        })
        .unwrap_or_default();
    Registry {
        table: table.and_then(|t| t.key),
        config_path,
        mirrors,
        configs,
        auths,
    }
}

/// The credential fields that are set; their values are never kept.
pub(crate) const CREDENTIAL_KEYS: &[&str] = &["username", "password", "auth", "identitytoken"];

fn auth(host: Spanned<String>, t: Table<'_>) -> RegistryAuth {
    let fields = CREDENTIAL_KEYS
        .iter()
        .filter_map(|k| {
            let s = t.str(k)?;
            (!s.value.is_empty()).then(|| Spanned::new((*k).to_string(), s.span))
        })
        .collect();
    RegistryAuth {
        table: t.key.unwrap_or(host.span),
        host,
        fields,
    }
}

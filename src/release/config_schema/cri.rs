//! The CRI plugin's keys in every layout: the single `cri` / `io.containerd.grpc.v1.cri` table
//! of config versions 1 and 2, and the runtime, images and server-only tables of versions 3
//! and 4; runtimes and their runc options. Sources: `pkg/cri/config/config.go` (1.6/1.7 era),
//! `internal/cri/config/config.go` (2.0 and 2.1 era), `plugins/cri/images/plugin.go` (2.0),
//! the 1.6.20 `config default`, the 2.0-era dump and the 2.3 `config default`.

use super::fields::{Field, PluginSchema, Ty, V1_7, V2_0, V2_1};
use super::removed::{
    CNI_BIN_DIR, CRIU_PATH, DEFAULT_RUNTIME, DISABLE_CGROUP, ENABLE_CDI, NO_PIVOT, REGISTRY_AUTHS,
    REGISTRY_CONFIGS, REGISTRY_CONFIGS_TLS, REGISTRY_MIRRORS, RUNTIME_ENGINE, RUNTIME_ROOT,
    SYSTEMD_CGROUP, UNTRUSTED_WORKLOAD_RUNTIME,
};
use crate::model::containerd::CriLayout;
use crate::model::containerd::is_runc_shim;
use crate::release::ReleaseNumber;

/// runc shim options: `options` of a runtime whose `runtime_type` is io.containerd.runc.v1/v2.
/// Source: `runtime/v2/runc/options/oci.proto` (1.x) and `api/types/runc/options/oci.proto`
/// (2.x: field 8 `criu_path` reserved, "Removed in containerd v2.0"; fields 12-13 added).
/// containerd decodes the table into the Go struct, whose field names are the keys.
static RUNC_OPTIONS: &[Field] = &[
    Field::new("NoPivotRoot", Ty::Bool),
    Field::new("NoNewKeyring", Ty::Bool),
    Field::new("ShimCgroup", Ty::Str),
    Field::new("IoUid", Ty::Int),
    Field::new("IoGid", Ty::Int),
    Field::new("BinaryName", Ty::Str),
    Field::new("Root", Ty::Str),
    Field::new("CriuPath", Ty::Str)
        .until(V2_0)
        .deprecated(&CRIU_PATH),
    Field::new("SystemdCgroup", Ty::Bool),
    Field::new("CriuImagePath", Ty::Str),
    Field::new("CriuWorkPath", Ty::Str),
    // In the 2.x proto only (absent from the 1.x proto read).
    Field::new("TaskAPIAddress", Ty::Str).since(V2_0),
    Field::new("TaskAPIVersion", Ty::Int).since(V2_0),
];

/// `containerd.runtimes.<name>` (and the 1.x `default_runtime` / `untrusted_workload_runtime`).
static RUNTIME_FIELDS: &[Field] = &[
    Field::new("runtime_type", Ty::Str),
    Field::new("runtime_path", Ty::Str),
    Field::new("runtime_engine", Ty::Str)
        .until(V2_0)
        .deprecated(&RUNTIME_ENGINE),
    Field::new("runtime_root", Ty::Str)
        .until(V2_0)
        .deprecated(&RUNTIME_ROOT),
    Field::new("pod_annotations", Ty::StrList),
    Field::new("container_annotations", Ty::StrList),
    // Judged against [`runc_options`] or left opaque, depending on `runtime_type`.
    Field::new(RUNTIME_OPTIONS_KEY, Ty::Any),
    Field::new("privileged_without_host_devices", Ty::Bool),
    Field::new(
        "privileged_without_host_devices_all_devices_allowed",
        Ty::Bool,
    )
    .since(V1_7),
    // In the 2.3 `config default` and a 2.1-era config.go, absent from 2.0: 2.1.
    Field::new("cgroup_writable", Ty::Bool).since(V2_1),
    Field::new("base_runtime_spec", Ty::Str),
    Field::new("cni_conf_dir", Ty::Str),
    Field::new("cni_max_conf_num", Ty::Int),
    Field::new("snapshotter", Ty::Str).since(V1_7),
    // Sandbox controller mode of the 1.7 experimental CRI server (pkg/cri/sbserver); 2.0
    // renamed it `sandboxer`. First tag not read: 1.7 is the earliest consistent.
    Field::new("sandbox_mode", Ty::Str).since(V1_7).until(V2_0),
    Field::new("sandboxer", Ty::Str).since(V2_0),
    Field::new("io_type", Ty::Str).since(V2_0),
];
static RUNTIME_TY: Ty = Ty::Table(RUNTIME_FIELDS);

/// The key of a runtime table holding shim options.
pub(crate) const RUNTIME_OPTIONS_KEY: &str = "options";
/// The key of a runtime table naming its shim.
pub(crate) const RUNTIME_TYPE_KEY: &str = "runtime_type";

/// Whether `fields` is the schema of a runtime table (its `options` depend on `runtime_type`).
/// The `runtime_type` key marks it: no other table has one.
pub(crate) fn is_runtime_table(fields: &[Field]) -> bool {
    fields.iter().any(|f| f.key == RUNTIME_TYPE_KEY)
}

/// Whether a runtime with this `runtime_type` (None: not written) takes runc options.
/// containerd's CRI plugin decodes the options of runc.v1/v2 into the runc options struct;
/// an absent type is the default runc runtime.
pub(crate) fn takes_runc_options(runtime_type: Option<&str>) -> bool {
    runtime_type.is_none_or(|t| t.is_empty() || is_runc_shim(t))
}

/// `containerd` table of the v1/v2 layouts (1.x ContainerdConfig; on 2.x migrated into the
/// runtime and images plugins).
static CONTAINERD_V12: &[Field] = &[
    Field::new("snapshotter", Ty::Str),
    Field::new("default_runtime_name", Ty::Str),
    Field::new("default_runtime", Ty::Table(RUNTIME_FIELDS))
        .until(V2_0)
        .deprecated(&DEFAULT_RUNTIME),
    Field::new("untrusted_workload_runtime", Ty::Table(RUNTIME_FIELDS))
        .until(V2_0)
        .deprecated(&UNTRUSTED_WORKLOAD_RUNTIME),
    Field::new("runtimes", Ty::Map(&RUNTIME_TY)),
    Field::new("no_pivot", Ty::Bool)
        .until(V2_0)
        .deprecated(&NO_PIVOT),
    Field::new("disable_snapshot_annotations", Ty::Bool),
    Field::new("discard_unpacked_layers", Ty::Bool),
    Field::new("ignore_blockio_not_enabled_errors", Ty::Bool).since(V1_7),
    Field::new("ignore_rdt_not_enabled_errors", Ty::Bool),
];

/// `containerd` table of `io.containerd.cri.v1.runtime` (2.x ContainerdConfig).
static CONTAINERD_V3: &[Field] = &[
    Field::new("default_runtime_name", Ty::Str),
    Field::new("runtimes", Ty::Map(&RUNTIME_TY)),
    Field::new("ignore_blockio_not_enabled_errors", Ty::Bool),
    Field::new("ignore_rdt_not_enabled_errors", Ty::Bool),
];

static CNI_FIELDS: &[Field] = &[
    Field::new("bin_dir", Ty::Str).deprecated(&CNI_BIN_DIR),
    // Facts CTD-CFG-007 and the 2.3 `config default`.
    Field::new("bin_dirs", Ty::StrList).since(V2_1),
    Field::new("conf_dir", Ty::Str),
    Field::new("max_conf_num", Ty::Int),
    // In 2.0 CniConfig, absent from the 1.6/1.7-era struct read: earliest consistent 1.7.
    Field::new("setup_serially", Ty::Bool).since(V1_7),
    Field::new("conf_template", Ty::Str),
    Field::new("ip_pref", Ty::Str),
    Field::new("use_internal_loopback", Ty::Bool).since(V2_0),
];

static MIRROR_FIELDS: &[Field] = &[Field::new("endpoint", Ty::StrList)];
static MIRROR_TY: Ty = Ty::Table(MIRROR_FIELDS);

static AUTH_FIELDS: &[Field] = &[
    Field::new("username", Ty::Str),
    Field::new("password", Ty::Str),
    Field::new("auth", Ty::Str),
    Field::new("identitytoken", Ty::Str),
];
static AUTH_TY: Ty = Ty::Table(AUTH_FIELDS);

static TLS_FIELDS: &[Field] = &[
    Field::new("insecure_skip_verify", Ty::Bool),
    Field::new("ca_file", Ty::Str),
    Field::new("cert_file", Ty::Str),
    Field::new("key_file", Ty::Str),
];

static REGISTRY_CONFIG_FIELDS: &[Field] = &[
    Field::new("auth", Ty::Table(AUTH_FIELDS)),
    // Gone from RegistryConfig in 2.0 (commit d2b7a1e29).
    Field::new("tls", Ty::Table(TLS_FIELDS))
        .until(V2_0)
        .deprecated(&REGISTRY_CONFIGS_TLS),
];
static REGISTRY_CONFIG_TY: Ty = Ty::Table(REGISTRY_CONFIG_FIELDS);

static REGISTRY_FIELDS: &[Field] = &[
    Field::new("config_path", Ty::Str),
    Field::new("mirrors", Ty::Map(&MIRROR_TY)).deprecated(&REGISTRY_MIRRORS),
    Field::new("configs", Ty::Map(&REGISTRY_CONFIG_TY)).deprecated(&REGISTRY_CONFIGS),
    Field::new("auths", Ty::Map(&AUTH_TY)).deprecated(&REGISTRY_AUTHS),
    Field::new("headers", Ty::Map(&Ty::StrList)),
];

static IMAGE_DECRYPTION_FIELDS: &[Field] = &[Field::new("key_model", Ty::Str)];

static X509_FIELDS: &[Field] = &[
    Field::new("tls_cert_file", Ty::Str),
    Field::new("tls_key_file", Ty::Str),
];

/// The CRI plugin table of the v1 (`cri`) and v2 (`io.containerd.grpc.v1.cri`) layouts: the
/// 1.x PluginConfig, plus the 2.x runtime keys a v2 file may carry (2.x migrates the table
/// into `io.containerd.cri.v1.runtime` / `images` on start).
static CRI_V12: &[Field] = &[
    Field::new("containerd", Ty::Table(CONTAINERD_V12)),
    Field::new("cni", Ty::Table(CNI_FIELDS)),
    Field::new("registry", Ty::Table(REGISTRY_FIELDS)),
    Field::new("image_decryption", Ty::Table(IMAGE_DECRYPTION_FIELDS)),
    Field::new("disable_tcp_service", Ty::Bool),
    Field::new("stream_server_address", Ty::Str),
    Field::new("stream_server_port", Ty::Str),
    Field::new("stream_idle_timeout", Ty::Duration),
    Field::new("enable_selinux", Ty::Bool),
    Field::new("selinux_category_range", Ty::Int),
    Field::new("sandbox_image", Ty::Str),
    Field::new("stats_collect_period", Ty::Int),
    Field::new("systemd_cgroup", Ty::Bool)
        .until(V2_0)
        .deprecated(&SYSTEMD_CGROUP),
    Field::new("enable_tls_streaming", Ty::Bool),
    Field::new("x509_key_pair_streaming", Ty::Table(X509_FIELDS)),
    Field::new("max_container_log_line_size", Ty::Int),
    Field::new("disable_cgroup", Ty::Bool)
        .until(V2_0)
        .deprecated(&DISABLE_CGROUP),
    Field::new("disable_apparmor", Ty::Bool),
    Field::new("restrict_oom_score_adj", Ty::Bool),
    Field::new("max_concurrent_downloads", Ty::Int),
    Field::new("disable_proc_mount", Ty::Bool),
    Field::new("unset_seccomp_profile", Ty::Str),
    Field::new("tolerate_missing_hugetlb_controller", Ty::Bool),
    Field::new("disable_hugetlb_controller", Ty::Bool),
    Field::new("device_ownership_from_security_context", Ty::Bool),
    Field::new("ignore_image_defined_volumes", Ty::Bool),
    Field::new("netns_mounts_under_state_dir", Ty::Bool),
    Field::new("enable_unprivileged_ports", Ty::Bool),
    Field::new("enable_unprivileged_icmp", Ty::Bool),
    Field::new("enable_cdi", Ty::Bool)
        .since(V1_7)
        .deprecated(&ENABLE_CDI),
    Field::new("cdi_spec_dirs", Ty::StrList).since(V1_7),
    Field::new("image_pull_progress_timeout", Ty::Duration).since(V1_7),
    Field::new("drain_exec_sync_io_timeout", Ty::Duration).since(V1_7),
    // Migrated to the images plugin by 2.x (plugins/cri/images/plugin.go); 1.7 line.
    Field::new("image_pull_with_sync_fs", Ty::Bool).since(V1_7),
    Field::new("ignore_deprecation_warnings", Ty::StrList).since(V1_7),
    // 2.0 ImageConfig; replaced by `use_local_image_pull` (absent from 2.1-era source).
    Field::new("disable_image_pull_with_transfer_service", Ty::Bool)
        .since(V2_0)
        .until(V2_1),
];

/// Keys of `io.containerd.cri.v1.images` (2.x ImageConfig).
static IMAGES_V3: &[Field] = &[
    Field::new("snapshotter", Ty::Str),
    Field::new("disable_snapshot_annotations", Ty::Bool),
    Field::new("discard_unpacked_layers", Ty::Bool),
    Field::new("pinned_images", Ty::Map(&Ty::Str)),
    Field::new("runtime_platforms", Ty::Map(&IMAGE_PLATFORM_TY)),
    Field::new("registry", Ty::Table(REGISTRY_FIELDS)),
    Field::new("image_decryption", Ty::Table(IMAGE_DECRYPTION_FIELDS)),
    Field::new("max_concurrent_downloads", Ty::Int),
    // In the 2.3 `config default`, absent from the 2.0 dump: 2.1.
    Field::new("concurrent_layer_fetch_buffer", Ty::Int).since(V2_1),
    Field::new("image_pull_progress_timeout", Ty::Duration),
    Field::new("image_pull_with_sync_fs", Ty::Bool),
    Field::new("stats_collect_period", Ty::Int),
    // In the 2.3 `config default`, absent from the 2.0 dump and 2.1-era source: 2.1.
    Field::new("use_local_image_pull", Ty::Bool).since(V2_1),
    Field::new("disable_image_pull_with_transfer_service", Ty::Bool).until(V2_1),
];

static IMAGE_PLATFORM_FIELDS: &[Field] = &[
    Field::new("platform", Ty::Str),
    Field::new("snapshotter", Ty::Str),
];
static IMAGE_PLATFORM_TY: Ty = Ty::Table(IMAGE_PLATFORM_FIELDS);

/// Keys of `io.containerd.cri.v1.runtime` (2.x RuntimeConfig).
static RUNTIME_V3: &[Field] = &[
    Field::new("containerd", Ty::Table(CONTAINERD_V3)),
    Field::new("cni", Ty::Table(CNI_FIELDS)),
    Field::new("enable_selinux", Ty::Bool),
    Field::new("selinux_category_range", Ty::Int),
    Field::new("max_container_log_line_size", Ty::Int),
    // Not in 2.x RuntimeConfig (still printed by docs/cri/config.md).
    Field::new("disable_cgroup", Ty::Bool)
        .until(V2_0)
        .deprecated(&DISABLE_CGROUP),
    Field::new("disable_apparmor", Ty::Bool),
    Field::new("restrict_oom_score_adj", Ty::Bool),
    Field::new("disable_proc_mount", Ty::Bool),
    Field::new("unset_seccomp_profile", Ty::Str),
    Field::new("tolerate_missing_hugetlb_controller", Ty::Bool),
    Field::new("disable_hugetlb_controller", Ty::Bool),
    Field::new("device_ownership_from_security_context", Ty::Bool),
    Field::new("ignore_image_defined_volumes", Ty::Bool),
    Field::new("netns_mounts_under_state_dir", Ty::Bool),
    Field::new("enable_unprivileged_ports", Ty::Bool),
    Field::new("enable_unprivileged_icmp", Ty::Bool),
    Field::new("enable_cdi", Ty::Bool).deprecated(&ENABLE_CDI),
    Field::new("cdi_spec_dirs", Ty::StrList),
    Field::new("drain_exec_sync_io_timeout", Ty::Duration),
    Field::new("ignore_deprecation_warnings", Ty::StrList),
    // Both in the 2.3 `config default` (printed as strings), absent from the 2.0 dump: 2.1.
    Field::new("stats_collect_period", Ty::Str).since(V2_1),
    Field::new("stats_retention_period", Ty::Str).since(V2_1),
];

/// The server-only `io.containerd.grpc.v1.cri` of version 3/4 (2.x ServerConfig).
static SERVER_V3: &[Field] = &[
    Field::new("disable_tcp_service", Ty::Bool),
    Field::new("stream_server_address", Ty::Str),
    Field::new("stream_server_port", Ty::Str),
    Field::new("stream_idle_timeout", Ty::Duration),
    Field::new("enable_tls_streaming", Ty::Bool),
    Field::new("x509_key_pair_streaming", Ty::Table(X509_FIELDS)),
];

/// CRI plugin ids.
pub(crate) use crate::release::containerd::{
    CRI_GRPC_ID, CRI_IMAGES_ID, CRI_RUNTIME_ID, CRI_V1_ID,
};

static CRI_PLUGINS_V1: &[PluginSchema] = &[PluginSchema {
    id: CRI_V1_ID,
    fields: CRI_V12,
}];

static CRI_PLUGINS_V2: &[PluginSchema] = &[PluginSchema {
    id: CRI_GRPC_ID,
    fields: CRI_V12,
}];

static CRI_PLUGINS_V3: &[PluginSchema] = &[
    PluginSchema {
        id: CRI_IMAGES_ID,
        fields: IMAGES_V3,
    },
    PluginSchema {
        id: CRI_RUNTIME_ID,
        fields: RUNTIME_V3,
    },
    PluginSchema {
        id: CRI_GRPC_ID,
        fields: SERVER_V3,
    },
];

/// The version-3 plugin that holds a key of the version-2 CRI table (written at its top
/// level): the images plugin for the image keys it shares with version 2 (`configMigration`
/// of containerd 2.0's images plugin), the server-only `io.containerd.grpc.v1.cri` for the
/// streaming keys, the runtime plugin for the rest.
pub(crate) fn v3_plugin_of_v2_key(key: &str) -> &'static str {
    let has = |fields: &[Field]| fields.iter().any(|f| f.key == key);
    if has(IMAGES_V3) && has(CRI_V12) {
        CRI_IMAGES_ID
    } else if has(SERVER_V3) {
        CRI_GRPC_ID
    } else {
        CRI_RUNTIME_ID
    }
}

/// Whether a key of the version-2 `containerd` table (`snapshotter`, ...) moves to the top of
/// the version-3 images plugin.
pub(crate) fn moves_from_containerd_to_images(key: &str) -> bool {
    let has = |fields: &[Field]| fields.iter().any(|f| f.key == key);
    has(IMAGES_V3) && has(CONTAINERD_V12)
}

/// The CRI plugin tables of a layout (V1: `cri`; V2: `io.containerd.grpc.v1.cri`;
/// V3: runtime, images and the server-only `io.containerd.grpc.v1.cri`).
pub(crate) fn cri_plugins(layout: CriLayout) -> &'static [PluginSchema] {
    match layout {
        CriLayout::V1 => CRI_PLUGINS_V1,
        CriLayout::V2 => CRI_PLUGINS_V2,
        CriLayout::V3 => CRI_PLUGINS_V3,
    }
}

/// The releases that read a CRI plugin table of `layout`: the split v3 tables exist from
/// containerd 2.0; `cri` and `io.containerd.grpc.v1.cri` in every release.
pub(crate) fn cri_plugin_since(layout: CriLayout) -> Option<ReleaseNumber> {
    match layout {
        CriLayout::V3 => Some(V2_0),
        CriLayout::V1 | CriLayout::V2 => None,
    }
}

/// The keys of the v2 CRI table that a v3 file must not put under the server-only
/// `io.containerd.grpc.v1.cri` (everything but the server keys).
pub(crate) fn v2_cri_fields() -> &'static [Field] {
    CRI_V12
}

/// Keys of `options` for runc-based runtimes (`io.containerd.runc.v1`/`v2`).
pub(crate) fn runc_options() -> &'static [Field] {
    RUNC_OPTIONS
}

#[cfg(test)]
mod tests {
    use super::super::fields::{checks, find_field};
    use super::*;

    #[test]
    fn version_2_keys_find_their_version_3_plugin() {
        assert_eq!(v3_plugin_of_v2_key("registry"), CRI_IMAGES_ID);
        assert_eq!(
            v3_plugin_of_v2_key("max_concurrent_downloads"),
            CRI_IMAGES_ID
        );
        assert_eq!(v3_plugin_of_v2_key("stream_server_port"), CRI_GRPC_ID);
        assert_eq!(v3_plugin_of_v2_key("enable_selinux"), CRI_RUNTIME_ID);
        // `snapshotter` moves only from under `containerd`, not from the top of the table.
        assert_eq!(v3_plugin_of_v2_key("snapshotter"), CRI_RUNTIME_ID);
        assert!(moves_from_containerd_to_images("snapshotter"));
        assert!(moves_from_containerd_to_images("discard_unpacked_layers"));
        assert!(!moves_from_containerd_to_images("default_runtime_name"));
    }
    use crate::release::ContainerdRelease;

    const LAYOUTS: [CriLayout; 3] = [CriLayout::V1, CriLayout::V2, CriLayout::V3];

    #[test]
    fn tables_have_no_duplicate_keys() {
        for layout in LAYOUTS {
            for p in cri_plugins(layout) {
                checks::no_duplicate_keys(p.fields);
            }
        }
        checks::no_duplicate_keys(runc_options());
    }

    #[test]
    fn availability_ranges_are_ordered() {
        for layout in LAYOUTS {
            for p in cri_plugins(layout) {
                for fields in checks::tables(p.fields) {
                    checks::ranges_ordered(fields);
                }
            }
        }
        checks::ranges_ordered(runc_options());
    }

    #[test]
    fn layouts_put_cri_tables_where_the_facts_say() {
        assert_eq!(keys_of(CriLayout::V1), vec!["cri"]);
        assert_eq!(keys_of(CriLayout::V2), vec!["io.containerd.grpc.v1.cri"]);
        assert_eq!(
            keys_of(CriLayout::V3),
            vec![
                "io.containerd.cri.v1.images",
                "io.containerd.cri.v1.runtime",
                "io.containerd.grpc.v1.cri"
            ]
        );
        let server = &cri_plugins(CriLayout::V3)[2];
        assert!(find_field(server.fields, "sandbox_image").is_none());
        assert!(find_field(server.fields, "stream_server_port").is_some());
        assert!(find_field(CRI_V12, "sandbox_image").is_some());
    }

    fn keys_of(layout: CriLayout) -> Vec<&'static str> {
        cri_plugins(layout).iter().map(|p| p.id).collect()
    }

    #[test]
    fn availability_follows_the_release() {
        let snapshotter = find_field(RUNTIME_FIELDS, "snapshotter").unwrap();
        let target = ContainerdRelease::target;
        assert!(!snapshotter.available_in(&target("1.6.20")));
        assert!(snapshotter.available_in(&target("1.7.0")));
        assert!(snapshotter.available_in(&ContainerdRelease::default()));
    }

    /// [`is_runtime_table`] knows the runtime table by its `runtime_type` key alone.
    #[test]
    fn only_the_runtime_table_names_a_runtime_type() {
        let mut marked = Vec::new();
        for layout in LAYOUTS {
            for p in cri_plugins(layout) {
                marked.extend(
                    checks::tables(p.fields)
                        .into_iter()
                        .filter(|t| is_runtime_table(t)),
                );
            }
        }
        assert!(!marked.is_empty());
        assert!(marked.iter().all(|t| std::ptr::eq(*t, RUNTIME_FIELDS)));
        assert!(!is_runtime_table(runc_options()));
    }

    #[test]
    fn runc_options_choice_follows_runtime_type() {
        assert!(takes_runc_options(None));
        assert!(takes_runc_options(Some("io.containerd.runc.v1")));
        assert!(!takes_runc_options(Some("io.containerd.runsc.v1")));
        assert!(!takes_runc_options(Some("io.containerd.runtime.v1.linux")));
    }
}

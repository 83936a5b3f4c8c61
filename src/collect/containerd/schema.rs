//! What containerd knows: the keys of its config per config `version` and per containerd
//! release, with their types, the releases that read them, and the options it deprecated or
//! removed. Data only; [`super::inventory`] walks a parsed file against it.
//!
//! Sources (each table names its own):
//! - 1.x server config: `services/server/config/config.go` (Config, GRPCConfig, TTRPCConfig,
//!   Debug, MetricsConfig, CgroupConfig, ProxyPlugin, StreamProcessor, `v1Migrate`).
//! - 2.x server config: `cmd/containerd/server/config/config.go` (same structs; ProxyPlugin
//!   gains `exports`), the 2.3 man page `docs/man/containerd-config.toml.5.md` (version 4,
//!   `capabilities`, server plugins) and a `containerd config default` of 2.3.x (version 4).
//! - 1.x CRI: `pkg/cri/config/config.go` (PluginConfig, ContainerdConfig, Runtime, CniConfig,
//!   Registry, RegistryConfig, TLSConfig, AuthConfig, Mirror, ImageDecryption,
//!   X509KeyPairStreaming) and the `containerd config default` of the installed 1.6.20
//!   (`tests/data/containerd-1.6.20-config-default.toml`).
//! - 2.x CRI: `internal/cri/config/config.go` (RuntimeConfig, ImageConfig, ServerConfig),
//!   `plugins/cri/images/plugin.go` (`configMigration`: which v2 keys move to
//!   `io.containerd.cri.v1.images`), a 2.0-era `containerd config dump` (corpus
//!   `eks-nodeadm-e2e-containerdv2-config`) and the 2.3 `config default`.
//! - runc options: `runtime/v2/runc/options/oci.proto` (1.x) and
//!   `api/types/runc/options/oci.proto` (2.x; `criu_path` reserved, "Removed in containerd
//!   v2.0").
//! - Deprecations: migration facts CTD-CFG-007 (containerd `RELEASES.md` at each tag).
//!
//! Where the exact first release of a key could not be read at a tag, `since` is the earliest
//! release consistent with the sources read (a key absent from a 2.0 dump and present in a
//! 2.3 dump gets 2.1), so that an unverified bound never produces a false "ignored" verdict
//! for an older release; the field's comment says so.
//!
//! Key matching: containerd's TOML decoders (go-toml v1 in 1.x, v2 in 2.x) fall back to a
//! case-insensitive match of a struct field, as Go's encoding/json does. Seen with the installed
//! 1.6.20: `SANDBOX_IMAGE = "..."` under the CRI plugin shows up as `sandbox_image` in
//! `containerd config dump`. [`find_field`] matches the same way.

use crate::model::containerd::{CriLayout, RemovedOption};
use crate::release::{ContainerdRelease, ReleaseNumber};

/// The type containerd decodes a value into.
#[derive(Debug)]
pub(crate) enum Ty {
    Bool,
    Int,
    Str,
    StrList,
    /// A Go duration string (`"10s"`, `"1m30s"`).
    Duration,
    /// A table with known keys.
    Table(&'static [Field]),
    /// A table with arbitrary keys (runtime names, registry hosts), each value of this type.
    Map(&'static Ty),
    /// Anything (opaque to containerd's loader, e.g. options of a non-runc runtime).
    Any,
}

impl Ty {
    /// How a finding names the expected type ("a boolean", "a list of strings", ...).
    pub(crate) fn expected(&self) -> &'static str {
        match self {
            Ty::Bool => "a boolean",
            Ty::Int => "an integer",
            Ty::Str => "a string",
            Ty::StrList => "a list of strings",
            Ty::Duration => "a duration string such as \"10s\"",
            Ty::Table(_) | Ty::Map(_) => "a table",
            Ty::Any => "any value",
        }
    }
}

/// One key containerd reads.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) key: &'static str,
    pub(crate) ty: Ty,
    /// First release that reads it (None: every release of the layout).
    pub(crate) since: Option<ReleaseNumber>,
    /// First release that no longer reads it (None: still read).
    pub(crate) until: Option<ReleaseNumber>,
    /// Deprecation or removal details (CTD-CFG-007).
    pub(crate) deprecated: Option<&'static RemovedOption>,
}

impl Field {
    const fn new(key: &'static str, ty: Ty) -> Field {
        Field {
            key,
            ty,
            since: None,
            until: None,
            deprecated: None,
        }
    }

    const fn since(mut self, v: ReleaseNumber) -> Field {
        self.since = Some(v);
        self
    }

    const fn until(mut self, v: ReleaseNumber) -> Field {
        self.until = Some(v);
        self
    }

    const fn deprecated(mut self, r: &'static RemovedOption) -> Field {
        self.deprecated = Some(r);
        self
    }

    /// Whether `release` reads this key (true when the release is unknown).
    pub(crate) fn available_in(&self, release: &ContainerdRelease) -> bool {
        release.within(self.since, self.until)
    }
}

/// A plugin's config table.
#[derive(Debug)]
pub(crate) struct PluginSchema {
    pub(crate) id: &'static str,
    pub(crate) fields: &'static [Field],
}

/// A built-in plugin id and the releases that register it.
#[derive(Debug)]
pub(crate) struct PluginId {
    pub(crate) id: &'static str,
    pub(crate) since: Option<ReleaseNumber>,
    pub(crate) until: Option<ReleaseNumber>,
}

/// The field of `fields` that containerd decodes `key` into: the exact key, else a
/// case-insensitive match (see the module doc).
pub(crate) fn find_field<'f>(fields: &'f [Field], key: &str) -> Option<&'f Field> {
    fields
        .iter()
        .find(|f| f.key == key)
        .or_else(|| fields.iter().find(|f| f.key.eq_ignore_ascii_case(key)))
}

const fn v(major: u64, minor: u64, patch: u64) -> ReleaseNumber {
    ReleaseNumber(major, minor, patch)
}

const V1_7: ReleaseNumber = v(1, 7, 0);
const V2_0: ReleaseNumber = v(2, 0, 0);
const V2_1: ReleaseNumber = v(2, 1, 0);
const V2_3: ReleaseNumber = v(2, 3, 0);

// ---------------------------------------------------------------------------------------------
// Deprecated and removed options (migration facts CTD-CFG-007).

/// `[plugins."io.containerd.grpc.v1.cri"] systemd_cgroup`.
pub(crate) static SYSTEMD_CGROUP: RemovedOption = RemovedOption {
    option: "systemd_cgroup",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "on 1.3-1.7 the CRI plugin fails to load when it is set with a runc.v2 default runtime (`systemd_cgroup` only works for runtime io.containerd.runtime.v1.linux); on 2.x it is an unknown key and ignored",
    replacement: "containerd.runtimes.runc.options.SystemdCgroup",
    breaks: true,
};

/// `[...cri".containerd] untrusted_workload_runtime`.
pub(crate) static UNTRUSTED_WORKLOAD_RUNTIME: RemovedOption = RemovedOption {
    option: "untrusted_workload_runtime",
    deprecated_in: Some("1.2"),
    removed_in: Some("2.0"),
    effect: "ignored as an unknown key from containerd 2.0",
    replacement: "an `untrusted` runtime in `containerd.runtimes` selected with a RuntimeClass",
    breaks: false,
};

/// `[...cri".containerd] default_runtime`.
pub(crate) static DEFAULT_RUNTIME: RemovedOption = RemovedOption {
    option: "default_runtime",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "ignored as an unknown key from containerd 2.0",
    replacement: "containerd.default_runtime_name naming a runtime in containerd.runtimes",
    breaks: false,
};

/// `[...cri".containerd.runtimes.*] runtime_engine`.
pub(crate) static RUNTIME_ENGINE: RemovedOption = RemovedOption {
    option: "runtime_engine",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "on 1.x the CRI plugin fails to load when it is set on a runtime other than io.containerd.runtime.v1.linux (`runtime_engine` only works for runtime io.containerd.runtime.v1.linux); ignored from 2.0",
    replacement: "the runtime's `options` (BinaryName) with runtime_type io.containerd.runc.v2",
    breaks: true,
};

/// `[...cri".containerd.runtimes.*] runtime_root`.
pub(crate) static RUNTIME_ROOT: RemovedOption = RemovedOption {
    option: "runtime_root",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "on 1.x the CRI plugin fails to load when it is set on a runtime other than io.containerd.runtime.v1.linux (`runtime_root` only works for runtime io.containerd.runtime.v1.linux); ignored from 2.0",
    replacement: "the runtime's `options.Root`",
    breaks: true,
};

/// `[...cri"] disable_cgroup`. The facts table places it under `runtimes.*`; the sources
/// (1.x PluginConfig, 2.x RuntimeConfig) have it at the CRI plugin level only, and 2.x has no
/// such field.
pub(crate) static DISABLE_CGROUP: RemovedOption = RemovedOption {
    option: "disable_cgroup",
    deprecated_in: None,
    removed_in: Some("2.0"),
    effect: "ignored as an unknown key from containerd 2.0",
    replacement: "cgroup v2 delegation",
    breaks: false,
};

/// `[...cri".containerd] no_pivot`.
pub(crate) static NO_PIVOT: RemovedOption = RemovedOption {
    option: "no_pivot",
    deprecated_in: None,
    removed_in: Some("2.0"),
    effect: "on 1.x the CRI plugin fails to load when it is true with a default runtime other than io.containerd.runtime.v1.linux (`no_pivot` only works for runtime io.containerd.runtime.v1.linux); ignored from 2.0",
    replacement: "the runtime's `options.NoPivotRoot`",
    breaks: true,
};

/// runc `options.CriuPath`.
pub(crate) static CRIU_PATH: RemovedOption = RemovedOption {
    option: "CriuPath",
    deprecated_in: Some("1.7"),
    removed_in: Some("2.0"),
    effect: "ignored from containerd 2.0",
    replacement: "put `criu` in $PATH",
    breaks: false,
};

/// `[...cri".registry] auths`.
pub(crate) static REGISTRY_AUTHS: RemovedOption = RemovedOption {
    option: "registry.auths",
    deprecated_in: Some("1.3"),
    removed_in: None,
    effect: "still read as of containerd 2.3; removal planned (target moved from 2.0 to 2.4)",
    replacement: "imagePullSecrets, or credentials in hosts.toml-aware tooling",
    breaks: false,
};

/// `[...cri".registry] mirrors`.
pub(crate) static REGISTRY_MIRRORS: RemovedOption = RemovedOption {
    option: "registry.mirrors",
    deprecated_in: Some("1.5"),
    removed_in: None,
    effect: "still read as of containerd 2.3; removal planned (target moved from 2.0 to 2.4); cannot be combined with config_path",
    replacement: "registry.config_path with hosts.toml files",
    breaks: false,
};

/// `[...cri".registry] configs`.
pub(crate) static REGISTRY_CONFIGS: RemovedOption = RemovedOption {
    option: "registry.configs",
    deprecated_in: Some("1.5"),
    removed_in: None,
    effect: "still read as of containerd 2.3; removal planned (target moved from 2.0 to 2.4)",
    replacement: "registry.config_path with hosts.toml files",
    breaks: false,
};

/// `[...cri".registry.configs."<host>".tls]`.
pub(crate) static REGISTRY_CONFIGS_TLS: RemovedOption = RemovedOption {
    option: "registry.configs.<host>.tls",
    deprecated_in: Some("1.5"),
    removed_in: Some("2.0"),
    effect: "ignored from containerd 2.0, so pulls from that registry fail TLS verification",
    replacement: "hosts.toml `ca`, `client` and `skip_verify` under registry.config_path",
    breaks: true,
};

/// `[...cri".cni] bin_dir` (v3: `io.containerd.cri.v1.runtime`).
pub(crate) static CNI_BIN_DIR: RemovedOption = RemovedOption {
    option: "cni.bin_dir",
    deprecated_in: Some("2.1"),
    removed_in: None,
    effect: "still read; removal targeted for 2.4; setting both bin_dir and bin_dirs fails (`cni.bin_dir` and `cni.bin_dirs` cannot be set at the same time)",
    replacement: "cni.bin_dirs",
    breaks: false,
};

/// `enable_cdi` (v3 runtime).
pub(crate) static ENABLE_CDI: RemovedOption = RemovedOption {
    option: "enable_cdi",
    deprecated_in: Some("2.2"),
    removed_in: None,
    effect: "still read; removal targeted for 2.4 (CDI is always on)",
    replacement: "remove the key",
    breaks: false,
};

/// Top-level `plugin_dir` (Go plugins).
pub(crate) static PLUGIN_DIR: RemovedOption = RemovedOption {
    option: "plugin_dir",
    deprecated_in: Some("2.0"),
    removed_in: Some("2.1"),
    effect: "Go plugins are no longer loaded from containerd 2.1",
    replacement: "proxy plugins or external binary plugins",
    breaks: false,
};

// ---------------------------------------------------------------------------------------------
// Top level. Source: `services/server/config/config.go` (1.x), `cmd/containerd/server/config/
// config.go` (2.x), 1.6.20 `config default`, 2.3 man page and `config default` (version 4).

static GRPC_FIELDS: &[Field] = &[
    Field::new("address", Ty::Str),
    Field::new("tcp_address", Ty::Str),
    Field::new("tcp_tls_ca", Ty::Str),
    Field::new("tcp_tls_cert", Ty::Str),
    Field::new("tcp_tls_key", Ty::Str),
    Field::new("uid", Ty::Int),
    Field::new("gid", Ty::Int),
    Field::new("max_recv_message_size", Ty::Int),
    Field::new("max_send_message_size", Ty::Int),
];

static TTRPC_FIELDS: &[Field] = &[
    Field::new("address", Ty::Str),
    Field::new("uid", Ty::Int),
    Field::new("gid", Ty::Int),
];

static DEBUG_FIELDS: &[Field] = &[
    Field::new("address", Ty::Str),
    Field::new("uid", Ty::Int),
    Field::new("gid", Ty::Int),
    Field::new("level", Ty::Str),
    Field::new("format", Ty::Str),
    // In the 2.3 `config default`, absent from the 2.0 dump: earliest consistent 2.1.
    Field::new("log_trace_id", Ty::Bool).since(V2_1),
];

/// `[debug]` of a version-4 file: the listener settings moved to `io.containerd.server.v1.debug`.
static DEBUG_FIELDS_V4: &[Field] = &[
    Field::new("level", Ty::Str),
    Field::new("format", Ty::Str),
    Field::new("log_trace_id", Ty::Bool),
];

static METRICS_FIELDS: &[Field] = &[
    Field::new("address", Ty::Str),
    Field::new("grpc_histogram", Ty::Bool),
];

static CGROUP_FIELDS: &[Field] = &[Field::new("path", Ty::Str)];

static PROXY_PLUGIN_FIELDS: &[Field] = &[
    Field::new("type", Ty::Str),
    Field::new("address", Ty::Str),
    Field::new("platform", Ty::Str),
    Field::new("exports", Ty::Map(&Ty::Str)).since(V2_0),
    // Listed by the 2.3 man page, absent from the 2.0-era struct: earliest consistent 2.1.
    Field::new("capabilities", Ty::StrList).since(V2_1),
];
static PROXY_PLUGIN_TY: Ty = Ty::Table(PROXY_PLUGIN_FIELDS);

static STREAM_PROCESSOR_FIELDS: &[Field] = &[
    Field::new("accepts", Ty::StrList),
    Field::new("returns", Ty::Str),
    Field::new("path", Ty::Str),
    Field::new("args", Ty::StrList),
    Field::new("env", Ty::StrList),
];
static STREAM_PROCESSOR_TY: Ty = Ty::Table(STREAM_PROCESSOR_FIELDS);

/// Name of the top-level table holding plugin configs; the inventory walks it against
/// [`cri_plugins`] and [`other_plugins`].
pub(crate) const PLUGINS_KEY: &str = "plugins";

static TOP_LEVEL: &[Field] = &[
    Field::new("version", Ty::Int),
    Field::new("root", Ty::Str),
    Field::new("state", Ty::Str),
    Field::new("temp", Ty::Str),
    Field::new("plugin_dir", Ty::Str)
        .until(V2_1)
        .deprecated(&PLUGIN_DIR),
    Field::new("grpc", Ty::Table(GRPC_FIELDS)),
    Field::new("ttrpc", Ty::Table(TTRPC_FIELDS)),
    Field::new("debug", Ty::Table(DEBUG_FIELDS)),
    Field::new("metrics", Ty::Table(METRICS_FIELDS)),
    Field::new("disabled_plugins", Ty::StrList),
    Field::new("required_plugins", Ty::StrList),
    Field::new(PLUGINS_KEY, Ty::Any),
    Field::new("oom_score", Ty::Int),
    Field::new("cgroup", Ty::Table(CGROUP_FIELDS)),
    Field::new("proxy_plugins", Ty::Map(&PROXY_PLUGIN_TY)),
    Field::new("timeouts", Ty::Map(&Ty::Duration)),
    Field::new("imports", Ty::StrList),
    Field::new("stream_processors", Ty::Map(&STREAM_PROCESSOR_TY)),
];

/// Version 4 (containerd 2.3+): `[grpc]`, `[ttrpc]`, `[metrics]` and the `[debug]` listener
/// moved into server plugins ([`v4_moved_keys`]); `plugin_dir` is gone (2.1).
static TOP_LEVEL_V4: &[Field] = &[
    Field::new("version", Ty::Int),
    Field::new("root", Ty::Str),
    Field::new("state", Ty::Str),
    Field::new("temp", Ty::Str),
    Field::new("plugin_dir", Ty::Str)
        .until(V2_1)
        .deprecated(&PLUGIN_DIR),
    Field::new("debug", Ty::Table(DEBUG_FIELDS_V4)),
    Field::new("disabled_plugins", Ty::StrList),
    Field::new("required_plugins", Ty::StrList),
    Field::new(PLUGINS_KEY, Ty::Any),
    Field::new("oom_score", Ty::Int),
    Field::new("cgroup", Ty::Table(CGROUP_FIELDS)),
    Field::new("proxy_plugins", Ty::Map(&PROXY_PLUGIN_TY)),
    Field::new("timeouts", Ty::Map(&Ty::Duration)),
    Field::new("imports", Ty::StrList),
    Field::new("stream_processors", Ty::Map(&STREAM_PROCESSOR_TY)),
];

/// Top-level keys for a config version.
pub(crate) fn top_level(config_version: i64) -> &'static [Field] {
    if config_version >= 4 {
        TOP_LEVEL_V4
    } else {
        TOP_LEVEL
    }
}

/// Where version 4 reads what earlier versions read from a top-level table:
/// `(table, key, new path)`; the key `""` stands for the table itself. Source: the 2.3 man
/// page ("[grpc] (deprecated in version 4) ... use the server plugins") and the 2.3
/// `config default`; facts §0.1.
pub(crate) fn v4_moved_keys() -> &'static [(&'static str, &'static str, &'static str)] {
    &[
        ("grpc", "", "plugins.\"io.containerd.server.v1.grpc\""),
        (
            "grpc",
            "address",
            "plugins.\"io.containerd.server.v1.grpc\".address",
        ),
        (
            "grpc",
            "uid",
            "plugins.\"io.containerd.server.v1.grpc\".uid",
        ),
        (
            "grpc",
            "gid",
            "plugins.\"io.containerd.server.v1.grpc\".gid",
        ),
        (
            "grpc",
            "max_recv_message_size",
            "plugins.\"io.containerd.server.v1.grpc\".max_recv_message_size",
        ),
        (
            "grpc",
            "max_send_message_size",
            "plugins.\"io.containerd.server.v1.grpc\".max_send_message_size",
        ),
        (
            "grpc",
            "tcp_address",
            "plugins.\"io.containerd.server.v1.grpc-tcp\".address",
        ),
        (
            "grpc",
            "tcp_tls_ca",
            "plugins.\"io.containerd.server.v1.grpc-tcp\".tls_ca",
        ),
        (
            "grpc",
            "tcp_tls_cert",
            "plugins.\"io.containerd.server.v1.grpc-tcp\".tls_cert",
        ),
        (
            "grpc",
            "tcp_tls_key",
            "plugins.\"io.containerd.server.v1.grpc-tcp\".tls_key",
        ),
        ("ttrpc", "", "plugins.\"io.containerd.server.v1.ttrpc\""),
        (
            "ttrpc",
            "address",
            "plugins.\"io.containerd.server.v1.ttrpc\".address",
        ),
        (
            "ttrpc",
            "uid",
            "plugins.\"io.containerd.server.v1.ttrpc\".uid",
        ),
        (
            "ttrpc",
            "gid",
            "plugins.\"io.containerd.server.v1.ttrpc\".gid",
        ),
        (
            "debug",
            "address",
            "plugins.\"io.containerd.server.v1.debug\".address",
        ),
        (
            "debug",
            "uid",
            "plugins.\"io.containerd.server.v1.debug\".uid",
        ),
        (
            "debug",
            "gid",
            "plugins.\"io.containerd.server.v1.debug\".gid",
        ),
        ("metrics", "", "plugins.\"io.containerd.server.v1.metrics\""),
        (
            "metrics",
            "address",
            "plugins.\"io.containerd.server.v1.metrics\".address",
        ),
        (
            "metrics",
            "grpc_histogram",
            "plugins.\"io.containerd.metrics.v1.grpc-prometheus\".grpc_histogram",
        ),
    ]
}

/// The fields a moved top-level table had (to judge its children in a version-4 file).
pub(crate) fn pre_v4_table(key: &str) -> Option<&'static [Field]> {
    match key {
        "grpc" => Some(GRPC_FIELDS),
        "ttrpc" => Some(TTRPC_FIELDS),
        "debug" => Some(DEBUG_FIELDS),
        "metrics" => Some(METRICS_FIELDS),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// CRI. Sources: `pkg/cri/config/config.go` (1.6/1.7 era), `internal/cri/config/config.go`
// (2.0 and 2.1 era), `plugins/cri/images/plugin.go` (2.0), 1.6.20 `config default`, the 2.0-era
// dump and the 2.3 `config default`.

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
pub(crate) fn is_runtime_table(fields: &[Field]) -> bool {
    std::ptr::eq(fields, RUNTIME_FIELDS)
}

/// Whether a runtime with this `runtime_type` (None: not written) takes runc options.
/// containerd's CRI plugin decodes the options of runc.v1/v2 into the runc options struct;
/// an absent type is the default runc runtime.
pub(crate) fn takes_runc_options(runtime_type: Option<&str>) -> bool {
    matches!(
        runtime_type,
        None | Some("" | "io.containerd.runc.v2" | "io.containerd.runc.v1")
    )
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

// ---------------------------------------------------------------------------------------------
// Other built-in plugins (tables accepted, contents opaque).
//
// Short v1 names: the `corePlugins` map of `v1Migrate` in the server config (1.x and 2.x) plus
// the `*-service` names it maps to `io.containerd.service.v1.*`; 1.x looks v1 tables up by the
// plugin's short ID. Fully qualified ids: 1.6.20 `config default`, the 2.0-era dump, the 2.3
// `config default` and man page.

macro_rules! plugin_ids {
    ($list:ident, $names:ident: $(($id:expr, $since:expr, $until:expr)),* $(,)?) => {
        static $list: &[PluginId] = &[$(PluginId { id: $id, since: $since, until: $until }),*];
        static $names: &[&str] = &[$($id),*];
    };
}

plugin_ids!(OTHER_V1, OTHER_V1_NAMES:
    ("cgroups", None, None),
    ("linux", None, Some(V2_0)),
    ("scheduler", None, None),
    ("bolt", None, None),
    ("task", None, None),
    ("opt", None, None),
    ("restart", None, None),
    ("tracing", None, None),
    ("otlp", None, None),
    ("aufs", None, Some(V2_0)),
    ("btrfs", None, None),
    ("devmapper", None, None),
    ("native", None, None),
    ("overlayfs", None, None),
    ("zfs", None, None),
    ("diff-service", None, None),
    ("tasks-service", None, None),
    ("containers-service", None, None),
    ("content-service", None, None),
    ("images-service", None, None),
    ("leases-service", None, None),
    ("namespaces-service", None, None),
    ("snapshots-service", None, None),
    ("introspection-service", None, None),
);

plugin_ids!(OTHER_QUALIFIED, OTHER_QUALIFIED_NAMES:
    ("io.containerd.gc.v1.scheduler", None, None),
    ("io.containerd.internal.v1.opt", None, None),
    ("io.containerd.internal.v1.restart", None, Some(V2_0)),
    ("io.containerd.internal.v1.tracing", None, None),
    ("io.containerd.tracing.processor.v1.otlp", None, None),
    ("io.containerd.metadata.v1.bolt", None, None),
    ("io.containerd.monitor.v1.cgroups", None, Some(V2_0)),
    ("io.containerd.runtime.v1.linux", None, Some(V2_0)),
    ("io.containerd.runtime.v2.task", None, None),
    ("io.containerd.service.v1.diff-service", None, None),
    ("io.containerd.service.v1.tasks-service", None, None),
    ("io.containerd.snapshotter.v1.aufs", None, Some(V2_0)),
    ("io.containerd.snapshotter.v1.btrfs", None, None),
    ("io.containerd.snapshotter.v1.devmapper", None, None),
    ("io.containerd.snapshotter.v1.native", None, None),
    ("io.containerd.snapshotter.v1.overlayfs", None, None),
    ("io.containerd.snapshotter.v1.zfs", None, None),
    // Absent from 1.6.20, present in the 2.0 dump; 1.7 introduced NRI and the transfer
    // service: earliest consistent 1.7.
    ("io.containerd.nri.v1.nri", Some(V1_7), None),
    ("io.containerd.transfer.v1.local", Some(V1_7), None),
    ("io.containerd.snapshotter.v1.blockfile", Some(V1_7), None),
    ("io.containerd.image-verifier.v1.bindir", Some(V1_7), None),
    // 2.0 renames and additions (2.0-era dump).
    ("io.containerd.monitor.container.v1.restart", Some(V2_0), None),
    ("io.containerd.monitor.task.v1.cgroups", Some(V2_0), None),
    ("io.containerd.shim.v1.manager", Some(V2_0), None),
    // erofs: in the 2.3 `config default`, absent from the 2.0 dump: 2.1.
    ("io.containerd.differ.v1.erofs", Some(V2_1), None),
    ("io.containerd.snapshotter.v1.erofs", Some(V2_1), None),
    ("io.containerd.mount-handler.v1.erofs", Some(V2_1), None),
    // Version 4 server plugins (2.3).
    ("io.containerd.server.v1.grpc", Some(V2_3), None),
    ("io.containerd.server.v1.grpc-tcp", Some(V2_3), None),
    ("io.containerd.server.v1.ttrpc", Some(V2_3), None),
    ("io.containerd.server.v1.debug", Some(V2_3), None),
    ("io.containerd.server.v1.metrics", Some(V2_3), None),
    ("io.containerd.metrics.v1.grpc-prometheus", Some(V2_3), None),
);

/// Built-in plugin ids other than CRI whose tables containerd accepts (contents opaque).
pub(crate) fn other_plugin_ids(layout: CriLayout) -> &'static [&'static str] {
    match layout {
        CriLayout::V1 => OTHER_V1_NAMES,
        CriLayout::V2 | CriLayout::V3 => OTHER_QUALIFIED_NAMES,
    }
}

/// [`other_plugin_ids`] with the releases that register each plugin.
pub(crate) fn other_plugins(layout: CriLayout) -> &'static [PluginId] {
    match layout {
        CriLayout::V1 => OTHER_V1,
        CriLayout::V2 | CriLayout::V3 => OTHER_QUALIFIED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.key).collect()
    }

    #[test]
    fn tables_have_no_duplicate_keys() {
        fn check(fields: &'static [Field], seen: &mut Vec<*const Field>) {
            let mut names = keys(fields);
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "duplicate key in {:?}", keys(fields));
            for f in fields {
                let inner = match &f.ty {
                    Ty::Table(fs) => Some(*fs),
                    Ty::Map(Ty::Table(fs)) => Some(*fs),
                    _ => None,
                };
                if let Some(fs) = inner
                    && !seen.contains(&fs.as_ptr())
                {
                    seen.push(fs.as_ptr());
                    check(fs, seen);
                }
            }
        }
        let mut seen = Vec::new();
        for version in 1..=4 {
            check(top_level(version), &mut seen);
        }
        for layout in [CriLayout::V1, CriLayout::V2, CriLayout::V3] {
            for p in cri_plugins(layout) {
                check(p.fields, &mut seen);
            }
        }
        check(runc_options(), &mut seen);
    }

    #[test]
    fn availability_ranges_are_ordered() {
        fn check(fields: &[Field]) {
            for f in fields {
                if let (Some(s), Some(u)) = (f.since, f.until) {
                    assert!(s < u, "{}: since {s} not before until {u}", f.key);
                }
            }
        }
        for version in 1..=4 {
            check(top_level(version));
        }
        for layout in [CriLayout::V1, CriLayout::V2, CriLayout::V3] {
            for p in cri_plugins(layout) {
                check(p.fields);
            }
            for p in other_plugins(layout) {
                if let (Some(s), Some(u)) = (p.since, p.until) {
                    assert!(s < u, "{}", p.id);
                }
            }
            let names: Vec<_> = other_plugins(layout).iter().map(|p| p.id).collect();
            assert_eq!(names, other_plugin_ids(layout));
        }
        check(runc_options());
    }

    #[test]
    fn removed_options_carry_parsable_versions() {
        for r in [
            &SYSTEMD_CGROUP,
            &UNTRUSTED_WORKLOAD_RUNTIME,
            &DEFAULT_RUNTIME,
            &RUNTIME_ENGINE,
            &RUNTIME_ROOT,
            &DISABLE_CGROUP,
            &NO_PIVOT,
            &CRIU_PATH,
            &REGISTRY_AUTHS,
            &REGISTRY_MIRRORS,
            &REGISTRY_CONFIGS,
            &REGISTRY_CONFIGS_TLS,
            &CNI_BIN_DIR,
            &ENABLE_CDI,
            &PLUGIN_DIR,
        ] {
            for text in [r.deprecated_in, r.removed_in].into_iter().flatten() {
                assert!(ReleaseNumber::parse(text).is_some(), "{}: {text}", r.option);
            }
            assert!(
                r.deprecated_in.is_some() || r.removed_in.is_some(),
                "{}",
                r.option
            );
        }
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
    fn field_lookup_falls_back_to_case_insensitive() {
        assert_eq!(
            find_field(runc_options(), "systemdcgroup").map(|f| f.key),
            Some("SystemdCgroup")
        );
        assert_eq!(
            find_field(CRI_V12, "SANDBOX_IMAGE").map(|f| f.key),
            Some("sandbox_image")
        );
        assert!(find_field(runc_options(), "SystemCgroup").is_none());
    }

    #[test]
    fn availability_and_removal_follow_the_release() {
        let snapshotter = find_field(RUNTIME_FIELDS, "snapshotter").unwrap();
        let target = ContainerdRelease::target;
        let unknown = ContainerdRelease::default();
        assert!(!snapshotter.available_in(&target("1.6.20")));
        assert!(snapshotter.available_in(&target("1.7.0")));
        assert!(snapshotter.available_in(&unknown));
        assert!(target("1.7.0").has_deprecated(&CRIU_PATH));
        assert!(!target("1.6.20").has_deprecated(&CRIU_PATH));
        assert!(!target("1.7.5").has_deprecated(&DISABLE_CGROUP));
        assert!(target("2.0.0").has_deprecated(&DISABLE_CGROUP));
        assert!(unknown.has_deprecated(&SYSTEMD_CGROUP));
    }

    #[test]
    fn runc_options_choice_follows_runtime_type() {
        assert!(takes_runc_options(None));
        assert!(takes_runc_options(Some("io.containerd.runc.v1")));
        assert!(!takes_runc_options(Some("io.containerd.runsc.v1")));
        assert!(!takes_runc_options(Some("io.containerd.runtime.v1.linux")));
    }
}

//! The top-level (server) keys of config.toml: `[grpc]`, `[ttrpc]`, `[debug]`, `[metrics]`,
//! `[cgroup]`, proxy plugins and stream processors, per config version. Sources:
//! `services/server/config/config.go` (1.x), `cmd/containerd/server/config/config.go` (2.x),
//! the 1.6.20 `config default`, the 2.3 man page and `config default` (version 4).

use super::fields::{Field, Ty, V2_0, V2_1};
use super::removed::PLUGIN_DIR;

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
/// [`super::cri_plugins`] and [`super::other_plugins`].
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

#[cfg(test)]
mod tests {
    use super::super::fields::checks;
    use super::*;

    #[test]
    fn tables_have_no_duplicate_keys() {
        for version in 1..=4 {
            checks::no_duplicate_keys(top_level(version));
        }
    }

    #[test]
    fn availability_ranges_are_ordered() {
        for version in 1..=4 {
            for fields in checks::tables(top_level(version)) {
                checks::ranges_ordered(fields);
            }
        }
    }
}

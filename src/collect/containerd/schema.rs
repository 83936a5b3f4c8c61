//! What containerd knows: the keys of its config per config `version` and per containerd
//! release, with their types, the releases that read them, and the options it deprecated or
//! removed. Data only; [`super::inventory`] walks a parsed file against it.

use crate::model::containerd::{CriLayout, RemovedOption};

/// A containerd release (`major.minor.patch`), for availability ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ver(pub u64, pub u64, pub u64);

impl Ver {
    pub fn of(v: &crate::model::Version) -> Ver {
        Ver(v.major, v.minor, v.patch)
    }
}

/// The type containerd decodes a value into.
#[derive(Debug)]
pub enum Ty {
    Bool,
    Int,
    Float,
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

/// One key containerd reads.
#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub ty: Ty,
    /// First release that reads it (None: every release of the layout).
    pub since: Option<Ver>,
    /// First release that no longer reads it (None: still read).
    pub until: Option<Ver>,
    /// Deprecation or removal details (CTD-CFG-007).
    pub deprecated: Option<&'static RemovedOption>,
}

/// A plugin's config table.
#[derive(Debug)]
pub struct PluginSchema {
    pub id: &'static str,
    pub fields: &'static [Field],
}

/// Top-level keys for a config version.
pub fn top_level(_config_version: i64) -> &'static [Field] {
    &[]
}

/// The CRI plugin tables of a layout (V1: `cri`; V2: `io.containerd.grpc.v1.cri`;
/// V3: runtime, images and the server-only `io.containerd.grpc.v1.cri`).
pub fn cri_plugins(_layout: CriLayout) -> &'static [PluginSchema] {
    &[]
}

/// Built-in plugin ids other than CRI whose tables containerd accepts (contents opaque).
pub fn other_plugin_ids(_layout: CriLayout) -> &'static [&'static str] {
    &[]
}

/// Keys of `options` for runc-based runtimes (`io.containerd.runc.v1`/`v2`).
pub fn runc_options() -> &'static [Field] {
    &[]
}

/// containerd's default sandbox image at a release.
pub fn default_sandbox_image(v: Ver) -> &'static str {
    match v {
        Ver(1, 6, p) if p < 10 => "k8s.gcr.io/pause:3.6",
        Ver(1, 6, _) => "registry.k8s.io/pause:3.6",
        Ver(1, 7, _) => "registry.k8s.io/pause:3.8",
        Ver(2, 0 | 1, _) => "registry.k8s.io/pause:3.10",
        Ver(2, 2, _) => "registry.k8s.io/pause:3.10.1",
        Ver(2, _, _) => "registry.k8s.io/pause:3.10.2",
        Ver(1, 5, _) => "k8s.gcr.io/pause:3.5",
        _ => "registry.k8s.io/pause:3.6",
    }
}

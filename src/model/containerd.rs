//! containerd's configuration, normalized across config versions 1 to 4.
//!
//! The same setting lives at different TOML paths per `version` (v1 `plugins.cri`, v2
//! `plugins."io.containerd.grpc.v1.cri"`, v3/v4 split into `io.containerd.cri.v1.runtime` and
//! `io.containerd.cri.v1.images`). The collector reads whichever layout the file uses and
//! fills this one model; rules never look at raw TOML. Every setting also carries its
//! *effective* value: what containerd will really use, with defaults per containerd version.

use super::endpoint::Endpoint;
use super::input::Effective;
use super::source::{FileId, Span, Spanned};
use super::toml_path::TomlPath;

/// containerd's merged configuration: the main file and its imports.
#[derive(Clone, Debug)]
pub(crate) struct ContainerdConfig {
    /// Host path of the main file.
    pub(crate) path: String,
    /// Every file loaded, main file first, in containerd's load order.
    pub(crate) files: Vec<ConfigFile>,
    /// The effective config version (after imports are merged).
    pub(crate) version: ConfigVersion,
    pub(crate) disabled_plugins: Vec<Spanned<String>>,
    pub(crate) required_plugins: Vec<Spanned<String>>,
    /// The socket containerd serves (`[grpc] address`, v4: `io.containerd.server.v1.grpc`).
    pub(crate) grpc_address: Effective<Endpoint>,
    pub(crate) cri: CriConfig,
    /// Every key present, and what containerd makes of it.
    pub(crate) keys: Vec<KeyEntry>,
    /// Plugin tables an import replaced entirely (containerd does not merge them).
    pub(crate) replaced_tables: Vec<ReplacedTable>,
    /// What containerd will do with this config: start or not, load CRI or not.
    pub(crate) outcome: Outcome,
}

impl ContainerdConfig {
    /// The CRI layout the config is written in: the one its `version` selects (what a fix
    /// writes, whatever the release reads).
    pub(crate) fn written_layout(&self) -> CriLayout {
        CriLayout::for_version(self.version.value)
    }

    /// The `version` a file of the config declares (1 when it has none: containerd treats 0
    /// and 1 alike).
    pub(crate) fn file_version(&self, file: FileId) -> i64 {
        self.files
            .iter()
            .find(|f| f.file == file)
            .and_then(|f| f.version.as_ref())
            .map_or(1, |v| v.value.max(1))
    }
}

/// One file of the merged config.
#[derive(Clone, Debug)]
pub(crate) struct ConfigFile {
    pub(crate) path: String,
    pub(crate) file: FileId,
    /// The `version` key of this file, if written.
    pub(crate) version: Option<Spanned<i64>>,
    /// The `imports` entry that pulled this file in (None for the main file).
    pub(crate) imported_by: Option<Span>,
}

/// The `version` header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ConfigVersion {
    /// 1 when absent (containerd treats 0 and 1 alike).
    pub(crate) value: i64,
    /// Where it was written; None when there is no header.
    pub(crate) span: Option<Span>,
}

impl ConfigVersion {
    pub(crate) fn is_explicit(&self) -> bool {
        self.span.is_some()
    }
}

/// A plugin table that a later file (an import) replaced: every key of the earlier table is
/// lost, not only the ones the later file sets.
#[derive(Clone, Debug)]
pub(crate) struct ReplacedTable {
    pub(crate) plugin: String,
    /// The header of the table that was lost.
    pub(crate) lost: Span,
    /// The header of the table that replaced it.
    pub(crate) by: Span,
}

/// Which CRI table layout the version header selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CriLayout {
    /// `version = 1` or no header: `[plugins.cri]`.
    V1,
    /// `version = 2`: `[plugins."io.containerd.grpc.v1.cri"]`.
    V2,
    /// `version = 3` or `4`: `io.containerd.cri.v1.runtime` / `io.containerd.cri.v1.images`.
    V3,
}

impl CriLayout {
    pub(crate) fn for_version(version: i64) -> CriLayout {
        match version {
            ..=1 => CriLayout::V1,
            2 => CriLayout::V2,
            _ => CriLayout::V3,
        }
    }

    /// TOML path of the table holding runtimes, for fix texts.
    pub(crate) fn runtime_table(self) -> &'static str {
        match self {
            CriLayout::V1 => "plugins.cri.containerd",
            CriLayout::V2 => "plugins.\"io.containerd.grpc.v1.cri\".containerd",
            CriLayout::V3 => "plugins.'io.containerd.cri.v1.runtime'.containerd",
        }
    }

    /// The same table as segments, for edits.
    pub(crate) fn runtime_table_path(self) -> TomlPath {
        self.cri_path("io.containerd.cri.v1.runtime", &["containerd"])
    }

    /// The registry table as segments, for edits.
    pub(crate) fn registry_table_path(self) -> TomlPath {
        self.cri_path("io.containerd.cri.v1.images", &["registry"])
    }

    /// `plugins.<the CRI plugin>.<below>`: `cri` (V1), `io.containerd.grpc.v1.cri` (V2), or
    /// the version 3 plugin `v3_plugin` that holds the setting.
    fn cri_path(self, v3_plugin: &str, below: &[&str]) -> TomlPath {
        let plugin = match self {
            CriLayout::V1 => "cri",
            CriLayout::V2 => "io.containerd.grpc.v1.cri",
            CriLayout::V3 => v3_plugin,
        };
        let head = ["plugins", plugin];
        TomlPath::new(head.iter().chain(below).map(|s| (*s).to_owned()).collect())
    }

    /// TOML path of the registry table.
    pub(crate) fn registry_table(self) -> &'static str {
        match self {
            CriLayout::V1 => "plugins.cri.registry",
            CriLayout::V2 => "plugins.\"io.containerd.grpc.v1.cri\".registry",
            CriLayout::V3 => "plugins.'io.containerd.cri.v1.images'.registry",
        }
    }

    /// The same key as segments, for edits.
    pub(crate) fn sandbox_path(self) -> TomlPath {
        match self {
            CriLayout::V3 => {
                self.cri_path("io.containerd.cri.v1.images", &["pinned_images", "sandbox"])
            }
            _ => self.cri_path("", &["sandbox_image"]),
        }
    }

    /// TOML path and key of the sandbox image.
    pub(crate) fn sandbox_key(self) -> &'static str {
        match self {
            CriLayout::V1 => "plugins.cri.sandbox_image",
            CriLayout::V2 => "plugins.\"io.containerd.grpc.v1.cri\".sandbox_image",
            CriLayout::V3 => "plugins.'io.containerd.cri.v1.images'.pinned_images.sandbox",
        }
    }
}

/// The CRI plugin's settings, whatever the layout.
#[derive(Clone, Debug)]
pub(crate) struct CriConfig {
    pub(crate) layout: CriLayout,
    /// 1.x: `untrusted_workload_runtime` set while `runtimes.untrusted` also exists (the CRI
    /// plugin refuses both); the legacy table's header.
    pub(crate) legacy_conflict: Option<Span>,
    /// CRI tables present in the files (header spans), of any layout.
    pub(crate) tables: Vec<Spanned<String>>,
    pub(crate) default_runtime_name: Effective<String>,
    pub(crate) runtimes: Vec<Runtime>,
    /// Plugin-level `systemd_cgroup` (removed in 2.0; on 1.x only valid for the v1 runtime).
    pub(crate) legacy_systemd_cgroup: Option<Spanned<bool>>,
    pub(crate) sandbox_image: Effective<String>,
    pub(crate) registry: Registry,
    pub(crate) cni: Cni,
    pub(crate) snapshotter: Effective<String>,
}

impl CriConfig {
    pub(crate) fn runtime(&self, name: &str) -> Option<&Runtime> {
        self.runtimes.iter().find(|r| r.name == name)
    }

    /// The runtimes the config defines (`runtimes.<name>` tables), not containerd's built-in
    /// runc.
    pub(crate) fn defined_runtimes(&self) -> impl Iterator<Item = &Runtime> {
        self.runtimes.iter().filter(|r| r.defined_at.is_some())
    }

    /// The runtime `default_runtime_name` designates, if it is defined.
    pub(crate) fn default_runtime(&self) -> Option<&Runtime> {
        self.runtime(&self.default_runtime_name.value)
    }
}

/// The runc shims' runtime types: v2 is the default runtime's, v1 was deprecated in 1.4 and
/// removed in 2.0 (containerd RELEASES.md).
pub(crate) const RUNC_V2: &str = "io.containerd.runc.v2";
pub(crate) const RUNC_V1: &str = "io.containerd.runc.v1";

/// Whether a runtime type is one of the runc shims, which the CRI plugin decodes `options`
/// (SystemdCgroup, BinaryName, ...) for.
pub(crate) fn is_runc_shim(runtime_type: &str) -> bool {
    runtime_type == RUNC_V2 || runtime_type == RUNC_V1
}

/// One `runtimes.<name>` table.
#[derive(Clone, Debug)]
pub(crate) struct Runtime {
    pub(crate) name: String,
    /// The table header's key, None for containerd's built-in runc runtime (no
    /// `runtimes` table written).
    pub(crate) defined_at: Option<Span>,
    pub(crate) runtime_type: Effective<String>,
    /// The `options` table, if present.
    pub(crate) options: Option<Span>,
    /// Effective `options.SystemdCgroup` (false when absent or misplaced).
    pub(crate) systemd_cgroup: Effective<bool>,
    pub(crate) binary_name: Option<Spanned<String>>,
    /// `base_runtime_spec`: an OCI spec file the CRI plugin loads at start.
    pub(crate) base_runtime_spec: Option<Spanned<String>>,
    /// Whether that file exists on the node (None when not checked).
    pub(crate) base_runtime_spec_found: Option<bool>,
}

impl Runtime {
    /// runc-based handlers take `SystemdCgroup` in their options.
    pub(crate) fn is_runc_based(&self) -> bool {
        is_runc_shim(&self.runtime_type.value)
    }
}

/// The CRI registry table.
#[derive(Clone, Debug)]
pub(crate) struct Registry {
    /// The registry table itself, if written.
    pub(crate) table: Option<Span>,
    /// Effective `config_path`: colon-separated hosts.toml roots ("" = none).
    pub(crate) config_path: Effective<String>,
    pub(crate) mirrors: Vec<Mirror>,
    pub(crate) configs: Vec<RegistryHostConfig>,
    /// `auths` entries (deprecated since 1.3), keyed by host.
    pub(crate) auths: Vec<RegistryAuth>,
}

impl Registry {
    /// The config_path roots, split as containerd splits them.
    pub(crate) fn config_path_roots(&self) -> Vec<&str> {
        self.config_path
            .value
            .split(':')
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// `registry.mirrors."<host>"`.
#[derive(Clone, Debug)]
pub(crate) struct Mirror {
    pub(crate) host: Spanned<String>,
    pub(crate) endpoints: Vec<Spanned<String>>,
}

/// `registry.configs."<host>"`.
#[derive(Clone, Debug)]
pub(crate) struct RegistryHostConfig {
    pub(crate) host: Spanned<String>,
    pub(crate) tls: Option<RegistryTls>,
    pub(crate) auth: Option<RegistryAuth>,
}

/// `registry.configs."<host>".tls`.
#[derive(Clone, Debug)]
pub(crate) struct RegistryTls {
    pub(crate) table: Span,
    pub(crate) insecure_skip_verify: Option<Spanned<bool>>,
    pub(crate) ca_file: Option<Spanned<String>>,
    pub(crate) cert_file: Option<Spanned<String>>,
    pub(crate) key_file: Option<Spanned<String>>,
}

/// Credentials in config.toml. Values are never kept: only which fields are set and where.
#[derive(Clone, Debug)]
pub(crate) struct RegistryAuth {
    pub(crate) host: Spanned<String>,
    pub(crate) table: Span,
    /// Non-empty credential fields (`username`, `password`, `auth`, `identitytoken`).
    pub(crate) fields: Vec<Spanned<String>>,
}

/// CNI settings of the CRI plugin.
#[derive(Clone, Debug)]
pub(crate) struct Cni {
    pub(crate) bin_dir: Effective<String>,
    pub(crate) bin_dirs: Option<Spanned<Vec<String>>>,
    pub(crate) conf_dir: Effective<String>,
}

/// One key present in the config, with its verdict.
#[derive(Clone, Debug)]
pub(crate) struct KeyEntry {
    /// The key's path as containerd reads it, written
    /// `plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.SystemdCgroup`.
    pub(crate) path: TomlPath,
    /// The key itself (for a table, its header key).
    pub(crate) key: Span,
    /// The value (for a table, the whole header).
    pub(crate) value: Span,
    /// The value is one containerd decodes as unset (`false`, `""`, an empty table, ...): the
    /// release behaves as if the key were not written.
    pub(crate) zero_value: bool,
    pub(crate) status: KeyStatus,
}

impl KeyEntry {
    /// The plugin whose table holds the key (`plugins.<id>.…`), if one does.
    pub(crate) fn plugin(&self) -> Option<&str> {
        match self.path.segments() {
            [plugins, id, _, ..] if plugins == "plugins" => Some(id),
            _ => None,
        }
    }

    /// Whether the key is inside an `options` table (a runtime's shim options).
    pub(crate) fn in_options(&self) -> bool {
        let s = self.path.segments();
        s.len() > 2 && s[1..s.len() - 1].iter().any(|k| k == "options")
    }
}

/// Keeps only the outermost entries: an entry below another kept entry adds nothing (a
/// wrong-schema table reports once, not once per key inside it).
pub(crate) fn outermost<'e>(entries: &[&'e KeyEntry]) -> Vec<&'e KeyEntry> {
    entries
        .iter()
        .filter(|e| {
            !entries
                .iter()
                .any(|other| other.key.file == e.key.file && e.path.is_under(&other.path))
        })
        .copied()
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KeyStatus {
    Known,
    /// Not in the schema of this version; `suggestion` is the closest known key.
    Unknown {
        suggestion: Option<String>,
    },
    /// A known key at the wrong place; containerd ignores it.
    Misplaced {
        should_be: String,
    },
    /// An option deprecated or removed by containerd.
    Removed(RemovedOption),
    /// A table of another config schema than the header selects; containerd ignores it.
    WrongSchema {
        belongs_to: CriLayout,
    },
    /// Ignored for another reason (e.g. fully qualified tables in a version-1 file on 1.x).
    Ignored {
        reason: String,
    },
    /// The value has the wrong type.
    WrongType {
        expected: &'static str,
    },
}

impl KeyStatus {
    pub(crate) fn is_known(&self) -> bool {
        matches!(self, KeyStatus::Known)
    }
}

/// An option containerd deprecated or removed (the CTD-CFG-007 table).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RemovedOption {
    /// Short name of the option (`systemd_cgroup`, `runtime_engine`, ...).
    pub(crate) option: &'static str,
    pub(crate) deprecated_in: Option<&'static str>,
    pub(crate) removed_in: Option<&'static str>,
    /// What happens once removed (or on the version at hand).
    pub(crate) effect: &'static str,
    pub(crate) replacement: &'static str,
    /// Whether using it breaks pods or the CRI plugin (error) rather than being cosmetic.
    pub(crate) breaks: bool,
    /// When containerd reads the option, and so when it can say anything about it.
    pub(crate) read_at: ReadAt,
    /// Whether 2.x turns the option of a version-2 file into its replacement as it loads the
    /// file, and so reports nothing about it.
    pub(crate) converted_by_2x: bool,
}

/// When containerd reads a config option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadAt {
    /// As it loads the config: it can log or list the option then.
    ConfigLoad,
    /// Only when a pod's shim starts (a runtime's `options`): nothing is said at start-up.
    ShimStart,
}

/// What containerd will do with the config.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) starts: Result<(), Blocker>,
    pub(crate) cri: CriOutcome,
}

/// Why containerd will not start, with containerd's own message.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Blocker {
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CriOutcome {
    Loads,
    /// Listed in `disabled_plugins`.
    Disabled {
        span: Span,
    },
    /// containerd starts but the CRI plugin fails to load, with containerd's message.
    FailsToLoad {
        message: String,
        span: Option<Span>,
    },
    /// containerd itself does not start.
    NotStarted,
}

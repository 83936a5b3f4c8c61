//! Registry host configuration: `hosts.toml` files under containerd's `config_path` roots.

use super::source::{FileId, Span, Spanned};

/// Every hosts.toml found, under the configured roots and the well-known directories.
#[derive(Clone, Debug, Default)]
pub struct RegistryHosts {
    pub files: Vec<HostsFile>,
    /// Directories looked at, whether or not config_path names them.
    pub roots: Vec<HostsRoot>,
}

impl RegistryHosts {
    /// hosts.toml files containerd will read (under a config_path root).
    pub fn active(&self) -> impl Iterator<Item = &HostsFile> {
        self.files.iter().filter(|f| f.in_config_path)
    }

    /// The active file for a registry host (`docker.io`, `10.0.0.5:5000`).
    pub fn for_registry(&self, registry: &str) -> Option<&HostsFile> {
        self.active().find(|f| f.registry() == Some(registry))
    }
}

/// A directory that may hold `<registry>/hosts.toml` files.
#[derive(Clone, Debug)]
pub struct HostsRoot {
    pub path: String,
    /// Named by containerd's effective config_path.
    pub in_config_path: bool,
    pub exists: bool,
}

/// One hosts.toml.
#[derive(Clone, Debug)]
pub struct HostsFile {
    pub path: String,
    pub file: FileId,
    /// The root directory it was found under.
    pub root: String,
    /// The directory name under the root (`docker.io`, `localhost_5000_`, `_default`), None
    /// when the file sits directly in the root (containerd never reads it there).
    pub namespace: Option<String>,
    /// Under a root containerd's config_path names.
    pub in_config_path: bool,
    /// `None` when the file did not parse (containerd then ignores it).
    pub parsed: Result<HostsConfig, HostsParseError>,
}

impl HostsFile {
    /// The registry host this directory configures, decoded the way containerd does:
    /// `host_port_` means `host:port`, `_default` is the fallback.
    pub fn registry(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

#[derive(Clone, Debug)]
pub struct HostsParseError {
    pub message: String,
    pub span: Option<Span>,
}

/// The parsed content of a hosts.toml.
#[derive(Clone, Debug, Default)]
pub struct HostsConfig {
    /// Top-level `server`.
    pub server: Option<Spanned<String>>,
    /// Top-level settings that apply to `server`.
    pub defaults: HostSettings,
    /// `[host."<url>"]` entries in file order (the order containerd tries them).
    pub hosts: Vec<HostEntry>,
    /// Keys containerd does not know (it ignores them silently).
    pub unknown_keys: Vec<UnknownHostsKey>,
    /// Values of the wrong type (`server = ["..."]`), which make containerd reject the file.
    pub wrong_types: Vec<WrongTypeKey>,
}

#[derive(Clone, Debug)]
pub struct HostEntry {
    pub url: Spanned<String>,
    pub settings: HostSettings,
}

#[derive(Clone, Debug, Default)]
pub struct HostSettings {
    pub capabilities: Option<Spanned<Vec<String>>>,
    pub skip_verify: Option<Spanned<bool>>,
    pub ca: Vec<Spanned<String>>,
    pub client: Vec<Spanned<String>>,
    pub override_path: Option<Spanned<bool>>,
}

#[derive(Clone, Debug)]
pub struct UnknownHostsKey {
    pub key: Spanned<String>,
    pub suggestion: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct WrongTypeKey {
    pub key: Spanned<String>,
    pub expected: &'static str,
}

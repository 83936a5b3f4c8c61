//! Registry host configuration: `hosts.toml` files under containerd's `config_path` roots
//! and the well-known directories (`/etc/containerd/certs.d`, `/etc/docker/certs.d`).
//!
//! The collector records what is on disk (roots, namespace directories, hosts.toml files
//! and what they say); the lookup below answers "which directory does containerd use for
//! this registry" the way containerd does (`hostDirFromRoots` + `hostPaths`), so rules never
//! re-derive it.

use super::source::{Span, Spanned};
use crate::release::{ContainerdRelease, ReleaseNumber};

/// Roots looked at whatever config_path says: containerd's documented directory and
/// Docker's; together (in this order) they are containerd 2.2+'s default config_path.
pub(crate) const WELL_KNOWN_ROOTS: [&str; 2] = ["/etc/containerd/certs.d", "/etc/docker/certs.d"];

/// containerd's fallback namespace directory.
pub(crate) const DEFAULT_NAMESPACE: &str = "_default";

/// Every hosts.toml found, under the configured roots and the well-known directories.
#[derive(Clone, Debug, Default)]
pub(crate) struct RegistryHosts {
    pub(crate) files: Vec<HostsFile>,
    /// Directories looked at: config_path roots first in containerd's search order, then
    /// the well-known directories config_path does not name.
    pub(crate) roots: Vec<HostsRoot>,
    /// Whether containerd's effective `config_path` was known (its config was read). When
    /// false, nothing is marked `in_config_path`.
    pub(crate) config_path_known: bool,
}

impl RegistryHosts {
    /// The config_path roots in containerd's search order.
    pub(crate) fn config_roots(&self) -> Vec<&HostsRoot> {
        let mut roots: Vec<&HostsRoot> = self.roots.iter().filter(|r| r.in_config_path).collect();
        roots.sort_by_key(|r| r.search_order);
        roots
    }

    /// The hosts.toml of a namespace directory, if it has one that was read.
    pub(crate) fn file_in(&self, root: &HostsRoot, dir: &NamespaceDir) -> Option<&HostsFile> {
        self.files
            .iter()
            .find(|f| f.root == root.path && f.namespace.as_deref() == Some(dir.name.as_str()))
    }

    /// The well-known root at this path, if it was looked at.
    pub(crate) fn root(&self, path: &str) -> Option<&HostsRoot> {
        self.roots.iter().find(|r| r.path == path)
    }
}

/// The directory containerd uses for a registry, searching `roots` in order the way
/// containerd's CRI plugin does: in each root `host_port_`, then `host:port` (or `host`),
/// then `_default`; the first root with any match wins.
pub(crate) fn lookup<'a>(roots: &[&'a HostsRoot], registry: &str) -> Option<Lookup<'a>> {
    let candidates = host_paths(registry);
    for root in roots {
        for name in &candidates {
            if let Some(dir) = root.namespaces.iter().find(|d| &d.name == name) {
                return Some(Lookup { root, dir });
            }
        }
    }
    None
}

/// Where containerd found a registry's directory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lookup<'a> {
    pub(crate) root: &'a HostsRoot,
    pub(crate) dir: &'a NamespaceDir,
}

/// The directory names containerd tries under one root for a registry host, in order
/// (containerd `hostPaths`, Unix): the `host_port_` form when the host has a port, the host
/// as written, then `_default`.
pub(crate) fn host_paths(registry: &str) -> Vec<String> {
    let encoded = host_directory(registry);
    let mut out = Vec::with_capacity(3);
    if encoded != registry {
        out.push(encoded);
    }
    out.push(registry.to_string());
    out.push(DEFAULT_NAMESPACE.to_string());
    out
}

/// containerd's `hostDirectory`: `host:port` → `host_port_` (on the last colon).
pub(crate) fn host_directory(registry: &str) -> String {
    match registry.rfind(':') {
        Some(i) if i > 0 => format!("{}_{}_", &registry[..i], &registry[i + 1..]),
        _ => registry.to_string(),
    }
}

/// A directory that may hold `<registry>/hosts.toml` files.
#[derive(Clone, Debug)]
pub(crate) struct HostsRoot {
    pub(crate) path: String,
    /// Named by containerd's effective config_path.
    pub(crate) in_config_path: bool,
    /// Position in config_path (containerd searches the roots in this order).
    pub(crate) search_order: Option<usize>,
    /// `/etc/containerd/certs.d` or `/etc/docker/certs.d`.
    pub(crate) well_known: bool,
    pub(crate) exists: bool,
    /// Sub-directories, sorted by name.
    pub(crate) namespaces: Vec<NamespaceDir>,
}

/// A directory under a root: a registry host namespace for containerd.
#[derive(Clone, Debug)]
pub(crate) struct NamespaceDir {
    pub(crate) name: String,
    pub(crate) kind: NamespaceKind,
    /// Holds a `hosts.toml` entry (readable or not).
    pub(crate) has_hosts_toml: bool,
    /// Docker-layout certificate files (`*.crt`, `*.cert`, `*.key`), which containerd reads
    /// only when the directory has no usable hosts.toml.
    pub(crate) cert_files: Vec<String>,
}

/// What a directory name means to containerd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NamespaceKind {
    /// The file sits directly in the root: containerd never reads it.
    Outside,
    /// `_default`: used for every registry without a directory of its own.
    Default,
    /// A registry host (`docker.io`, `10.0.0.5:5000`), decoded from `host_port_` when
    /// written that way.
    Registry { host: String },
    /// A name containerd never looks up (`localhost__32000`), with the likely intended one.
    Unreachable { suggestion: Option<String> },
}

impl NamespaceKind {
    pub(crate) fn registry(&self) -> Option<&str> {
        match self {
            NamespaceKind::Registry { host } => Some(host),
            _ => None,
        }
    }
}

/// What containerd makes of a namespace directory name.
pub(crate) fn classify_namespace(name: &str) -> NamespaceKind {
    if name == DEFAULT_NAMESPACE {
        return NamespaceKind::Default;
    }
    if let Some(host) = decode_host_directory(name) {
        return NamespaceKind::Registry { host };
    }
    if is_registry_host(name) {
        return NamespaceKind::Registry {
            host: name.to_string(),
        };
    }
    NamespaceKind::Unreachable {
        suggestion: suggest_namespace(name),
    }
}

/// `host_port_` → `host:port` when `host` is a registry host and `port` a number.
fn decode_host_directory(name: &str) -> Option<String> {
    let inner = name.strip_suffix('_')?;
    let (host, port) = inner.rsplit_once('_')?;
    (is_port(port) && is_host(host)).then(|| format!("{host}:{port}"))
}

/// A registry host as an image reference can name it: a domain or IP, optionally `:port`
/// (the reference grammar: dot-separated components of letters, digits and `-`, or a
/// bracketed IPv6 address).
pub(crate) fn is_registry_host(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('[') {
        let Some((addr, tail)) = rest.split_once(']') else {
            return false;
        };
        let port_ok = tail.is_empty() || tail.strip_prefix(':').is_some_and(is_port);
        return port_ok
            && !addr.is_empty()
            && addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    match s.rsplit_once(':') {
        Some((host, port)) => is_port(port) && is_host(host),
        None => is_host(s),
    }
}

fn is_host(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|c| {
            !c.is_empty()
                && !c.starts_with('-')
                && !c.ends_with('-')
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        })
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit())
}

/// The directory name that was probably meant: `host__port` and `host_port` (a common
/// hand-encoding of `host:port`) → `host:port`.
fn suggest_namespace(name: &str) -> Option<String> {
    let trimmed = name.trim_end_matches('_');
    let (host, port) = trimmed.rsplit_once('_')?;
    let host = host.trim_end_matches('_');
    (is_port(port) && is_host(host)).then(|| format!("{host}:{port}"))
}

/// Docker Hub's own host names: images named `nginx` or `docker.io/x` are looked up under
/// `docker.io`, never under these.
pub(crate) const DOCKER_HUB_ALIASES: &[&str] = &[
    "registry-1.docker.io",
    "index.docker.io",
    "registry.hub.docker.com",
];

/// One hosts.toml.
#[derive(Clone, Debug)]
pub(crate) struct HostsFile {
    pub(crate) path: String,
    /// The root directory it was found under.
    pub(crate) root: String,
    /// The directory name under the root (`docker.io`, `localhost_5000_`, `_default`), None
    /// when the file sits directly in the root (containerd never reads it there).
    pub(crate) namespace: Option<String>,
    /// What containerd makes of `namespace`.
    pub(crate) kind: NamespaceKind,
    /// Under a root containerd's config_path names.
    pub(crate) in_config_path: bool,
    /// `Err` when the file is not valid TOML (containerd then ignores it).
    pub(crate) parsed: Result<HostsConfig, HostsParseError>,
}

impl HostsFile {
    /// The registry host this directory configures, decoded the way containerd does:
    /// `host_port_` means `host:port`. None for `_default` and names containerd never uses.
    pub(crate) fn registry(&self) -> Option<&str> {
        self.kind.registry()
    }

    /// The directory holding the file (relative `ca`/`client` paths are resolved there).
    pub(crate) fn dir(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}", self.root.trim_end_matches('/'), ns),
            None => self.root.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct HostsParseError {
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
}

/// The parsed content of a hosts.toml.
#[derive(Clone, Debug, Default)]
pub(crate) struct HostsConfig {
    /// Top-level `server`.
    pub(crate) server: Option<Spanned<String>>,
    /// Top-level settings that apply to `server`.
    pub(crate) defaults: HostSettings,
    /// The `host` key (its first occurrence), None when the file has no `[host...]` table
    /// at all (containerd 1.x before the fix for containerd#10027 rejects such a file).
    pub(crate) host_table: Option<Span>,
    /// `[host."<url>"]` entries in file order (the order containerd tries them).
    pub(crate) hosts: Vec<HostEntry>,
    /// Keys containerd does not know (it ignores them silently).
    pub(crate) unknown_keys: Vec<UnknownHostsKey>,
    /// Values of the wrong type (`server = ["..."]`), which make containerd reject the
    /// whole file.
    pub(crate) wrong_types: Vec<WrongTypeKey>,
    /// Values of the right type that containerd still rejects (an unknown capability, a
    /// server URL it cannot parse): the whole file is rejected.
    pub(crate) invalid_values: Vec<InvalidValue>,
    /// `[host."a".host."b"]`, or a `[host."b"]` header indented under `[host."a"]`.
    pub(crate) nested_hosts: Vec<NestedHost>,
}

impl HostsConfig {
    /// Why containerd `release` rejects the whole file: wrong types and invalid values of the
    /// keys that release reads (every key when the release is unknown). Empty when it accepts
    /// the file (the missing `[host]` table of 1.x is a separate, release-specific matter).
    pub(crate) fn rejections(&self, release: &ContainerdRelease) -> Vec<(&str, Span, String)> {
        let reads = |since: Option<ReleaseNumber>| release.within(since, None);
        let mut out: Vec<(&str, Span, String)> = self
            .wrong_types
            .iter()
            .filter(|w| reads(w.since))
            .map(|w| {
                (
                    w.key.value.as_str(),
                    w.key.span,
                    format!(
                        "`{}` must be {}, found {}",
                        w.key.value, w.expected, w.found
                    ),
                )
            })
            .chain(
                self.invalid_values
                    .iter()
                    .filter(|v| reads(v.since))
                    .map(|v| (v.key.as_str(), v.value, v.error.clone())),
            )
            .collect();
        out.sort_by_key(|(_, span, _)| span.start);
        out
    }

    /// Every host containerd tries, in order: the `[host]` entries, then `server`.
    pub(crate) fn host_urls(&self) -> impl Iterator<Item = (&str, &HostSettings)> {
        self.hosts
            .iter()
            .map(|h| (h.url.value.as_str(), &h.settings))
            .chain(
                self.server
                    .iter()
                    .map(|s| (s.value.as_str(), &self.defaults)),
            )
    }
}

/// One `[host."<url>"]` table.
#[derive(Clone, Debug)]
pub(crate) struct HostEntry {
    /// The URL as written (the table key).
    pub(crate) url: Spanned<String>,
    pub(crate) settings: HostSettings,
}

impl HostEntry {}

/// The scheme containerd gives a hosts.toml URL: anything not starting with `http` gets
/// `https://` prepended.
pub(crate) fn url_scheme(url: &str) -> &str {
    if url.starts_with("http") {
        url.split_once("://").map_or("https", |(s, _)| s)
    } else {
        "https"
    }
}

/// `host[:port]` of a URL or of a bare `host[:port]/path`.
pub(crate) fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// The settings a host (or the top level, for `server`) can carry.
#[derive(Clone, Debug, Default)]
pub(crate) struct HostSettings {
    pub(crate) capabilities: Option<Spanned<Vec<String>>>,
    pub(crate) skip_verify: Option<Spanned<bool>>,
    pub(crate) ca: Vec<CertFile>,
    /// Client certificates and keys (every path of every pair).
    pub(crate) client: Vec<CertFile>,
    pub(crate) override_path: Option<Spanned<bool>>,
    /// `[header]` names (values are masked in the stored text).
    pub(crate) header: Vec<Spanned<String>>,
    /// `dial_timeout` (containerd 2.1+).
    pub(crate) dial_timeout: Option<Spanned<String>>,
    /// `proxy` (documented on containerd's main branch; release UNVERIFIED).
    pub(crate) proxy: Option<Spanned<String>>,
}

impl HostSettings {
    /// TLS settings present (`ca`, `client`, `skip_verify`), with the first one's span.
    pub(crate) fn tls_setting(&self) -> Option<(&'static str, Span)> {
        if let Some(s) = &self.skip_verify {
            return Some(("skip_verify", s.span));
        }
        if let Some(c) = self.ca.first() {
            return Some(("ca", c.path.span));
        }
        self.client.first().map(|c| ("client", c.path.span))
    }

    /// Whether the capabilities (absent = all) include one.
    pub(crate) fn can(&self, capability: &str) -> bool {
        self.capabilities.as_ref().is_none_or(|c| {
            c.value.is_empty() || c.value.iter().any(|v| v.eq_ignore_ascii_case(capability))
        })
    }
}

/// A certificate or key file named by `ca` or `client`.
#[derive(Clone, Debug)]
pub(crate) struct CertFile {
    /// As written.
    pub(crate) path: Spanned<String>,
    /// Absolute host path (relative paths are relative to the hosts.toml directory).
    pub(crate) resolved: String,
    pub(crate) exists: FileCheck,
}

/// Whether a file named in a config exists on the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileCheck {
    Exists,
    Missing,
    /// Could not tell (e.g. a symlink loop, permission denied).
    Unknown(String),
}

#[derive(Clone, Debug)]
pub(crate) struct UnknownHostsKey {
    pub(crate) key: Spanned<String>,
    /// What it most likely means.
    pub(crate) suggestion: Option<KeySuggestion>,
    /// The `[host."<url>"]` it sits in; None at the top level.
    pub(crate) in_host: Option<String>,
}

/// The correct form of an unknown key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeySuggestion {
    /// A known key (`skip_verify` for `insecure_skip_verify`, `server` for `SERVER`).
    Key(&'static str),
    /// `plain-http`, `insecure`: hosts.toml has no such switch; plain HTTP is an `http://`
    /// URL in `server` or the `[host."..."]` key.
    HttpScheme,
    /// `endpoint`, `mirrors`: mirrors are `[host."<url>"]` tables.
    HostTable,
}

#[derive(Clone, Debug)]
pub(crate) struct WrongTypeKey {
    pub(crate) key: Spanned<String>,
    pub(crate) expected: &'static str,
    /// The TOML type found (`array`, `string`, ...).
    pub(crate) found: &'static str,
    /// The first containerd release that reads the key; None for every release.
    pub(crate) since: Option<ReleaseNumber>,
}

/// A value containerd refuses, with containerd's own error text.
#[derive(Clone, Debug)]
pub(crate) struct InvalidValue {
    pub(crate) key: String,
    pub(crate) value: Span,
    pub(crate) error: String,
    /// The first containerd release that reads the key (older ones ignore it); None when
    /// every release with hosts.toml support reads it.
    pub(crate) since: Option<ReleaseNumber>,
}

/// A host table that looks nested in another.
#[derive(Clone, Debug)]
pub(crate) struct NestedHost {
    pub(crate) url: Spanned<String>,
    /// The host it is nested (or indented) under.
    pub(crate) parent: String,
    /// True TOML nesting (`[host."a".host."b"]`: containerd ignores it); false when only
    /// the indentation suggests it (a sibling containerd tries after the parent).
    pub(crate) nested_in_toml: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_as_containerd_looks_them_up() {
        assert_eq!(host_directory("localhost:5000"), "localhost_5000_");
        assert_eq!(host_directory("docker.io"), "docker.io");
        assert_eq!(
            host_paths("10.0.0.5:5000"),
            vec!["10.0.0.5_5000_", "10.0.0.5:5000", "_default"]
        );
        assert_eq!(host_paths("docker.io"), vec!["docker.io", "_default"]);
        assert_eq!(classify_namespace("_default"), NamespaceKind::Default);
        assert_eq!(
            classify_namespace("localhost_32000_"),
            NamespaceKind::Registry {
                host: "localhost:32000".into()
            }
        );
        assert_eq!(
            classify_namespace("localhost:32000"),
            NamespaceKind::Registry {
                host: "localhost:32000".into()
            }
        );
        assert_eq!(
            classify_namespace("localhost__32000"),
            NamespaceKind::Unreachable {
                suggestion: Some("localhost:32000".into())
            }
        );
        assert_eq!(
            classify_namespace("my_registry"),
            NamespaceKind::Unreachable { suggestion: None }
        );
        assert!(is_registry_host("[::1]:5000"));
        assert!(!is_registry_host("a..b"));
    }

    #[test]
    fn urls_as_containerd_reads_them() {
        assert_eq!(url_scheme("http://a:5000"), "http");
        assert_eq!(url_scheme("a:5000"), "https");
        assert_eq!(url_host("https://mirror.registry/us"), "mirror.registry");
        assert_eq!(url_host("a:5000"), "a:5000");
    }
}

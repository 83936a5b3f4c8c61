//! The CRI plugin's legacy registry settings (`registry.mirrors`, `registry.configs.<host>.tls`)
//! turned into `config_path` and one hosts.toml per registry, as containerd reads them since
//! 1.5. Credentials (`configs.<host>.auth`, `auths`) are never copied: they stay where they
//! are, and the fix names them.

use crate::model::containerd::{ContainerdConfig, Registry};
use crate::model::hosts::{DOCKER_HUB_ALIASES, NamespaceKind, is_registry_host};
use crate::model::source::FileId;
use crate::model::toml_path::TomlPath;
use crate::rules::registry::convert;

use super::super::Fix;
use super::super::edit::Scalar;
use super::{Of, Op, Proposal};

/// Where hosts.toml files go when `config_path` names no directory.
const DEFAULT_HOSTS_DIR: &str = "/etc/containerd/certs.d";

/// Docker's per-registry certificate directories.
const DOCKER_CERTS_D: &str = "/etc/docker/certs.d";

/// RA401, RA402, RA403: the whole legacy registry table converted at once (each finding
/// asks for the same edits, which are made once).
pub(super) fn legacy_registry(of: &Of<'_>) -> Option<Proposal> {
    let cfg = of.snap.containerd.present()?;
    let registry = &cfg.cri.registry;
    let root = registry
        .config_path_roots()
        .first()
        .copied()
        .unwrap_or(DEFAULT_HOSTS_DIR);
    if let Some(reason) = declined(of, registry, root) {
        return of.manual(reason);
    }
    let (Some(file), Some(table)) = (one_file(registry), registry_path(cfg, registry)) else {
        return of.manual(
            "the registry settings are spread over several files or tables: convert them by hand",
        );
    };
    let mut fixes = Vec::new();
    for m in &registry.mirrors {
        fixes.push(new_file(of, convert::mirror(m, &registry.configs, root)));
    }
    for c in &registry.configs {
        let has_mirror = registry
            .mirrors
            .iter()
            .any(|m| m.host.value == c.host.value);
        if let (Some(tls), false) = (&c.tls, has_mirror) {
            fixes.push(new_file(of, convert::tls_only(&c.host.value, tls, root)));
        }
    }
    let written: Vec<&str> = fixes
        .iter()
        .filter_map(|f| f.file.strip_prefix(root))
        .map(|f| f.trim_start_matches('/').trim_end_matches("/hosts.toml"))
        .collect();
    let mut summary = format!(
        "the legacy registry settings become {} hosts.toml file{} under {root} ({})",
        written.len(),
        if written.len() == 1 { "" } else { "s" },
        written.join(", ")
    );
    if registry.configs.iter().any(|c| c.auth.is_some()) || !registry.auths.is_empty() {
        summary.push_str(&format!(
            "; credentials stay where they are ({})",
            credential_places(registry)
        ));
    }
    let config_fix = of.edit(
        of.path_of(file),
        summary,
        config_ops(&table, registry, root),
    );
    fixes.insert(0, config_fix);
    Some(Proposal::Together(fixes))
}

/// Why the conversion is left to a person, if it is.
fn declined(of: &Of<'_>, registry: &Registry, root: &str) -> Option<String> {
    let key = of.finding.key.as_deref().unwrap_or_default();
    if (of.finding.rule.id, of.case()) == ("RA402", "key-not-endpoint-host") {
        return Some(
            "the TLS settings are keyed by a registry name, not by the host of an endpoint: say which endpoint they are for".into(),
        );
    }
    if of.finding.rule.id == "RA403" && key.ends_with(".auths") {
        return Some(
            "credentials are never copied: move them to imagePullSecrets or a credential helper"
                .into(),
        );
    }
    if key.ends_with(".configs") && registry.configs.iter().any(|c| c.auth.is_some()) {
        return Some(format!(
            "{}: the TLS settings move to hosts.toml, but credentials are never copied and stay in `configs`: move them to imagePullSecrets or a credential helper",
            credential_places(registry)
        ));
    }
    if !root.starts_with('/') {
        return Some(format!("config_path root `{root}` is not an absolute path"));
    }
    // A name containerd would never look up stays as it is: written as a directory, it
    // would be as dead as the table entry (a placeholder, `registry-1.docker.io` for
    // Docker Hub).
    registry
        .mirrors
        .iter()
        .map(|m| m.host.value.as_str())
        .chain(registry.configs.iter().map(|c| c.host.value.as_str()))
        .find(|h| *h != "*" && (!is_registry_host(h) || DOCKER_HUB_ALIASES.contains(h)))
        .map(|name| {
            format!(
                "`{name}` is not a registry name containerd looks up: say which registry it is for"
            )
        })
}

/// config.toml's edits: the mirrors and TLS tables removed (credentials kept), config_path
/// set when empty.
fn config_ops(table: &TomlPath, registry: &Registry, root: &str) -> Vec<Op> {
    let mut ops = Vec::new();
    if !registry.mirrors.is_empty() {
        ops.push(Op::TomlRemove {
            path: child(table, &["mirrors"]),
        });
    }
    let keep_configs = registry.configs.iter().any(|c| c.auth.is_some());
    for c in registry.configs.iter().filter(|c| c.tls.is_some()) {
        let path = if c.auth.is_some() {
            child(table, &["configs", &c.host.value, "tls"])
        } else {
            child(table, &["configs", &c.host.value])
        };
        ops.push(Op::TomlRemove { path });
    }
    if !keep_configs && !registry.configs.is_empty() {
        ops.push(Op::TomlRemove {
            path: child(table, &["configs"]),
        });
    }
    if registry.config_path.value.is_empty() {
        ops.push(Op::TomlSet {
            path: child(table, &["config_path"]),
            value: Scalar::Str(root.to_owned()),
        });
    }
    ops
}

/// The fix that writes one hosts.toml.
fn new_file(of: &Of<'_>, hosts: convert::HostsTomlFix) -> Fix {
    of.edit(
        hosts.path.clone(),
        format!("write {}", hosts.path),
        vec![Op::Create {
            text: hosts.content,
        }],
    )
}

/// The one file that holds every legacy registry setting, if one does.
fn one_file(registry: &Registry) -> Option<FileId> {
    let mut files = registry
        .mirrors
        .iter()
        .map(|m| m.host.span.file)
        .chain(registry.configs.iter().map(|c| c.host.span.file));
    let first = files.next()?;
    files.all(|f| f == first).then_some(first)
}

/// The registry table's path, from where a mirror or a configs entry is written.
fn registry_path(cfg: &ContainerdConfig, registry: &Registry) -> Option<TomlPath> {
    let span = registry
        .mirrors
        .first()
        .map(|m| m.host.span)
        .or_else(|| registry.configs.first().map(|c| c.host.span))?;
    let entry = cfg.keys.iter().find(|k| k.key == span)?;
    let segments = entry.path.segments();
    (segments.len() > 2).then(|| TomlPath::new(segments[..segments.len() - 2].to_vec()))
}

fn child(table: &TomlPath, more: &[&str]) -> TomlPath {
    let mut segments = table.segments().to_vec();
    segments.extend(more.iter().map(|s| (*s).to_owned()));
    TomlPath::new(segments)
}

/// `configs."h".auth, auths."h"`: where credentials are written, never what they are.
fn credential_places(registry: &Registry) -> String {
    let places: Vec<String> = registry
        .configs
        .iter()
        .filter(|c| c.auth.is_some())
        .map(|c| {
            format!(
                "configs.{}.auth",
                crate::model::toml_path::key(&c.host.value)
            )
        })
        .chain(
            registry
                .auths
                .iter()
                .map(|a| format!("auths.{}", crate::model::toml_path::key(&a.host.value))),
        )
        .collect();
    places.join(", ")
}

/// RA407: Docker's `insecure-registries` (one plain-HTTP hosts.toml each) and
/// `registry-mirrors` (one docker.io hosts.toml listing them in order) written for
/// containerd, with config_path set when it is empty. daemon.json stays as it is: Docker
/// reads it until it is removed.
pub(super) fn docker_registries(of: &Of<'_>) -> Option<Proposal> {
    let key = of.finding.key.as_deref().unwrap_or_default();
    let root = crate::rules::registry::hosts_root(of.snap);
    if of.case() == "docker-certs" {
        return match docker_certs(of, &root) {
            Ok(hosts) => with_config_path(of, vec![new_file(of, hosts)], &root),
            Err(reason) => of.manual(reason),
        };
    }
    let docker = of.snap.docker.present()?;
    let hosts = match of.case() {
        "insecure-registry" => {
            let entry = key
                .strip_prefix("insecure-registries[")?
                .strip_suffix(']')?;
            let host = entry.split_once("://").map_or(entry, |(_, h)| h);
            let host = host.trim_end_matches('/');
            if !is_registry_host(host) {
                return of.manual(format!("`{entry}` is not a registry host:port"));
            }
            convert::insecure_fix(host, &root)
        }
        "registry-mirror" => {
            // Docker refuses a mirror without a scheme: such an entry was never in use.
            let mirrors: Vec<&str> = docker
                .registry_mirrors
                .iter()
                .map(|m| m.value.trim().trim_end_matches('/'))
                .filter(|m| m.starts_with("http://") || m.starts_with("https://"))
                .collect();
            if mirrors.is_empty() {
                return of
                    .manual("Docker refuses a mirror without a scheme: this one was never in use");
            }
            let mut content = "server = \"https://registry-1.docker.io\"\n".to_owned();
            for m in mirrors {
                content.push_str(&format!(
                    "\n[host.\"{m}\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
                ));
            }
            convert::HostsTomlFix {
                path: format!("{}/docker.io/hosts.toml", root.trim_end_matches('/')),
                content,
            }
        }
        _ => return None,
    };
    with_config_path(of, vec![new_file(of, hosts)], &root)
}

/// Docker's certificate directory for one registry, read where it is by a new hosts.toml:
/// each `*.crt` a CA, each `*.cert` with the `*.key` of the same name a client pair, as
/// Docker reads them (a `.cert` without its `.key` is refused by Docker too).
fn docker_certs(of: &Of<'_>, root: &str) -> Result<convert::HostsTomlFix, String> {
    let key = of.finding.key.as_deref().unwrap_or_default();
    let name = key
        .strip_prefix(DOCKER_CERTS_D)
        .map(|n| n.trim_start_matches('/'))
        .ok_or("the finding names no Docker certificate directory")?;
    let dir = of
        .snap
        .registry_hosts
        .root(DOCKER_CERTS_D)
        .and_then(|r| r.namespaces.iter().find(|d| d.name == name))
        .ok_or("the Docker certificate directory was not read")?;
    let NamespaceKind::Registry { host } = &dir.kind else {
        return Err(format!("`{name}` is not a registry host"));
    };
    let at = |file: &str| format!("{DOCKER_CERTS_D}/{name}/{file}");
    let cas: Vec<String> = dir
        .cert_files
        .iter()
        .filter(|f| f.ends_with(".crt"))
        .map(|f| format!("{:?}", at(f)))
        .collect();
    let mut pairs = Vec::new();
    for cert in dir.cert_files.iter().filter(|f| f.ends_with(".cert")) {
        let key = format!("{}.key", cert.trim_end_matches(".cert"));
        if !dir.cert_files.contains(&key) {
            return Err(format!("{} has no {key} beside it", at(cert)));
        }
        pairs.push(format!("[{:?}, {:?}]", at(cert), at(&key)));
    }
    if cas.is_empty() && pairs.is_empty() {
        return Err("no `.crt` or `.cert`/`.key` pair to carry over".into());
    }
    let mut content = format!(
        "server = \"https://{host}\"\n\n[host.\"https://{host}\"]\n  capabilities = [\"pull\", \"resolve\", \"push\"]\n"
    );
    if !cas.is_empty() {
        content.push_str(&format!("  ca = [{}]\n", cas.join(", ")));
    }
    if !pairs.is_empty() {
        content.push_str(&format!("  client = [{}]\n", pairs.join(", ")));
    }
    Ok(convert::HostsTomlFix {
        path: format!("{}/{name}/hosts.toml", root.trim_end_matches('/')),
        content,
    })
}

/// `fixes` with containerd's `config_path` set to `root` when it names no directory yet.
fn with_config_path(of: &Of<'_>, mut fixes: Vec<Fix>, root: &str) -> Option<Proposal> {
    if let Some(cfg) = of.snap.containerd.present()
        && cfg.cri.registry.config_path.value.is_empty()
    {
        let file = cfg.files.first()?.file;
        let layout = match of.readable_layout(cfg, file) {
            Ok(layout) => layout,
            Err(reason) => return of.manual(reason),
        };
        fixes.push(of.edit(
            of.path_of(file),
            format!("config_path = {root:?}, where the hosts.toml files are"),
            vec![Op::TomlSet {
                path: child(&layout.registry_table_path(), &["config_path"]),
                value: Scalar::Str(root.to_owned()),
            }],
        ));
    } else if of.snap.containerd.present().is_none() {
        return of.manual(format!(
            "containerd has no config here to name {root} as its config_path"
        ));
    }
    Some(Proposal::Together(fixes))
}

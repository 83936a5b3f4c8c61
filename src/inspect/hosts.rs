//! Registry hosts: which hosts.toml directories containerd searches, and what each file
//! makes containerd do, host by host in the order it tries them.

use crate::model::hosts::{HostSettings, HostsConfig, HostsFile, HostsRoot, NamespaceKind};
use crate::model::{Input, NodeSnapshot, SourceMap};

use super::view::{Section, at};

/// Whether containerd's config names the directories, each directory looked at, and a
/// section per hosts.toml.
pub(crate) fn section(snapshot: &NodeSnapshot) -> Section {
    let sources = &snapshot.sources;
    let hosts = &snapshot.registry_hosts;
    let mut s = Section::new("registry_hosts", "Registry hosts (hosts.toml)");
    match &snapshot.containerd {
        Input::Present(cfg) => s.effective(sources, "config_path", &cfg.cri.registry.config_path),
        _ => s.row(
            "config_path",
            serde_json::Value::Null,
            "containerd config not read: no directory is marked as searched",
        ),
    }
    for root in &hosts.roots {
        root_row(&mut s, root);
    }
    for f in &hosts.files {
        s.sections
            .push(file_section(sources, f, hosts.config_path_known));
    }
    s
}

/// A root directory: searched or not, and the namespaces under it.
fn root_row(s: &mut Section, root: &HostsRoot) {
    let namespaces: Vec<&str> = root.namespaces.iter().map(|d| d.name.as_str()).collect();
    let origin = match root.search_order {
        Some(i) => format!("config_path root #{}", i + 1),
        None => "well-known directory, not in config_path".into(),
    };
    let value = if root.exists {
        serde_json::json!({ "searched": root.in_config_path, "namespaces": namespaces })
    } else {
        serde_json::json!({ "searched": root.in_config_path, "exists": false })
    };
    s.row(root.path.clone(), value, origin);
}

/// One hosts.toml: its namespace, whether containerd searches it, and what it makes
/// containerd do.
fn file_section(sources: &SourceMap, f: &HostsFile, config_path_known: bool) -> Section {
    let mut fs = Section::new(format!("hosts:{}", f.path), f.path.clone());
    let (kind, why) = namespace(f);
    fs.row("namespace", kind, why);
    fs.row(
        "in config_path",
        f.in_config_path,
        if config_path_known {
            "effective config_path"
        } else {
            "config_path unknown"
        },
    );
    match &f.parsed {
        Err(e) => fs.row(
            "parse error",
            e.message.clone(),
            e.span.map_or_else(|| f.path.clone(), |sp| at(sources, sp)),
        ),
        Ok(p) => parsed_rows(&mut fs, sources, f, p),
    }
    fs
}

/// The file's namespace, and what containerd makes of it.
fn namespace(f: &HostsFile) -> (String, String) {
    match &f.kind {
        NamespaceKind::Registry { host } => (host.clone(), "registry host namespace".to_string()),
        NamespaceKind::Default => (
            "_default".into(),
            "fallback for every registry without its own directory".into(),
        ),
        NamespaceKind::Outside => (
            "(none)".into(),
            "directly in the root: containerd never reads it".into(),
        ),
        NamespaceKind::Unreachable { suggestion } => (
            f.namespace.clone().unwrap_or_default(),
            suggestion.as_ref().map_or_else(
                || "a name containerd never looks up".to_string(),
                |s| format!("a name containerd never looks up (meant: {s}?)"),
            ),
        ),
    }
}

/// The hosts in the order containerd tries them, then what it rejects or ignores.
fn parsed_rows(fs: &mut Section, sources: &SourceMap, f: &HostsFile, p: &HostsConfig) {
    for (i, h) in p.hosts.iter().enumerate() {
        fs.row(
            format!("try {}", i + 1),
            host_value(&h.url.value, &h.settings),
            at(sources, h.url.span),
        );
    }
    let n = p.hosts.len() + 1;
    match &p.server {
        Some(server) => fs.row(
            format!("try {n} (server)"),
            host_value(&server.value, &p.defaults),
            at(sources, server.span),
        ),
        None => fs.row(
            format!("try {n} (server)"),
            f.registry()
                .map_or(serde_json::Value::Null, std::convert::Into::into),
            "default: the registry itself (no server key)",
        ),
    }
    for w in &p.wrong_types {
        fs.row(
            format!("rejected: {}", w.key.value),
            format!("expected {}, found {}", w.expected, w.found),
            at(sources, w.key.span),
        );
    }
    for v in &p.invalid_values {
        fs.row(
            format!("rejected: {}", v.key),
            v.error.clone(),
            at(sources, v.value),
        );
    }
    for u in &p.unknown_keys {
        fs.row(
            format!("ignored: {}", u.key.value),
            "unknown key",
            at(sources, u.key.span),
        );
    }
}

fn host_value(url: &str, settings: &HostSettings) -> serde_json::Value {
    let caps: Vec<&str> = match &settings.capabilities {
        Some(c) if !c.value.is_empty() => c.value.iter().map(String::as_str).collect(),
        _ => vec!["pull", "resolve", "push"],
    };
    let mut v = serde_json::json!({ "url": url, "capabilities": caps });
    if let Some(sv) = &settings.skip_verify {
        v["skip_verify"] = sv.value.into();
    }
    if !settings.ca.is_empty() {
        v["ca"] = settings
            .ca
            .iter()
            .map(|c| c.resolved.clone())
            .collect::<Vec<_>>()
            .into();
    }
    if !settings.client.is_empty() {
        v["client"] = settings
            .client
            .iter()
            .map(|c| c.resolved.clone())
            .collect::<Vec<_>>()
            .into();
    }
    if !settings.header.is_empty() {
        v["header"] = settings
            .header
            .iter()
            .map(|h| h.value.clone())
            .collect::<Vec<_>>()
            .into();
    }
    v
}

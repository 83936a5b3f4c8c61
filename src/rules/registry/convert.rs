//! The hosts.toml that does what a legacy `registry.mirrors` / `registry.configs` entry did,
//! for fix texts.
//!
//! Legacy semantics (containerd 1.x `registryEndpoints` in `pkg/cri/server/image_pull.go`,
//! REG-004): endpoints without a scheme get `https://` (`http://` for localhost); they are
//! tried in order, then `https://<registry>` (`https://registry-1.docker.io` for
//! `docker.io`) unless an endpoint already has the registry's host; every endpoint may
//! pull and resolve; TLS settings come from `configs."<endpoint host:port>".tls`; a `*` key
//! applies to every registry without its own entry.

use crate::model::containerd::{Mirror, RegistryHostConfig, RegistryTls};
use crate::model::hosts::{DEFAULT_NAMESPACE, url_host, url_scheme};

/// A hosts.toml to write.
pub(crate) struct HostsTomlFix {
    pub(crate) path: String,
    pub(crate) content: String,
}

impl HostsTomlFix {
    /// `path:` then the content, indented, for a fix text.
    pub(crate) fn render(&self) -> String {
        let body: Vec<String> = self.content.lines().map(|l| format!("    {l}")).collect();
        format!("{}:\n{}", self.path, body.join("\n"))
    }
}

/// Whether containerd treats a host as local (plain HTTP by default).
pub(crate) fn is_localhost(host: &str) -> bool {
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

/// The upstream endpoint containerd adds after a registry's mirrors.
pub(crate) fn upstream(registry: &str) -> String {
    if registry == "docker.io" {
        "https://registry-1.docker.io".into()
    } else if is_localhost(registry) {
        format!("http://{registry}")
    } else {
        format!("https://{registry}")
    }
}

/// An endpoint with the scheme containerd gives it.
pub(crate) fn with_scheme(endpoint: &str) -> String {
    if endpoint.contains("://") {
        endpoint.to_string()
    } else if is_localhost(url_host(endpoint)) {
        format!("http://{endpoint}")
    } else {
        format!("https://{endpoint}")
    }
}

/// The namespace directory name to write for a registry (`_default` for `*`).
pub(crate) fn namespace_dir(registry: &str) -> &str {
    if registry == "*" {
        DEFAULT_NAMESPACE
    } else {
        registry
    }
}

/// The hosts.toml equivalent of one legacy mirror, with the TLS settings `configs` gives
/// its endpoints.
pub(crate) fn mirror(m: &Mirror, configs: &[RegistryHostConfig], root: &str) -> HostsTomlFix {
    mirror_with(m, &|host| tls_for(configs, host), root)
}

/// The same, with the TLS settings chosen by `tls` (endpoint host:port → settings).
pub(crate) fn mirror_with<'c>(
    m: &Mirror,
    tls: &dyn Fn(&str) -> Option<&'c RegistryTls>,
    root: &str,
) -> HostsTomlFix {
    let registry = m.host.value.as_str();
    let mut order: Vec<String> = m.endpoints.iter().map(|e| with_scheme(&e.value)).collect();
    let mut content = String::new();
    let server = if registry == "*" {
        // `*` endpoints are tried for every registry, then that registry itself: no server.
        None
    } else {
        let up = upstream(registry);
        // containerd appends the upstream unless an endpoint has the registry's own host; an
        // endpoint that already is the upstream URL would only be tried twice.
        if !order.iter().any(|e| url_host(e) == registry) && order.last() != Some(&up) {
            order.push(up);
        }
        // The last endpoint is tried last, as `server` is.
        order.pop()
    };
    if let Some(server) = &server {
        content.push_str(&format!("server = \"{server}\"\n"));
        push_tls(&mut content, server, tls(url_host(server)), "");
    }
    for h in &order {
        content.push_str(&format!(
            "\n[host.\"{h}\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
        ));
        push_tls(&mut content, h, tls(url_host(h)), "  ");
    }
    HostsTomlFix {
        path: format!(
            "{}/{}/hosts.toml",
            root.trim_end_matches('/'),
            namespace_dir(registry)
        ),
        content: with_host_table(content.trim_start_matches('\n').to_string()),
    }
}

/// containerd 1.x (before the fix for containerd#10027) rejects a hosts.toml without any
/// `[host]` table; an empty one is accepted by every release.
pub(crate) fn with_host_table(mut content: String) -> String {
    if !content.contains("[host") {
        content.push_str(
            "\n[host]  # keeps containerd 1.6/1.7 from rejecting the file (containerd#10027)\n",
        );
    }
    content
}

/// The hosts.toml for a registry that only had TLS settings (`configs."<host>".tls`, no
/// mirror): the registry itself as server, with the TLS keys.
pub(crate) fn tls_only(host: &str, tls: &RegistryTls, root: &str) -> HostsTomlFix {
    let server = format!("https://{host}");
    let mut content = format!("server = \"{server}\"\n");
    push_tls(&mut content, &server, Some(tls), "");
    HostsTomlFix {
        path: format!("{}/{host}/hosts.toml", root.trim_end_matches('/')),
        content: with_host_table(content),
    }
}

pub(crate) fn tls_for<'c>(
    configs: &'c [RegistryHostConfig],
    host: &str,
) -> Option<&'c RegistryTls> {
    configs
        .iter()
        .find(|c| c.host.value == host)
        .and_then(|c| c.tls.as_ref())
}

/// hosts.toml keys for a legacy TLS table (`ca_file` → `ca`, `cert_file`/`key_file` →
/// `client`, `insecure_skip_verify` → `skip_verify`). Not for `http://` hosts: containerd
/// 1.x ignored TLS settings there, and 2.x would try HTTPS first because of them (RA408).
fn push_tls(content: &mut String, url: &str, tls: Option<&RegistryTls>, indent: &str) {
    let Some(tls) = tls.filter(|_| url_scheme(url) != "http") else {
        return;
    };
    if let Some(ca) = &tls.ca_file {
        content.push_str(&format!("{indent}ca = \"{}\"\n", ca.value));
    }
    match (&tls.cert_file, &tls.key_file) {
        (Some(c), Some(k)) => content.push_str(&format!(
            "{indent}client = [[\"{}\", \"{}\"]]\n",
            c.value, k.value
        )),
        (Some(c), None) => content.push_str(&format!("{indent}client = \"{}\"\n", c.value)),
        _ => {}
    }
    if tls.insecure_skip_verify.as_ref().is_some_and(|s| s.value) {
        content.push_str(&format!("{indent}skip_verify = true\n"));
    }
}

/// The hosts.toml for a plain-HTTP registry.
pub(crate) fn insecure_fix(host: &str, root: &str) -> HostsTomlFix {
    HostsTomlFix {
        path: format!("{}/{host}/hosts.toml", root.trim_end_matches('/')),
        content: format!(
            "server = \"http://{host}\"\n\n[host.\"http://{host}\"]\n  capabilities = [\"pull\", \"resolve\", \"push\"]\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileId, Span, Spanned};

    fn sp<T>(v: T) -> Spanned<T> {
        Spanned::new(v, Span::new(FileId(0), 0..0))
    }

    #[test]
    fn legacy_mirror_becomes_hosts_toml() {
        let m = Mirror {
            host: sp("docker.io".to_string()),
            endpoints: vec![sp("mirror.local:5000".to_string())],
        };
        let tls = RegistryTls {
            table: Span::new(FileId(0), 0..0),
            insecure_skip_verify: Some(sp(true)),
            ca_file: None,
            cert_file: None,
            key_file: None,
        };
        let configs = vec![RegistryHostConfig {
            host: sp("mirror.local:5000".to_string()),
            tls: Some(tls),
            auth: None,
        }];
        let fix = mirror(&m, &configs, "/etc/containerd/certs.d");
        assert_eq!(fix.path, "/etc/containerd/certs.d/docker.io/hosts.toml");
        assert_eq!(
            fix.content,
            "server = \"https://registry-1.docker.io\"\n\n[host.\"https://mirror.local:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n"
        );
        // An endpoint on the registry's own host: no upstream is added after it.
        let m = Mirror {
            host: sp("localhost:32000".to_string()),
            endpoints: vec![sp("http://localhost:32000".to_string())],
        };
        let fix = mirror(&m, &[], "/etc/containerd/certs.d/");
        assert!(
            fix.content
                .starts_with("server = \"http://localhost:32000\"\n\n[host]")
        );
        assert!(is_localhost("127.0.0.1:5000") && !is_localhost("10.0.0.1"));
    }
}

//! RA402 registry-configs-tls.

use crate::engine::{Emitter, Location};
use crate::model::containerd::{ContainerdConfig, Registry, RegistryHostConfig, RegistryTls};
use crate::model::hosts::url_host;
use crate::model::{NodeSnapshot, Span};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

use super::{config_path_fix, convert, hosts_root};

declare_rule! {
    id: "RA402",
    name: "registry-configs-tls",
    area: Registry,
    summary: "registry.configs.<host>.tls: dropped on containerd 2.x, fatal with config_path on 1.x, deprecated otherwise",
    inputs: [ContainerdConfig],
    cases: [
        /// containerd 2.x: the `tls` table no longer exists; its settings are dropped.
        Removed("removed-in-2-0", Error),
        /// containerd 1.x with config_path: the CRI plugin fails to load.
        WithConfigPath("with-config-path", Error),
        /// containerd 1.x without config_path: works, deprecated.
        Deprecated("deprecated", Warning),
        /// The table key is not the host:port of any mirror endpoint it is meant for.
        HostMismatch("key-not-endpoint-host", Warning),
    ],
}

/// Each `configs."<host>".tls` table is judged by what the release makes of it; a deprecated
/// one keyed by no mirror endpoint is also reported for its key.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let registry = &cfg.cri.registry;
    let table = cfg.cri.layout.registry_table();
    for c in &registry.configs {
        let Some(tls) = &c.tls else {
            continue;
        };
        let host = &c.host.value;
        let fate = TlsFate::of(release, registry);
        TlsTable {
            fate,
            table,
            host,
            config_path: &registry.config_path.value,
            release,
        }
        .emit(out, tls.table, hosts_toml_fix(snap, cfg, c, tls));

        if fate == TlsFate::Deprecated
            && let Some((why, expected)) = key_mismatch(registry, host)
        {
            NotAnEndpoint {
                table,
                host,
                why,
                expected,
                release,
            }
            .emit(out, c.host.span);
        }
    }
}

/// What the release makes of a `tls` table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TlsFate {
    /// containerd 2.x dropped the table.
    Removed,
    /// containerd 1.x refuses it next to config_path.
    RefusedWithConfigPath,
    /// containerd 1.x reads it, deprecated.
    Deprecated,
}

impl TlsFate {
    fn of(release: &ContainerdRelease, registry: &Registry) -> Self {
        if release.is_2x() {
            TlsFate::Removed
        } else if !registry.config_path.value.is_empty() {
            TlsFate::RefusedWithConfigPath
        } else {
            TlsFate::Deprecated
        }
    }

    fn case(self) -> Case {
        match self {
            TlsFate::Removed => Case::Removed,
            TlsFate::RefusedWithConfigPath => Case::WithConfigPath,
            TlsFate::Deprecated => Case::Deprecated,
        }
    }
}

/// A `configs."<host>".tls` table.
struct TlsTable<'a> {
    fate: TlsFate,
    /// The config's registry table.
    table: &'a str,
    host: &'a str,
    /// The registry's config_path, which 1.x refuses next to the table.
    config_path: &'a str,
    release: &'a ContainerdRelease,
}

impl TlsTable<'_> {
    fn message(&self) -> String {
        let host = self.host;
        match self.fate {
            TlsFate::Removed => format!(
                "`configs.\"{host}\".tls` has no effect on {}: containerd 2.0 removed the `tls` table (only `auth` remains)",
                self.release.label()
            ),
            TlsFate::RefusedWithConfigPath => format!(
                "`configs.\"{host}\".tls` is set together with `config_path = \"{}\"`: {} refuses this combination",
                self.config_path,
                self.release.label()
            ),
            TlsFate::Deprecated => format!(
                "`configs.\"{host}\".tls` works on {} but is deprecated",
                self.release.label()
            ),
        }
    }

    fn impact(&self) -> String {
        let host = self.host;
        match self.fate {
            TlsFate::Removed => format!(
                "Its settings are dropped silently (containerd only logs `Ignoring unknown key` and \
                 `` `configs` is deprecated``): pulls from {host} fail with `x509: certificate signed by \
                 unknown authority` (custom CA) or `http: server gave HTTP response to HTTPS client` \
                 (registry without TLS)."
            ),
            TlsFate::RefusedWithConfigPath => "The CRI plugin does not load: containerd logs `invalid plugin config: \
                 `configs.tls` cannot be set when `config_path` is provided`. The kubelet cannot reach \
                 the CRI and the node goes NotReady."
                .to_string(),
            TlsFate::Deprecated => "containerd logs `` `configs.tls` is deprecated, please use `config_path` instead``. \
                 The table cannot be combined with config_path (the CRI plugin then fails to load) and \
                 containerd 2.0 drops it: pulls then fail with `x509: certificate signed by unknown \
                 authority` or `http: server gave HTTP response to HTTPS client`."
                .to_string(),
        }
    }

    /// `fix` is the hosts.toml the settings move to.
    fn emit(self, out: &mut Emitter<Case>, at: Span, fix: String) {
        let (table, host) = (self.table, self.host);
        let b = out
            .finding(self.fate.case(), Location::Span(at), self.message())
            .impact(self.impact())
            .fix(fix)
            .key(format!("{table}.configs.\"{host}\".tls"))
            .label("tls table");
        b.release(self.release).emit();
    }
}

/// A `configs."<host>"` key that is not the host:port of the mirror endpoint it is meant for.
struct NotAnEndpoint<'a> {
    table: &'a str,
    host: &'a str,
    /// Why it matches no endpoint.
    why: String,
    /// The endpoint's host:port: the key it should be.
    expected: String,
    release: &'a ContainerdRelease,
}

impl NotAnEndpoint<'_> {
    const IMPACT: &'static str = "The TLS settings are not used for the mirror endpoint: pulls through it fail with \
                     `x509: certificate signed by unknown authority` or `http: server gave HTTP response \
                     to HTTPS client`, often hidden behind the error of the upstream fallback.";

    fn message(&self) -> String {
        let (host, why) = (self.host, &self.why);
        format!(
            "`configs.\"{host}\"` matches no mirror endpoint: containerd looks TLS settings up by the endpoint's host:port, {why}"
        )
    }

    fn fix(&self) -> String {
        let (table, expected) = (self.table, &self.expected);
        format!(
            "Rename the table to the endpoint's host:port: `[{table}.configs.\"{expected}\".tls]` \
             (better: move to hosts.toml, see the other RA402 finding)."
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Span) {
        let (table, host) = (self.table, self.host);
        let b = out
            .finding(Case::HostMismatch, Location::Span(at), self.message())
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key(format!("{table}.configs.\"{host}\""))
            .label("not an endpoint host")
            .actual(host.to_owned())
            .expected(self.expected);
        b.release(self.release).emit();
    }
}

/// Why a configs key matches no endpoint it is meant for, and the key it should be. Only
/// keys that look meant for a mirror are judged: a registry's own name (the mirror key),
/// or a host whose name matches an endpoint's but not its port.
fn key_mismatch(registry: &Registry, key: &str) -> Option<(String, String)> {
    let endpoints: Vec<String> = registry
        .mirrors
        .iter()
        .flat_map(|m| m.endpoints.iter())
        .map(|e| url_host(&convert::with_scheme(&e.value)).to_string())
        .collect();
    if endpoints.iter().any(|e| e == key) {
        return None;
    }
    let name = |h: &str| {
        h.rsplit_once(':')
            .map_or(h.to_string(), |(n, _)| n.to_string())
    };
    if let Some(e) = endpoints.iter().find(|e| name(e) == name(key)) {
        return Some((
            format!("and the endpoint is `{e}` (the port is part of the key)"),
            e.clone(),
        ));
    }
    let mirror = registry.mirrors.iter().find(|m| m.host.value == key)?;
    let first = mirror
        .endpoints
        .first()
        .map(|e| url_host(&convert::with_scheme(&e.value)).to_string())?;
    let fallback = if key == "docker.io" {
        "applies to no endpoint at all (Docker Hub's upstream is registry-1.docker.io)".to_string()
    } else {
        format!("applies only to the upstream fallback https://{key}")
    };
    Some((
        format!(
            "`{key}` is the registry name of a mirror whose endpoints are elsewhere: the table {fallback}"
        ),
        first,
    ))
}

fn hosts_toml_fix(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    c: &RegistryHostConfig,
    tls: &RegistryTls,
) -> String {
    let registry = &cfg.cri.registry;
    let root = hosts_root(snap);
    let table = cfg.cri.layout.registry_table();
    // An endpoint of a mirror: its TLS settings go on that host in the mirror's hosts.toml.
    // A key naming the endpoint without its port (the usual mistake) is meant for it too.
    let name = |h: &str| h.rsplit_once(':').map_or(h, |(n, _)| n).to_string();
    let meant = |endpoint: &str| {
        let host = url_host(endpoint);
        host == c.host.value || (!c.host.value.contains(':') && name(host) == c.host.value)
    };
    // A key naming the mirror's registry (`docker.io`) is meant for its endpoints.
    let files: Vec<String> = registry
        .mirrors
        .iter()
        .filter(|m| {
            m.host.value == c.host.value
                || m.endpoints
                    .iter()
                    .any(|e| meant(&convert::with_scheme(&e.value)))
        })
        .map(|m| {
            let endpoint_hosts: Vec<String> = m
                .endpoints
                .iter()
                .map(|e| url_host(&convert::with_scheme(&e.value)).to_string())
                .collect();
            let for_registry = m.host.value == c.host.value;
            let lookup = |host: &str| {
                if meant(&format!("https://{host}"))
                    || (for_registry && endpoint_hosts.iter().any(|e| e == host))
                {
                    Some(tls)
                } else {
                    convert::tls_for(&registry.configs, host)
                }
            };
            convert::mirror_with(m, &lookup, &root).render()
        })
        .collect();
    let files = if files.is_empty() {
        vec![convert::tls_only(&c.host.value, tls, &root).render()]
    } else {
        files
    };
    let mut fix = format!(
        "Delete `[{table}.configs.\"{}\".tls]` and write the TLS settings (`ca_file` → `ca`, \
         `cert_file`/`key_file` → `client`, `insecure_skip_verify` → `skip_verify`) in hosts.toml:\n{}",
        c.host.value,
        files.join("\n")
    );
    if let Some(set) = config_path_fix(cfg, &root) {
        fix.push_str(&format!("\nand {set}"));
    }
    fix
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "plugins.\"io.containerd.grpc.v1.cri\".registry";

    fn tls_table(fate: TlsFate, release: &ContainerdRelease) -> TlsTable<'_> {
        TlsTable {
            fate,
            table: TABLE,
            host: "registry.local:5000",
            config_path: "/etc/containerd/certs.d",
            release,
        }
    }

    #[test]
    fn a_tls_table_is_worded_by_what_the_release_makes_of_it() {
        let v1 = ContainerdRelease::target("1.7.28");
        let v2 = ContainerdRelease::target("2.0.5");
        let refused = tls_table(TlsFate::RefusedWithConfigPath, &v1);
        assert!(refused.message().starts_with(
            "`configs.\"registry.local:5000\".tls` is set together with `config_path = \"/etc/containerd/certs.d\"`"
        ));
        assert!(refused.impact().starts_with("The CRI plugin does not load"));
        let removed = tls_table(TlsFate::Removed, &v2);
        assert!(
            removed
                .impact()
                .contains("pulls from registry.local:5000 fail with")
        );
    }

    #[test]
    fn a_key_that_is_no_endpoint_is_renamed_to_the_endpoint() {
        let release = ContainerdRelease::target("1.7.28");
        let mismatch = NotAnEndpoint {
            table: TABLE,
            host: "mirror.local",
            why: "and the endpoint is `mirror.local:5000` (the port is part of the key)".to_owned(),
            expected: "mirror.local:5000".to_owned(),
            release: &release,
        };
        assert!(mismatch.message().ends_with(
            "host:port, and the endpoint is `mirror.local:5000` (the port is part of the key)"
        ));
        assert!(mismatch.fix().starts_with(
            "Rename the table to the endpoint's host:port: \
             `[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"mirror.local:5000\".tls]`"
        ));
    }
}

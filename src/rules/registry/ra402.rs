//! RA402 registry-configs-tls.

use crate::engine::{Emitter, Location};
use crate::model::containerd::{ContainerdConfig, Registry, RegistryHostConfig, RegistryTls};
use crate::model::hosts::url_host;
use crate::model::NodeSnapshot;
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
        let key = format!("{table}.configs.\"{host}\".tls");
        let fix = hosts_toml_fix(snap, cfg, c, tls);
        let (case, message, impact) = if release.is_2x() {
            (
                Case::Removed,
                format!(
                    "`configs.\"{host}\".tls` has no effect on {}: containerd 2.0 removed the `tls` table (only `auth` remains)",
                    release.label()
                ),
                format!(
                    "Its settings are dropped silently (containerd only logs `Ignoring unknown key` and \
                     `` `configs` is deprecated``): pulls from {host} fail with `x509: certificate signed by \
                     unknown authority` (custom CA) or `http: server gave HTTP response to HTTPS client` \
                     (registry without TLS)."
                ),
            )
        } else if !registry.config_path.value.is_empty() {
            (
                Case::WithConfigPath,
                format!(
                    "`configs.\"{host}\".tls` is set together with `config_path = \"{}\"`: {} refuses this combination",
                    registry.config_path.value, release.label()
                ),
                "The CRI plugin does not load: containerd logs `invalid plugin config: \
                 `configs.tls` cannot be set when `config_path` is provided`. The kubelet cannot reach \
                 the CRI and the node goes NotReady."
                    .to_string(),
            )
        } else {
            (
                Case::Deprecated,
                format!(
                    "`configs.\"{host}\".tls` works on {} but is deprecated",
                    release.label()
                ),
                "containerd logs `` `configs.tls` is deprecated, please use `config_path` instead``. \
                 The table cannot be combined with config_path (the CRI plugin then fails to load) and \
                 containerd 2.0 drops it: pulls then fail with `x509: certificate signed by unknown \
                 authority` or `http: server gave HTTP response to HTTPS client`."
                    .to_string(),
            )
        };
        let b = out
            .finding(case, Location::Span(tls.table), message)
            .impact(impact)
            .fix(fix)
            .key(key.clone())
            .label("tls table");
        b.release(release).emit();

        if case == Case::Deprecated
            && let Some((why, expected)) = key_mismatch(registry, host)
        {
            let b = out
                .finding(
                    Case::HostMismatch,
                    Location::Span(c.host.span),
                    format!(
                        "`configs.\"{host}\"` matches no mirror endpoint: containerd looks TLS settings up by the endpoint's host:port, {why}"
                    ),
                )
                .impact(
                    "The TLS settings are not used for the mirror endpoint: pulls through it fail with \
                     `x509: certificate signed by unknown authority` or `http: server gave HTTP response \
                     to HTTPS client`, often hidden behind the error of the upstream fallback.",
                )
                .fix(format!(
                    "Rename the table to the endpoint's host:port: `[{table}.configs.\"{expected}\".tls]` \
                     (better: move to hosts.toml, see the other RA402 finding)."
                ))
                .key(format!("{table}.configs.\"{host}\""))
                .label("not an endpoint host")
                .actual(host.clone())
                .expected(expected);
            b.release(release).emit();
        }
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

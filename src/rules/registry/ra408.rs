//! RA408 tls-config-on-http-endpoint.

use crate::engine::{Emitter, Location};
use crate::model::hosts::{HostSettings, url_host, url_scheme};
use crate::model::NodeSnapshot;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

use super::convert;

declare_rule! {
    id: "RA408",
    name: "tls-config-on-http-endpoint",
    area: Registry,
    summary: "TLS settings for a registry endpoint that is plain http://",
    inputs: [ContainerdConfig, HostsToml],
    cases: [
        /// `configs."<host>".tls` for a host whose endpoints are all `http://` (legacy CRI config).
        Legacy("configs-tls-http", Warning),
        /// `skip_verify` / `ca` / `client` on an `http://` host in hosts.toml.
        HostsToml("hosts-toml-http", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let cfg = snap.containerd.present();
    if cfg.is_none() && snap.registry_hosts.files.is_empty() {
        out.need(&snap.containerd, "containerd config");
        return;
    }
    let release = containerd_release(snap, out);
    if let Some(cfg) = cfg {
        legacy(out, release, cfg);
    }
    for f in &snap.registry_hosts.files {
        let Ok(parsed) = &f.parsed else {
            continue;
        };
        // Top-level settings apply to `server` (without a server they go to the registry itself,
        // which containerd contacts over HTTPS unless it is localhost).
        let entries = parsed
            .hosts
            .iter()
            .map(|h| (h.url.value.as_str(), h.url.span, &h.settings))
            .chain(
                parsed
                    .server
                    .iter()
                    .map(|s| (s.value.as_str(), s.span, &parsed.defaults)),
            );
        for (url, url_span, settings) in entries {
            if url_scheme(url) != "http" {
                continue;
            }
            let Some((key, span)) = settings.tls_setting() else {
                continue;
            };
            hosts_toml(out, release, &f.path, url, url_span, key, span, settings);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn hosts_toml(
    out: &mut Emitter<Case>,
    release: &ContainerdRelease,
    path: &str,
    url: &str,
    url_span: crate::model::Span,
    key: &str,
    span: crate::model::Span,
    settings: &HostSettings,
) {
    let host = url_host(url);
    let port_80 = host.ends_with(":80");
    let impact = if release.is_2x() && !port_80 {
        format!(
            "containerd {} tries HTTPS first and falls back to HTTP, logging `host will try HTTPS first since it is \
             configured for HTTP with a TLS configuration, consider changing host to HTTPS or removing unused TLS \
             configuration`: every pull makes a failed TLS attempt first.",
            release.line_label()
        )
    } else {
        "The TLS setting has no effect: the host is contacted over plain HTTP (seen with containerd 1.6.20). If the \
         registry really serves HTTPS with an untrusted certificate, pulls fail with `http: server gave HTTP response \
         to HTTPS client` or `tls: first record does not look like a TLS handshake` the other way round."
            .to_string()
    };
    let what = if settings.skip_verify.as_ref().is_some_and(|s| s.value) {
        "skips certificate verification"
    } else {
        "sets TLS options"
    };
    let b = out
        .finding(
            Case::HostsToml,
            Location::Span(span),
            format!("`{key}` in {path} {what} for {url}, which is plain HTTP"),
        )
        .impact(impact)
        .fix(format!(
            "Decide what the registry speaks: plain HTTP → delete `{key}` (and any other `skip_verify`/`ca`/`client`) \
             for {url}; HTTPS with a self-signed certificate → change the URL to `https://{host}` and keep `{key}`."
        ))
        .key(format!("{path}:{url}.{key}"))
        .label("TLS on http://")
        .related(url_span, "http:// here");
    b.release(release).emit();
}

/// Legacy `configs."<host>".tls` where every endpoint with that host is `http://`. containerd
/// 2.x drops the table entirely (RA402), so only 1.x is judged here.
fn legacy(
    out: &mut Emitter<Case>,
    release: &ContainerdRelease,
    cfg: &crate::model::containerd::ContainerdConfig,
) {
    if release.is_2x() {
        return;
    }
    let registry = &cfg.cri.registry;
    let table = cfg.cri.layout.registry_table();
    for c in &registry.configs {
        let Some(tls) = &c.tls else {
            continue;
        };
        let host = &c.host.value;
        let endpoints: Vec<String> = registry
            .mirrors
            .iter()
            .flat_map(|m| m.endpoints.iter())
            .map(|e| convert::with_scheme(&e.value))
            .filter(|e| url_host(e) == host)
            .collect();
        if endpoints.is_empty() || endpoints.iter().any(|e| url_scheme(e) != "http") {
            continue;
        }
        let b = out
            .finding(
                Case::Legacy,
                Location::Span(tls.table),
                format!(
                    "`configs.\"{host}\".tls` configures TLS for {host}, but every mirror endpoint on it is plain HTTP ({})",
                    endpoints.join(", ")
                ),
            )
            .impact(
                "The TLS table has no effect: pulls go over plain HTTP (seen with containerd 1.6.20). Setting both is \
                 usually a misunderstanding of which one the registry needs.",
            )
            .fix(format!(
                "Plain-HTTP registry: delete `[{table}.configs.\"{host}\".tls]`. HTTPS registry with a self-signed \
                 certificate: change the endpoint to `https://{host}` and keep `insecure_skip_verify` (better: hosts.toml \
                 with `skip_verify = true`, see RA402)."
            ))
            .key(format!("{table}.configs.\"{host}\".tls"))
            .label("TLS for an http:// endpoint");
        b.release(release).emit();
    }
}

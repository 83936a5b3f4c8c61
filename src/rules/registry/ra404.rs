//! RA404 registry-plaintext-credentials.
//!
//! Never quotes a credential: messages name the table and the field names only, and the
//! stored source text is masked by the collectors before any code frame can show it.

use crate::engine::{Emitter, Location};
use crate::model::containerd::RegistryAuth;
use crate::model::{Input, NodeSnapshot};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA404",
    name: "registry-plaintext-credentials",
    area: Registry,
    summary: "Registry credentials stored in plain text in config.toml (or a hosts.toml header)",
    inputs: [ContainerdConfig, HostsToml],
    cases: [
        ConfigAuth("config-toml", Warning),
        /// A hosts.toml `[header]` carrying credentials: the documented way to send a static token,
        /// still a plaintext secret on disk.
        HostsHeader("hosts-toml-header", Note),
    ],
}

/// Header names that carry credentials.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization"];

fn is_credential_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    CREDENTIAL_HEADERS.contains(&lower.as_str())
        || ["token", "secret", "password", "api-key", "apikey"]
            .iter()
            .any(|w| lower.contains(w))
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let cfg = match &snap.containerd {
        Input::Present(c) => Some(c),
        Input::Unreadable { .. } | Input::Invalid { .. } => {
            out.need(&snap.containerd, "containerd config");
            None
        }
        Input::Absent { .. } => None,
    };
    if let Some(cfg) = cfg {
        let release = containerd_release(snap, out);
        let table = cfg.cri.layout.registry_table();
        for a in &cfg.cri.registry.auths {
            emit_auth(
                out,
                release,
                a,
                &format!("{table}.auths.\"{}\"", a.host.value),
                &cfg.path,
                true,
            );
        }
        for c in &cfg.cri.registry.configs {
            if let Some(a) = &c.auth {
                emit_auth(
                    out,
                    release,
                    a,
                    &format!("{table}.configs.\"{}\".auth", c.host.value),
                    &cfg.path,
                    false,
                );
            }
        }
    }
    let mut headers = 0;
    for f in &snap.registry_hosts.files {
        let Ok(parsed) = &f.parsed else {
            continue;
        };
        for (where_, settings) in std::iter::once(("top level".to_string(), &parsed.defaults))
            .chain(
                parsed
                    .hosts
                    .iter()
                    .map(|h| (format!("[host.\"{}\"]", h.url.value), &h.settings)),
            )
        {
            for h in settings
                .header
                .iter()
                .filter(|h| is_credential_header(&h.value))
            {
                headers += 1;
                out.finding(
                    Case::HostsHeader,
                    Location::Span(h.span),
                    format!(
                        "`{}` header with a credential in plain text in {} ({where_})",
                        h.value, f.path
                    ),
                )
                .impact(
                    "Anyone who can read the file (backups, support bundles, node images) gets the \
                     registry credential; it is sent on every request to this host.",
                )
                .fix(format!(
                    "Prefer imagePullSecrets or a kubelet credential provider; if a static header must stay, \
                     keep {} readable by root only (chmod 600) and rotate the token regularly.",
                    f.path
                ))
                .key(format!("{}:header.{}", f.path, h.value))
                .label("credential header (value masked)")
                .emit();
            }
        }
    }
    if snap.containerd.is_absent() && headers == 0 && snap.registry_hosts.files.is_empty() {
        out.not_applicable("no containerd config and no hosts.toml files");
    }
}

fn emit_auth(
    out: &mut Emitter<Case>,
    release: &ContainerdRelease,
    a: &RegistryAuth,
    key: &str,
    path: &str,
    legacy_auths: bool,
) {
    if a.fields.is_empty() {
        return;
    }
    let fields: Vec<&str> = a.fields.iter().map(|f| f.value.as_str()).collect();
    let replacement = if legacy_auths {
        " (`auths` is also deprecated, see RA403)"
    } else {
        ""
    };
    let mut b = out
        .finding(
            Case::ConfigAuth,
            Location::Span(a.table),
            format!(
                "Registry credentials for {} are stored in plain text in {path}: {}{replacement}",
                a.host.value,
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .impact(
            "Anyone who can read config.toml (backups, support bundles, `containerd config dump` output, \
             node images) gets the registry credential; it applies to every pod on the node regardless of \
             namespace.",
        )
        .fix(format!(
            "Delete `[{key}]` and give the credential to Kubernetes instead: `kubectl create secret \
             docker-registry <name> --docker-server={} ...` referenced as `imagePullSecrets` (or a kubelet \
             credential provider / the kubelet's config.json). Rotate the credential, since it was stored in \
             plain text.",
            a.host.value
        ))
        .key(key.to_string())
        .label("credentials (values masked)");
    for f in &a.fields {
        b = b.related(f.span, format!("`{}` set here", f.value));
    }
    b.release(release).emit();
}

//! RA404 registry-plaintext-credentials.
//!
//! Never quotes a credential: messages name the table and the field names only, and the
//! stored source text is masked by the collectors before any code frame can show it.

use crate::engine::{Emitter, Location};
use crate::model::containerd::{ContainerdConfig, RegistryAuth};
use crate::model::{Input, NodeSnapshot, Span};
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

/// Every credential table in config.toml, and every credential header in a hosts.toml, is a
/// finding.
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
        config_tables(snap, cfg, out);
    }
    let headers = hosts_headers(snap, out);
    if snap.containerd.is_absent() && headers == 0 && snap.registry_hosts.files.is_empty() {
        out.not_applicable("no containerd config and no hosts.toml files");
    }
}

/// The `auths` tables, then the `configs.<host>.auth` tables, that hold a credential.
fn config_tables(snap: &NodeSnapshot, cfg: &ContainerdConfig, out: &mut Emitter<Case>) {
    let release = containerd_release(snap, out);
    let table = cfg.cri.layout.registry_table();
    let registry = &cfg.cri.registry;
    let auths = registry
        .auths
        .iter()
        .map(|a| (a, format!("{table}.auths.\"{}\"", a.host.value), true));
    let config_auths = registry.configs.iter().filter_map(|c| {
        let key = format!("{table}.configs.\"{}\".auth", c.host.value);
        c.auth.as_ref().map(|a| (a, key, false))
    });
    for (auth, key, legacy_auths) in auths.chain(config_auths) {
        if auth.fields.is_empty() {
            continue;
        }
        PlaintextAuth {
            auth,
            key,
            path: &cfg.path,
            legacy_auths,
        }
        .emit(out, release);
    }
}

/// The credential headers of every hosts.toml, at the top level and in each `[host]`; returns
/// how many there are.
fn hosts_headers(snap: &NodeSnapshot, out: &mut Emitter<Case>) -> usize {
    let mut headers = 0;
    for f in &snap.registry_hosts.files {
        let Ok(parsed) = &f.parsed else {
            continue;
        };
        for (place, settings) in std::iter::once(("top level".to_string(), &parsed.defaults)).chain(
            parsed
                .hosts
                .iter()
                .map(|h| (format!("[host.\"{}\"]", h.url.value), &h.settings)),
        ) {
            for h in settings
                .header
                .iter()
                .filter(|h| is_credential_header(&h.value))
            {
                headers += 1;
                CredentialHeader {
                    name: &h.value,
                    path: &f.path,
                    place: &place,
                }
                .emit(out, h.span);
            }
        }
    }
    headers
}

/// A credential table in config.toml (`auths."<host>"` or `configs."<host>".auth`).
struct PlaintextAuth<'a> {
    auth: &'a RegistryAuth,
    /// The table's key.
    key: String,
    /// config.toml's path.
    path: &'a str,
    /// An `auths` table, deprecated itself.
    legacy_auths: bool,
}

impl PlaintextAuth<'_> {
    const IMPACT: &'static str = "Anyone who can read config.toml (backups, support bundles, `containerd config dump` output, \
             node images) gets the registry credential; it applies to every pod on the node regardless of \
             namespace.";

    /// Names the fields only: never a value.
    fn message(&self) -> String {
        let path = self.path;
        let replacement = if self.legacy_auths {
            " (`auths` is also deprecated, see RA403)"
        } else {
            ""
        };
        format!(
            "Registry credentials for {} are stored in plain text in {path}: {}{replacement}",
            self.auth.host.value,
            self.auth
                .fields
                .iter()
                .map(|f| format!("`{}`", f.value))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn fix(&self) -> String {
        let key = &self.key;
        format!(
            "Delete `[{key}]` and give the credential to Kubernetes instead: `kubectl create secret \
             docker-registry <name> --docker-server={} ...` referenced as `imagePullSecrets` (or a kubelet \
             credential provider / the kubelet's config.json). Rotate the credential, since it was stored in \
             plain text.",
            self.auth.host.value
        )
    }

    fn emit(self, out: &mut Emitter<Case>, release: &ContainerdRelease) {
        let mut b = out
            .finding(
                Case::ConfigAuth,
                Location::Span(self.auth.table),
                self.message(),
            )
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key(self.key.clone())
            .label("credentials (values masked)");
        for f in &self.auth.fields {
            b = b.related(f.span, format!("`{}` set here", f.value));
        }
        b.release(release).emit();
    }
}

/// A hosts.toml header that carries a credential.
struct CredentialHeader<'a> {
    /// The header's name (its value is never quoted).
    name: &'a str,
    /// The hosts.toml's path.
    path: &'a str,
    /// `top level` or `[host."<url>"]`.
    place: &'a str,
}

impl CredentialHeader<'_> {
    const IMPACT: &'static str = "Anyone who can read the file (backups, support bundles, node images) gets the \
                     registry credential; it is sent on every request to this host.";

    fn message(&self) -> String {
        format!(
            "`{}` header with a credential in plain text in {} ({})",
            self.name, self.path, self.place
        )
    }

    fn fix(&self) -> String {
        format!(
            "Prefer imagePullSecrets or a kubelet credential provider; if a static header must stay, \
             keep {} readable by root only (chmod 600) and rotate the token regularly.",
            self.path
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Span) {
        out.finding(Case::HostsHeader, Location::Span(at), self.message())
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key(format!("{}:header.{}", self.path, self.name))
            .label("credential header (value masked)")
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileId, Spanned};

    fn spanned(value: &str) -> Spanned<String> {
        Spanned {
            value: value.to_owned(),
            span: Span::new(FileId(0), 0..1),
        }
    }

    #[test]
    fn a_credential_table_is_named_by_its_fields_only() {
        let auth = RegistryAuth {
            host: spanned("registry.local"),
            table: Span::new(FileId(0), 0..1),
            fields: vec![spanned("username"), spanned("password")],
        };
        let plaintext = |legacy_auths| PlaintextAuth {
            auth: &auth,
            key: "plugins.\"io.containerd.grpc.v1.cri\".registry.auths.\"registry.local\""
                .to_owned(),
            path: "/etc/containerd/config.toml",
            legacy_auths,
        };
        assert_eq!(
            plaintext(false).message(),
            "Registry credentials for registry.local are stored in plain text in /etc/containerd/config.toml: \
             `username`, `password`"
        );
        assert!(
            plaintext(true)
                .message()
                .ends_with("`password` (`auths` is also deprecated, see RA403)")
        );
        assert!(
            plaintext(true)
                .fix()
                .contains("--docker-server=registry.local ...")
        );
    }
}

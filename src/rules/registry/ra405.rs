//! RA405 hosts-toml-invalid.

use crate::engine::{Emitter, Location};
use crate::model::hosts::{
    CertFile, DOCKER_HUB_ALIASES, FileCheck, HostEntry, HostSettings, HostsConfig, HostsFile,
    HostsParseError, HostsRoot, KeySuggestion, NamespaceKind, NestedHost, host_paths, lookup,
    url_host,
};
use crate::model::{InputKind, NodeSnapshot, Problem};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

use super::{convert, searched_roots};

declare_rule! {
    id: "RA405",
    name: "hosts-toml-invalid",
    area: Registry,
    summary: "A hosts.toml containerd ignores, rejects or reads differently than written",
    inputs: [HostsToml, ContainerdConfig],
    cases: [
        Syntax("syntax", Error),
        Rejected("rejected", Error),
        NoHostTable("no-host-table", Error),
        /// 1.7 got the fix for containerd#10027 in a patch release that is UNVERIFIED.
        NoHostTable17("no-host-table-1-7", Warning),
        MissingCert("missing-cert", Error),
        UnknownKey("unknown-key", Warning),
        KeyNotInRelease("key-not-in-release", Warning),
        Capabilities("capabilities", Warning),
        /// No host (mirror or server) may resolve: every tag pull fails.
        NoResolveHost("no-resolve-host", Error),
        Nested("nested-host", Warning),
        Outside("outside-namespace", Warning),
        Unreachable("unreachable-namespace", Warning),
        DockerHubAlias("docker-hub-alias", Warning),
        Shadowed("shadowed", Warning),
    ],
}

/// What the file is for, in messages.
fn target(f: &HostsFile) -> String {
    match &f.kind {
        NamespaceKind::Registry { host } => host.clone(),
        NamespaceKind::Default => "every registry without its own directory (_default)".into(),
        NamespaceKind::Outside | NamespaceKind::Unreachable { .. } => "any registry".into(),
    }
}

/// Where pulls go when the file is ignored.
fn fallback(f: &HostsFile) -> String {
    match f.registry() {
        Some(r) => format!("pulls from {r} go straight to {}", convert::upstream(r)),
        None => "pulls go straight to each image's own registry".into(),
    }
}

/// Every file is checked for what containerd makes of its place and its content; the
/// settings that only matter when containerd reads the file, only in a searched root.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let hosts = &snap.registry_hosts;
    let unreadable: Vec<&str> = snap
        .problems
        .iter()
        .filter(|p| {
            p.kind == InputKind::HostsToml && matches!(p.problem, Problem::Unreadable { .. })
        })
        .map(|p| p.path.as_str())
        .collect();
    if hosts.files.is_empty() {
        if unreadable.is_empty() {
            let roots: Vec<&str> = hosts.roots.iter().map(|r| r.path.as_str()).collect();
            out.not_applicable(format!("no hosts.toml files under {}", roots.join(", ")));
        } else {
            out.inconclusive(format!("could not read {} (RA001)", unreadable.join(", ")));
        }
        return;
    }
    if !unreadable.is_empty() {
        out.assume(format!(
            "not checked, unreadable (RA001): {}",
            unreadable.join(", ")
        ));
    }
    let release = containerd_release(snap, out);
    let searched = searched_roots(snap, release);
    let search_roots: Vec<&HostsRoot> = match &searched {
        Some(s) => s.roots.clone(),
        None => {
            out.assume(
                "containerd's config could not be read: which directories it searches is unknown, so only \
                 the files' own content was checked",
            );
            Vec::new()
        }
    };
    let mut report = Report { out, release };
    for f in &hosts.files {
        let active = f.namespace.is_some() && search_roots.iter().any(|r| r.path == f.root);
        namespace_findings(&mut report, f, &search_roots, active);
        let parsed = match &f.parsed {
            Ok(p) => p,
            Err(e) => {
                let at = e
                    .span
                    .map_or_else(|| Location::Path(f.path.clone()), Location::Span);
                report.emit(Case::Syntax, at, f.path.clone(), e.message.clone(), syntax(f, e));
                continue;
            }
        };
        for (key, span, error) in parsed.rejections(release) {
            report.emit(
                Case::Rejected,
                Location::Span(span),
                format!("{}:{key}", f.path),
                error.clone(),
                rejected(f, key, &error),
            );
        }
        if active {
            no_host_table(&mut report, f, parsed);
            missing_certs(&mut report, f, parsed);
            capabilities(&mut report, f, parsed);
        }
        unknown_keys(&mut report, f, parsed);
        keys_not_in_release(&mut report, f, parsed);
        nested(&mut report, f, parsed);
    }
}

/// What a finding says.
struct Wording {
    message: String,
    impact: String,
    fix: String,
}

/// Reports findings about hosts.toml files: every case has a key and a label, and depends on
/// the containerd release.
struct Report<'o> {
    out: &'o mut Emitter<Case>,
    release: &'o ContainerdRelease,
}

impl Report<'_> {
    fn emit(
        &mut self,
        case: Case,
        at: Location,
        key: String,
        label: impl Into<String>,
        wording: Wording,
    ) {
        self.out
            .finding(case, at, wording.message)
            .impact(wording.impact)
            .fix(wording.fix)
            .key(key)
            .label(label)
            .release(self.release)
            .emit();
    }
}

const DECODE_LOG: &str =
    "containerd logs `failed to decode hosts.toml` (recent releases name the file)";

fn syntax(f: &HostsFile, e: &HostsParseError) -> Wording {
    Wording {
        message: format!("{} is not valid TOML: {}", f.path, e.message),
        impact: format!(
            "{DECODE_LOG} on the first pull it is needed for and ignores the whole file, \
             falling back to Docker-style certificate files in its directory: {}.",
            fallback(f)
        ),
        fix: "Correct the TOML syntax at the marked position; containerd re-reads hosts.toml on the next pull (no restart).".to_owned(),
    }
}

fn rejected(f: &HostsFile, key: &str, error: &str) -> Wording {
    Wording {
        message: format!("containerd rejects {}: {error}", f.path),
        impact: format!(
            "{DECODE_LOG} and ignores the whole file, not only this key: {}.",
            fallback(f)
        ),
        fix: rejection_fix(key),
    }
}

fn rejection_fix(key: &str) -> String {
    let form = match key {
        "server" => {
            "`server = \"https://registry.example.com\"` (one URL; list further mirrors as `[host.\"<url>\"]` tables, tried in file order before `server`)"
        }
        "capabilities" => {
            "`capabilities = [\"pull\", \"resolve\"]` (only `pull`, `resolve`, `push` exist)"
        }
        "skip_verify" | "override_path" => "a boolean: `skip_verify = true` (no quotes)",
        "ca" => "`ca = \"/path/ca.crt\"` or `ca = [\"/path/a.crt\", \"/path/b.crt\"]`",
        "client" => {
            "`client = \"/path/client.pem\"` or `client = [[\"/path/client.cert\", \"/path/client.key\"]]`"
        }
        "header" => {
            "`[header]` with string values: `x-name = \"value\"` or `x-name = [\"a\", \"b\"]`"
        }
        "dial_timeout" => "a Go duration string: `dial_timeout = \"3s\"`",
        "host" => "one `[host.\"https://mirror.example.com\"]` table per mirror",
        _ => "the form containerd documents in docs/hosts.md",
    };
    format!("Write `{key}` as {form}.")
}

/// Where the file sits: whether containerd ever reads it, and for which registry.
fn namespace_findings(
    report: &mut Report<'_>,
    f: &HostsFile,
    search_roots: &[&HostsRoot],
    active: bool,
) {
    let at = || Location::Path(f.path.clone());
    match &f.kind {
        NamespaceKind::Outside => {
            report.emit(Case::Outside, at(), f.path.clone(), "not in a registry directory", outside(f));
        }
        NamespaceKind::Unreachable { suggestion } => {
            let name = f.namespace.as_deref().unwrap_or("");
            report.emit(
                Case::Unreachable,
                at(),
                f.path.clone(),
                "unreachable directory name",
                unreachable(f, name, suggestion.as_deref()),
            );
        }
        NamespaceKind::Registry { host } if DOCKER_HUB_ALIASES.contains(&host.as_str()) => {
            report.emit(Case::DockerHubAlias, at(), f.path.clone(), "Docker Hub alias", docker_hub_alias(f, host));
        }
        _ => {}
    }
    if !active {
        return;
    }
    if let Some((root, name)) = used_instead(f, search_roots) {
        report.emit(
            Case::Shadowed,
            at(),
            f.path.clone(),
            "shadowed",
            shadowed(f, root, &name, search_roots),
        );
    }
}

/// The directory containerd uses for this file's namespace, when it is another one.
fn used_instead<'r>(f: &HostsFile, search_roots: &[&'r HostsRoot]) -> Option<(&'r HostsRoot, String)> {
    let (root, name) = match &f.kind {
        NamespaceKind::Registry { host } => {
            lookup(search_roots, host).map(|l| (l.root, l.dir.name.clone()))
        }
        NamespaceKind::Default => search_roots
            .iter()
            .take_while(|r| r.path != f.root)
            .find(|r| r.namespaces.iter().any(|d| d.name == "_default"))
            .map(|r| (*r, "_default".to_string())),
        _ => None,
    }?;
    (root.path != f.root || Some(name.as_str()) != f.namespace.as_deref()).then_some((root, name))
}

fn outside(f: &HostsFile) -> Wording {
    Wording {
        message: format!(
            "{} sits directly in {}: containerd only reads <root>/<registry host>/hosts.toml and never this file",
            f.path, f.root
        ),
        impact: "Nothing in it is applied: every pull goes to the image's own registry as if the file did not exist.".to_owned(),
        fix: format!(
            "Move it to {root}/<registry host>/hosts.toml for the registry it is meant for (e.g. \
             {root}/docker.io/hosts.toml or {root}/registry.k8s.io/hosts.toml), or to \
             {root}/_default/hosts.toml to apply it to every registry without a directory of its own.",
            root = f.root
        ),
    }
}

/// A directory named `name`, which containerd never looks up; `suggestion` is the registry
/// host it seems meant for.
fn unreachable(f: &HostsFile, name: &str, suggestion: Option<&str>) -> Wording {
    let fix = suggestion.map_or_else(
        || format!("Rename {}/{name} to the registry host as images name it (`host` or `host:port`, or `host_port_`), or `_default`.", f.root),
        |s| {
            format!(
                "Rename {root}/{name} to {root}/{s} (or {root}/{}).",
                crate::model::hosts::host_directory(s),
                root = f.root
            )
        },
    );
    Wording {
        message: format!(
            "containerd never looks up a directory named `{name}`: for a registry `host:port` it tries `host_port_`, then `host:port`, then `_default`"
        ),
        impact: "The file is never read: pulls from the registry it is meant for ignore it (e.g. plain-HTTP registries then fail with `http: server gave HTTP response to HTTPS client`).".to_owned(),
        fix,
    }
}

fn docker_hub_alias(f: &HostsFile, host: &str) -> Wording {
    Wording {
        message: format!(
            "`{host}` is one of Docker Hub's host names, but images from Docker Hub (`nginx`, `docker.io/library/nginx`) are looked up under `docker.io`"
        ),
        impact: format!("The file applies only to image references spelled `{host}/...`; ordinary Docker Hub pulls ignore it."),
        fix: format!("Move it to {}/docker.io/hosts.toml (merge the `[host]` tables if that file exists).", f.root),
    }
}

/// containerd finds `root`/`name` before this file's directory.
fn shadowed(f: &HostsFile, root: &HostsRoot, name: &str, search_roots: &[&HostsRoot]) -> Wording {
    let order: Vec<&str> = search_roots.iter().map(|r| r.path.as_str()).collect();
    let tried = f
        .registry().map_or_else(|| "_default".into(), |r| host_paths(r).join(", "));
    Wording {
        message: format!(
            "containerd never uses {} for {}: it finds {}/{name} first",
            f.path,
            target(f),
            root.path
        ),
        impact: format!(
            "containerd searches the roots {} in order, trying {tried} in each, and stops at the first \
             directory that exists (even one holding only certificates): this file's settings never apply.",
            order.join(", ")
        ),
        fix: format!(
            "Keep one directory per registry: merge this file into {}/{name}/hosts.toml and delete {}.",
            root.path,
            f.dir()
        ),
    }
}

fn no_host_table(report: &mut Report<'_>, f: &HostsFile, parsed: &HostsConfig) {
    let release = report.release;
    if parsed.host_table.is_some() || !release.rejects_hosts_without_host_table() {
        return;
    }
    let fixed_in_line = release.line_fixes_missing_host_table();
    let case = if fixed_in_line {
        Case::NoHostTable17
    } else {
        Case::NoHostTable
    };
    let at = parsed.server.as_ref().map_or_else(
        || Location::Path(f.path.clone()),
        |s| Location::Span(s.span),
    );
    report.emit(
        case,
        at,
        format!("{}:host", f.path),
        "no [host] table",
        missing_host_table(f, release, fixed_in_line),
    );
}

/// A file without `[host]` table on a release that rejects it; `fixed_in_line` when a later
/// patch release of the same line accepts it.
fn missing_host_table(f: &HostsFile, release: &ContainerdRelease, fixed_in_line: bool) -> Wording {
    let version_note = if fixed_in_line {
        " (fixed in a later 1.7 patch release by containerd PR #10028; which one is UNVERIFIED)"
    } else {
        " (seen with containerd 1.6.20; the fix, PR #10028, went to the 1.7 branch only)"
    };
    Wording {
        message: format!(
            "{} has no `[host]` table: {} rejects such a file (error \"invalid `host` tree\"){version_note}",
            f.path, release.label()
        ),
        impact: format!(
            "containerd logs `failed to decode hosts.toml` error=\"invalid `host` tree\" and ignores the whole file: {}.",
            fallback(f)
        ),
        fix: format!(
            "Add a `[host]` table to {}: an empty `[host]` line at the end is enough (containerd 2.x accepts it \
             too), or a `[host.\"<url>\"]` table per mirror.",
            f.path
        ),
    }
}

fn missing_certs(report: &mut Report<'_>, f: &HostsFile, parsed: &HostsConfig) {
    if !parsed.rejections(report.release).is_empty() {
        return;
    }
    for (url, settings) in parsed.host_urls() {
        for (key, files, error) in [
            ("ca", &settings.ca, "unable to read CA cert"),
            ("client", &settings.client, "unable to read CERT file"),
        ] {
            for c in files.iter().filter(|c| c.exists == FileCheck::Missing) {
                report.emit(
                    Case::MissingCert,
                    Location::Span(c.path.span),
                    format!("{}:{url}.{key}", f.path),
                    "file not found",
                    missing_cert(f, url, key, error, c),
                );
            }
        }
    }
}

/// The file `key` of host `url` names does not exist; `error` is what containerd says.
fn missing_cert(f: &HostsFile, url: &str, key: &str, error: &str, c: &CertFile) -> Wording {
    Wording {
        message: format!(
            "`{key}` of {url} names {}, which does not exist",
            c.resolved
        ),
        impact: format!(
            "Every pull from {} fails before any request is sent: `{error} \"{}\": open {}: no such \
             file or directory` (seen with containerd 1.6.20; the same check exists in 2.x). No \
             other host is tried.",
            target(f),
            c.resolved,
            c.resolved
        ),
        fix: format!(
            "Put the file at {} or correct the path (relative paths are relative to {}).",
            c.resolved,
            f.dir()
        ),
    }
}

/// Resolving a tag needs both `pull` and `resolve` (containerd 1.6.20 skipped a host with
/// `["resolve"]` alone and answered `no resolve hosts: not found` when no host had both).
fn resolves(s: &HostSettings) -> bool {
    s.can("pull") && s.can("resolve")
}

fn capabilities(report: &mut Report<'_>, f: &HostsFile, parsed: &HostsConfig) {
    for h in &parsed.hosts {
        if let Some(caps) = h
            .settings
            .capabilities
            .as_ref()
            .filter(|_| !h.settings.can("pull"))
        {
            report.emit(
                Case::Capabilities,
                Location::Span(caps.span),
                format!("{}:{}.capabilities", f.path, h.url.value),
                "no pull",
                no_pull(&h.url.value),
            );
        }
    }
    // Without a `server` the registry itself is tried last with every capability; a written
    // server takes the top-level capabilities.
    let server_resolves = parsed.server.is_none() || resolves(&parsed.defaults);
    let any_mirror_resolves = parsed.hosts.iter().any(|h| resolves(&h.settings));
    if !server_resolves && !any_mirror_resolves {
        let at = parsed
            .defaults
            .capabilities
            .as_ref()
            .map(|c| c.span)
            .or_else(|| parsed.hosts.first().map(|h| h.url.span))
            .map_or_else(|| Location::Path(f.path.clone()), Location::Span);
        report.emit(
            Case::NoResolveHost,
            at,
            format!("{}:capabilities", f.path),
            "no resolve host",
            no_resolve_host(f),
        );
        return;
    }
    // Tags resolve at the first host that may resolve; when no mirror may, every tag pull goes
    // to the server even though mirrors are configured.
    let pull_only: Vec<&HostEntry> = parsed
        .hosts
        .iter()
        .filter(|h| h.settings.can("pull") && !h.settings.can("resolve"))
        .collect();
    let Some(first) = pull_only.first() else {
        return;
    };
    if any_mirror_resolves {
        return;
    }
    let at = first
        .settings
        .capabilities
        .as_ref()
        .map_or(Location::Span(first.url.span), |c| Location::Span(c.span));
    report.emit(
        Case::Capabilities,
        at,
        format!("{}:{}.capabilities", f.path, first.url.value),
        "pull only",
        no_mirror_resolves(f, parsed, &pull_only),
    );
}

/// A host whose capabilities leave out `pull`.
fn no_pull(url: &str) -> Wording {
    Wording {
        message: format!(
            "{url} has no `pull` capability: containerd never fetches from it, nor resolves tags there"
        ),
        impact: "The host is skipped for every pull (resolving a tag needs `pull` and `resolve`, seen with \
                 containerd 1.6.20); pulls use the next host or the server."
            .to_owned(),
        fix: format!(
            "If it is a mirror, give it `capabilities = [\"pull\", \"resolve\"]` (or `[\"pull\"]` for an \
             untrusted public mirror) in [host.\"{url}\"]."
        ),
    }
}

fn no_resolve_host(f: &HostsFile) -> Wording {
    Wording {
        message: format!(
            "No host in {} may resolve tags: neither a [host] nor the server has both `pull` and `resolve`",
            f.path
        ),
        impact: format!(
            "Every `image:tag` pull from {} fails: `failed to resolve reference \"...\": no resolve hosts: not \
             found` (seen with containerd 1.6.20).",
            target(f)
        ),
        fix: "Give the registry itself (or a trusted mirror) `capabilities = [\"pull\", \"resolve\"]`, or remove \
              the top-level `capabilities` so `server` gets every capability."
            .to_owned(),
    }
}

/// Mirrors that may pull but not resolve, none that may resolve: tags resolve at the server.
/// `pull_only` is not empty.
fn no_mirror_resolves(f: &HostsFile, parsed: &HostsConfig, pull_only: &[&HostEntry]) -> Wording {
    let resolver = parsed.server.as_ref().map_or_else(
        || {
            f.registry()
                .map_or_else(|| "the image's own registry".to_string(), convert::upstream)
        },
        |s| s.value.clone(),
    );
    let urls: Vec<&str> = pull_only.iter().map(|h| h.url.value.as_str()).collect();
    let first = pull_only.first().map_or("", |h| h.url.value.as_str());
    Wording {
        message: format!(
            "No mirror in {} may resolve tags (without `resolve`: {}): tag pulls resolve at {resolver}",
            f.path,
            urls.join(", ")
        ),
        impact: format!(
            "`image:tag` pulls ask {resolver} for every manifest (seen with containerd 1.6.20: a pull-only mirror \
             is skipped for the tag lookup); on a node that can only reach the mirror they fail. Digest-pinned \
             pulls and layer downloads still use the mirror."
        ),
        fix: format!(
            "If the mirror is trusted to map tags to digests (a private mirror), use `capabilities = [\"pull\", \
             \"resolve\"]` in [host.\"{first}\"]; keep `[\"pull\"]` only for an untrusted public mirror and make sure \
             {resolver} is reachable."
        ),
    }
}

fn unknown_keys(report: &mut Report<'_>, f: &HostsFile, parsed: &HostsConfig) {
    let file_host = parsed
        .server
        .as_ref()
        .map(|s| url_host(&s.value).to_string())
        .or_else(|| f.registry().map(str::to_owned))
        .unwrap_or_else(|| "registry.example.com:5000".into());
    for u in &parsed.unknown_keys {
        let key = &u.key.value;
        let registry = u
            .in_host
            .as_deref()
            .map_or_else(|| file_host.clone(), |h| url_host(h).to_string());
        let place = u.in_host.as_ref().map_or_else(
            || "at the top level".to_string(),
            |h| format!("in [host.\"{h}\"]"),
        );
        report.emit(
            Case::UnknownKey,
            Location::Span(u.key.span),
            format!("{}:{key}", f.path),
            "unknown key",
            unknown_key(key, &place, &registry, u.suggestion.as_ref()),
        );
    }
}

/// A key hosts.toml does not have, written `place` (`at the top level`, `in [host."..."]`)
/// in the file of `registry`; `suggestion` is what it seems meant as.
fn unknown_key(
    key: &str,
    place: &str,
    registry: &str,
    suggestion: Option<&KeySuggestion>,
) -> Wording {
    let (message, impact, fix) = match suggestion {
        Some(KeySuggestion::HttpScheme) => (
            format!("`{key}` is not a hosts.toml key ({place}): hosts.toml has no plain-HTTP switch"),
            "containerd ignores it silently: the host is still contacted over HTTPS and pulls fail with \
             `http: server gave HTTP response to HTTPS client`."
                .to_string(),
            format!(
                "Delete `{key}` and write the URL with `http://`: `server = \"http://{registry}\"` or \
                 `[host.\"http://{registry}\"]`. For HTTPS with an untrusted certificate use `skip_verify = true` \
                 (or `ca = \"...\"`) instead."
            ),
        ),
        Some(KeySuggestion::HostTable) => (
            format!("`{key}` is not a hosts.toml key ({place}): mirrors are `[host.\"<url>\"]` tables"),
            "containerd ignores it silently: no mirror is used.".to_string(),
            "Write one table per mirror, tried in file order before `server`:\n[host.\"https://mirror.example.com\"]\n  capabilities = [\"pull\", \"resolve\"]".to_string(),
        ),
        Some(KeySuggestion::Key(k)) if key.eq_ignore_ascii_case(k) => (
            format!("`{key}` is not how containerd spells `{k}` ({place})"),
            "containerd's TOML decoder matches some other spellings of a key and not others (containerd 1.6.20 \
             accepted an all-uppercase key but ignored mixed case): the setting may be silently ignored."
                .to_string(),
            format!("Write it as `{k}`."),
        ),
        Some(KeySuggestion::Key(k)) => (
            format!("`{key}` is not a hosts.toml key ({place}): did you mean `{k}`?"),
            "containerd ignores unknown keys silently: the setting has no effect.".to_string(),
            format!("Rename `{key}` to `{k}`."),
        ),
        None => (
            format!("`{key}` is not a hosts.toml key ({place})"),
            "containerd ignores unknown keys silently: the setting has no effect.".to_string(),
            "Delete it, or use one of server, capabilities, ca, client, skip_verify, header, override_path, \
             dial_timeout and [host.\"<url>\"] tables (containerd docs/hosts.md)."
                .to_string(),
        ),
    };
    Wording {
        message,
        impact,
        fix,
    }
}

/// Keys only some releases read.
fn keys_not_in_release(report: &mut Report<'_>, f: &HostsFile, parsed: &HostsConfig) {
    let release = report.release;
    for (url, s) in std::iter::once(("top level".to_string(), &parsed.defaults)).chain(
        parsed
            .hosts
            .iter()
            .map(|h| (format!("[host.\"{}\"]", h.url.value), &h.settings)),
    ) {
        if let Some(d) = &s.dial_timeout
            && !release.reads_hosts_dial_timeout()
        {
            report.emit(
                Case::KeyNotInRelease,
                Location::Span(d.span),
                format!("{}:{url}.dial_timeout", f.path),
                "needs containerd 2.1",
                dial_timeout_not_read(&url, release),
            );
        }
        if let Some(p) = &s.proxy
            && !release.reads_hosts_proxy()
        {
            report.emit(
                Case::KeyNotInRelease,
                Location::Span(p.span),
                format!("{}:{url}.proxy", f.path),
                "release-dependent key",
                proxy_not_read(&url, release),
            );
        }
    }
}

/// `dial_timeout` written at `url` (`top level` or `[host."..."]`), before containerd 2.1.
fn dial_timeout_not_read(url: &str, release: &ContainerdRelease) -> Wording {
    Wording {
        message: format!("`dial_timeout` ({url}) is read from containerd 2.1; {} ignores it", release.label()),
        impact: "Connection attempts to an unreachable mirror wait the default 30s before the next host is tried.".to_owned(),
        fix: "Upgrade to containerd 2.1+ for `dial_timeout`, or remove unreachable mirrors.".to_owned(),
    }
}

/// `proxy` written at `url`, which no release checked reads.
fn proxy_not_read(url: &str, release: &ContainerdRelease) -> Wording {
    Wording {
        message: format!(
            "`proxy` ({url}) is documented on containerd's main branch but absent from the hosts.toml parser of the releases checked; {} most likely ignores it (UNVERIFIED which release adds it)",
            release.label()
        ),
        impact: "Where the key is not read, requests to this host do not go through the proxy: they connect directly or through HTTP(S)_PROXY from containerd's environment.".to_owned(),
        fix: "Check containerd's release notes for hosts.toml `proxy` support; otherwise set HTTPS_PROXY/NO_PROXY in containerd's systemd unit (`systemctl edit containerd`).".to_owned(),
    }
}

fn nested(report: &mut Report<'_>, f: &HostsFile, parsed: &HostsConfig) {
    for n in &parsed.nested_hosts {
        report.emit(
            Case::Nested,
            Location::Span(n.url.span),
            format!("{}:{}", f.path, n.url.value),
            "nested host",
            nested_host(n),
        );
    }
}

/// A `[host]` nested in another, in TOML or only by its indentation.
fn nested_host(n: &NestedHost) -> Wording {
    if n.nested_in_toml {
        Wording {
            message: format!(
                "[host.\"{}\"] is nested in [host.\"{}\"]: hosts.toml has no nested hosts",
                n.url.value, n.parent
            ),
            impact: format!(
                "containerd ignores the nested table: {} is never contacted.",
                n.url.value
            ),
            fix: format!(
                "Make it a top-level `[host.\"{}\"]` table; hosts are tried in file order.",
                n.url.value
            ),
        }
    } else {
        Wording {
            message: format!(
                "[host.\"{}\"] is indented under [host.\"{}\"] as if nested, but TOML makes it a sibling",
                n.url.value, n.parent
            ),
            impact: format!(
                "containerd tries {} after {} as another host of this registry (seen with containerd 1.6.20), \
                 not as a mirror of {}; containerd's docs call nested hosts unsupported.",
                n.url.value, n.parent, n.parent
            ),
            fix: "Remove the indentation so the order reads as it works: each [host] is tried in file order, then \
                  `server`."
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_is_worded_by_what_it_seems_meant_as() {
        let plain_http = unknown_key(
            "plain-http",
            "at the top level",
            "registry.local:5000",
            Some(&KeySuggestion::HttpScheme),
        );
        assert!(
            plain_http
                .fix
                .contains("`server = \"http://registry.local:5000\"`")
        );
        let case = unknown_key(
            "Skip_Verify",
            "in [host.\"https://mirror.local\"]",
            "mirror.local",
            Some(&KeySuggestion::Key("skip_verify")),
        );
        assert_eq!(
            case.message,
            "`Skip_Verify` is not how containerd spells `skip_verify` (in [host.\"https://mirror.local\"])"
        );
        assert_eq!(case.fix, "Write it as `skip_verify`.");
        let typo = unknown_key(
            "skipverify",
            "at the top level",
            "registry.local",
            Some(&KeySuggestion::Key("skip_verify")),
        );
        assert_eq!(typo.fix, "Rename `skipverify` to `skip_verify`.");
    }
}

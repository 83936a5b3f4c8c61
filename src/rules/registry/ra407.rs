//! RA407 docker-registries-not-carried.

use crate::engine::{Emitter, Location};
use crate::model::containerd::ContainerdConfig;
use crate::model::hosts::{HostsRoot, NamespaceKind, lookup, url_host, url_scheme};
use crate::model::{Input, NodeSnapshot, Spanned};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;
use crate::rules::live::{DockerState, docker_state};

use super::convert::{self, HostsTomlFix, insecure_fix};
use super::{SearchedRoots, config_path_fix, hosts_root, searched_roots};

declare_rule! {
    id: "RA407",
    name: "docker-registries-not-carried",
    area: Registry,
    summary: "Docker's insecure-registries, registry-mirrors or certs.d have no containerd equivalent",
    inputs: [DockerDaemonConfig, HostsToml, ContainerdConfig, RuntimeSocket],
    cases: [
        /// An `insecure-registries` entry: plain HTTP or an untrusted certificate, both of which
        /// containerd refuses without configuration.
        Insecure("insecure-registry", Error),
        Mirror("registry-mirror", Warning),
        Cidr("insecure-cidr", Warning),
        DockerCerts("docker-certs", Warning),
    ],
}

const DOCKER_CERTS_D: &str = "/etc/docker/certs.d";

/// A Docker registry setting, from daemon.json or from the running Docker (`docker info`).
struct Entry {
    value: String,
    at: Location,
    /// Where a live entry came from (`docker info on /var/run/docker.sock`).
    live: Option<String>,
}

impl Entry {
    fn from_file(e: &Spanned<String>) -> Entry {
        Entry {
            value: e.value.clone(),
            at: Location::Span(e.span),
            live: None,
        }
    }

    /// " (reported by docker info on ...; daemon.json does not list it)" for live entries.
    fn source(&self) -> String {
        self.live
            .as_ref()
            .map(|l| format!(" (reported by {l}; daemon.json does not list it)"))
            .unwrap_or_default()
    }
}

/// Registries the running Docker reports that daemon.json does not list (set by dockerd
/// flags, or daemon.json is absent).
fn live_entries(snap: &NodeSnapshot, listed: &[&Spanned<String>]) -> (Vec<Entry>, Vec<Entry>) {
    let DockerState::Probed(d) = docker_state(snap) else {
        return (Vec::new(), Vec::new());
    };
    let Some(info) = d.info.ok() else {
        return (Vec::new(), Vec::new());
    };
    let norm = |v: &str| {
        let v = v.trim().trim_end_matches('/').to_ascii_lowercase();
        v.split_once("://").map_or(v.clone(), |(_, h)| h.to_owned())
    };
    let known: Vec<String> = listed.iter().map(|e| norm(&e.value)).collect();
    let source = format!("docker info on {}", d.socket);
    let entry = |v: &String| Entry {
        value: v.clone(),
        at: Location::Path(d.socket.to_string()),
        live: Some(source.clone()),
    };
    let fresh = |v: &&String| !known.contains(&norm(v));
    let insecure = info
        .insecure_registries
        .iter()
        .chain(&info.insecure_registry_cidrs)
        .filter(fresh)
        .map(entry)
        .collect();
    let mirrors = info
        .registry_mirrors
        .iter()
        .filter(fresh)
        .map(entry)
        .collect();
    (insecure, mirrors)
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let docker = match &snap.docker {
        Input::Present(d) => Some(d),
        Input::Absent { .. } => None,
        Input::Unreadable { .. } | Input::Invalid { .. } => {
            out.need(&snap.docker, "Docker daemon.json");
            return;
        }
    };
    let listed: Vec<&Spanned<String>> = docker
        .map(|d| {
            d.insecure_registries
                .iter()
                .chain(&d.registry_mirrors)
                .collect()
        })
        .unwrap_or_default();
    let (live_insecure, live_mirrors) = live_entries(snap, &listed);
    let docker_certs: Vec<_> = snap
        .registry_hosts
        .root(DOCKER_CERTS_D)
        .map(|r| {
            r.namespaces
                .iter()
                .filter(|d| !d.cert_files.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if docker.is_none()
        && docker_certs.is_empty()
        && live_insecure.is_empty()
        && live_mirrors.is_empty()
    {
        out.not_applicable(
            "no /etc/docker/daemon.json, no certificates under /etc/docker/certs.d, and no registry settings from a running Docker",
        );
        return;
    }
    let cfg = snap.containerd.present();
    let release = containerd_release(snap, out);
    let Some(searched) = searched_roots(snap, release) else {
        out.need(&snap.containerd, "containerd config");
        return;
    };
    let ctx = Carry {
        snap,
        cfg,
        release,
        searched: &searched,
        root: hosts_root(snap),
    };
    if let Some(d) = docker {
        for entry in &d.insecure_registries {
            ctx.insecure(out, &Entry::from_file(entry));
        }
        for entry in &d.registry_mirrors {
            ctx.mirror(out, &Entry::from_file(entry));
        }
    }
    for entry in &live_insecure {
        ctx.insecure(out, entry);
    }
    for entry in &live_mirrors {
        ctx.mirror(out, entry);
    }
    for dir in docker_certs {
        ctx.docker_certs(out, &dir.name, &dir.cert_files);
    }
}

struct Carry<'a, 's> {
    snap: &'s NodeSnapshot,
    cfg: Option<&'s ContainerdConfig>,
    release: &'a ContainerdRelease,
    searched: &'a SearchedRoots<'s>,
    root: String,
}

impl Carry<'_, '_> {
    fn set_path(&self) -> String {
        match self.cfg {
            Some(cfg) => config_path_fix(cfg, &self.root)
                .map(|s| format!("\nand {s}"))
                .unwrap_or_default(),
            None if self.searched.roots.is_empty() => format!(
                "\nand create /etc/containerd/config.toml naming it: `config_path = \"{}\"` in the CRI registry table",
                self.root
            ),
            None => String::new(),
        }
    }

    fn where_searched(&self) -> String {
        if self.searched.roots.is_empty() {
            format!("containerd reads no hosts.toml ({})", self.searched.why)
        } else {
            let roots: Vec<&str> = self
                .searched
                .roots
                .iter()
                .map(|r| r.path.as_str())
                .collect();
            format!("no hosts.toml under {} configures it", roots.join(":"))
        }
    }

    fn insecure(&self, out: &mut Emitter<Case>, entry: &Entry) {
        let raw = entry.value.trim();
        let host = raw
            .split_once("://")
            .map_or(raw, |(_, h)| h)
            .trim_end_matches('/');
        if host.contains('/') {
            if host == "127.0.0.0/8" || host == "::1/128" {
                return;
            }
            let b = out
                .finding(
                    Case::Cidr,
                    entry.at.clone(),
                    format!(
                        "Docker treats every registry in {host} as insecure{}; containerd has no CIDR form",
                        entry.source()
                    ),
                )
                .impact(format!(
                    "After the switch, pulls from registries in {host} that use plain HTTP fail with `http: server gave \
                     HTTP response to HTTPS client`, and those with self-signed certificates with `x509: certificate \
                     signed by unknown authority`."
                ))
                .fix(format!(
                    "List the registries in {host} that nodes pull from and write one hosts.toml per registry host:port \
                     under {}, e.g. {}",
                    self.root,
                    insecure_fix("10.0.0.5:5000", &self.root).render()
                ))
                .key(format!("insecure-registries[{host}]"))
                .label("CIDR");
            b.release(self.release).emit();
            return;
        }
        if let Some(how) = self.insecure_carried(host) {
            out.assume(format!("{host}: {how}"));
            return;
        }
        let b = out
            .finding(
                Case::Insecure,
                entry.at.clone(),
                format!(
                    "Docker's insecure registry {host}{} has no containerd equivalent: {} and the CRI registry config does not mention it",
                    entry.source(),
                    self.where_searched()
                ),
            )
            .impact(format!(
                "Docker fell back to plain HTTP (or accepted an untrusted certificate) for {host}; containerd does not. \
                 Pods pulling from it fail with ErrImagePull: `failed to do request: Head \"https://{host}/v2/...\": \
                 http: server gave HTTP response to HTTPS client` (plain HTTP) or `x509: certificate signed by unknown \
                 authority` (self-signed)."
            ))
            .fix(format!(
                "Write {}{}\n(for HTTPS with a self-signed certificate use `https://` with `ca = \"<ca.crt>\"` or \
                 `skip_verify = true` instead).",
                insecure_fix(host, &self.root).render(),
                self.set_path()
            ))
            .key(format!("insecure-registries[{host}]"))
            .label("not carried over");
        b.release(self.release).emit();
    }

    /// How containerd already treats `host` as Docker's insecure-registries did, if it does.
    fn insecure_carried(&self, host: &str) -> Option<String> {
        let roots: Vec<&HostsRoot> = self.searched.roots.clone();
        if let Some(found) = lookup(&roots, host) {
            let dir = format!("{}/{}", found.root.path, found.dir.name);
            if let Some(file) = self.snap.registry_hosts.file_in(found.root, found.dir)
                && let Ok(parsed) = &file.parsed
                && parsed.rejections(self.release).is_empty()
            {
                let relaxed = parsed.host_urls().any(|(url, s)| {
                    url_scheme(url) == "http"
                        || s.skip_verify.as_ref().is_some_and(|v| v.value)
                        || !s.ca.is_empty()
                });
                if relaxed {
                    return Some(format!("configured in {}", file.path));
                }
            } else if found.dir.cert_files.iter().any(|c| c.ends_with(".crt")) {
                return Some(format!("CA certificate in {dir}"));
            }
        }
        let localhost = convert::is_localhost(host);
        if !self.searched.roots.is_empty() {
            // hosts.toml mode: containerd 2.x contacts localhost over plain HTTP when no
            // directory configures it (core/remotes/docker/config/hosts.go); 1.6.20 used HTTPS.
            return (localhost && self.release.is_2x()).then(|| {
                "containerd 2.x uses plain HTTP for localhost registries by default".into()
            });
        }
        let cfg = self.cfg?;
        let registry = &cfg.cri.registry;
        // Legacy CRI registry config (no config_path): an http endpoint, or (1.x) a tls table.
        let mirror = registry
            .mirrors
            .iter()
            .find(|m| m.host.value == host)
            .filter(|m| {
                m.endpoints
                    .iter()
                    .any(|e| url_scheme(&convert::with_scheme(&e.value)) == "http")
            });
        if mirror.is_some() {
            return Some("plain-HTTP endpoint in the CRI registry mirrors".into());
        }
        if !self.release.is_2x()
            && registry
                .configs
                .iter()
                .any(|c| c.host.value == host && c.tls.is_some())
        {
            return Some("TLS settings in the CRI registry configs".into());
        }
        localhost.then(|| "containerd's CRI registry config uses plain HTTP for localhost registries by default".into())
    }

    fn mirror(&self, out: &mut Emitter<Case>, entry: &Entry) {
        let raw = entry.value.trim().trim_end_matches('/');
        let has_scheme = raw.starts_with("http://") || raw.starts_with("https://");
        let url = if has_scheme {
            raw.to_string()
        } else {
            format!("https://{raw}")
        };
        if self.mirror_carried(&url) {
            return;
        }
        let docker_rejects = if has_scheme {
            String::new()
        } else {
            format!(
                " Docker itself refuses this entry (dockerd 20.10: `failed to start daemon: invalid mirror: \
                 unsupported scheme \"\" in \"{raw}\"`), so it was probably never in use."
            )
        };
        let fix = HostsTomlFix {
            path: format!("{}/docker.io/hosts.toml", self.root.trim_end_matches('/')),
            content: format!(
                "server = \"https://registry-1.docker.io\"\n\n[host.\"{url}\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
            ),
        };
        let b = out
            .finding(
                Case::Mirror,
                entry.at.clone(),
                format!(
                    "Docker's registry mirror {url}{} has no containerd equivalent: {} for docker.io",
                    entry.source(),
                    self.where_searched()
                ),
            )
            .impact(format!(
                "Docker Hub pulls go directly to registry-1.docker.io instead of the mirror: slower pulls, Docker Hub \
                 rate limits (`429 Too Many Requests`), and failures on nodes that can only reach the mirror.{docker_rejects}"
            ))
            .fix(format!(
                "Docker's registry-mirrors only ever mirror Docker Hub; the containerd equivalent is {}{}",
                fix.render(),
                self.set_path()
            ))
            .key(format!("registry-mirrors[{raw}]"))
            .label("not carried over");
        b.release(self.release).emit();
    }

    fn mirror_carried(&self, url: &str) -> bool {
        let want = (url_scheme(url).to_string(), url_host(url).to_string());
        let same = |u: &str| {
            let u = convert::with_scheme(u);
            (url_scheme(&u).to_string(), url_host(&u).to_string()) == want
        };
        let roots: Vec<&HostsRoot> = self.searched.roots.clone();
        if let Some(found) = lookup(&roots, "docker.io")
            && let Some(file) = self.snap.registry_hosts.file_in(found.root, found.dir)
            && let Ok(parsed) = &file.parsed
            && parsed.host_urls().any(|(u, _)| same(u))
        {
            return true;
        }
        self.cfg.is_some_and(|cfg| {
            cfg.cri.registry.config_path.value.is_empty()
                && cfg
                    .cri
                    .registry
                    .mirrors
                    .iter()
                    .filter(|m| m.host.value == "docker.io" || m.host.value == "*")
                    .any(|m| m.endpoints.iter().any(|e| same(&e.value)))
        })
    }

    fn docker_certs(&self, out: &mut Emitter<Case>, name: &str, files: &[String]) {
        let NamespaceKind::Registry { host } = crate::model::hosts::classify_namespace(name) else {
            return;
        };
        let roots: Vec<&HostsRoot> = self.searched.roots.clone();
        if let Some(found) = lookup(&roots, &host) {
            let own = !found.dir.cert_files.is_empty()
                || self
                    .snap
                    .registry_hosts
                    .file_in(found.root, found.dir)
                    .and_then(|f| f.parsed.as_ref().ok())
                    .is_some_and(|p| {
                        p.host_urls()
                            .any(|(_, s)| !s.ca.is_empty() || !s.client.is_empty())
                    });
            if found.root.path == DOCKER_CERTS_D || own {
                return;
            }
        }
        let dir = format!("{DOCKER_CERTS_D}/{name}");
        let ca = files.iter().find(|f| f.ends_with(".crt"));
        let content = match ca {
            Some(ca) => format!(
                "server = \"https://{host}\"\n\n[host.\"https://{host}\"]\n  capabilities = [\"pull\", \"resolve\", \"push\"]\n  ca = \"{dir}/{ca}\"\n"
            ),
            None => format!(
                "server = \"https://{host}\"\n\n[host.\"https://{host}\"]\n  capabilities = [\"pull\", \"resolve\", \"push\"]\n  client = [[\"{dir}/client.cert\", \"{dir}/client.key\"]]\n"
            ),
        };
        let fix = HostsTomlFix {
            path: format!("{}/{name}/hosts.toml", self.root.trim_end_matches('/')),
            content,
        };
        let b = out
            .finding(
                Case::DockerCerts,
                Location::Path(dir.clone()),
                format!(
                    "Docker trusts {} for {host}, but containerd does not read {DOCKER_CERTS_D} ({})",
                    files.join(", "),
                    self.searched.why
                ),
            )
            .impact(format!(
                "Pulls from {host} fail with `x509: certificate signed by unknown authority` (custom CA) or are refused \
                 by the registry (client certificate)."
            ))
            .fix(format!(
                "Add {DOCKER_CERTS_D} to config_path (containerd 2.2+ reads it by default when config_path is unset), or \
                 write {}{}",
                fix.render(),
                self.set_path()
            ))
            .key(dir.clone())
            .label("Docker certificates");
        b.release(self.release).emit();
    }
}

#[cfg(test)]
mod tests {
    //! The Docker daemon.json collector lands separately; these tests fill the model directly.

    use std::fs;

    use crate::collect::{CollectOptions, collect};
    use crate::engine::RuleStatus;
    use crate::model::docker::DockerDaemonConfig;
    use crate::model::{FileId, Input, Span, Spanned};

    fn run(
        files: &[(&str, &str)],
        version: &str,
        docker: DockerDaemonConfig,
    ) -> Vec<(String, String)> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        let mut snap = collect(&CollectOptions {
            root: dir.path().to_path_buf(),
            containerd_version: Some(version.into()),
            ..CollectOptions::default()
        })
        .unwrap();
        snap.docker = Input::Present(docker);
        let crate::engine::Check::Node(run) = super::RULE.run else {
            unreachable!("RA407 checks a node")
        };
        let verdict = run(&snap);
        assert_eq!(verdict.status == RuleStatus::Fail, !verdict.findings.is_empty());
        verdict
            .findings
            .into_iter()
            .map(|f| (f.case.id.to_string(), f.message))
            .collect()
    }

    fn entry(v: &str) -> Spanned<String> {
        Spanned::new(v.to_string(), Span::new(FileId(0), 0..1))
    }

    const CFG: (&str, &str) = (
        "etc/containerd/config.toml",
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n",
    );

    #[test]
    fn insecure_mirror_and_cidr_without_equivalent() {
        let docker = DockerDaemonConfig {
            insecure_registries: vec![
                entry("192.168.100.190:5000"),
                entry("10.0.0.0/8"),
                entry("127.0.0.0/8"),
            ],
            registry_mirrors: vec![
                entry("https://mirror.example.com"),
                entry("hub-mirror.c.163.com"),
            ],
            ..DockerDaemonConfig::default()
        };
        let found = run(&[CFG], "1.7.20", docker);
        let cases: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            cases,
            vec![
                "insecure-registry",
                "insecure-cidr",
                "registry-mirror",
                "registry-mirror"
            ],
            "{found:?}"
        );
        assert!(found[0].1.contains("192.168.100.190:5000"));
    }

    #[test]
    fn carried_over_by_hosts_toml_or_legacy_mirror() {
        let docker = DockerDaemonConfig {
            insecure_registries: vec![entry("192.168.100.190:5000"), entry("localhost:5000")],
            registry_mirrors: vec![entry("https://mirror.example.com/")],
            ..DockerDaemonConfig::default()
        };
        let hosts = [
            CFG,
            (
                "etc/containerd/certs.d/192.168.100.190:5000/hosts.toml",
                "server = \"http://192.168.100.190:5000\"\n[host]\n",
            ),
            (
                "etc/containerd/certs.d/docker.io/hosts.toml",
                "server = \"https://registry-1.docker.io\"\n[host.\"https://mirror.example.com\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
            ),
        ];
        let found = run(&hosts, "2.1.0", docker.clone());
        assert!(found.is_empty(), "{found:?}");
        // The same through the legacy CRI mirrors (no config_path) on 1.7.
        let legacy = [(
            "etc/containerd/config.toml",
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n  endpoint = [\"https://mirror.example.com\"]\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"192.168.100.190:5000\"]\n  endpoint = [\"http://192.168.100.190:5000\"]\n",
        )];
        let found = run(&legacy, "1.7.20", docker);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn https_only_hosts_toml_does_not_carry_an_insecure_registry() {
        let docker = DockerDaemonConfig {
            insecure_registries: vec![entry("192.168.100.190:5000")],
            ..DockerDaemonConfig::default()
        };
        let hosts = [
            CFG,
            (
                "etc/containerd/certs.d/192.168.100.190:5000/hosts.toml",
                "server = \"https://192.168.100.190:5000\"\n[host]\n",
            ),
        ];
        let found = run(&hosts, "2.1.0", docker);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "insecure-registry");
    }
}

//! hosts.toml files under containerd's config_path roots and the well-known directories.
//!
//! Each root is listed two levels deep only (`<root>/<namespace>/hosts.toml`, plus a stray
//! `<root>/hosts.toml`), so no directory tree can make the audit hang. Every directory and
//! file goes through [`HostFs`](super::fs::HostFs): symlinks stay inside the audited root and
//! loops, FIFOs and oversize files become recorded problems (RA001).

mod parse;

use toml::de::DeTable;

use crate::model::containerd::ContainerdConfig;
use crate::model::hosts::{
    FileCheck, HostsConfig, HostsFile, HostsParseError, HostsRoot, NamespaceDir, NamespaceKind,
    RegistryHosts, WELL_KNOWN_ROOTS, classify_namespace,
};
use crate::model::{Input, InputKind, Problem, Span};

use super::containerd::secret_ranges;
use super::fs::{ReadError, clean_host, join_host};
use super::{Ctx, Read};

const HOSTS_TOML: &str = "hosts.toml";

pub(crate) fn collect(ctx: &Ctx, containerd: &Input<ContainerdConfig>) -> RegistryHosts {
    let configured: Option<Vec<String>> = containerd.present().map(|c| {
        c.cri
            .registry
            .config_path_roots()
            .into_iter()
            .map(clean_host)
            .collect()
    });
    let mut out = RegistryHosts {
        config_path_known: configured.is_some(),
        ..RegistryHosts::default()
    };
    let mut order = 0;
    for root in configured.iter().flatten() {
        // containerd would search a repeated root twice; looking once is the same.
        if out.roots.iter().any(|r| &r.path == root) {
            continue;
        }
        out.roots.push(list_root(ctx, root, Some(order)));
        order += 1;
    }
    for root in WELL_KNOWN_ROOTS {
        if !out.roots.iter().any(|r| r.path == root) {
            out.roots.push(list_root(ctx, root, None));
        }
    }
    for root in &out.roots {
        if root_has_file(ctx, &root.path) {
            out.files
                .extend(read_hosts_file(ctx, root, None, NamespaceKind::Outside));
        }
        for dir in root.namespaces.iter().filter(|d| d.has_hosts_toml) {
            out.files.extend(read_hosts_file(
                ctx,
                root,
                Some(dir.name.as_str()),
                dir.kind.clone(),
            ));
        }
    }
    out
}

/// Lists a root: which namespace directories it has and what they hold.
fn list_root(ctx: &Ctx, path: &str, search_order: Option<usize>) -> HostsRoot {
    let mut root = HostsRoot {
        path: path.to_string(),
        in_config_path: search_order.is_some(),
        search_order,
        well_known: WELL_KNOWN_ROOTS.contains(&path),
        exists: false,
        namespaces: Vec::new(),
    };
    let names = match ctx.fs.read_dir(path) {
        Ok(names) => names,
        Err(ReadError::NotFound) => return root,
        Err(ReadError::Unreadable(reason)) => {
            unreadable(ctx, path, reason);
            return root;
        }
    };
    root.exists = true;
    for name in names {
        let dir_path = join_host(path, &name);
        match ctx.fs.metadata(&dir_path) {
            Ok(m) if m.is_dir() => {}
            Ok(_) | Err(ReadError::NotFound) => continue,
            Err(ReadError::Unreadable(reason)) => {
                unreadable(ctx, &dir_path, reason);
                continue;
            }
        }
        let entries = match ctx.fs.read_dir(&dir_path) {
            Ok(entries) => entries,
            Err(ReadError::NotFound) => continue,
            Err(ReadError::Unreadable(reason)) => {
                unreadable(ctx, &dir_path, reason);
                Vec::new()
            }
        };
        root.namespaces.push(NamespaceDir {
            kind: classify_namespace(&name),
            has_hosts_toml: entries.iter().any(|e| e == HOSTS_TOML),
            cert_files: entries
                .into_iter()
                .filter(|e| e.ends_with(".crt") || e.ends_with(".cert") || e.ends_with(".key"))
                .collect(),
            name,
        });
    }
    root
}

fn root_has_file(ctx: &Ctx, root: &str) -> bool {
    ctx.fs
        .read_dir(root)
        .is_ok_and(|names| names.iter().any(|n| n == HOSTS_TOML))
}

fn unreadable(ctx: &Ctx, path: &str, reason: String) {
    ctx.record(
        InputKind::HostsToml,
        path,
        crate::model::InputState::Unreadable,
        Some(reason.clone()),
    );
    ctx.problem(InputKind::HostsToml, path, Problem::Unreadable { reason });
}

/// Reads and parses one hosts.toml. Unreadable files are recorded problems (RA001) and
/// not returned.
fn read_hosts_file(
    ctx: &Ctx,
    root: &HostsRoot,
    namespace: Option<&str>,
    kind: NamespaceKind,
) -> Option<HostsFile> {
    let dir = match namespace {
        Some(ns) => join_host(&root.path, ns),
        None => root.path.clone(),
    };
    let path = join_host(&dir, HOSTS_TOML);
    let text = match ctx.read(InputKind::HostsToml, &path) {
        Read::Text(t) => t,
        Read::Absent | Read::Unreadable(_) => return None,
    };
    let file = ctx.add_file(InputKind::HostsToml, &path, &text);
    // The recoverable parse yields a document even when the text is broken, so credentials
    // are masked in every case before anything can quote the file.
    let (doc, errors) = DeTable::parse_recoverable(&text);
    let doc = doc.into_inner();
    ctx.mask_secrets(file, &secret_ranges(&doc, &text));
    let parsed = match errors.first() {
        Some(e) => {
            let span = e.span().map(|r| Span::new(file, r));
            let message = e.message().trim().to_owned();
            ctx.syntax_error(InputKind::HostsToml, &path, "TOML", message.clone(), span);
            Err(HostsParseError { message, span })
        }
        None => Ok(parse_config(ctx, &doc, &text, file, &dir)),
    };
    Some(HostsFile {
        path,
        root: root.path.clone(),
        namespace: namespace.map(str::to_owned),
        kind,
        in_config_path: root.in_config_path,
        parsed,
    })
}

fn parse_config(
    ctx: &Ctx,
    doc: &DeTable<'_>,
    text: &str,
    file: crate::model::FileId,
    dir: &str,
) -> HostsConfig {
    let check = |written: &str| -> (String, FileCheck) {
        let resolved = if written.starts_with('/') {
            clean_host(written)
        } else {
            clean_host(&join_host(dir, written))
        };
        let exists = match ctx.fs.metadata(&resolved) {
            Ok(m) if m.is_file() => FileCheck::Exists,
            Ok(_) => FileCheck::Unknown("not a regular file".into()),
            Err(ReadError::NotFound) => FileCheck::Missing,
            Err(ReadError::Unreadable(reason)) => FileCheck::Unknown(reason),
        };
        (resolved, exists)
    };
    let (config, header_values) = parse::parse(doc, text, file, &check);
    ctx.mask_secrets(file, &header_values);
    config
}

#[cfg(test)]
mod tests {
    use std::fs;

    use crate::collect::fs::HostFs;
    use crate::model::hosts::NamespaceKind;

    use super::*;

    fn collect_under(root: &std::path::Path) -> (RegistryHosts, Ctx<'static>) {
        let host: &'static HostFs = Box::leak(Box::new(HostFs::new(root).unwrap()));
        let ctx = Ctx::new(host);
        let hosts = collect(
            &ctx,
            &Input::Absent {
                path: "/etc/containerd/config.toml".into(),
            },
        );
        (hosts, ctx)
    }

    #[test]
    fn finds_namespaces_stray_files_and_survives_hostile_trees() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let certs = root.join("etc/containerd/certs.d");
        fs::create_dir_all(certs.join("docker.io")).unwrap();
        fs::write(
            certs.join("docker.io/hosts.toml"),
            "server = \"https://registry-1.docker.io\"\n",
        )
        .unwrap();
        fs::write(certs.join("hosts.toml"), "server = [\"https://a\"]\n").unwrap();
        // A directory where hosts.toml belongs, a symlink loop, an undecodable name.
        fs::create_dir_all(certs.join("quay.io/hosts.toml")).unwrap();
        std::os::unix::fs::symlink("/etc/containerd/certs.d/loop", certs.join("loop")).unwrap();
        fs::create_dir_all(certs.join("localhost__32000")).unwrap();
        fs::write(certs.join("localhost__32000/hosts.toml"), "x = [\n").unwrap();

        let (hosts, ctx) = collect_under(root);
        assert!(!hosts.config_path_known);
        let names: Vec<(Option<&str>, &NamespaceKind)> = hosts
            .files
            .iter()
            .map(|f| (f.namespace.as_deref(), &f.kind))
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&(None, &NamespaceKind::Outside)));
        assert!(names.contains(&(
            Some("docker.io"),
            &NamespaceKind::Registry {
                host: "docker.io".into()
            }
        )));
        let broken = hosts
            .files
            .iter()
            .find(|f| f.namespace.as_deref() == Some("localhost__32000"))
            .unwrap();
        assert!(broken.parsed.is_err());
        let (_, _, problems) = ctx.finish();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(
            paths.contains(&"/etc/containerd/certs.d/quay.io/hosts.toml"),
            "{paths:?}"
        );
        assert!(paths.contains(&"/etc/containerd/certs.d/loop"), "{paths:?}");
        assert!(
            paths.contains(&"/etc/containerd/certs.d/localhost__32000/hosts.toml"),
            "{paths:?}"
        );
    }
}

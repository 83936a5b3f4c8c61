//! RA406 hosts-dir-ignored.

use crate::engine::{Emitter, Location};
use crate::model::containerd::ContainerdConfig;
use crate::model::{Input, NodeSnapshot, Origin};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

use super::searched_roots;

declare_rule! {
    id: "RA406",
    name: "hosts-dir-ignored",
    area: Registry,
    summary: "hosts.toml files exist in a directory containerd's config_path does not name",
    inputs: [HostsToml, ContainerdConfig],
    cases: [
        /// config_path is empty: containerd reads no hosts.toml at all.
        ConfigPathEmpty("config-path-empty", Warning),
        /// config_path is set but does not name the directory holding hosts.toml files.
        RootNotListed("root-not-in-config-path", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let hosts = &snap.registry_hosts;
    let well_known_files: Vec<_> = hosts
        .files
        .iter()
        .filter(|f| hosts.root(&f.root).is_some_and(|r| r.well_known))
        .collect();
    if well_known_files.is_empty() {
        out.not_applicable(
            "no hosts.toml files under /etc/containerd/certs.d or /etc/docker/certs.d",
        );
        return;
    }
    let cfg = snap.containerd.present();
    let release = containerd_release(snap, out);
    let Some(searched) = searched_roots(snap, release) else {
        out.need(&snap.containerd, "containerd config");
        return;
    };
    if cfg.is_none() && release.is_unknown() {
        out.inconclusive(
            "containerd's config is absent and its version unknown: without a config, containerd 2.2+ reads \
             /etc/containerd/certs.d:/etc/docker/certs.d and older releases read no hosts.toml \
             (use --containerd-version)",
        );
        return;
    }
    let mut roots: Vec<&str> = well_known_files.iter().map(|f| f.root.as_str()).collect();
    roots.dedup();
    for root in roots {
        if searched.roots.iter().any(|r| r.path == root) {
            continue;
        }
        let files: Vec<&str> = well_known_files
            .iter()
            .filter(|f| f.root == root)
            .map(|f| f.path.as_str())
            .collect();
        let (case, why, at, fix) = describe(snap, cfg, release, &searched.why, root);
        let b = out
            .finding(
                case,
                at,
                format!(
                    "{} hosts.toml file(s) under {root} are ignored: {why}",
                    files.len()
                ),
            )
            .impact(format!(
                "containerd never reads {}: mirrors, plain-HTTP hosts and CAs configured there do not apply, so \
                 pulls go straight to each registry (failing with `http: server gave HTTP response to HTTPS \
                 client` or `x509: certificate signed by unknown authority` where those settings were needed).",
                files.join(", ")
            ))
            .fix(fix)
            .key(format!("config_path:{root}"))
            .label("config_path");
        b.release(release).emit();
    }
}

/// The case, why the root is not searched, where to point, and the fix.
fn describe(
    snap: &NodeSnapshot,
    cfg: Option<&ContainerdConfig>,
    release: &ContainerdRelease,
    searched_why: &str,
    root: &str,
) -> (Case, String, Location, String) {
    let Some(cfg) = cfg else {
        let path = match &snap.containerd {
            Input::Absent { path } => path.clone(),
            _ => "/etc/containerd/config.toml".to_string(),
        };
        let content = if release.is_2x() {
            format!(
                "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = \"{root}\""
            )
        } else {
            format!(
                "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"{root}\""
            )
        };
        return (
            Case::ConfigPathEmpty,
            searched_why.to_string(),
            Location::Path(path.clone()),
            format!("Create {path} with:\n{content}\nthen restart containerd."),
        );
    };
    let registry = &cfg.cri.registry;
    let table = cfg.cri.layout.registry_table();
    let at = registry
        .config_path
        .span()
        .or(registry.table)
        .map_or_else(|| Location::Path(cfg.path.clone()), Location::Span);
    if registry.config_path.value.is_empty() {
        let why = match &registry.config_path.origin {
            Origin::Set(_) => format!("config_path is set to \"\" in {}", cfg.path),
            Origin::Default { note } if !registry.mirrors.is_empty() => {
                format!("config_path is empty ({note}; legacy `mirrors` are set)")
            }
            Origin::Default { note } => {
                format!("config_path is not set and {} ({note})", release.label())
            }
        };
        let mirrors = if registry.mirrors.is_empty() {
            String::new()
        } else {
            "\nMove the legacy `mirrors` into hosts.toml first (RA401, RA403): mirrors and config_path cannot be combined."
                .to_string()
        };
        return (
            Case::ConfigPathEmpty,
            why,
            at,
            format!(
                "Set config_path in {} and restart containerd:\n[{table}]\n  config_path = \"{root}\"{mirrors}",
                cfg.path
            ),
        );
    }
    (
        Case::RootNotListed,
        format!(
            "config_path = \"{}\" does not name {root}",
            registry.config_path.value
        ),
        at,
        format!(
            "Add it to config_path (roots are searched in order, the first matching directory wins) and restart containerd:\n[{table}]\n  config_path = \"{}:{root}\"\nor move the files into a directory config_path names.",
            registry.config_path.value
        ),
    )
}

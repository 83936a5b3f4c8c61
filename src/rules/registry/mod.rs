//! RA4xx: registry configuration (legacy CRI registry tables, hosts.toml, Docker's
//! registries carried over).

pub(crate) mod convert;

area_rules!(ra401, ra402, ra403, ra404, ra405, ra406, ra407, ra408);

use crate::model::containerd::ContainerdConfig;
use crate::model::hosts::{HostsRoot, RegistryHosts, WELL_KNOWN_ROOTS};
use crate::model::{Input, NodeSnapshot};
use crate::release::ContainerdRelease;

/// Where hosts.toml files go when config_path names no directory yet.
pub(crate) const DEFAULT_HOSTS_ROOT: &str = "/etc/containerd/certs.d";

/// The roots containerd searches for hosts.toml files, in order, and why; None when that
/// cannot be known (containerd's config is unreadable or invalid).
pub(crate) struct SearchedRoots<'s> {
    pub(crate) roots: Vec<&'s HostsRoot>,
    /// Why: the effective config_path, or the default containerd uses without a config.
    pub(crate) why: String,
}

pub(crate) fn searched_roots<'s>(
    snap: &'s NodeSnapshot,
    release: &ContainerdRelease,
) -> Option<SearchedRoots<'s>> {
    let hosts: &RegistryHosts = &snap.registry_hosts;
    match &snap.containerd {
        Input::Present(cfg) => {
            let cp = &cfg.cri.registry.config_path;
            let why = if cp.value.is_empty() {
                "config_path is empty".to_string()
            } else {
                format!("config_path = \"{}\"", cp.value)
            };
            Some(SearchedRoots {
                roots: hosts.config_roots(),
                why,
            })
        }
        Input::Absent { path } => {
            // Without a config file containerd uses its built-in default config_path.
            if release.has_default_config_path() {
                let mut roots: Vec<&HostsRoot> = WELL_KNOWN_ROOTS
                    .iter()
                    .filter_map(|p| hosts.root(p))
                    .collect();
                roots.dedup_by(|a, b| a.path == b.path);
                Some(SearchedRoots {
                    roots,
                    why: format!(
                        "{path} is absent: {} uses its default config_path \"{}\"",
                        release.label(),
                        WELL_KNOWN_ROOTS.join(":")
                    ),
                })
            } else {
                Some(SearchedRoots {
                    roots: Vec::new(),
                    why: format!(
                        "{path} is absent: {} has no default config_path (2.2 adds one)",
                        release.label()
                    ),
                })
            }
        }
        Input::Unreadable { .. } | Input::Invalid { .. } => None,
    }
}

/// The first root hosts.toml files should go in: the first config_path root, else the
/// documented default.
pub(crate) fn hosts_root(snap: &NodeSnapshot) -> String {
    snap.registry_hosts
        .config_roots()
        .first()
        .map_or_else(|| DEFAULT_HOSTS_ROOT.to_string(), |r| r.path.clone())
}

/// The lines to add to config.toml so containerd reads `root`, when config_path is empty.
pub(crate) fn config_path_fix(cfg: &ContainerdConfig, root: &str) -> Option<String> {
    cfg.cri.registry.config_path.value.is_empty().then(|| {
        format!(
            "set config_path in {}:\n[{}]\n  config_path = \"{root}\"",
            cfg.path,
            cfg.cri.layout.registry_table()
        )
    })
}

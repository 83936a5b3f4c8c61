//! RA4xx: registry configuration (legacy CRI registry tables, hosts.toml, Docker's
//! registries carried over).

mod convert;
mod ra401;
mod ra402;
mod ra403;
mod ra404;
mod ra405;
mod ra406;
mod ra407;
mod ra408;

use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Rule};
use crate::model::containerd::ContainerdConfig;
use crate::model::hosts::{HostsRoot, RegistryHosts, WELL_KNOWN_ROOTS};
use crate::model::{Component, Input, NodeSnapshot, Version, VersionFact};

pub static RULES: &[&Rule] = &[
    &ra401::RULE,
    &ra402::RULE,
    &ra403::RULE,
    &ra404::RULE,
    &ra405::RULE,
    &ra406::RULE,
    &ra407::RULE,
    &ra408::RULE,
];

/// Where hosts.toml files go when config_path names no directory yet.
pub(crate) const DEFAULT_HOSTS_ROOT: &str = "/etc/containerd/certs.d";

/// The containerd release registry findings are about, and where it came from.
pub(crate) struct Release<'s> {
    /// None when nothing says which release (no version, no config to assume from).
    pub ver: Option<Version>,
    /// A known version (CLI target, probe, Node object), attached to findings.
    pub fact: Option<&'s VersionFact>,
    /// `containerd 2.2.1` or `containerd 1.7 (assumed: ...)`, for messages.
    pub label: String,
}

impl<'s> Release<'s> {
    /// The release from `snap.versions`, else the one the containerd collector evaluated the
    /// config for (an assumption, recorded on the emitter).
    pub fn of(snap: &'s NodeSnapshot, cfg: Option<&ContainerdConfig>, out: &mut Emitter) -> Self {
        if let Some(fact) = snap.versions.containerd.as_ref() {
            return Release {
                ver: Some(fact.version.clone()),
                fact: Some(fact),
                label: if fact.is_assumed() {
                    format!("containerd {} (assumed)", fact.version)
                } else {
                    format!("containerd {}", fact.version)
                },
            };
        }
        match cfg {
            Some(c) => {
                let ver = Version::parse(&c.evaluated_for.version);
                out.assume(format!(
                    "containerd {} ({})",
                    c.evaluated_for.version, c.evaluated_for.because
                ));
                Release {
                    ver,
                    fact: None,
                    label: format!("containerd {} (assumed)", c.evaluated_for.version),
                }
            }
            None => {
                out.assume("containerd version unknown (no --containerd-version, no config to assume from)");
                Release {
                    ver: None,
                    fact: None,
                    label: "containerd (version unknown)".into(),
                }
            }
        }
    }

    /// Attaches the known version to a finding.
    pub fn tag<'e>(&self, b: FindingBuilder<'e>) -> FindingBuilder<'e> {
        match self.fact {
            Some(f) => b.version(Component::Containerd, f),
            None => b,
        }
    }

    pub fn is_2x(&self) -> bool {
        self.ver.as_ref().is_some_and(|v| v.major >= 2)
    }

    pub fn is_1x(&self) -> bool {
        self.ver.as_ref().is_some_and(|v| v.major < 2)
    }

    pub fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        self.ver
            .as_ref()
            .is_some_and(|v| v.at_least(major, minor, patch))
    }

    /// `(major, minor)`, or the newest line when unknown.
    pub fn line(&self) -> (u64, u64) {
        self.ver.as_ref().map_or((2, 3), |v| (v.major, v.minor))
    }
}

/// The roots containerd searches for hosts.toml files, in order, and why; None when that
/// cannot be known (containerd's config is unreadable or invalid).
pub(crate) struct SearchedRoots<'s> {
    pub roots: Vec<&'s HostsRoot>,
    /// Why: the effective config_path, or the default containerd uses without a config.
    pub why: String,
}

pub(crate) fn searched_roots<'s>(
    snap: &'s NodeSnapshot,
    release: &Release<'_>,
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
            if release.at_least(2, 2, 0) {
                let mut roots: Vec<&HostsRoot> = WELL_KNOWN_ROOTS
                    .iter()
                    .filter_map(|p| hosts.root(p))
                    .collect();
                roots.dedup_by(|a, b| a.path == b.path);
                Some(SearchedRoots {
                    roots,
                    why: format!(
                        "{path} is absent: {} uses its default config_path \"{}\"",
                        release.label,
                        WELL_KNOWN_ROOTS.join(":")
                    ),
                })
            } else {
                Some(SearchedRoots {
                    roots: Vec::new(),
                    why: format!(
                        "{path} is absent: {} has no default config_path (2.2 adds one)",
                        release.label
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

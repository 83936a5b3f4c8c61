//! RA401 registry-mirrors-with-config-path.

use crate::engine::{Emitter, Location};
use crate::model::{NodeSnapshot, Origin, Span};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

use super::{convert, hosts_root};

declare_rule! {
    id: "RA401",
    name: "registry-mirrors-with-config-path",
    area: Registry,
    summary: "registry.mirrors set together with config_path: the CRI plugin fails to load",
    inputs: [ContainerdConfig],
    cases: [
        Explicit("config-path-set", Error),
        /// containerd 2.2.0/2.2.1 apply their default config_path next to mirrors (containerd#12612).
        Default22("default-config-path-2-2", Error),
    ],
}

/// Mirrors next to a config_path, written or defaulted, are one finding at the first mirror.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let registry = &cfg.cri.registry;
    let release = containerd_release(snap, out);
    let Some(first) = registry.mirrors.first() else {
        return;
    };
    if registry.config_path.value.is_empty() {
        return;
    }
    let root = hosts_root(snap);
    MirrorsWithConfigPath {
        hosts: registry
            .mirrors
            .iter()
            .map(|m| m.host.value.as_str())
            .collect(),
        files: registry
            .mirrors
            .iter()
            .map(|m| convert::mirror(m, &registry.configs, &root).render())
            .collect(),
        config_path: &registry.config_path.value,
        config_path_origin: &registry.config_path.origin,
        table: cfg.cri.layout.registry_table(),
        root: &root,
        release,
    }
    .emit(out, first.host.span);
}

/// `mirrors` together with a config_path, which containerd refuses.
struct MirrorsWithConfigPath<'a> {
    /// The mirrors' registries.
    hosts: Vec<&'a str>,
    /// The hosts.toml files that replace them.
    files: Vec<String>,
    config_path: &'a str,
    /// Written, or the release's default (containerd 2.2.0/2.2.1).
    config_path_origin: &'a Origin,
    /// The config's registry table.
    table: &'static str,
    /// Where the hosts.toml files go.
    root: &'a str,
    release: &'a ContainerdRelease,
}

impl MirrorsWithConfigPath<'_> {
    fn case(&self) -> Case {
        match self.config_path_origin {
            Origin::Set(_) => Case::Explicit,
            Origin::Default { .. } => Case::Default22,
        }
    }

    fn message(&self) -> String {
        match self.config_path_origin {
            Origin::Set(_) => format!(
                "`mirrors` ({}) are set together with `config_path = \"{}\"`: {} refuses this combination",
                self.hosts.join(", "),
                self.config_path,
                self.release.label()
            ),
            Origin::Default { note } => format!(
                "`mirrors` ({}) are set and {} gives `config_path` the default \"{}\" anyway ({note})",
                self.hosts.join(", "),
                self.release.label(),
                self.config_path
            ),
        }
    }

    /// containerd 2.x refuses them in the image service, 1.x in the CRI plugin.
    fn impact(&self) -> &'static str {
        if self.release.is_2x() {
            "The CRI image service does not load: containerd logs `failed to load plugin ... \
             error=\"unable to load CRI image service plugin dependency: invalid cri image config: \
             `mirrors` cannot be set when `config_path` is provided\"`. The kubelet cannot reach the \
             CRI and the node goes NotReady."
        } else {
            "The CRI plugin does not load: containerd logs `failed to load plugin \
             io.containerd.grpc.v1.cri ... invalid plugin config: `mirrors` cannot be set when \
             `config_path` is provided`. The kubelet cannot reach the CRI and the node goes NotReady."
        }
    }

    fn fix(&self) -> String {
        let (root, table) = (self.root, self.table);
        // A defaulted config_path goes away with a release that keeps it empty next to mirrors.
        let extra_fix = match self.config_path_origin {
            Origin::Set(_) => String::new(),
            Origin::Default { .. } => {
                "\nOr run containerd 2.2.2 or later, which keeps config_path empty next to mirrors \
             (containerd PR #12617); the mirrors remain deprecated."
                    .to_string()
            }
        };
        format!(
            "Move every mirror into a hosts.toml under {root} and delete the `[{table}.mirrors]` \
             tables (hosts.toml is read without restarting containerd; config.toml changes need a \
             restart):\n{}{extra_fix}",
            self.files.join("\n")
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Span) {
        let table = self.table;
        let mut b = out
            .finding(self.case(), Location::Span(at), self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(format!("{table}.mirrors"))
            .label("mirrors here")
            .actual(format!("config_path = \"{}\"", self.config_path))
            .expected("either config_path with hosts.toml files, or mirrors without config_path");
        if let Origin::Set(span) = self.config_path_origin {
            b = b.related(*span, "config_path set here");
        }
        b.release(self.release).emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirrors<'a>(
        origin: &'a Origin,
        release: &'a ContainerdRelease,
    ) -> MirrorsWithConfigPath<'a> {
        MirrorsWithConfigPath {
            hosts: vec!["docker.io"],
            files: vec!["# /etc/containerd/certs.d/docker.io/hosts.toml".to_owned()],
            config_path: "/etc/containerd/certs.d",
            config_path_origin: origin,
            table: "plugins.'io.containerd.cri.v1.images'.registry",
            root: "/etc/containerd/certs.d",
            release,
        }
    }

    #[test]
    fn a_defaulted_config_path_is_blamed_on_the_release_and_fixed_by_a_later_one() {
        let release = ContainerdRelease::target("2.2.1");
        let default = Origin::Default {
            note: "containerd 2.2.0 and 2.2.1 default it".to_owned(),
        };
        let finding = mirrors(&default, &release);
        assert!(finding.message().ends_with(
            "gives `config_path` the default \"/etc/containerd/certs.d\" anyway (containerd 2.2.0 and 2.2.1 default it)"
        ));
        assert!(finding.fix().contains("\nOr run containerd 2.2.2 or later"));
        assert!(
            finding
                .impact()
                .starts_with("The CRI image service does not load")
        );
    }

    #[test]
    fn a_written_config_path_is_refused_and_its_fix_moves_the_mirrors_only() {
        let release = ContainerdRelease::target("1.7.28");
        let set = Origin::Set(Span::new(crate::model::FileId(0), 0..1));
        let finding = mirrors(&set, &release);
        assert!(finding.message().starts_with(
            "`mirrors` (docker.io) are set together with `config_path = \"/etc/containerd/certs.d\"`"
        ));
        assert!(
            finding
                .fix()
                .ends_with(":\n# /etc/containerd/certs.d/docker.io/hosts.toml")
        );
        assert!(finding.impact().starts_with("The CRI plugin does not load"));
    }
}

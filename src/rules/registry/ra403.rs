//! RA403 registry-legacy-keys.

use crate::engine::{Emitter, Location};
use crate::model::{NodeSnapshot, Span};
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

use super::{config_path_fix, convert, hosts_root};

declare_rule! {
    id: "RA403",
    name: "registry-legacy-keys",
    area: Registry,
    summary: "registry mirrors, configs and auths are deprecated in favour of config_path + hosts.toml",
    inputs: [ContainerdConfig],
    cases: [
        Deprecated("deprecated", Warning),
    ],
}

/// The Transfer Service fallback message containerd 2.1+ logs for legacy keys.
const TRANSFER_FALLBACK: &str = "containerd 2.1+ also turns the Transfer Service off for CRI pulls: \
     `Found 'Registry.Mirrors' in CRI config which is incompatible with transfer service (not \
     supported with transfer service (also deprecated)). Falling back to local image pull mode.`";

const REMOVAL: &str = "Removal was announced for 2.0, then postponed release after release (target 2.4 in \
                       RELEASES.md; still read by 2.3).";

/// Each legacy table the config has is reported once, at its first entry.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let legacy = Legacy {
        table: cfg.cri.layout.registry_table(),
        release: containerd_release(snap, out),
    };
    let registry = &cfg.cri.registry;
    let root = hosts_root(snap);

    if let Some(first) = registry.mirrors.first() {
        let files: Vec<String> = registry
            .mirrors
            .iter()
            .map(|m| convert::mirror(m, &registry.configs, &root).render())
            .collect();
        let wording = legacy.mirrors(registry.mirrors.len(), &files, config_path_fix(cfg, &root));
        legacy.emit(out, first.host.span, wording);
    }
    if let Some(first) = registry.configs.first() {
        let hosts: Vec<&str> = registry
            .configs
            .iter()
            .map(|c| c.host.value.as_str())
            .collect();
        legacy.emit(out, first.host.span, legacy.configs(&hosts, &root));
    }
    if let Some(first) = registry.auths.first() {
        legacy.emit(out, first.host.span, legacy.auths());
    }
}

/// One legacy table's finding: the key it is about, and its words.
struct Wording {
    key: String,
    message: String,
    impact: String,
    fix: String,
}

/// The config's registry table and the release that reads it: what every legacy table's
/// finding is worded by.
struct Legacy<'a> {
    /// `plugins."io.containerd.grpc.v1.cri".registry`, as the config's layout writes it.
    table: &'static str,
    release: &'a ContainerdRelease,
}

impl Legacy<'_> {
    /// What 2.1 and later do besides logging: CRI pulls leave the Transfer Service.
    fn transfer(&self) -> String {
        if self.release.pulls_through_transfer_service() {
            format!(" {TRANSFER_FALLBACK}")
        } else {
            String::new()
        }
    }

    /// `count` mirrors, replaced by the hosts.toml `files`; `config_path_fix` is what makes
    /// containerd read them, when it does not yet.
    fn mirrors(&self, count: usize, files: &[String], config_path_fix: Option<String>) -> Wording {
        let table = self.table;
        let transfer = self.transfer();
        let set_path = config_path_fix
            .map(|s| format!("\nThen {s}"))
            .unwrap_or_default();
        Wording {
            key: format!("{table}.mirrors"),
            message: format!(
                "`{table}.mirrors` is deprecated on {} ({} mirror(s))",
                self.release.label(),
                count
            ),
            impact: format!(
                "containerd logs `` `mirrors` is deprecated, please use `config_path` instead``. \
                 Mirrors cannot be combined with config_path (RA401) and hosts.toml files are ignored \
                 while they are used.{transfer} {REMOVAL}"
            ),
            fix: format!(
                "Write one hosts.toml per mirror and delete the `mirrors` tables:\n{}{set_path}",
                files.join("\n")
            ),
        }
    }

    /// `configs` for `hosts`, whose TLS settings move to hosts.toml under `root`.
    fn configs(&self, hosts: &[&str], root: &str) -> Wording {
        let table = self.table;
        let transfer = self.transfer();
        Wording {
            key: format!("{table}.configs"),
            message: format!(
                "`{table}.configs` ({}) is deprecated on {}",
                hosts.join(", "),
                self.release.label()
            ),
            impact: format!(
                "containerd logs `` `configs` is deprecated, please use `config_path` instead``.{transfer} {REMOVAL} \
                 The `tls` part is already gone in 2.0 (RA402)."
            ),
            fix: format!(
                "Move TLS settings to hosts.toml under {root} (`ca`, `client`, `skip_verify`; see RA402) and \
                 credentials to Kubernetes imagePullSecrets or a kubelet credential provider (RA404), then \
                 delete the `configs` tables."
            ),
        }
    }

    /// `auths`, whose log line names another replacement on 2.x than on 1.x.
    fn auths(&self) -> Wording {
        let table = self.table;
        let transfer = self.transfer();
        let replacement = if self.release.is_2x() {
            "`` `auths` is deprecated, please use `ImagePullSecrets` instead``"
        } else {
            "`` `auths` is deprecated, please use `configs` instead``"
        };
        Wording {
            key: format!("{table}.auths"),
            message: format!(
                "`{table}.auths` is deprecated on {} (deprecated since 1.3)",
                self.release.label()
            ),
            impact: format!("containerd logs {replacement}.{transfer} {REMOVAL}"),
            fix: "Give the credentials to Kubernetes (`kubectl create secret docker-registry ...` used as \
                  imagePullSecrets, or a kubelet credential provider) and delete the `auths` tables; see RA404."
                .to_string(),
        }
    }

    fn emit(&self, out: &mut Emitter<Case>, at: Span, wording: Wording) {
        out.finding(Case::Deprecated, Location::Span(at), wording.message)
            .impact(wording.impact)
            .fix(wording.fix)
            .key(wording.key)
            .label("deprecated")
            .release(self.release)
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy(release: &ContainerdRelease) -> Legacy<'_> {
        Legacy {
            table: "plugins.\"io.containerd.grpc.v1.cri\".registry",
            release,
        }
    }

    #[test]
    fn the_transfer_service_fallback_is_told_from_containerd_2_1() {
        let v20 = ContainerdRelease::target("2.0.5");
        let v21 = ContainerdRelease::target("2.1.4");
        assert!(!legacy(&v20).auths().impact.contains("Transfer Service"));
        assert!(legacy(&v21).auths().impact.contains(TRANSFER_FALLBACK));
    }

    #[test]
    fn auths_quote_the_log_line_of_the_major_version() {
        let v1 = ContainerdRelease::target("1.7.28");
        let v2 = ContainerdRelease::target("2.0.5");
        assert!(
            legacy(&v1)
                .auths()
                .impact
                .contains("please use `configs` instead")
        );
        assert!(
            legacy(&v2)
                .auths()
                .impact
                .contains("please use `ImagePullSecrets` instead")
        );
    }

    #[test]
    fn mirrors_say_how_to_set_config_path_only_when_it_is_empty() {
        let release = ContainerdRelease::target("1.7.28");
        let files = ["server = \"https://registry-1.docker.io\"".to_owned()];
        let unset = legacy(&release).mirrors(1, &files, Some("set config_path".to_owned()));
        assert!(
            unset
                .fix
                .ends_with("registry-1.docker.io\"\nThen set config_path")
        );
        let set = legacy(&release).mirrors(1, &files, None);
        assert!(set.fix.ends_with("registry-1.docker.io\""));
        assert_eq!(
            set.key,
            "plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors"
        );
    }
}

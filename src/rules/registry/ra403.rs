//! RA403 registry-legacy-keys.

use crate::engine::{Emitter, Location};
use crate::model::NodeSnapshot;
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

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let registry = &cfg.cri.registry;
    let table = cfg.cri.layout.registry_table();
    let root = hosts_root(snap);
    let transfer = if release.pulls_through_transfer_service() {
        format!(" {TRANSFER_FALLBACK}")
    } else {
        String::new()
    };
    let removal = "Removal was announced for 2.0, then postponed release after release (target 2.4 in \
                   RELEASES.md; still read by 2.3).";
    let set_path = config_path_fix(cfg, &root)
        .map(|s| format!("\nThen {s}"))
        .unwrap_or_default();

    if let Some(first) = registry.mirrors.first() {
        let files: Vec<String> = registry
            .mirrors
            .iter()
            .map(|m| convert::mirror(m, &registry.configs, &root).render())
            .collect();
        let b = out
            .finding(
                Case::Deprecated,
                Location::Span(first.host.span),
                format!(
                    "`{table}.mirrors` is deprecated on {} ({} mirror(s))",
                    release.label(),
                    registry.mirrors.len()
                ),
            )
            .impact(format!(
                "containerd logs `` `mirrors` is deprecated, please use `config_path` instead``. \
                 Mirrors cannot be combined with config_path (RA401) and hosts.toml files are ignored \
                 while they are used.{transfer} {removal}"
            ))
            .fix(format!(
                "Write one hosts.toml per mirror and delete the `mirrors` tables:\n{}{set_path}",
                files.join("\n")
            ))
            .key(format!("{table}.mirrors"))
            .label("deprecated");
        b.release(release).emit();
    }

    if let Some(first) = registry.configs.first() {
        let hosts: Vec<&str> = registry
            .configs
            .iter()
            .map(|c| c.host.value.as_str())
            .collect();
        let b = out
            .finding(
                Case::Deprecated,
                Location::Span(first.host.span),
                format!(
                    "`{table}.configs` ({}) is deprecated on {}",
                    hosts.join(", "),
                    release.label()
                ),
            )
            .impact(format!(
                "containerd logs `` `configs` is deprecated, please use `config_path` instead``.{transfer} {removal} \
                 The `tls` part is already gone in 2.0 (RA402)."
            ))
            .fix(format!(
                "Move TLS settings to hosts.toml under {root} (`ca`, `client`, `skip_verify`; see RA402) and \
                 credentials to Kubernetes imagePullSecrets or a kubelet credential provider (RA404), then \
                 delete the `configs` tables."
            ))
            .key(format!("{table}.configs"))
            .label("deprecated");
        b.release(release).emit();
    }

    if let Some(first) = registry.auths.first() {
        let replacement = if release.is_2x() {
            "`` `auths` is deprecated, please use `ImagePullSecrets` instead``"
        } else {
            "`` `auths` is deprecated, please use `configs` instead``"
        };
        let b = out
            .finding(
                Case::Deprecated,
                Location::Span(first.host.span),
                format!("`{table}.auths` is deprecated on {} (deprecated since 1.3)", release.label()),
            )
            .impact(format!("containerd logs {replacement}.{transfer} {removal}"))
            .fix(
                "Give the credentials to Kubernetes (`kubectl create secret docker-registry ...` used as \
                 imagePullSecrets, or a kubelet credential provider) and delete the `auths` tables; see RA404."
                    .to_string(),
            )
            .key(format!("{table}.auths"))
            .label("deprecated");
        b.release(release).emit();
    }
}

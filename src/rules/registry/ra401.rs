//! RA401 registry-mirrors-with-config-path.

use crate::engine::{Emitter, Location};
use crate::model::{NodeSnapshot, Origin};
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
    let table = cfg.cri.layout.registry_table();
    let root = hosts_root(snap);
    let files: Vec<String> = registry
        .mirrors
        .iter()
        .map(|m| convert::mirror(m, &registry.configs, &root).render())
        .collect();
    let hosts: Vec<&str> = registry
        .mirrors
        .iter()
        .map(|m| m.host.value.as_str())
        .collect();
    let impact = if release.is_2x() {
        "The CRI image service does not load: containerd logs `failed to load plugin ... \
         error=\"unable to load CRI image service plugin dependency: invalid cri image config: \
         `mirrors` cannot be set when `config_path` is provided\"`. The kubelet cannot reach the \
         CRI and the node goes NotReady."
    } else {
        "The CRI plugin does not load: containerd logs `failed to load plugin \
         io.containerd.grpc.v1.cri ... invalid plugin config: `mirrors` cannot be set when \
         `config_path` is provided`. The kubelet cannot reach the CRI and the node goes NotReady."
    };
    let (case, message, extra_fix, related) = match &registry.config_path.origin {
        Origin::Set(span) => (
            Case::Explicit,
            format!(
                "`mirrors` ({}) are set together with `config_path = \"{}\"`: {} refuses this combination",
                hosts.join(", "),
                registry.config_path.value,
                release.label()
            ),
            String::new(),
            Some(*span),
        ),
        Origin::Default { note } => (
            Case::Default22,
            format!(
                "`mirrors` ({}) are set and {} gives `config_path` the default \"{}\" anyway ({note})",
                hosts.join(", "),
                release.label(),
                registry.config_path.value
            ),
            "\nOr run containerd 2.2.2 or later, which keeps config_path empty next to mirrors \
             (containerd PR #12617); the mirrors remain deprecated."
                .to_string(),
            None,
        ),
    };
    let mut b = out
        .finding(case, Location::Span(first.host.span), message)
        .impact(impact)
        .fix(format!(
            "Move every mirror into a hosts.toml under {root} and delete the `[{table}.mirrors]` \
             tables (hosts.toml is read without restarting containerd; config.toml changes need a \
             restart):\n{}{extra_fix}",
            files.join("\n")
        ))
        .key(format!("{table}.mirrors"))
        .label("mirrors here")
        .actual(format!("config_path = \"{}\"", registry.config_path.value))
        .expected("either config_path with hosts.toml files, or mirrors without config_path");
    if let Some(span) = related {
        b = b.related(span, "config_path set here");
    }
    b.release(release).emit();
}

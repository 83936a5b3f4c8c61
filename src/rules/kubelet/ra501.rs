//! RA501 kubelet-removed-dockershim-flags.

use crate::engine::Emitter;
use crate::model::containerd::CriLayout;
use crate::model::{Component, NodeSnapshot};

use super::settings::{self, flag_location, flag_text};

declare_rule! {
    id: "RA501",
    name: "kubelet-removed-dockershim-flags",
    area: Kubelet,
    summary: "A kubelet flag removed with dockershim in 1.24 is still on the command line; the kubelet refuses to start",
    inputs: [KubeletFlags, KubeletSystemdDropIn],
    cases: [
        Removed("removed", Error),
        Meaningless("meaningless", Warning),
    ],
}

/// The flags removed in Kubernetes 1.24 (CHANGELOG-1.24: the dockershim flags of
/// kubernetes PR #106907, and `--non-masquerade-cidr`, PR #107096).
pub(crate) const REMOVED_FLAGS: &[&str] = &[
    "experimental-dockershim-root-directory",
    "docker-endpoint",
    "image-pull-progress-deadline",
    "network-plugin",
    "cni-conf-dir",
    "cni-bin-dir",
    "cni-cache-dir",
    "network-plugin-mtu",
    "non-masquerade-cidr",
];

/// Where containerd takes the setting a CNI flag used to carry.
fn cni_fix(snap: &NodeSnapshot, name: &str, value: &str) -> Option<String> {
    let layout = snap
        .containerd
        .present()
        .map_or(CriLayout::V2, |c| c.cri.layout);
    let table = match layout {
        CriLayout::V1 => "[plugins.cri.cni]",
        CriLayout::V2 => "[plugins.\"io.containerd.grpc.v1.cri\".cni]",
        CriLayout::V3 => "[plugins.'io.containerd.cri.v1.runtime'.cni]",
    };
    let (key, default) = match (name, layout) {
        ("cni-bin-dir", CriLayout::V3) => ("bin_dirs", "[\"/opt/cni/bin\"]"),
        ("cni-bin-dir", _) => ("bin_dir", "\"/opt/cni/bin\""),
        ("cni-conf-dir", _) => ("conf_dir", "\"/etc/cni/net.d\""),
        _ => return None,
    };
    let value = if key == "bin_dirs" {
        format!("[\"{value}\"]")
    } else {
        format!("\"{value}\"")
    };
    if value == default {
        return Some(format!(
            " containerd reads CNI from its own `{table}` table, whose default `{key}` is the same {default}: nothing to carry over."
        ));
    }
    Some(format!(
        " containerd reads CNI from its own config: set `{key} = {value}` under `{table}` in /etc/containerd/config.toml (its default is {default})."
    ))
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let version = snap.versions.kubelet.as_ref();
    let removed_here = version.is_none_or(|v| !v.has_dockershim());
    if version.is_none() {
        out.assume(
            "kubelet version unknown (no --kubernetes-version, no Node object): assumed 1.24 or later, the release that removed dockershim",
        );
    }
    let version_text = version.map_or_else(
        || {
            "a kubelet 1.24 or later (the version is unknown; assumed to be the migration target)"
                .to_owned()
        },
        ToString::to_string,
    );
    for f in k
        .flags
        .iter()
        .filter(|f| REMOVED_FLAGS.contains(&f.name.as_str()))
    {
        let word = flag_text(snap, f);
        let place = flag_location(snap, f);
        let cni =
            cni_fix(snap, &f.name, f.value.as_deref().unwrap_or_default()).unwrap_or_default();
        let fix = format!("Delete `{word}` from {place}, {}.{cni}", settings::restart(k));
        let builder = if removed_here {
            out.finding(
                Case::Removed,
                f.span,
                format!(
                    "`--{}` was removed from the kubelet in 1.24 with dockershim; {version_text} refuses to start with it",
                    f.name
                ),
            )
            .impact(format!(
                "`Error: failed to parse kubelet flag: unknown flag: --{}`: the kubelet crash-loops and the node goes NotReady.",
                f.name
            ))
        } else {
            out.finding(
                Case::Meaningless,
                f.span,
                format!(
                    "`--{}` only configures dockershim; on {version_text} it has no effect once the kubelet uses containerd, and 1.24 removes it",
                    f.name
                ),
            )
            .impact(format!(
                "Nothing yet; after the upgrade to 1.24 the kubelet refuses to start: `Error: failed to parse kubelet flag: unknown flag: --{}`.",
                f.name
            ))
        };
        let mut builder = builder
            .fix(fix)
            .key(format!("--{}", f.name))
            .label("removed with dockershim")
            .actual(word);
        if let Some(v) = version {
            builder = builder.version(Component::Kubelet, v.fact());
        }
        builder.emit();
    }
}

//! RA302 pod-infra-flag.

use crate::release::KubeletRelease;
use crate::engine::Emitter;
use crate::model::{Component, NodeSnapshot};

declare_rule! {
    id: "RA302",
    name: "pod-infra-flag",
    area: Sandbox,
    summary: "--pod-infra-container-image is set: deprecated in 1.24, no effect from 1.29, removed in 1.35",
    inputs: [KubeletFlags, KubeletSystemdDropIn],
    cases: [
        Deprecated("deprecated", Warning),
        Removed("removed", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(kubelet) = out.need(&snap.kubelet, "kubelet configuration") else {
        return;
    };
    let flags: Vec<_> = kubelet.flags_named("pod-infra-container-image").collect();
    if flags.is_empty() {
        return;
    }
    let kubelet_version = snap.versions.kubelet.as_ref();
    if kubelet_version.is_some_and(|k| !k.pod_infra_flag_deprecated()) {
        out.not_applicable(format!(
            "{} predates the deprecation (1.24)",
            kubelet_version
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
        return;
    }
    let removed = kubelet_version.is_some_and(KubeletRelease::pod_infra_flag_removed);
    if kubelet_version.is_none() {
        out.assume("kubelet version unknown: reported as deprecated; it is an error from 1.35, where the flag is removed");
    }
    for flag in flags {
        let (case, message, impact) = if removed {
            (
                Case::Removed,
                format!(
                    "--pod-infra-container-image was removed in Kubernetes 1.35 and this node runs {}",
                    kubelet_version.map(ToString::to_string).unwrap_or_default()
                ),
                "The kubelet refuses to start: `failed to parse kubelet flag: unknown flag: --pod-infra-container-image`; the node goes NotReady.".to_string(),
            )
        } else {
            (
                Case::Deprecated,
                format!(
                    "--pod-infra-container-image is deprecated since 1.24 and has no effect from 1.29 ({})",
                    kubelet_version.map_or_else(|| "kubelet version unknown".to_string(), ToString::to_string)
                ),
                "With containerd the flag never chose the sandbox image; from Kubernetes 1.35 the kubelet refuses to start with it (`unknown flag: --pod-infra-container-image`), and kubeadm's upgrade cleans it only from kubeadm-flags.env, not from KUBELET_EXTRA_ARGS.".to_string(),
            )
        };
        let mut f = out
            .finding(case, flag.span, message)
            .label("set here")
            .impact(impact)
            .fix(format!(
                "Delete the flag from {} (via {}); set the sandbox image in containerd's config instead (RA301).",
                flag_file(kubelet, flag),
                flag.via
            ))
            .key("pod-infra-container-image")
            .actual(flag.value.clone().unwrap_or_default())
            .expected("flag absent");
        if let Some(k) = kubelet_version {
            f = f.version(Component::Kubelet, k.fact());
        }
        f.emit();
    }
}

fn flag_file(
    kubelet: &crate::model::kubelet::KubeletSettings,
    flag: &crate::model::kubelet::Flag,
) -> String {
    kubelet
        .flag_sources
        .iter()
        .find(|s| s.file == flag.span.file)
        .map_or_else(
            || "the kubelet command line".to_string(),
            |s| s.path.clone(),
        )
}

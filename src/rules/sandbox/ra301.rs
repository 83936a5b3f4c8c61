//! RA301 sandbox-image-mismatch.

use crate::engine::{Emitter, Location};
use crate::model::{NodeSnapshot, Origin};
use crate::rules::releases::containerd_release;

use super::image_ref::normalize;

declare_rule! {
    id: "RA301",
    name: "sandbox-image-mismatch",
    area: Sandbox,
    summary: "The kubelet's --pod-infra-container-image differs from containerd's sandbox image",
    inputs: [KubeletFlags, ContainerdConfig],
    cases: [
        Mismatch("mismatch", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(kubelet) = out.need(&snap.kubelet, "kubelet configuration") else {
        return;
    };
    let Some(flag) = &kubelet.effective.pod_infra_image else {
        out.not_applicable("the kubelet has no --pod-infra-container-image flag");
        return;
    };
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let sandbox = &cfg.cri.sandbox_image;
    if normalize(&flag.value) == normalize(&sandbox.value) {
        return;
    }
    let release = containerd_release(snap, out);
    let where_set = match &sandbox.origin {
        Origin::Set(_) => format!("set in {}", cfg.path),
        Origin::Default { .. } => format!("the built-in default of {}", release.describe_in_full()),
    };
    let mut f = out
        .finding(
            Case::Mismatch,
            flag.span,
            format!(
                "the kubelet names the pause image {:?}, but containerd creates pod sandboxes from {:?} ({where_set})",
                flag.value, sandbox.value
            ),
        )
        .label("ignored by containerd")
        .impact(format!(
            "Under dockershim this flag chose the pause image; with containerd it does not. Every pod sandbox uses {:?}: an air-gapped or mirror-only node fails with `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image \"{}\": failed to pull image ...`, and kubeadm preflight warns that the sandbox image of the container runtime is inconsistent with the one kubeadm uses.",
            sandbox.value, sandbox.value
        ))
        .fix(format!(
            "Set the image in containerd instead: `{} = \"{}\"` in {} (then restart containerd), and remove --pod-infra-container-image from the kubelet flags.",
            cfg.cri.layout.sandbox_key(),
            flag.value,
            cfg.path
        ))
        .key("pod-infra-container-image")
        .actual(sandbox.value.clone())
        .expected(flag.value.clone());
    if let Some(span) = sandbox.span() {
        f = f.related(Location::Span(span), "containerd's sandbox image");
    }
    f.release(release).emit();
}

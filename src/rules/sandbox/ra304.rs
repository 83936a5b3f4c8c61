//! RA304 sandbox-image-not-pinned.

use crate::engine::{Emitter, Location};
use crate::model::{Component, NodeSnapshot};
use crate::rules::versions_context::describe;

declare_rule! {
    id: "RA304",
    name: "sandbox-image-not-pinned",
    area: Sandbox,
    summary: "containerd < 1.6.22 or 1.7.0-1.7.2 with kubelet >= 1.29: image GC can delete the pause image",
    inputs: [NodeObject, ContainerdConfig],
    cases: [
        NotPinned("not-pinned", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let (Some(kubelet), Some(containerd)) = (&snap.versions.kubelet, &snap.versions.containerd)
    else {
        out.inconclusive("needs both the kubelet and the containerd version (pass --kubernetes-version and --containerd-version, or --node-file)");
        return;
    };
    let k = &kubelet.version;
    let c = &containerd.version;
    if k.below(1, 29, 0) {
        out.not_applicable(format!(
            "{}: the kubelet itself protects the pause image before 1.29",
            describe(Component::Kubelet, kubelet)
        ));
        return;
    }
    if c.major >= 2 || c.at_least(1, 7, 3) || (c.is_line(1, 6) && c.at_least(1, 6, 22)) {
        return;
    }
    if !c.has_patch && (c.is_line(1, 6) || c.is_line(1, 7)) {
        out.inconclusive(format!(
            "{}: the patch release decides (pinning arrived in 1.6.22 and 1.7.3)",
            describe(Component::Containerd, containerd)
        ));
        return;
    }
    let at = match (&snap.containerd, containerd.origin.clone()) {
        (_, crate::model::VersionOrigin::NodeObject { span, .. }) => Location::Span(span),
        (crate::model::Input::Present(cfg), _) => Location::Path(cfg.path.clone()),
        _ => Location::Path(crate::collect::CONTAINERD_CONFIG.to_string()),
    };
    out.finding(
        Case::NotPinned,
        at,
        format!(
            "{} does not report the sandbox image as pinned, and {} no longer protects it from image garbage collection",
            describe(Component::Containerd, containerd),
            describe(Component::Kubelet, kubelet)
        ),
    )
    .impact("When disk pressure triggers image GC, the kubelet may delete the pause image; new pods then need to pull it again, and an air-gapped node fails to create pod sandboxes (`failed to get sandbox image`).")
    .fix("Upgrade containerd to 1.6.22+ or 1.7.3+ (better: a release supported for this Kubernetes minor, RA902); on air-gapped nodes keep the pause image importable (`ctr -n k8s.io images import`).")
    .key("containerd-version")
    .actual(c.to_string())
    .expected(">= 1.6.22 (1.6 line) or >= 1.7.3 (1.7 line)")
    .version(Component::Kubelet, kubelet)
    .version(Component::Containerd, containerd)
    .emit();
}

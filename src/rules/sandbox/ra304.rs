//! RA304 sandbox-image-not-pinned.

use crate::engine::Emitter;
use crate::model::{Component, NodeSnapshot};
use crate::rules::releases::{containerd_version_location, kubelet_and_containerd};

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
    let Some((kubelet, containerd, fact)) = kubelet_and_containerd(snap, out) else {
        return;
    };
    if kubelet.protects_pause_image() {
        out.not_applicable(format!(
            "{kubelet}: the kubelet itself protects the pause image before 1.29"
        ));
        return;
    }
    match containerd.pins_sandbox_image() {
        Some(true) => return,
        None => {
            out.inconclusive(format!(
                "{}: the patch release decides (pinning arrived in 1.6.22 and 1.7.3)",
                containerd.describe()
            ));
            return;
        }
        Some(false) => {}
    }
    out.finding(
        Case::NotPinned,
        containerd_version_location(snap, fact),
        format!(
            "{} does not report the sandbox image as pinned, and {kubelet} no longer protects it from image garbage collection",
            containerd.describe()
        ),
    )
    .impact("When disk pressure triggers image GC, the kubelet may delete the pause image; new pods then need to pull it again, and an air-gapped node fails to create pod sandboxes (`failed to get sandbox image`).")
    .fix("Upgrade containerd to 1.6.22+ or 1.7.3+ (better: a release supported for this Kubernetes minor, RA902); on air-gapped nodes keep the pause image importable (`ctr -n k8s.io images import`).")
    .key("containerd-version")
    .actual(fact.version.to_string())
    .expected(">= 1.6.22 (1.6 line) or >= 1.7.3 (1.7 line)")
    .version(Component::Kubelet, kubelet.fact())
    .version(Component::Containerd, fact)
    .emit();
}

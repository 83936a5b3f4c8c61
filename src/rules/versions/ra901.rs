//! RA901 containerd-cri-v1-unsupported.

use crate::engine::Emitter;
use crate::model::{Component, NodeSnapshot};
use crate::rules::releases::{containerd_version_location, kubelet_and_containerd};

declare_rule! {
    id: "RA901",
    name: "containerd-cri-v1-unsupported",
    area: Versions,
    summary: "containerd older than 1.6 with kubelet 1.26 or later: the CRI v1alpha2 API the kubelet needs is gone",
    inputs: [NodeObject],
    cases: [
        Unsupported("cri-v1-missing", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some((kubelet, containerd, fact)) = kubelet_and_containerd(snap, out) else {
        return;
    };
    if !kubelet.speaks_only_cri_v1() {
        out.not_applicable(format!("{kubelet} still speaks CRI v1alpha2"));
        return;
    }
    if containerd.serves_cri_v1() {
        return;
    }
    out.finding(
        Case::Unsupported,
        containerd_version_location(snap, fact),
        format!(
            "{} serves only CRI v1alpha2, and {kubelet} speaks only CRI v1",
            containerd.describe()
        ),
    )
    .impact("The kubelet does not register the node: `... unknown service runtime.v1.RuntimeService`; kubeadm preflight fails with `container runtime is not running`.")
    .fix("Upgrade containerd to 1.6.0 or later before upgrading the node to Kubernetes 1.26 (containerd recommends 1.6.15+/1.7.0+; see RA902 for the supported releases).")
    .key("containerd-version")
    .actual(fact.version.to_string())
    .expected(">= 1.6.0")
    .version(Component::Kubelet, kubelet.fact())
    .version(Component::Containerd, fact)
    .emit();
}

//! RA901 containerd-cri-v1-unsupported.

use crate::engine::{Emitter, Location};
use crate::model::{Component, NodeSnapshot, VersionFact, VersionOrigin};
use crate::rules::versions_context::describe;

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
    let (Some(kubelet), Some(containerd)) = (&snap.versions.kubelet, &snap.versions.containerd)
    else {
        out.inconclusive("needs both the kubelet and the containerd version (pass --kubernetes-version and --containerd-version, or --node-file)");
        return;
    };
    if kubelet.version.below(1, 26, 0) {
        out.not_applicable(format!(
            "{} still speaks CRI v1alpha2",
            describe(Component::Kubelet, kubelet)
        ));
        return;
    }
    if containerd.version.at_least(1, 6, 0) {
        return;
    }
    out.finding(
        Case::Unsupported,
        version_location(snap, containerd),
        format!(
            "{} serves only CRI v1alpha2, and {} speaks only CRI v1",
            describe(Component::Containerd, containerd),
            describe(Component::Kubelet, kubelet)
        ),
    )
    .impact("The kubelet does not register the node: `... unknown service runtime.v1.RuntimeService`; kubeadm preflight fails with `container runtime is not running`.")
    .fix("Upgrade containerd to 1.6.0 or later before upgrading the node to Kubernetes 1.26 (containerd recommends 1.6.15+/1.7.0+; see RA902 for the supported releases).")
    .key("containerd-version")
    .actual(containerd.version.to_string())
    .expected(">= 1.6.0")
    .version(Component::Kubelet, kubelet)
    .version(Component::Containerd, containerd)
    .emit();
}

/// Where a version was read (the Node object), else containerd's config file.
pub fn version_location(snap: &NodeSnapshot, fact: &VersionFact) -> Location {
    match (&fact.origin, &snap.containerd) {
        (VersionOrigin::NodeObject { span, .. }, _) => Location::Span(*span),
        (_, crate::model::Input::Present(cfg)) => Location::Path(cfg.path.clone()),
        _ => Location::Path(crate::collect::CONTAINERD_CONFIG.to_string()),
    }
}

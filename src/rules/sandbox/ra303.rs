//! RA303 sandbox-image-legacy-registry.

use crate::engine::{Emitter, Location};
use crate::model::{NodeSnapshot, Origin};
use crate::rules::releases::containerd_release;

use super::image_ref::registry;

declare_rule! {
    id: "RA303",
    name: "sandbox-image-legacy-registry",
    area: Sandbox,
    summary: "containerd's effective sandbox image is on k8s.gcr.io, frozen since April 2023",
    inputs: [ContainerdConfig],
    cases: [
        Legacy("legacy-registry", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let sandbox = &cfg.cri.sandbox_image;
    if registry(&sandbox.value) != "k8s.gcr.io" {
        return;
    }
    let release = containerd_release(snap, out);
    let (at, why) = match &sandbox.origin {
        Origin::Set(span) => (Location::Span(*span), "as configured".to_string()),
        Origin::Default { .. } => (
            Location::Path(cfg.path.clone()),
            format!("the built-in default of {}", release.describe_in_full()),
        ),
    };
    let image = sandbox.value.replacen("k8s.gcr.io", "registry.k8s.io", 1);
    let f = out
        .finding(
            Case::Legacy,
            at,
            format!("the sandbox (pause) image {:?} ({why}) is on k8s.gcr.io, which was frozen on 2023-04-03", sandbox.value),
        )
        .label("legacy registry")
        .impact("New pause images are published only to registry.k8s.io; a node that must pull the pause image again (new node, image GC, air-gap mirror sync) depends on a registry that receives no updates and may go away.")
        .fix(format!(
            "Set `{} = \"{image}\"` in {} (or the version kubeadm recommends: `kubeadm config images list`), then restart containerd.",
            cfg.cri.layout.sandbox_key(),
            cfg.path
        ))
        .key(cfg.cri.layout.sandbox_key())
        .actual(sandbox.value.clone())
        .expected(image);
    f.release(release).emit();
}

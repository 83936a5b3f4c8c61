//! RA804 docker-only-images.

use crate::engine::{Emitter, Location};
use crate::model::NodeSnapshot;

use super::probe_results::{container_words, is_sandbox};
use super::images::{self, display};

declare_rule! {
    id: "RA804",
    name: "docker-only-images",
    area: Live,
    summary: "Images in Docker's store that containerd's k8s.io namespace lacks; error when a kubelet-managed container runs one",
    inputs: [RuntimeSocket],
    cases: [
        Unused("not-in-use", Warning),
        InUse("in-use", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(only) = images::docker_only(snap, out) else {
        return;
    };
    let socket = only.docker.socket.clone();
    let containerd_socket = only.containerd.endpoint.socket.clone();
    let k8s_side = match &only.containerd.assumed_empty {
        Some(_) => format!(
            "containerd on {containerd_socket} serves no CRI image service, so the kubelet would find none of its images"
        ),
        None => format!(
            "containerd's k8s.io namespace (CRI ListImages on {containerd_socket}) lacks it"
        ),
    };
    for image in &only.images {
        let name = display(image);
        let users: Vec<_> = only.users(image).collect();
        let pods: Vec<_> = users
            .iter()
            .filter(|c| c.is_kubelet_managed() && !is_sandbox(c))
            .collect();
        let by_sandboxes_only = !users.is_empty()
            && users
                .iter()
                .all(|c| c.is_kubelet_managed() && is_sandbox(c));
        let is_dangling = images::tags(image).next().is_none();
        if by_sandboxes_only {
            out.assume(format!(
                "{name} is used only by pod sandboxes (pause containers): containerd pulls its own sandbox image (RA301)"
            ));
            continue;
        }
        if is_dangling && users.is_empty() {
            continue;
        }
        let key = format!("image {}", images::normalize(&name));
        let pull = if images::digests(image).next().is_some() {
            "containerd has to pull it again from its registry, which needs the registry reachable from the node and its credentials"
        } else {
            "it has no registry origin (RA805), so containerd cannot pull it at all"
        };
        let fix = format!(
            "Make it available to containerd before the switch: push it to a registry the node can pull from, or copy it: \
             `docker save {name} | ctr -n k8s.io images import -` (then `crictl images` lists it)."
        );
        if pods.is_empty() {
            let others: Vec<String> = users
                .iter()
                .filter(|c| !c.is_kubelet_managed())
                .map(|c| c.name().to_owned())
                .collect();
            let unmanaged = if others.is_empty() {
                String::new()
            } else {
                format!(
                    " The unmanaged container(s) {} run it today (RA806).",
                    others.join(", ")
                )
            };
            out.finding(
                Case::Unused,
                Location::Path(socket.clone()),
                format!("image {name} is in Docker's image store, but {k8s_side}"),
            )
            .label(format!("Docker has {name}"))
            .impact(format!(
                "Pods that use {name} after the switch do not find it on the node: {pull}. Where the pull cannot \
                 succeed they fail with ErrImagePull (ErrImageNeverPull with `imagePullPolicy: Never`).{unmanaged}"
            ))
            .fix(fix)
            .key(key)
            .actual("only in Docker's store")
            .expected("also in containerd's k8s.io namespace")
            .emit();
            continue;
        }
        let who: Vec<String> = pods.iter().map(|c| container_words(c)).collect();
        out.finding(
            Case::InUse,
            Location::Path(socket.clone()),
            format!(
                "the kubelet-managed container{} {} run{} image {name}, which is in Docker's image store, but {k8s_side}",
                if who.len() == 1 { "" } else { "s" },
                who.join(", "),
                if who.len() == 1 { "s" } else { "" },
            ),
        )
        .label(format!("Docker has {name}"))
        .impact(format!(
            "When the node switches to containerd these pods are re-created and {name} is not there: {pull}. \
             Where that fails the pods stay in ErrImagePull / ImagePullBackOff (ErrImageNeverPull with \
             `imagePullPolicy: Never`): the image is \"on the node\", but not where the kubelet looks."
        ))
        .fix(fix)
        .key(key)
        .actual(format!("used by {}", who.join(", ")))
        .expected("in containerd's k8s.io namespace before the switch")
        .emit();
    }
}

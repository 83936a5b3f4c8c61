//! RA806 unmanaged-docker-containers.

use super::probe_results;
use crate::engine::{Emitter, Location};
use crate::model::NodeSnapshot;


declare_rule! {
    id: "RA806",
    name: "unmanaged-docker-containers",
    area: Live,
    summary: "Running Docker containers the kubelet does not manage (no io.kubernetes.* labels) stop when Docker is removed",
    inputs: [RuntimeSocket],
    cases: [
        Unmanaged("unmanaged", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(docker) = probe_results::docker(snap, out) else {
        return;
    };
    let Some(containers) = probe_results::value(out, &docker.containers, "Docker's container list") else {
        return;
    };
    for c in containers
        .iter()
        .filter(|c| c.state == "running" && !c.is_kubelet_managed())
    {
        let name = c.name();
        out.finding(
            Case::Unmanaged,
            Location::Path(docker.socket.to_string()),
            format!(
                "Docker container {name} (image {}) runs outside the kubelet's control: it has no io.kubernetes.* labels",
                c.image
            ),
        )
        .label(format!("Docker runs {name}"))
        .impact(
            "It stops when Docker is stopped or removed at the end of the migration, and containerd's CRI never \
             lists it (`crictl ps` shows only the kubelet's pods, Docker's containers live in containerd's `moby` \
             namespace): whatever it provides on this node (an agent, a local registry, a build runner) disappears \
             silently.",
        )
        .fix(format!(
            "Decide what replaces {name} before removing Docker: a DaemonSet or a static pod in \
             /etc/kubernetes/manifests, or a systemd service; if it must stay on Docker, keep Docker installed \
             (and enabled) after the migration and note it for the node's owners."
        ))
        .key(format!("container {name}"))
        .actual(format!("{} container without io.kubernetes.* labels", c.state))
        .expected("every container on a Kubernetes node run by the kubelet")
        .emit();
    }
}

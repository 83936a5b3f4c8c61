//! RA503 kubelet-endpoint-not-containerd.

use crate::engine::Emitter;
use crate::model::kubelet::Setting;
use crate::model::{Component, NodeSnapshot};

use super::settings::{self, Which, command_line_location, endpoint_fix, endpoint_place, unknown_endpoints, where_to_add_flags};
use crate::rules::containerd_socket::{containerd_endpoint, containerd_socket};
use crate::model::endpoint::DockerSocket;

declare_rule! {
    id: "RA503",
    name: "kubelet-endpoint-not-containerd",
    area: Kubelet,
    summary: "The kubelet's CRI endpoint is dockershim's, Docker's or cri-dockerd's socket (or unset on 1.23 and earlier, which means dockershim)",
    inputs: [KubeletFlags, KubeletSystemdDropIn, KubeletConfig, ContainerdConfig],
    cases: [
        DockerSocket("docker-socket", Error),
        UnsetDockershim("unset-dockershim", Error),
    ],
}

fn impact(kind: DockerSocket) -> &'static str {
    match kind {
        DockerSocket::Dockershim => {
            "dockershim no longer exists (removed in 1.24): nothing serves that socket once Docker's shim is gone, the kubelet cannot reach a runtime and the node goes NotReady."
        }
        DockerSocket::Docker => {
            "dockerd does not implement CRI: the kubelet fails to validate the runtime API and the node goes NotReady."
        }
        DockerSocket::CriDockerd => {
            "Pods keep running on Docker through cri-dockerd: the node is not migrated, and removing Docker breaks it."
        }
    }
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let (target, target_origin) = containerd_endpoint(snap);
    let containerd = containerd_socket(snap);
    let version = snap.versions.kubelet.as_ref();
    let mut undecided: Vec<String> = unknown_endpoints(k).into_iter().collect();

    for which in [Which::Runtime, Which::Image] {
        match which.setting(k) {
            Setting::Known(e) => {
                let endpoint = e.value.clone();
                let Some(kind) = endpoint.docker_era() else {
                    continue;
                };
                // containerd itself may listen on such a path (EKS's /run/dockershim.sock).
                if containerd.as_ref().is_some_and(|c| c.same_socket(&endpoint)) {
                    out.assume(format!(
                        "{} is where containerd's `[grpc] address` listens, so it is containerd despite its name",
                        e.value
                    ));
                    continue;
                }
                let Some(span) = e.span() else { continue };
                let mut b = out
                    .finding(
                        Case::DockerSocket,
                        span,
                        format!(
                            "the kubelet's {} `{}`, {}, is {}",
                            which.noun(),
                            e.value,
                            endpoint_place(snap, k, which, span),
                            kind.describe()
                        ),
                    )
                    .impact(impact(kind))
                    .fix(format!(
                        "{} `{target}` is {target_origin}.",
                        endpoint_fix(snap, k, which, span, &target)
                    ))
                    .key(which.field())
                    .label(match kind {
                        DockerSocket::Dockershim => "dockershim's socket",
                        DockerSocket::Docker => "Docker's socket",
                        DockerSocket::CriDockerd => "cri-dockerd's socket",
                    })
                    .actual(e.value.to_string())
                    .expected(target.clone());
                if let Some(v) = version {
                    b = b.version(Component::Kubelet, v.fact());
                }
                b.emit();
            }
            Setting::Unknown { .. } => {}
            Setting::Unset if which == Which::Runtime => match version {
                Some(v) if v.has_dockershim() => {
                    out.finding(
                        Case::UnsetDockershim,
                        command_line_location(k),
                        format!(
                            "no --container-runtime-endpoint is set: {v} uses its default, dockershim (`unix:///var/run/dockershim.sock`)"
                        ),
                    )
                    .impact("The kubelet keeps running pods through Docker: the node is not migrated.")
                    .fix(format!(
                        "Add `--container-runtime=remote --container-runtime-endpoint={target}` to {}, {}. `{target}` is {target_origin}.",
                        where_to_add_flags(snap, k),
                        settings::restart(k)
                    ))
                    .key("containerRuntimeEndpoint")
                    .actual("unset (dockershim)")
                    .expected(target.clone())
                    .version(Component::Kubelet, v.fact())
                    .emit();
                }
                Some(_) => {}
                None => undecided.push(
                    "no runtime endpoint is set: that means dockershim on kubelet 1.23 and earlier and containerd from 1.24, and the kubelet version is unknown (pass --kubernetes-version)".to_owned(),
                ),
            },
            Setting::Unset => {}
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    }
}

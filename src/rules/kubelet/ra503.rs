//! RA503 kubelet-endpoint-not-containerd.

use crate::engine::{Emitter, Location};
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::Setting;
use crate::model::{Component, NodeSnapshot, Span};
use crate::release::KubeletRelease;

use super::settings::{
    self, Which, command_line_location, endpoint_fix, endpoint_place, unknown_endpoints,
    where_to_add_flags,
};
use crate::model::endpoint::DockerSocket;
use crate::rules::containerd_socket::{containerd_endpoint, containerd_socket};

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

/// Each endpoint the kubelet is given is judged by the socket it names; an unset runtime
/// endpoint by what the kubelet's version defaults to.
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
                let Some(kind) = e.value.docker_era() else {
                    continue;
                };
                // containerd itself may listen on such a path (EKS's /run/dockershim.sock).
                if containerd.as_ref().is_some_and(|c| c.same_socket(&e.value)) {
                    out.assume(format!(
                        "{} is where containerd's `[grpc] address` listens, so it is containerd despite its name",
                        e.value
                    ));
                    continue;
                }
                let Some(span) = e.span() else { continue };
                DockerEraEndpoint {
                    which,
                    endpoint: &e.value,
                    kind,
                    place: endpoint_place(snap, k, which, span),
                    change: endpoint_fix(snap, k, which, span, &target),
                    target: &target,
                    target_origin: &target_origin,
                    kubelet: version,
                }
                .emit(out, span);
            }
            Setting::Unknown { .. } => {}
            Setting::Unset if which == Which::Runtime => match version {
                Some(v) if v.has_dockershim() => UnsetDockershim {
                    kubelet: v,
                    target: &target,
                    target_origin: &target_origin,
                    add_to: where_to_add_flags(snap, k),
                    restart: settings::restart(k),
                }
                .emit(out, command_line_location(k)),
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

/// An endpoint of the kubelet that names a Docker-era socket.
struct DockerEraEndpoint<'a> {
    which: Which,
    endpoint: &'a Endpoint,
    kind: DockerSocket,
    /// Where it is set, in words (`set by ... in ...`).
    place: String,
    /// How to make it containerd's, wherever it is set.
    change: String,
    /// containerd's endpoint, and where it comes from.
    target: &'a str,
    target_origin: &'a str,
    kubelet: Option<&'a KubeletRelease>,
}

impl DockerEraEndpoint<'_> {
    fn message(&self) -> String {
        format!(
            "the kubelet's {} `{}`, {}, is {}",
            self.which.noun(),
            self.endpoint,
            self.place,
            self.kind.describe()
        )
    }

    fn fix(&self) -> String {
        let (target, target_origin) = (self.target, self.target_origin);
        format!("{} `{target}` is {target_origin}.", self.change)
    }

    fn label(&self) -> &'static str {
        match self.kind {
            DockerSocket::Dockershim => "dockershim's socket",
            DockerSocket::Docker => "Docker's socket",
            DockerSocket::CriDockerd => "cri-dockerd's socket",
        }
    }

    fn emit(self, out: &mut Emitter<Case>, at: Span) {
        let mut b = out
            .finding(Case::DockerSocket, at, self.message())
            .impact(impact(self.kind))
            .fix(self.fix())
            .key(self.which.field())
            .label(self.label())
            .actual(self.endpoint.to_string())
            .expected(self.target.to_owned());
        if let Some(v) = self.kubelet {
            b = b.version(Component::Kubelet, v.fact());
        }
        b.emit();
    }
}

/// No runtime endpoint on a kubelet whose default is dockershim.
struct UnsetDockershim<'a> {
    kubelet: &'a KubeletRelease,
    target: &'a str,
    target_origin: &'a str,
    /// Where the kubelet's flags are added, in words.
    add_to: String,
    restart: &'static str,
}

impl UnsetDockershim<'_> {
    fn message(&self) -> String {
        let v = self.kubelet;
        format!(
            "no --container-runtime-endpoint is set: {v} uses its default, dockershim (`unix:///var/run/dockershim.sock`)"
        )
    }

    fn fix(&self) -> String {
        let (target, target_origin) = (self.target, self.target_origin);
        format!(
            "Add `--container-runtime=remote --container-runtime-endpoint={target}` to {}, {}. `{target}` is {target_origin}.",
            self.add_to, self.restart
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Location) {
        out.finding(Case::UnsetDockershim, at, self.message())
            .impact("The kubelet keeps running pods through Docker: the node is not migrated.")
            .fix(self.fix())
            .key("containerRuntimeEndpoint")
            .actual("unset (dockershim)")
            .expected(self.target.to_owned())
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTAINERD: &str = "unix:///run/containerd/containerd.sock";

    #[test]
    fn a_docker_era_endpoint_is_named_by_its_kind_and_where_it_is_set() {
        let endpoint = Endpoint::parse("unix:///var/run/cri-dockerd.sock");
        let finding = DockerEraEndpoint {
            which: Which::Runtime,
            endpoint: &endpoint,
            kind: DockerSocket::CriDockerd,
            place: "set by `containerRuntimeEndpoint` in /var/lib/kubelet/config.yaml".to_owned(),
            change: format!(
                "Set `containerRuntimeEndpoint: {CONTAINERD}` in /var/lib/kubelet/config.yaml."
            ),
            target: CONTAINERD,
            target_origin: "containerd's default socket",
            kubelet: None,
        };
        assert!(finding.message().starts_with(
            "the kubelet's container runtime endpoint `unix:///var/run/cri-dockerd.sock`, set by \
             `containerRuntimeEndpoint` in /var/lib/kubelet/config.yaml, is "
        ));
        assert!(
            finding
                .fix()
                .ends_with(&format!("`{CONTAINERD}` is containerd's default socket."))
        );
    }

    #[test]
    fn an_unset_endpoint_on_a_dockershim_kubelet_gets_both_flags() {
        let kubelet = KubeletRelease::target("1.23.17");
        let unset = UnsetDockershim {
            kubelet: &kubelet,
            target: CONTAINERD,
            target_origin: "containerd's default socket",
            add_to: "KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env".to_owned(),
            restart: "then `systemctl restart kubelet`",
        };
        assert!(unset.fix().starts_with(&format!(
            "Add `--container-runtime=remote --container-runtime-endpoint={CONTAINERD}` to KUBELET_KUBEADM_ARGS"
        )));
    }
}

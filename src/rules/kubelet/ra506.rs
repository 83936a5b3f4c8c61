//! RA506 kubelet-endpoint-socket-mismatch.

use crate::release::kubernetes::DefaultEndpoint;
use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Location};
use crate::model::containerd::ContainerdConfig;
use crate::model::kubelet::Setting;
use crate::model::{Component, Input, NodeSnapshot};

use super::common::{
    self, CONTAINERD_DEFAULT, Endpoint, Which, command_line_location, endpoint_fix, endpoint_place,
    unknown_endpoints, where_to_add_flags,
};

declare_rule! {
    id: "RA506",
    name: "kubelet-endpoint-socket-mismatch",
    area: Kubelet,
    summary: "The kubelet's CRI endpoint is not the socket containerd listens on (`[grpc] address`)",
    inputs: [KubeletFlags, KubeletSystemdDropIn, KubeletConfig, ContainerdConfig],
    cases: [
        Mismatch("mismatch", Error),
        DefaultMismatch("default-mismatch", Error),
    ],
}

const IMPACT: &str = "The kubelet dials a socket containerd does not serve: `connect: no such file or directory` (or another runtime answers), the node goes NotReady and no pod starts.";

/// Points at where containerd's socket is set (or its config file, for the default).
fn with_grpc<'e>(
    b: FindingBuilder<'e>,
    c: &ContainerdConfig,
    socket: &Endpoint,
) -> FindingBuilder<'e> {
    match c.grpc_address.span() {
        Some(s) => b.related(s, "containerd listens here"),
        None => b.related(
            Location::Path(c.path.clone()),
            format!("containerd listens on its default {}", socket.path),
        ),
    }
}

#[expect(clippy::too_many_lines, reason = "to be split")]
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = common::kubelet(snap, out) else {
        return;
    };
    let containerd = match &snap.containerd {
        Input::Present(c) => c,
        other => {
            out.need(other, "containerd config");
            return;
        }
    };
    let socket = Endpoint::parse(&containerd.grpc_address.value);
    let target = format!("unix://{}", socket.path);
    let grpc_origin = match containerd.grpc_address.span() {
        Some(s) => format!("`[grpc] address` in {}", common::file_of(snap, s)),
        None => format!(
            "containerd's default, as {} sets no `[grpc] address`",
            containerd.path
        ),
    };
    let version = snap.versions.kubelet.as_ref();
    let mut undecided: Vec<String> = unknown_endpoints(k).into_iter().collect();

    for which in [Which::Runtime, Which::Image] {
        match which.setting(k) {
            Setting::Known(e) => {
                let endpoint = Endpoint::parse(&e.value);
                if endpoint.same_socket(&socket) {
                    continue;
                }
                if endpoint.docker_era().is_some() {
                    out.assume(format!(
                        "{} is a Docker-era socket, reported by RA503",
                        e.value
                    ));
                    continue;
                }
                let Some(span) = e.span() else { continue };
                let b = out
                    .finding(
                        Case::Mismatch,
                        span,
                        format!(
                            "the kubelet's {} `{}`, {}, is not the socket containerd listens on, `{}` ({grpc_origin}); /run and /var/run are the same directory",
                            which.noun(),
                            e.value,
                            endpoint_place(snap, k, which, span),
                            socket.path
                        ),
                    )
                    .impact(IMPACT)
                    .fix(endpoint_fix(snap, k, which, span, &target))
                    .key(which.field())
                    .label("not containerd's socket")
                    .actual(e.value.clone())
                    .expected(target.clone());
                let mut b = with_grpc(b, containerd, &socket);
                if let Some(v) = version {
                    b = b.version(Component::Kubelet, v.fact());
                }
                b.emit();
            }
            Setting::Unknown { .. } => {}
            Setting::Unset if which == Which::Runtime => {
                let Some(v) = version else {
                    undecided.push("no runtime endpoint is set and the kubelet version (which decides the default) is unknown".to_owned());
                    continue;
                };
                match v.default_runtime_endpoint() {
                    DefaultEndpoint::Dockershim => {
                        out.not_applicable(
                            "no runtime endpoint is set: on this kubelet that means dockershim (RA503)",
                        );
                        continue;
                    }
                    DefaultEndpoint::None => {
                        out.not_applicable(
                            "no runtime endpoint is set and kubelet 1.26 has no default (RA505)",
                        );
                        continue;
                    }
                    DefaultEndpoint::Containerd => {}
                }
                // 1.24 and 1.25: the default is the reference's, not the config file's.
                if !v.runtime_endpoint_in_config() {
                    out.assume("kubelet 1.24/1.25 without an endpoint uses unix:///run/containerd/containerd.sock (reference KLT-003, kubernetes PR #107624)");
                }
                let default = Endpoint::parse(CONTAINERD_DEFAULT);
                if default.same_socket(&socket) {
                    continue;
                }
                let b = out
                    .finding(
                        Case::DefaultMismatch,
                        command_line_location(k),
                        format!(
                            "no runtime endpoint is set, so {} uses its default `{CONTAINERD_DEFAULT}`, but containerd listens on `{}` ({grpc_origin})",
                            v,
                            socket.path
                        ),
                    )
                    .impact(IMPACT)
                    .fix(format!(
                        "Add `--container-runtime-endpoint={target}` to {} (or, on 1.27 and later, set `containerRuntimeEndpoint: {target}` in the kubelet config file), {}.",
                        where_to_add_flags(snap, k),
                        common::restart(k)
                    ))
                    .key("containerRuntimeEndpoint")
                    .actual(format!("unset (default {CONTAINERD_DEFAULT})"))
                    .expected(target.clone())
                    .version(Component::Kubelet, v.fact());
                with_grpc(b, containerd, &socket).emit();
            }
            Setting::Unset => {}
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    }
}

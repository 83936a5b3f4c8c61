//! RA801 runtime-socket-unreachable.

use super::sockets;
use super::probe_results;
use crate::release::containerd_defaults::CRI_ENDPOINT;
use crate::engine::Emitter;
use crate::model::live::{Probe, ProbeFailure, SocketState};
use crate::model::NodeSnapshot;

use super::sockets::{RuntimeSocket, endpoint_of, state_words};
use super::probe_results::failure_words;

declare_rule! {
    id: "RA801",
    name: "runtime-socket-unreachable",
    area: Live,
    summary: "The runtime socket the kubelet or containerd's [grpc] address names is missing, not a socket, refuses connections or does not answer",
    inputs: [RuntimeSocket, KubeletFlags, KubeletConfig, ContainerdConfig],
    cases: [
        Missing("missing", Error),
        NotASocket("not-a-socket", Error),
        Refused("refused", Error),
        NoAnswer("no-answer", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !probe_results::probed(snap, out) {
        return;
    }
    let sockets = sockets::runtime_sockets(snap);
    if sockets.is_empty() {
        out.not_applicable(
            "no runtime socket is named by the kubelet, containerd's [grpc] address or --containerd-socket",
        );
        return;
    }
    let mut undecided = Vec::new();
    for s in &sockets {
        if let Some(reason) = socket(snap, out, s) {
            undecided.push(reason);
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    }
}

/// Reports one socket; returns why it could not be decided, if it could not.
fn socket(snap: &NodeSnapshot, out: &mut Emitter<Case>, s: &RuntimeSocket) -> Option<String> {
    let path = s.path.as_str();
    let endpoint = endpoint_of(path);
    let (case, what) = match &s.fact.state {
        SocketState::Missing => (Case::Missing, "does not exist".to_owned()),
        SocketState::NotASocket { kind } => (Case::NotASocket, format!("is {kind}, not a socket")),
        SocketState::Unknown { reason } => return Some(format!("{path}: {reason}")),
        SocketState::Socket { .. } => {
            let Some(cri) = sockets::cri_at(snap, path) else {
                // dockerd's own socket is probed as the Docker API, not CRI (RA503 reports a
                // kubelet pointed at it).
                return (!path.ends_with("/docker.sock"))
                    .then(|| format!("{path} was not probed over CRI"));
            };
            match &cri.api {
                Probe::Failed {
                    failure: ProbeFailure::Refused,
                    ..
                } => (
                    Case::Refused,
                    "is a socket file nothing listens on (connection refused)".to_owned(),
                ),
                Probe::Failed {
                    failure: ProbeFailure::Timeout,
                    reason,
                } => (
                    Case::NoAnswer,
                    format!(
                        "accepts connections but gives no answer within --probe-timeout ({reason})"
                    ),
                ),
                Probe::Ok { .. }
                | Probe::Failed {
                    failure: ProbeFailure::Unimplemented,
                    ..
                } => return None,
                Probe::Failed { failure, reason } => {
                    return Some(format!("{path}: {} ({reason})", failure_words(*failure)));
                }
                Probe::Skipped { reason } => {
                    return Some(format!("{path} was not probed: {reason}"));
                }
            }
        }
    };
    let failure = match case {
        Case::Missing => format!(
            "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: \
             dial unix {path}: connect: no such file or directory\""
        ),
        Case::Refused => format!(
            "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: \
             dial unix {path}: connect: connection refused\""
        ),
        Case::NotASocket => {
            "rpc error: code = Unavailable (the dial fails: the path is not a socket)".to_owned()
        }
        Case::NoAnswer => {
            "the call times out (gRPC DeadlineExceeded) instead of answering".to_owned()
        }
    };
    let who = if s.is_containerd {
        "containerd is not running, or listens elsewhere"
    } else {
        "the runtime it names is not running"
    };
    let fix = if s.is_containerd {
        format!(
            "Start containerd and check that it listens there: `systemctl enable --now containerd`, then \
             `crictl --runtime-endpoint {endpoint} info`; its log (`journalctl -u containerd`) says why it did not start. \
             If containerd listens on another socket, make the kubelet's endpoint, containerd's `[grpc] address` \
             and crictl.yaml name the same one."
        )
    } else {
        format!(
            "Start the runtime that serves {path}, or point the kubelet at the socket containerd serves \
             (`--container-runtime-endpoint` / `containerRuntimeEndpoint`, normally {}), then restart the kubelet.",
            CRI_ENDPOINT.to_owned()
        )
    };
    sockets::socket_finding(
        snap,
        out,
        case,
        path,
        &format!("the socket {}", state_words(&s.fact.state)),
        format!("runtime socket {path} ({}) {what}: {who}", s.why),
    )
    .impact(format!(
        "The kubelet cannot reach its runtime: it fails with `failed to run Kubelet: validate service connection: \
         validate CRI v1 runtime API for endpoint \"{endpoint}\": {failure}` (crictl prints the same after \
         `validate service connection:`), the node goes NotReady and kubeadm preflight stops with \
         `[ERROR CRI]: container runtime is not running`."
    ))
    .fix(fix)
    .key(format!("socket {}", crate::model::endpoint::clean(path)))
    .actual(state_words(&s.fact.state))
    .expected("a socket a CRI runtime listens and answers on")
    .emit();
    None
}

//! RA801 runtime-socket-unreachable.

use crate::engine::{Area, Case, Emitter, Rule, RuleMeta, Severity};
use crate::model::live::{Probe, ProbeFailure, SocketState};
use crate::model::{InputKind, NodeSnapshot};

use super::common::{self, RuntimeSocket, endpoint_of, failure_words, state_words};

static MISSING: Case = Case {
    id: "missing",
    severity: Severity::Error,
};
static NOT_A_SOCKET: Case = Case {
    id: "not-a-socket",
    severity: Severity::Error,
};
static REFUSED: Case = Case {
    id: "refused",
    severity: Severity::Error,
};
static NO_ANSWER: Case = Case {
    id: "no-answer",
    severity: Severity::Error,
};

static META: RuleMeta = RuleMeta {
    id: "RA801",
    name: "runtime-socket-unreachable",
    area: Area::Live,
    summary: "The runtime socket the kubelet or containerd's [grpc] address names is missing, not a socket, refuses connections or does not answer",
    cases: &[&MISSING, &NOT_A_SOCKET, &REFUSED, &NO_ANSWER],
    inputs: &[
        InputKind::RuntimeSocket,
        InputKind::KubeletFlags,
        InputKind::KubeletConfig,
        InputKind::ContainerdConfig,
    ],
    doc: include_str!("../../../rules/RA801.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
    if !common::probed(snap, out) {
        return;
    }
    let sockets = common::runtime_sockets(snap);
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
fn socket(snap: &NodeSnapshot, out: &mut Emitter, s: &RuntimeSocket) -> Option<String> {
    let path = s.path.as_str();
    let endpoint = endpoint_of(path);
    let (case, what) = match &s.fact.state {
        SocketState::Missing => (&MISSING, "does not exist".to_owned()),
        SocketState::NotASocket { kind } => (&NOT_A_SOCKET, format!("is {kind}, not a socket")),
        SocketState::Unknown { reason } => return Some(format!("{path}: {reason}")),
        SocketState::Socket { .. } => {
            let Some(cri) = common::cri_at(snap, path) else {
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
                    &REFUSED,
                    "is a socket file nothing listens on (connection refused)".to_owned(),
                ),
                Probe::Failed {
                    failure: ProbeFailure::Timeout,
                    reason,
                } => (
                    &NO_ANSWER,
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
    let failure = match case.id {
        "missing" => format!(
            "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: \
             dial unix {path}: connect: no such file or directory\""
        ),
        "refused" => format!(
            "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: \
             dial unix {path}: connect: connection refused\""
        ),
        "not-a-socket" => {
            "rpc error: code = Unavailable (the dial fails: the path is not a socket)".to_owned()
        }
        _ => "the call times out (gRPC DeadlineExceeded) instead of answering".to_owned(),
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
            endpoint_of(common::CONTAINERD_SOCKET)
        )
    };
    common::socket_finding(
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
    .key(format!("socket {}", crate::rules::kubelet::common::clean(path)))
    .actual(state_words(&s.fact.state))
    .expected("a socket a CRI runtime listens and answers on")
    .emit();
    None
}

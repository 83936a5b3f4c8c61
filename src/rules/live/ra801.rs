//! RA801 runtime-socket-unreachable.

use super::probe_results;
use super::sockets;
use crate::engine::Emitter;
use crate::model::NodeSnapshot;
use crate::model::live::{Probe, ProbeFailure, SocketState};
use crate::release::containerd_defaults::CRI_ENDPOINT;

use super::probe_results::failure_words;
use super::sockets::{RuntimeSocket, state_words};
use crate::model::live::SocketPath;

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

/// Each runtime socket is judged on its own; the ones that could not be judged make the rule
/// inconclusive together.
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
        match verdict(snap, s) {
            Verdict::NoFinding => {}
            Verdict::Undecided(reason) => undecided.push(reason),
            Verdict::Unreachable(failure) => Unreachable::new(s, failure).emit(snap, out),
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    }
}

/// What the examination and the CRI probe say of one runtime socket.
enum Verdict<'s> {
    /// It answers, or it is not a CRI socket this rule judges.
    NoFinding,
    /// It could not be judged, and why.
    Undecided(String),
    Unreachable(Failure<'s>),
}

fn verdict<'s>(snap: &'s NodeSnapshot, s: &'s RuntimeSocket<'_>) -> Verdict<'s> {
    let path = &s.path;
    match &s.fact.state {
        SocketState::Missing => Verdict::Unreachable(Failure::Missing),
        SocketState::NotASocket { kind } => Verdict::Unreachable(Failure::NotASocket { kind }),
        SocketState::Unknown { reason } => Verdict::Undecided(format!("{path}: {reason}")),
        SocketState::Socket { .. } => {
            let Some(cri) = sockets::cri_at(snap, path) else {
                // dockerd's own socket is probed as the Docker API, not CRI (RA503 reports a
                // kubelet pointed at it).
                return if path.named().ends_with("/docker.sock") {
                    Verdict::NoFinding
                } else {
                    Verdict::Undecided(format!("{path} was not probed over CRI"))
                };
            };
            match &cri.api {
                Probe::Failed {
                    failure: ProbeFailure::Refused,
                    ..
                } => Verdict::Unreachable(Failure::Refused),
                Probe::Failed {
                    failure: ProbeFailure::Timeout,
                    reason,
                } => Verdict::Unreachable(Failure::NoAnswer { reason }),
                Probe::Ok { .. }
                | Probe::Failed {
                    failure: ProbeFailure::Unimplemented,
                    ..
                } => Verdict::NoFinding,
                Probe::Failed { failure, reason } => {
                    Verdict::Undecided(format!("{path}: {} ({reason})", failure_words(*failure)))
                }
                Probe::Skipped { reason } => {
                    Verdict::Undecided(format!("{path} was not probed: {reason}"))
                }
            }
        }
    }
}

/// How a runtime socket fails whoever dials it.
#[derive(Clone, Copy)]
enum Failure<'s> {
    Missing,
    /// Something else is at the path: a regular file, a directory.
    NotASocket {
        kind: &'s str,
    },
    /// A socket file nothing listens on.
    Refused,
    /// It accepts connections but does not answer; `reason` is the probe's.
    NoAnswer {
        reason: &'s str,
    },
}

impl Failure<'_> {
    fn case(self) -> Case {
        match self {
            Failure::Missing => Case::Missing,
            Failure::NotASocket { .. } => Case::NotASocket,
            Failure::Refused => Case::Refused,
            Failure::NoAnswer { .. } => Case::NoAnswer,
        }
    }

    /// What is wrong with the socket, after its path.
    fn what(self) -> String {
        match self {
            Failure::Missing => "does not exist".to_owned(),
            Failure::NotASocket { kind } => format!("is {kind}, not a socket"),
            Failure::Refused => {
                "is a socket file nothing listens on (connection refused)".to_owned()
            }
            Failure::NoAnswer { reason } => {
                format!("accepts connections but gives no answer within --probe-timeout ({reason})")
            }
        }
    }

    /// The error a gRPC client dialing `path` gets, as the kubelet and crictl print it.
    fn grpc_error(self, path: &str) -> String {
        match self {
            Failure::Missing => format!(
                "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: \
                 dial unix {path}: connect: no such file or directory\""
            ),
            Failure::Refused => format!(
                "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: \
                 dial unix {path}: connect: connection refused\""
            ),
            Failure::NotASocket { .. } => {
                "rpc error: code = Unavailable (the dial fails: the path is not a socket)"
                    .to_owned()
            }
            Failure::NoAnswer { .. } => {
                "the call times out (gRPC DeadlineExceeded) instead of answering".to_owned()
            }
        }
    }
}

/// A runtime socket the kubelet cannot use.
struct Unreachable<'s> {
    path: &'s SocketPath,
    /// Who names it, in words.
    why: &'s str,
    /// containerd's `[grpc] address` (or `--containerd-socket`) names it: containerd is the
    /// runtime to start.
    is_containerd: bool,
    /// What is at the path, in words (`does not exist`, `is a socket (mode ...)`).
    state: String,
    failure: Failure<'s>,
}

impl<'s> Unreachable<'s> {
    fn new(s: &'s RuntimeSocket<'_>, failure: Failure<'s>) -> Self {
        Unreachable {
            path: &s.path,
            why: &s.why,
            is_containerd: s.is_containerd,
            state: state_words(&s.fact.state),
            failure,
        }
    }

    fn message(&self) -> String {
        let who = if self.is_containerd {
            "containerd is not running, or listens elsewhere"
        } else {
            "the runtime it names is not running"
        };
        format!(
            "runtime socket {} ({}) {}: {who}",
            self.path,
            self.why,
            self.failure.what()
        )
    }

    fn impact(&self) -> String {
        let endpoint = self.path.unix_uri();
        let failure = self.failure.grpc_error(self.path.named());
        format!(
            "The kubelet cannot reach its runtime: it fails with `failed to run Kubelet: validate service connection: \
             validate CRI v1 runtime API for endpoint \"{endpoint}\": {failure}` (crictl prints the same after \
             `validate service connection:`), the node goes NotReady and kubeadm preflight stops with \
             `[ERROR CRI]: container runtime is not running`."
        )
    }

    fn fix(&self) -> String {
        let path = self.path;
        if self.is_containerd {
            let endpoint = path.unix_uri();
            format!(
                "Start containerd and check that it listens there: `systemctl enable --now containerd`, then \
                 `crictl --runtime-endpoint {endpoint} info`; its log (`journalctl -u containerd`) says why it did not start. \
                 If containerd listens on another socket, make the kubelet's endpoint, containerd's `[grpc] address` \
                 and crictl.yaml name the same one."
            )
        } else {
            format!(
                "Start the runtime that serves {path}, or point the kubelet at the socket containerd serves \
                 (`--container-runtime-endpoint` / `containerRuntimeEndpoint`, normally {CRI_ENDPOINT}), then restart the kubelet."
            )
        }
    }

    fn emit(self, snap: &NodeSnapshot, out: &mut Emitter<Case>) {
        sockets::socket_finding(
            snap,
            out,
            self.failure.case(),
            self.path,
            &format!("the socket {}", self.state),
            self.message(),
        )
        .impact(self.impact())
        .fix(self.fix())
        .key(format!("socket {}", self.path.cleaned()))
        .actual(self.state)
        .expected("a socket a CRI runtime listens and answers on")
        .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CONTAINERD_SOCKET: SocketPath = SocketPath::known("/run/containerd/containerd.sock");

    fn unreachable(is_containerd: bool, failure: Failure<'_>) -> Unreachable<'_> {
        Unreachable {
            path: &CONTAINERD_SOCKET,
            why: "containerd [grpc] address",
            is_containerd,
            state: "does not exist".to_owned(),
            failure,
        }
    }

    #[test]
    fn the_impact_quotes_the_dial_error_of_the_failure() {
        let missing = unreachable(true, Failure::Missing).impact();
        assert!(missing.contains(
            "endpoint \"unix:///run/containerd/containerd.sock\": rpc error: code = Unavailable"
        ));
        assert!(missing.contains(
            "dial unix /run/containerd/containerd.sock: connect: no such file or directory"
        ));
        let timeout = unreachable(true, Failure::NoAnswer { reason: "5s" }).impact();
        assert!(timeout.contains("DeadlineExceeded"));
    }

    #[test]
    fn containerd_is_told_to_start_and_another_runtime_to_be_replaced() {
        let containerd = unreachable(true, Failure::Refused);
        assert!(containerd.fix().starts_with("Start containerd"));
        assert!(containerd.message().ends_with(
            "is a socket file nothing listens on (connection refused): containerd is not running, or listens elsewhere"
        ));
        let other = unreachable(
            false,
            Failure::NotASocket {
                kind: "a directory",
            },
        );
        assert!(
            other
                .fix()
                .contains("normally unix:///run/containerd/containerd.sock")
        );
        assert!(
            other
                .message()
                .ends_with("is a directory, not a socket: the runtime it names is not running")
        );
    }
}

//! RA809 multiple-cri-sockets.

use super::sockets;
use super::probe_results;
use crate::release::containerd_defaults::CRI_ENDPOINT;
use crate::engine::{Emitter, Location};
use crate::model::endpoint::Endpoint;
use crate::model::live::{Probe, ProbeFailure, SocketPath, SocketState};
use crate::model::NodeSnapshot;

use super::probe_results::failure_words;

declare_rule! {
    id: "RA809",
    name: "multiple-cri-sockets",
    area: Live,
    summary: "More than one CRI endpoint answers (containerd, CRI-O, cri-dockerd): kubeadm fails without an explicit criSocket",
    inputs: [RuntimeSocket],
    cases: [
        Multiple("multiple", Warning),
    ],
}

/// kubeadm's known CRI endpoints (1.24+, `defaultKnownCRISockets`), in its order, with the
/// path they name.
const KNOWN: &[(&str, &str)] = &[
    (
        "unix:///var/run/containerd/containerd.sock",
        "/run/containerd/containerd.sock",
    ),
    ("unix:///var/run/crio/crio.sock", "/run/crio/crio.sock"),
    ("unix:///var/run/cri-dockerd.sock", "/run/cri-dockerd.sock"),
];

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !probe_results::probed(snap, out) {
        return;
    }
    let (answering, unknown) = survey(snap);
    if answering.len() < 2 {
        if answering.len() + unknown.len() >= 2 && !unknown.is_empty() {
            out.inconclusive(unknown.join("; "));
        }
        return;
    }
    let kubelet_endpoint = snap
        .kubelet
        .present()
        .and_then(|k| k.effective.runtime_endpoint.known())
        .map(|e| &e.value);
    // Point at where the kubelet's socket is named (the one to name as criSocket), else at
    // the first socket that answers.
    let at = kubelet_endpoint
        .and_then(Endpoint::socket)
        .and_then(|socket| sockets::named_at(snap, &socket))
        .map_or_else(
            || {
                Location::Path(
                    answering
                        .first()
                        .map(|a| a.path.to_string())
                        .unwrap_or_default(),
                )
            },
            |n| Location::Span(n.span),
        );
    Multiple {
        target: kubelet_endpoint.map_or_else(
            || CRI_ENDPOINT.to_owned(),
            ToString::to_string,
        ),
        answering,
        at,
    }
    .emit(out);
}

/// A known CRI endpoint that answers.
struct Answering {
    /// As kubeadm names it: `unix:///var/run/crio/crio.sock`.
    endpoint: &'static str,
    path: SocketPath,
    /// The runtime behind it, in words.
    runtime: String,
}

/// The known endpoints that answer, and what could not be told about the others.
fn survey(snap: &NodeSnapshot) -> (Vec<Answering>, Vec<String>) {
    let mut answering = Vec::new();
    let mut unknown = Vec::new();
    for (endpoint, path) in KNOWN {
        let path = &SocketPath::known(path);
        let Some(fact) = sockets::socket_fact(snap, path) else {
            unknown.push(format!("{path} was not examined"));
            continue;
        };
        match &fact.state {
            SocketState::Missing | SocketState::NotASocket { .. } => continue,
            SocketState::Unknown { reason } => {
                unknown.push(format!("{}: {reason}", fact.path));
                continue;
            }
            SocketState::Socket { .. } => {}
        }
        let Some(cri) = sockets::cri_at(snap, path) else {
            unknown.push(format!("{} was not probed", fact.path));
            continue;
        };
        // kubeadm counts a socket it can connect to, whatever it then answers.
        match &cri.api {
            Probe::Ok { .. }
            | Probe::Failed {
                failure:
                    ProbeFailure::Timeout | ProbeFailure::Protocol | ProbeFailure::Unimplemented,
                ..
            } => answering.push(Answering {
                endpoint,
                path: fact.path.clone(),
                runtime: probe_results::runtime_words(cri),
            }),
            Probe::Failed {
                failure: ProbeFailure::Refused,
                ..
            } => {}
            Probe::Failed { failure, reason } => {
                unknown.push(format!(
                    "{}: {} ({reason})",
                    fact.path,
                    failure_words(*failure)
                ));
            }
            Probe::Skipped { reason } => {
                unknown.push(format!("{} was not probed: {reason}", fact.path));
            }
        }
    }
    (answering, unknown)
}

/// Two or more known CRI endpoints answer.
struct Multiple {
    answering: Vec<Answering>,
    /// The endpoint to name as criSocket: the kubelet's, else containerd's.
    target: String,
    /// Where the kubelet's socket is named, else the first socket that answers.
    at: Location,
}

impl Multiple {
    /// The endpoints as kubeadm lists them.
    fn list(&self) -> String {
        let list: Vec<&str> = self.answering.iter().map(|a| a.endpoint).collect();
        list.join(", ")
    }

    fn message(&self) -> String {
        format!(
            "{} CRI endpoints answer on this node: {}",
            self.answering.len(),
            self.answering
                .iter()
                .map(|a| format!("{} ({})", a.path, a.runtime))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn label(&self) -> String {
        match &self.at {
            Location::Span(_) => format!("the kubelet uses {}: name it as criSocket", self.target),
            Location::Path(_) | Location::Object(_) => {
                "one of the answering CRI endpoints".to_owned()
            }
        }
    }

    fn impact(&self) -> String {
        format!(
            "kubeadm (1.24 and later) without an explicit criSocket — `kubeadm init`, `join`, `config images pull`, \
             `reset` — stops with `found multiple CRI endpoints on the host. Please define which one do you wish to \
             use by setting the 'criSocket' field in the kubeadm configuration file: {}`; tools that pick the \
             first endpoint that answers (crictl without /etc/crictl.yaml) may talk to the wrong runtime.",
            self.list()
        )
    }

    fn fix(&self) -> String {
        let target = &self.target;
        format!(
            "Stop and disable the runtime you are leaving (cri-dockerd: `systemctl disable --now cri-docker.socket \
             cri-docker.service`), or name the socket wherever kubeadm runs: `criSocket: {target}` in \
             nodeRegistration of the kubeadm configuration (or `--cri-socket {target}`)."
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(Case::Multiple, self.at.clone(), self.message())
            .label(self.label())
            .impact(self.impact())
            .fix(self.fix())
            .key("cri-sockets")
            .actual(self.list())
            .expected("one CRI endpoint, or criSocket set explicitly");
        for a in &self.answering {
            b = b.related(
                Location::Path(a.path.to_string()),
                format!("answers: {}", a.runtime),
            );
        }
        b.emit();
    }
}

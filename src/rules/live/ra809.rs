//! RA809 multiple-cri-sockets.

use crate::engine::{Emitter, Location};
use crate::model::live::{Probe, ProbeFailure, SocketState};
use crate::model::NodeSnapshot;
use crate::rules::kubelet::common::Endpoint;

use super::common::{self, failure_words};

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

#[expect(clippy::too_many_lines, reason = "to be split")]
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !common::probed(snap, out) {
        return;
    }
    let mut answering: Vec<(&str, String, String)> = Vec::new();
    let mut unknown = Vec::new();
    for (endpoint, path) in KNOWN {
        let Some(fact) = common::socket_fact(snap, path) else {
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
        let Some(cri) = common::cri_at(snap, path) else {
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
            } => answering.push((endpoint, fact.path.clone(), common::runtime_words(cri))),
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
    if answering.len() < 2 {
        if answering.len() + unknown.len() >= 2 && !unknown.is_empty() {
            out.inconclusive(unknown.join("; "));
        }
        return;
    }
    let list: Vec<&str> = answering.iter().map(|(e, _, _)| *e).collect();
    let list = list.join(", ");
    let (first_path, kubelet_endpoint) = (
        answering
            .first()
            .map(|(_, p, _)| p.clone())
            .unwrap_or_default(),
        snap.kubelet
            .present()
            .and_then(|k| k.effective.runtime_endpoint.known())
            .map(|e| e.value.clone()),
    );
    let target = kubelet_endpoint
        .clone()
        .unwrap_or_else(|| common::endpoint_of(common::CONTAINERD_SOCKET));
    let at = kubelet_endpoint
        .as_deref()
        .map(Endpoint::parse)
        .filter(Endpoint::is_unix)
        .and_then(|e| common::named_at(snap, &e.path))
        .map_or_else(|| Location::Path(first_path), |n| Location::Span(n.span));
    let label = match &at {
        Location::Span(_) => format!("the kubelet uses {target}: name it as criSocket"),
        Location::Path(_) => "one of the answering CRI endpoints".to_owned(),
    };
    let mut b = out
        .finding(
            Case::Multiple,
            at,
            format!(
                "{} CRI endpoints answer on this node: {}",
                answering.len(),
                answering
                    .iter()
                    .map(|(_, p, who)| format!("{p} ({who})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .label(label)
        .impact(format!(
            "kubeadm (1.24 and later) without an explicit criSocket — `kubeadm init`, `join`, `config images pull`, \
             `reset` — stops with `found multiple CRI endpoints on the host. Please define which one do you wish to \
             use by setting the 'criSocket' field in the kubeadm configuration file: {list}`; tools that pick the \
             first endpoint that answers (crictl without /etc/crictl.yaml) may talk to the wrong runtime."
        ))
        .fix(format!(
            "Stop and disable the runtime you are leaving (cri-dockerd: `systemctl disable --now cri-docker.socket \
             cri-docker.service`), or name the socket wherever kubeadm runs: `criSocket: {target}` in \
             nodeRegistration of the kubeadm configuration (or `--cri-socket {target}`)."
        ))
        .key("cri-sockets")
        .actual(list.clone())
        .expected("one CRI endpoint, or criSocket set explicitly");
    for (_, path, who) in &answering {
        b = b.related(Location::Path(path.clone()), format!("answers: {who}"));
    }
    b.emit();
}

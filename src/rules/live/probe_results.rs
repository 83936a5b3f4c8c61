//! Reading probe results: whether probes ran, and a probe's value or, when it failed, the rule
//! made inconclusive with the probe's reason (never a silent pass); what Docker is on the node;
//! how runtimes and containers are named in messages.

use super::sockets::state_words;
use crate::engine::Emitter;
use crate::model::NodeSnapshot;
use crate::model::endpoint::DockerSocket;
use crate::model::kubelet::Setting;
use crate::model::live::{
    CriApi, CriEndpoint, DockerContainer, DockerEndpoint, Probe, ProbeFailure, ProbeMode,
    SocketFact, SocketNamer, SocketState,
};
use crate::vocabulary::RuleCase;

/// True when probes ran (on this machine, or recorded); otherwise the rule is not applicable
/// and says why no probe ran.
pub(crate) fn probed<C: RuleCase>(snap: &NodeSnapshot, out: &mut Emitter<C>) -> bool {
    match &snap.live.mode {
        ProbeMode::Offline { reason } => {
            out.not_applicable(format!("live probes did not run ({reason})"));
            false
        }
        ProbeMode::Live | ProbeMode::Recorded { .. } => true,
    }
}

/// Whether the kubelet still runs its pods on Docker (dockershim, or cri-dockerd): Some(true)
/// or Some(false) when its endpoint (or its version, when unset) says so, None when unknown.
pub(crate) fn kubelet_uses_docker(snap: &NodeSnapshot) -> Option<bool> {
    let k = snap.kubelet.present()?;
    match &k.effective.runtime_endpoint {
        Setting::Known(e) => Some(matches!(
            e.value.docker_era(),
            Some(DockerSocket::Dockershim | DockerSocket::Docker | DockerSocket::CriDockerd)
        )),
        Setting::Unset => {
            let v = snap.versions.kubelet.as_ref()?;
            Some(v.has_dockershim())
        }
        Setting::Unknown { .. } => None,
    }
}

/// "timed out", "refused", ...
pub(crate) fn failure_words(f: ProbeFailure) -> &'static str {
    match f {
        ProbeFailure::Timeout => "no answer within --probe-timeout",
        ProbeFailure::Refused => "connection refused",
        ProbeFailure::PermissionDenied => "permission denied",
        ProbeFailure::Protocol => "not the expected protocol",
        ProbeFailure::Unimplemented => "not implemented",
        ProbeFailure::Other => "failed",
    }
}

/// A probe's value; otherwise the rule is inconclusive with the probe's reason.
pub(crate) fn value<'p, T, C: RuleCase>(
    out: &mut Emitter<C>,
    probe: &'p Probe<T>,
    what: &str,
) -> Option<&'p T> {
    match probe {
        Probe::Ok { value } => Some(value),
        Probe::Failed { failure, reason } => {
            out.inconclusive(format!("{what}: {} ({reason})", failure_words(*failure)));
            None
        }
        Probe::Skipped { reason } => {
            out.inconclusive(format!("{what} was not probed: {reason}"));
            None
        }
    }
}

/// What is known of the Docker Engine.
pub(crate) enum DockerState<'s> {
    Probed(&'s DockerEndpoint),
    /// No probe ran, or Docker is not there.
    NotApplicable(String),
    /// Its socket could not be examined or probed.
    Inconclusive(String),
}

pub(crate) fn docker_state(snap: &NodeSnapshot) -> DockerState<'_> {
    if let ProbeMode::Offline { reason } = &snap.live.mode {
        return DockerState::NotApplicable(format!("live probes did not run ({reason})"));
    }
    if let Some(d) = &snap.live.docker {
        return DockerState::Probed(d);
    }
    let docker_sockets: Vec<&SocketFact> = snap
        .live
        .sockets
        .iter()
        .filter(|s| {
            s.path.cleaned().ends_with("/docker.sock")
                || s.named_by.contains(&SocketNamer::DockerSocketFlag)
        })
        .collect();
    let unknown = docker_sockets.iter().find_map(|s| match &s.state {
        SocketState::Unknown { reason } => Some(format!("{}: {reason}", s.path)),
        SocketState::Socket { .. } => Some(format!("{} was not probed", s.path)),
        _ => None,
    });
    match (unknown, docker_sockets.first()) {
        (Some(u), _) => {
            DockerState::Inconclusive(format!("the Docker Engine could not be probed: {u}"))
        }
        (None, Some(s)) => DockerState::NotApplicable(format!(
            "Docker is not running here ({} {})",
            s.path,
            state_words(&s.state)
        )),
        (None, None) => DockerState::NotApplicable("no Docker socket was probed".into()),
    }
}

/// The Docker Engine as probed, or None after setting the status: not-applicable when no
/// probe ran or Docker is not there, inconclusive when its socket could not be examined.
pub(crate) fn docker<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut Emitter<C>,
) -> Option<&'s DockerEndpoint> {
    match docker_state(snap) {
        DockerState::Probed(d) => Some(d),
        DockerState::NotApplicable(r) => {
            out.not_applicable(r);
            None
        }
        DockerState::Inconclusive(r) => {
            out.inconclusive(r);
            None
        }
    }
}

/// What answered on a CRI endpoint, for messages: `containerd 1.7.13`, `CRI v1`.
pub(crate) fn runtime_words(c: &CriEndpoint) -> String {
    match (c.version.ok(), c.api.ok()) {
        (Some(v), _) => format!("{} {}", v.runtime_name, v.runtime_version),
        (None, Some(CriApi::V1)) => "a CRI v1 runtime".into(),
        (None, Some(CriApi::V1Alpha2Only)) => "a CRI v1alpha2 runtime".into(),
        (None, Some(CriApi::None)) => "a gRPC server without CRI".into(),
        (None, None) => "an unknown runtime".into(),
    }
}

/// The container's name and, for a kubelet-managed one, its pod: `agent (pod kube-system/x)`.
pub(crate) fn container_words(c: &DockerContainer) -> String {
    match (
        c.labels.get("io.kubernetes.pod.namespace"),
        c.labels.get("io.kubernetes.pod.name"),
    ) {
        (Some(ns), Some(pod)) => format!("{} (pod {ns}/{pod})", c.name()),
        _ => c.name().to_owned(),
    }
}

/// dockershim labels the pause container of every pod `io.kubernetes.docker.type=podsandbox`.
pub(crate) fn is_sandbox(c: &DockerContainer) -> bool {
    c.labels
        .get("io.kubernetes.docker.type")
        .is_some_and(|t| t == "podsandbox")
}

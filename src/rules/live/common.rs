//! What the live rules share: whether probes ran, which runtime sockets matter, where the
//! node's files name a socket (the location findings point at), and reading probe results so
//! a failed probe makes a rule inconclusive with its reason, never a silent pass.

use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Location};
use crate::model::endpoint::{DockerSocket, Endpoint, clean};
use crate::model::kubelet::Setting;
use crate::model::live::{
    CriApi, CriEndpoint, DockerContainer, DockerEndpoint, Probe, ProbeFailure, ProbeMode,
    SocketFact, SocketState,
};
use crate::model::{NodeSnapshot, Span};
use crate::release::containerd_defaults::GRPC_ADDRESS;
use crate::vocabulary::RuleCase;

/// Which names of a socket (`SocketFact::named_by`) make it a runtime socket the node uses.
const RUNTIME_NAMERS: &[&str] = &[
    "kubelet runtime endpoint",
    "kubelet image endpoint",
    "containerd [grpc] address",
    "--containerd-socket",
];

use crate::release::kubernetes::DOCKERSHIM_SOCKET;

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

/// Whether two socket paths are the same socket (`/var/run` is `/run`).
pub(crate) fn same_path(a: &str, b: &str) -> bool {
    clean(a) == clean(b)
}

/// The examined socket at `path`.
pub(crate) fn socket_fact<'s>(snap: &'s NodeSnapshot, path: &str) -> Option<&'s SocketFact> {
    snap.live.sockets.iter().find(|s| same_path(&s.path, path))
}

/// The CRI endpoint probed on `path`.
pub(crate) fn cri_at<'s>(snap: &'s NodeSnapshot, path: &str) -> Option<&'s CriEndpoint> {
    snap.live.cri.iter().find(|c| same_path(&c.socket, path))
}

/// `unix:///run/x.sock` for a path.
pub(crate) fn endpoint_of(path: &str) -> String {
    format!("unix://{path}")
}

/// Where the node's files name a socket, best first: the kubelet's endpoints, containerd's
/// `[grpc] address`, crictl's endpoints. `what` says who names it.
pub(crate) struct NamedAt {
    pub(crate) span: Span,
    pub(crate) what: &'static str,
}

pub(crate) fn named_at(snap: &NodeSnapshot, path: &str) -> Option<NamedAt> {
    let matches = |e: &Endpoint| e.is_unix() && e.path() == clean(path);
    if let Some(k) = snap.kubelet.present() {
        for (setting, what) in [
            (
                &k.effective.runtime_endpoint,
                "the kubelet's runtime endpoint",
            ),
            (&k.effective.image_endpoint, "the kubelet's image endpoint"),
        ] {
            if let Setting::Known(e) = setting
                && let Some(span) = e.span()
                && matches(&e.value)
            {
                return Some(NamedAt { span, what });
            }
        }
    }
    if let Some(c) = snap.containerd.present()
        && let Some(span) = c.grpc_address.span()
        && matches(&c.grpc_address.value)
    {
        return Some(NamedAt {
            span,
            what: "containerd's `[grpc] address`",
        });
    }
    if let Some(c) = snap.crictl.present() {
        for (e, what) in [
            (&c.runtime_endpoint, "crictl's runtime-endpoint"),
            (&c.image_endpoint, "crictl's image-endpoint"),
        ] {
            if let Some(e) = e
                && matches(&e.value)
            {
                return Some(NamedAt { span: e.span, what });
            }
        }
    }
    None
}

/// Starts a finding about a socket: at the key that names it when a file does (the socket
/// itself is then a related location), else at the socket's path.
pub(crate) fn socket_finding<'e, C: RuleCase>(
    snap: &NodeSnapshot,
    out: &'e mut Emitter<C>,
    case: C,
    path: &str,
    socket_label: &str,
    message: String,
) -> FindingBuilder<'e> {
    match named_at(snap, path) {
        Some(n) => out
            .finding(case, n.span, message)
            .label(format!("{} names {path}", n.what))
            .related(Location::Path(path.to_owned()), socket_label),
        None => out
            .finding(case, Location::Path(path.to_owned()), message)
            .label(socket_label),
    }
}

/// A runtime socket the node uses, and why it matters.
pub(crate) struct RuntimeSocket<'s> {
    /// The path as examined.
    pub(crate) path: String,
    pub(crate) fact: &'s SocketFact,
    /// Who names it, in words (`the kubelet's runtime endpoint`, ...).
    pub(crate) why: String,
    /// Whether containerd's `[grpc] address` (or `--containerd-socket`) names it.
    pub(crate) is_containerd: bool,
}

/// The sockets the kubelet and containerd use: those the kubelet's endpoints, containerd's
/// `[grpc] address` or `--containerd-socket` name, and the kubelet's default endpoint when
/// none is set (dockershim up to 1.23, containerd's socket from 1.24).
pub(crate) fn runtime_sockets(snap: &NodeSnapshot) -> Vec<RuntimeSocket<'_>> {
    let mut out: Vec<RuntimeSocket<'_>> = snap
        .live
        .sockets
        .iter()
        .filter(|s| {
            s.named_by
                .iter()
                .any(|n| RUNTIME_NAMERS.contains(&n.as_str()))
        })
        .map(|s| RuntimeSocket {
            path: s.path.clone(),
            fact: s,
            why: s
                .named_by
                .iter()
                .filter(|n| RUNTIME_NAMERS.contains(&n.as_str()))
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            is_containerd: s
                .named_by
                .iter()
                .any(|n| n == "containerd [grpc] address" || n == "--containerd-socket"),
        })
        .collect();
    if let Some((path, why)) = kubelet_default_socket(snap)
        && !out.iter().any(|s| same_path(&s.path, path))
        && let Some(fact) = socket_fact(snap, path)
    {
        out.push(RuntimeSocket {
            path: fact.path.clone(),
            fact,
            why,
            is_containerd: path == GRPC_ADDRESS,
        });
    }
    out
}

/// The socket the kubelet uses when no endpoint is set, by version.
fn kubelet_default_socket(snap: &NodeSnapshot) -> Option<(&'static str, String)> {
    let k = snap.kubelet.present()?;
    if !k.effective.runtime_endpoint.is_unset() {
        return None;
    }
    let v = snap.versions.kubelet.as_ref()?;
    Some(if v.has_dockershim() {
        (
            DOCKERSHIM_SOCKET,
            format!(
                "the kubelet's default endpoint (kubelet {}, {}: dockershim)",
                v.version(),
                v.origin()
            ),
        )
    } else {
        (
            GRPC_ADDRESS,
            format!(
                "the kubelet's default endpoint (kubelet {}, {})",
                v.version(),
                v.origin()
            ),
        )
    })
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
            clean(&s.path).ends_with("/docker.sock")
                || s.named_by.iter().any(|n| n == "--docker-socket")
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

/// "does not exist", "is a directory", ...
pub(crate) fn state_words(state: &SocketState) -> String {
    match state {
        SocketState::Missing => "does not exist".into(),
        SocketState::NotASocket { kind } => format!("is {kind}, not a socket"),
        SocketState::Socket { mode, uid, gid } => {
            format!("is a socket (mode {mode:04o}, owner {uid}:{gid})")
        }
        SocketState::Unknown { reason } => format!("could not be examined: {reason}"),
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

//! The runtime sockets that matter on the node: which sockets the kubelet and containerd use,
//! where the node's files name a socket (the place a finding points at), and how a socket is
//! said in a message.

use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Location};
use crate::model::endpoint::{Endpoint, clean};
use crate::model::kubelet::Setting;
use crate::model::live::{CriEndpoint, SocketFact, SocketState};
use crate::model::{NodeSnapshot, Span};
use crate::release::containerd_defaults::GRPC_ADDRESS;
use crate::release::kubernetes::DOCKERSHIM_SOCKET;
use crate::vocabulary::RuleCase;

/// Which names of a socket (`SocketFact::named_by`) make it a runtime socket the node uses.
const RUNTIME_NAMERS: &[&str] = &[
    "kubelet runtime endpoint",
    "kubelet image endpoint",
    "containerd [grpc] address",
    "--containerd-socket",
];

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

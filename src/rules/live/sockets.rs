//! The runtime sockets that matter on the node: which sockets the kubelet and containerd use,
//! where the node's files name a socket (the place a finding points at), and how a socket is
//! said in a message.

use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Location};
use crate::model::endpoint::{Endpoint, SocketPath};
use crate::model::kubelet::Setting;
use crate::model::live::{CriEndpoint, SocketFact, SocketState};
use crate::model::{NodeSnapshot, Span};
use crate::release::containerd_defaults::GRPC_ADDRESS;
use crate::release::kubernetes::DOCKERSHIM_SOCKET;
use crate::vocabulary::RuleCase;

/// The examined socket at `socket`.
pub(crate) fn socket_fact<'s>(
    snap: &'s NodeSnapshot,
    socket: &SocketPath,
) -> Option<&'s SocketFact> {
    snap.live.sockets.iter().find(|s| s.path == *socket)
}

/// The CRI endpoint probed on `socket`.
pub(crate) fn cri_at<'s>(snap: &'s NodeSnapshot, socket: &SocketPath) -> Option<&'s CriEndpoint> {
    snap.live.cri.iter().find(|c| c.socket == *socket)
}

/// Where the node's files name a socket, best first: the kubelet's endpoints, containerd's
/// `[grpc] address`, crictl's endpoints. `what` says who names it.
pub(crate) struct NamedAt {
    pub(crate) span: Span,
    pub(crate) what: &'static str,
}

pub(crate) fn named_at(snap: &NodeSnapshot, socket: &SocketPath) -> Option<NamedAt> {
    let matches = |e: &Endpoint| e.serves(socket);
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
    socket: &SocketPath,
    socket_label: &str,
    message: String,
) -> FindingBuilder<'e> {
    match named_at(snap, socket) {
        Some(n) => out
            .finding(case, n.span, message)
            .label(format!("{} names {socket}", n.what))
            .related(Location::Path(socket.to_string()), socket_label),
        None => out
            .finding(case, Location::Path(socket.to_string()), message)
            .label(socket_label),
    }
}

/// A runtime socket the node uses, and why it matters.
pub(crate) struct RuntimeSocket<'s> {
    /// The socket as examined.
    pub(crate) path: SocketPath,
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
        .filter(|s| s.named_by.iter().any(|n| n.names_runtime_socket()))
        .map(|s| RuntimeSocket {
            path: s.path.clone(),
            fact: s,
            why: s
                .named_by
                .iter()
                .filter(|n| n.names_runtime_socket())
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            is_containerd: s.named_by.iter().any(|n| n.names_containerd()),
        })
        .collect();
    if let Some((socket, why)) = kubelet_default_socket(snap)
        && !out.iter().any(|s| s.path == socket)
        && let Some(fact) = socket_fact(snap, &socket)
    {
        out.push(RuntimeSocket {
            path: fact.path.clone(),
            fact,
            why,
            is_containerd: socket == SocketPath::known(GRPC_ADDRESS),
        });
    }
    out
}

/// The socket the kubelet uses when no endpoint is set, by version.
fn kubelet_default_socket(snap: &NodeSnapshot) -> Option<(SocketPath, String)> {
    let k = snap.kubelet.present()?;
    if !k.effective.runtime_endpoint.is_unset() {
        return None;
    }
    let v = snap.versions.kubelet.as_ref()?;
    Some(if v.has_dockershim() {
        (
            SocketPath::known(DOCKERSHIM_SOCKET),
            format!(
                "the kubelet's default endpoint (kubelet {}, {}: dockershim)",
                v.version(),
                v.origin()
            ),
        )
    } else {
        (
            SocketPath::known(GRPC_ADDRESS),
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

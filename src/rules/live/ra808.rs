//! RA808 runtime-socket-permissions.

use super::sockets;
use super::probe_results;
use crate::model::live::SocketPath;
use crate::engine::Emitter;
use crate::model::live::{SocketFact, SocketState};
use crate::model::NodeSnapshot;


declare_rule! {
    id: "RA808",
    name: "runtime-socket-permissions",
    area: Live,
    summary: "A runtime socket is writable by other users or not owned by root: whoever can write it controls the host",
    inputs: [RuntimeSocket],
    cases: [
        WorldWritable("world-writable", Warning),
        NotRoot("not-owned-by-root", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !probe_results::probed(snap, out) {
        return;
    }
    let mut examined = 0;
    let mut undecided = Vec::new();
    for s in &snap.live.sockets {
        match &s.state {
            SocketState::Socket { mode, uid, gid } => {
                examined += 1;
                if mode & 0o002 != 0 {
                    world_writable(snap, out, s, *mode, *uid, *gid);
                }
                if *uid != 0 {
                    not_root(snap, out, s, *mode, *uid, *gid);
                }
            }
            SocketState::Unknown { reason } => undecided.push(format!("{}: {reason}", s.path)),
            SocketState::Missing | SocketState::NotASocket { .. } => {}
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    } else if examined == 0 {
        out.not_applicable("no runtime socket exists on this node");
    }
}

fn daemon(path: &SocketPath) -> &'static str {
    let p = path.cleaned();
    if p.ends_with("/docker.sock") {
        "dockerd"
    } else if p.ends_with("/containerd.sock") {
        "containerd"
    } else if p.ends_with("/cri-dockerd.sock") {
        "cri-dockerd"
    } else if p.ends_with("/crio.sock") {
        "CRI-O"
    } else {
        "the runtime"
    }
}

fn owner_fix(path: &SocketPath) -> String {
    match daemon(path) {
        "containerd" => "containerd sets its socket's owner from `[grpc] uid` and `gid` in /etc/containerd/config.toml (leave them 0)".to_owned(),
        "dockerd" => "dockerd's socket comes from its systemd socket unit (docker.socket: SocketUser, SocketGroup, SocketMode) or `-G`/`--group`".to_owned(),
        d => format!("check the unit that starts {d} for the user, group and mode it gives the socket"),
    }
}

fn world_writable(
    snap: &NodeSnapshot,
    out: &mut Emitter<Case>,
    s: &SocketFact,
    mode: u32,
    uid: u32,
    gid: u32,
) {
    let path = &s.path;
    let d = daemon(path);
    sockets::socket_finding(
        snap,
        out,
        Case::WorldWritable,
        path,
        &format!("mode {mode:04o}, owner {uid}:{gid}"),
        format!("{d}'s socket {path} is writable by every user (mode {mode:04o})"),
    )
    .impact(format!(
        "Any local user or compromised process can connect to {d} and start a privileged container that mounts the \
         host's root filesystem: full control of the node without sudo."
    ))
    .fix(format!(
        "`chmod 0660 {path}` now, and remove whatever made it world-writable (a `chmod 666` in a unit or script, \
         `SocketMode=0666`) so a restart does not bring it back; {}.",
        owner_fix(path)
    ))
    .key(format!("socket {} mode", path.cleaned()))
    .actual(format!("mode {mode:04o}"))
    .expected("mode 0660 or stricter (no write permission for others)")
    .emit();
}

fn not_root(snap: &NodeSnapshot, out: &mut Emitter<Case>, s: &SocketFact, mode: u32, uid: u32, gid: u32) {
    let path = &s.path;
    let d = daemon(path);
    sockets::socket_finding(
        snap,
        out,
        Case::NotRoot,
        path,
        &format!("mode {mode:04o}, owner {uid}:{gid}"),
        format!("{d}'s socket {path} is owned by uid {uid}, not root"),
    )
    .impact(format!(
        "User {uid} (and whatever runs as it) owns the socket: it can change its mode and connect to {d}, which \
         amounts to root on the node."
    ))
    .fix(format!(
        "`chown root {path}` (keep the group that needs access, e.g. docker for dockerd) and make the daemon create it \
         that way: {}.",
        owner_fix(path)
    ))
    .key(format!("socket {} owner", path.cleaned()))
    .actual(format!("owner uid {uid}"))
    .expected("owner root (uid 0)")
    .emit();
}

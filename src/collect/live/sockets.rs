//! Which runtime sockets to look at, and what each is on disk.

use std::os::unix::fs::{FileTypeExt, MetadataExt};

use crate::model::Input;
use crate::model::crictl::CrictlConfig;
use crate::model::endpoint::{Endpoint, SocketPath};
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::model::live::{SocketFact, SocketNamer, SocketState};

/// What a socket is expected to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// A CRI endpoint (containerd, CRI-O, cri-dockerd, dockershim).
    Cri,
    /// The Docker Engine API.
    Docker,
}

/// A socket to examine and probe.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Candidate {
    /// The socket as named (`/var/run/containerd/containerd.sock`).
    pub(crate) socket: SocketPath,
    /// The endpoint as named (`unix:///var/run/containerd/containerd.sock`).
    pub(crate) endpoint: Endpoint,
    pub(crate) protocol: Protocol,
    pub(crate) named_by: Vec<SocketNamer>,
}

/// Sockets named on the command line.
#[derive(Clone, Debug, Default)]
pub struct Explicit {
    pub containerd: Option<String>,
    pub docker: Option<String>,
}

/// The well-known runtime sockets (migration-facts KADM-003, CRICTL-001).
pub(crate) const WELL_KNOWN_CRI: &[&str] = &[
    "/run/containerd/containerd.sock",
    "/var/run/dockershim.sock",
    "/var/run/cri-dockerd.sock",
    "/run/crio/crio.sock",
];
pub(crate) const WELL_KNOWN_DOCKER: &str = "/var/run/docker.sock";

/// Sockets from the command line and the well-known paths: known before any file is read.
pub(crate) fn initial(explicit: &Explicit, well_known: bool) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some(p) = &explicit.containerd {
        add(
            &mut out,
            &Endpoint::parse(p),
            Protocol::Cri,
            SocketNamer::ContainerdSocketFlag,
        );
    }
    if let Some(p) = &explicit.docker {
        add(
            &mut out,
            &Endpoint::parse(p),
            Protocol::Docker,
            SocketNamer::DockerSocketFlag,
        );
    }
    if well_known {
        for p in WELL_KNOWN_CRI {
            add(
                &mut out,
                &Endpoint::parse(p),
                Protocol::Cri,
                SocketNamer::WellKnownPath,
            );
        }
        add(
            &mut out,
            &Endpoint::parse(WELL_KNOWN_DOCKER),
            Protocol::Docker,
            SocketNamer::WellKnownPath,
        );
    }
    out
}

/// Sockets the node's configuration names (the kubelet, containerd's `[grpc] address`,
/// crictl), appended to `out` (known paths only gain another "named by").
pub(crate) fn from_config(
    out: &mut Vec<Candidate>,
    kubelet: &Input<KubeletSettings>,
    containerd_grpc: Option<&Endpoint>,
    crictl: &Input<CrictlConfig>,
) {
    if let Some(k) = kubelet.present() {
        for (setting, namer) in [
            (
                &k.effective.runtime_endpoint,
                SocketNamer::KubeletRuntimeEndpoint,
            ),
            (
                &k.effective.image_endpoint,
                SocketNamer::KubeletImageEndpoint,
            ),
        ] {
            if let Setting::Known(e) = setting {
                add(out, &e.value, Protocol::Cri, namer);
            }
        }
    }
    if let Some(address) = containerd_grpc {
        add(
            out,
            address,
            Protocol::Cri,
            SocketNamer::ContainerdGrpcAddress,
        );
    }
    if let Some(c) = crictl.present() {
        for (e, namer) in [
            (&c.runtime_endpoint, SocketNamer::CrictlRuntimeEndpoint),
            (&c.image_endpoint, SocketNamer::CrictlImageEndpoint),
        ] {
            if let Some(e) = e {
                add(out, &e.value, Protocol::Cri, namer);
            }
        }
    }
}

fn add(out: &mut Vec<Candidate>, endpoint: &Endpoint, protocol: Protocol, namer: SocketNamer) {
    let Some(socket) = endpoint.socket() else {
        return;
    };
    // The Docker socket named as a CRI endpoint is still the Docker socket.
    let protocol = if socket == SocketPath::known(WELL_KNOWN_DOCKER) {
        Protocol::Docker
    } else {
        protocol
    };
    match out.iter_mut().find(|c| c.socket == socket) {
        Some(c) => {
            if !c.named_by.contains(&namer) {
                c.named_by.push(namer);
            }
        }
        None => out.push(Candidate {
            socket,
            endpoint: endpoint.clone(),
            protocol,
            named_by: vec![namer],
        }),
    }
}

/// What the path is: missing, a socket (mode, owner), or something else.
pub(crate) fn examine(candidate: &Candidate) -> SocketFact {
    let state = match std::fs::symlink_metadata(candidate.socket.as_path()).and_then(|m| {
        if m.file_type().is_symlink() {
            std::fs::metadata(candidate.socket.as_path())
        } else {
            Ok(m)
        }
    }) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SocketState::Missing,
        Err(e) => SocketState::Unknown {
            reason: e.to_string(),
        },
        Ok(m) => {
            let ft = m.file_type();
            if ft.is_socket() {
                SocketState::Socket {
                    mode: m.mode() & 0o7777,
                    uid: m.uid(),
                    gid: m.gid(),
                }
            } else {
                let kind = if ft.is_dir() {
                    "a directory"
                } else if ft.is_file() {
                    "a regular file"
                } else if ft.is_fifo() {
                    "a FIFO"
                } else {
                    "not a socket"
                };
                SocketState::NotASocket { kind: kind.into() }
            }
        }
    };
    SocketFact {
        path: candidate.socket.clone(),
        named_by: candidate.named_by.clone(),
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_socket_many_names() {
        let mut c = initial(&Explicit::default(), true);
        add(
            &mut c,
            &Endpoint::parse("unix:///var/run/containerd/containerd.sock"),
            Protocol::Cri,
            SocketNamer::KubeletRuntimeEndpoint,
        );
        let ctd: Vec<_> = c
            .iter()
            .filter(|c| c.socket.cleaned() == "/run/containerd/containerd.sock")
            .collect();
        assert_eq!(ctd.len(), 1);
        assert_eq!(
            ctd[0].named_by,
            vec![
                SocketNamer::WellKnownPath,
                SocketNamer::KubeletRuntimeEndpoint
            ]
        );
        add(
            &mut c,
            &Endpoint::parse("unix:///run/docker.sock"),
            Protocol::Cri,
            SocketNamer::KubeletRuntimeEndpoint,
        );
        assert!(c.iter().any(|c| c.socket.named() == "/var/run/docker.sock"
            && c.protocol == Protocol::Docker
            && c.named_by.len() == 2));
        let before = c.len();
        add(
            &mut c,
            &Endpoint::parse("tcp://1.2.3.4:1"),
            Protocol::Cri,
            SocketNamer::KubeletRuntimeEndpoint,
        );
        assert_eq!(c.len(), before, "a tcp endpoint names no socket");
    }
}

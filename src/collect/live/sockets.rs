//! Which runtime sockets to look at, and what each is on disk.

use std::os::unix::fs::{FileTypeExt, MetadataExt};

use crate::model::Input;
use crate::model::crictl::CrictlConfig;
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::model::live::{SocketFact, SocketState};

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
    /// The path as named (`/var/run/containerd/containerd.sock`).
    pub(crate) path: String,
    /// The endpoint as named (`unix:///var/run/containerd/containerd.sock`).
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
    pub(crate) named_by: Vec<String>,
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

/// `/var/run` is a symlink to `/run` on every current distribution: one socket, two names.
pub(crate) fn canonical(path: &str) -> String {
    match path.strip_prefix("/var/run/") {
        Some(rest) => format!("/run/{rest}"),
        None => path.to_owned(),
    }
}

/// The path of a `unix://` endpoint (or a bare path); None for other schemes.
pub(crate) fn endpoint_path(endpoint: &str) -> Option<String> {
    let e = endpoint.trim();
    if let Some(p) = e.strip_prefix("unix://") {
        return Some(p.to_owned());
    }
    (e.starts_with('/')).then(|| e.to_owned())
}

/// Sockets from the command line and the well-known paths: known before any file is read.
pub(crate) fn initial(explicit: &Explicit, well_known: bool) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some(p) = &explicit.containerd {
        add(&mut out, p, Protocol::Cri, "--containerd-socket");
    }
    if let Some(p) = &explicit.docker {
        add(&mut out, p, Protocol::Docker, "--docker-socket");
    }
    if well_known {
        for p in WELL_KNOWN_CRI {
            add(&mut out, p, Protocol::Cri, "well-known path");
        }
        add(
            &mut out,
            WELL_KNOWN_DOCKER,
            Protocol::Docker,
            "well-known path",
        );
    }
    out
}

/// Sockets the node's configuration names (the kubelet, containerd's `[grpc] address`,
/// crictl), appended to `out` (known paths only gain another "named by").
pub(crate) fn from_config(
    out: &mut Vec<Candidate>,
    kubelet: &Input<KubeletSettings>,
    containerd_grpc: Option<&str>,
    crictl: &Input<CrictlConfig>,
) {
    if let Some(k) = kubelet.present() {
        for (setting, what) in [
            (&k.effective.runtime_endpoint, "kubelet runtime endpoint"),
            (&k.effective.image_endpoint, "kubelet image endpoint"),
        ] {
            if let Setting::Known(e) = setting {
                add(out, e.value.written(), Protocol::Cri, what);
            }
        }
    }
    if let Some(address) = containerd_grpc {
        add(out, address, Protocol::Cri, "containerd [grpc] address");
    }
    if let Some(c) = crictl.present() {
        for (e, what) in [
            (&c.runtime_endpoint, "crictl runtime-endpoint"),
            (&c.image_endpoint, "crictl image-endpoint"),
        ] {
            if let Some(e) = e {
                add(out, e.value.written(), Protocol::Cri, what);
            }
        }
    }
}

fn add(out: &mut Vec<Candidate>, endpoint: &str, protocol: Protocol, named_by: &str) {
    let Some(path) = endpoint_path(endpoint) else {
        return;
    };
    // The Docker socket named as a CRI endpoint is still the Docker socket.
    let protocol = if canonical(&path) == canonical(WELL_KNOWN_DOCKER) {
        Protocol::Docker
    } else {
        protocol
    };
    match out
        .iter_mut()
        .find(|c| canonical(&c.path) == canonical(&path))
    {
        Some(c) => {
            if !c.named_by.iter().any(|n| n == named_by) {
                c.named_by.push(named_by.to_owned());
            }
        }
        None => out.push(Candidate {
            path,
            endpoint: endpoint.trim().to_owned(),
            protocol,
            named_by: vec![named_by.to_owned()],
        }),
    }
}

/// What the path is: missing, a socket (mode, owner), or something else.
pub(crate) fn examine(candidate: &Candidate) -> SocketFact {
    let state = match std::fs::symlink_metadata(&candidate.path).and_then(|m| {
        if m.file_type().is_symlink() {
            std::fs::metadata(&candidate.path)
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
        path: candidate.path.clone(),
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
            "unix:///var/run/containerd/containerd.sock",
            Protocol::Cri,
            "kubelet runtime endpoint",
        );
        let ctd: Vec<_> = c
            .iter()
            .filter(|c| canonical(&c.path) == "/run/containerd/containerd.sock")
            .collect();
        assert_eq!(ctd.len(), 1);
        assert_eq!(
            ctd[0].named_by,
            vec!["well-known path", "kubelet runtime endpoint"]
        );
        add(
            &mut c,
            "unix:///run/docker.sock",
            Protocol::Cri,
            "kubelet runtime endpoint",
        );
        assert!(c.iter().any(|c| c.path == "/var/run/docker.sock"
            && c.protocol == Protocol::Docker
            && c.named_by.len() == 2));
        assert_eq!(endpoint_path("tcp://1.2.3.4:1"), None);
    }
}

//! CRI endpoints and runtime sockets, taken apart once where they are read: the kubelet's
//! `--container-runtime-endpoint`, crictl's `runtime-endpoint`, kubeadm's cri-socket, the socket
//! containerd serves. Rules compare them as sockets, never as strings.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// A CRI endpoint as written (`unix:///var/run/containerd/containerd.sock`, a bare path,
/// `tcp://10.0.0.1:2375`), with its scheme and its cleaned socket path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    written: String,
    /// `unix`, `tcp`, `npipe`, ... None when written without `scheme://`.
    scheme: Option<String>,
    /// The socket path, cleaned, with `/var/run` folded into `/run` (the same directory on
    /// every systemd host: /var/run is a symlink to /run); the address as written for other
    /// schemes.
    path: String,
}

impl Endpoint {
    pub(crate) fn parse(text: &str) -> Endpoint {
        let trimmed = text.trim();
        let (scheme, path) = match trimmed.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("unix") => {
                (Some(scheme.to_ascii_lowercase()), clean(rest))
            }
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest.to_owned()),
            None => (None, clean(trimmed)),
        };
        Endpoint {
            written: text.to_owned(),
            scheme,
            path,
        }
    }

    /// The text as written in its file.
    pub(crate) fn written(&self) -> &str {
        &self.written
    }

    /// The scheme, when written with one.
    pub(crate) fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// The cleaned socket path (`/run/containerd/containerd.sock`).
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The endpoint in the form the kubelet and crictl expect: `unix://` and the cleaned path.
    pub(crate) fn unix_uri(&self) -> String {
        format!("unix://{}", self.path)
    }

    pub(crate) fn is_unix(&self) -> bool {
        self.scheme.as_deref().is_none_or(|s| s == "unix")
    }

    /// Whether nothing is written (an empty value).
    pub(crate) fn is_empty(&self) -> bool {
        self.written.trim().is_empty()
    }

    /// The same socket (both unix sockets with the same cleaned path).
    pub(crate) fn same_socket(&self, other: &Endpoint) -> bool {
        self.is_unix() && other.is_unix() && self.path == other.path
    }

    /// The socket a `unix://` endpoint (or an absolute bare path) names, as written; None for
    /// other schemes and relative bare paths.
    pub(crate) fn socket(&self) -> Option<SocketPath> {
        let written = self.written.trim();
        match written.split_once("://") {
            Some((_, rest)) if self.is_unix() => Some(SocketPath::new(rest)),
            Some(_) => None,
            None => written.starts_with('/').then(|| SocketPath::new(written)),
        }
    }

    /// Whether this endpoint is served on `socket`.
    pub(crate) fn serves(&self, socket: &SocketPath) -> bool {
        self.is_unix() && self.path == socket.cleaned()
    }

    /// The Docker-era socket this is, if any.
    pub(crate) fn docker_era(&self) -> Option<DockerSocket> {
        if !self.is_unix() {
            return None;
        }
        match self.path.rsplit('/').next()? {
            "dockershim.sock" => Some(DockerSocket::Dockershim),
            "docker.sock" => Some(DockerSocket::Docker),
            "cri-dockerd.sock" => Some(DockerSocket::CriDockerd),
            _ => None,
        }
    }
}

/// As written.
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// As written, like the text it came from.
impl serde::Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.written)
    }
}

/// A runtime socket's path as the node names it (`/var/run/containerd/containerd.sock`).
/// Two names of one socket are equal: paths compare cleaned, `/var/run` folded into `/run`.
#[derive(Clone, Debug, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SocketPath(Cow<'static, str>);

impl SocketPath {
    pub(crate) fn new(named: impl Into<String>) -> SocketPath {
        SocketPath(Cow::Owned(named.into()))
    }

    /// A path known when the tool is built (a release's default socket).
    pub(crate) const fn known(named: &'static str) -> SocketPath {
        SocketPath(Cow::Borrowed(named))
    }

    /// The path as named.
    pub(crate) fn named(&self) -> &str {
        &self.0
    }

    pub(crate) fn as_path(&self) -> &Path {
        Path::new(self.0.as_ref())
    }

    /// The cleaned path (`/run/containerd/containerd.sock`).
    pub(crate) fn cleaned(&self) -> String {
        clean(&self.0)
    }

    /// `unix:///run/x.sock`, as named.
    pub(crate) fn unix_uri(&self) -> String {
        format!("unix://{}", self.0)
    }
}

impl From<&str> for SocketPath {
    fn from(named: &str) -> SocketPath {
        SocketPath::new(named)
    }
}

impl PartialEq for SocketPath {
    fn eq(&self, other: &SocketPath) -> bool {
        self.cleaned() == other.cleaned()
    }
}

/// As named.
impl fmt::Display for SocketPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Cleans a socket path: collapses `//`, `.` and `..`, and maps `/var/run` to `/run`.
pub(crate) fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.first() == Some(&"var") && parts.get(1) == Some(&"run") {
        parts.remove(0);
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// The sockets of the Docker era.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DockerSocket {
    /// The kubelet's built-in dockershim, removed in Kubernetes 1.24.
    Dockershim,
    /// dockerd itself: it does not serve CRI.
    Docker,
    /// Mirantis cri-dockerd: CRI in front of Docker (Docker stays the runtime).
    CriDockerd,
}

impl DockerSocket {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            DockerSocket::Dockershim => {
                "dockershim's socket (dockershim was removed from the kubelet in Kubernetes 1.24)"
            }
            DockerSocket::Docker => "dockerd's API socket, which does not serve CRI",
            DockerSocket::CriDockerd => "cri-dockerd's socket (Docker stays the runtime behind it)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_compare_as_sockets() {
        let a = Endpoint::parse("unix:///var/run/containerd/containerd.sock");
        let b = Endpoint::parse("/run/containerd//containerd.sock");
        assert!(a.same_socket(&b));
        assert_eq!(a.path(), "/run/containerd/containerd.sock");
        assert_eq!(a.to_string(), "unix:///var/run/containerd/containerd.sock");
        assert_eq!(b.scheme(), None);
        assert_eq!(b.unix_uri(), "unix:///run/containerd/containerd.sock");
        assert_eq!(
            Endpoint::parse("unix:///var/run/dockershim.sock").docker_era(),
            Some(DockerSocket::Dockershim)
        );
        assert_eq!(
            Endpoint::parse("unix:///run/cri-dockerd.sock").docker_era(),
            Some(DockerSocket::CriDockerd)
        );
        assert!(
            Endpoint::parse("tcp://10.0.0.1:2375")
                .docker_era()
                .is_none()
        );
        assert_eq!(clean("/var/run/../run/x.sock"), "/run/x.sock");
        assert!(Endpoint::parse("  ").is_empty());
    }
}

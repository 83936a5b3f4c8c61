//! What the kubelet, kubeadm and crictl rules share: reading CRI endpoints, recognizing the
//! sockets of the Docker era, naming versions and files in messages.

use crate::engine::Location;
use crate::model::kubelet::{Flag, KubeletSettings, Setting};
use crate::model::{Input, NodeSnapshot, Span};
use crate::vocabulary::RuleCase;

/// containerd's default socket (`[grpc] address`), as a CRI endpoint.
pub(crate) const CONTAINERD_DEFAULT: &str = "unix:///run/containerd/containerd.sock";

/// A CRI endpoint taken apart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Endpoint {
    /// `unix`, `tcp`, `npipe`, ... None when written without `scheme://`.
    pub(crate) scheme: Option<String>,
    /// The socket path, cleaned, with `/var/run` folded into `/run` (the same directory on
    /// every systemd host: /var/run is a symlink to /run).
    pub(crate) path: String,
}

impl Endpoint {
    pub(crate) fn parse(text: &str) -> Endpoint {
        let text = text.trim();
        match text.split_once("://") {
            Some((scheme, rest)) => Endpoint {
                scheme: Some(scheme.to_ascii_lowercase()),
                path: if scheme.eq_ignore_ascii_case("unix") {
                    clean(rest)
                } else {
                    rest.to_owned()
                },
            },
            None => Endpoint {
                scheme: None,
                path: clean(text),
            },
        }
    }

    pub(crate) fn is_unix(&self) -> bool {
        self.scheme.as_deref().is_none_or(|s| s == "unix")
    }

    /// The same socket (both unix sockets with the same cleaned path).
    pub(crate) fn same_socket(&self, other: &Endpoint) -> bool {
        self.is_unix() && other.is_unix() && self.path == other.path
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

/// The socket containerd serves, as an endpoint, and why that one.
pub(crate) fn containerd_endpoint(snap: &NodeSnapshot) -> (String, String) {
    match snap.containerd.present() {
        Some(c) => {
            let e = Endpoint::parse(&c.grpc_address.value);
            let origin = if c.grpc_address.is_default() {
                "containerd's default `[grpc] address`".to_owned()
            } else {
                format!("`[grpc] address` in {}", c.path)
            };
            (format!("unix://{}", e.path), origin)
        }
        None => (
            CONTAINERD_DEFAULT.to_owned(),
            "containerd's default socket".to_owned(),
        ),
    }
}

/// The containerd socket as a path, when containerd's config was read.
pub(crate) fn containerd_socket(snap: &NodeSnapshot) -> Option<Endpoint> {
    snap.containerd
        .present()
        .map(|c| Endpoint::parse(&c.grpc_address.value))
}

/// The host path of the file a span points into.
pub(crate) fn file_of(snap: &NodeSnapshot, span: Span) -> String {
    snap.sources.get(span.file).host_path.clone()
}

/// The flag as written in its file (`--network-plugin cni`, quotes included), or as the
/// kubelet receives it when the source cannot be quoted.
pub(crate) fn flag_text(snap: &NodeSnapshot, f: &Flag) -> String {
    snap.sources
        .get(f.span.file)
        .text()
        .get(f.span.range())
        .filter(|t| !t.contains('\n'))
        .map_or_else(|| flag_word(f), str::to_owned)
}

/// `--name=value` or `--name`, as the kubelet receives it.
pub(crate) fn flag_word(f: &Flag) -> String {
    match &f.value {
        Some(v) => format!("--{}={v}", f.name),
        None => format!("--{}", f.name),
    }
}

/// Where a flag is written: `KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env`.
pub(crate) fn flag_location(snap: &NodeSnapshot, f: &Flag) -> String {
    let path = file_of(snap, f.span);
    if f.via == "ExecStart" {
        format!("the ExecStart= line of {path}")
    } else {
        format!("{} in {path}", f.via)
    }
}

/// Where the kubelet's command line is written, for findings about a missing flag: the
/// `KUBELET_KUBEADM_ARGS` assignment, else another variable the command uses, else the
/// `ExecStart=` line, else kubeadm-flags.env.
pub(crate) fn command_line_location(k: &KubeletSettings) -> Location {
    let vars = &k.service.variables;
    vars.iter()
        .find(|v| v.name == "KUBELET_KUBEADM_ARGS")
        .and_then(|v| v.span)
        .or_else(|| vars.iter().find_map(|v| v.span))
        .or(k.service.exec_start)
        .or_else(|| k.flags.first().map(|f| f.span))
        .map_or_else(
            || Location::Path(crate::collect::kubelet::KUBEADM_FLAGS.to_owned()),
            Location::Span,
        )
}

/// The file to add a kubelet flag to, in words.
pub(crate) fn where_to_add_flags(snap: &NodeSnapshot, k: &KubeletSettings) -> String {
    match command_line_location(k) {
        Location::Span(s) => {
            let var = k
                .service
                .variables
                .iter()
                .find(|v| v.span.is_some_and(|vs| vs == s))
                .map(|v| v.name.clone());
            match var {
                Some(v) => format!("{v} in {}", file_of(snap, s)),
                None => file_of(snap, s),
            }
        }
        Location::Path(p) => format!("KUBELET_KUBEADM_ARGS in {p}"),
    }
}

/// The kubelet's two CRI endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    Runtime,
    Image,
}

impl Which {
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Which::Runtime => "container-runtime-endpoint",
            Which::Image => "image-service-endpoint",
        }
    }

    pub(crate) fn field(self) -> &'static str {
        match self {
            Which::Runtime => "containerRuntimeEndpoint",
            Which::Image => "imageServiceEndpoint",
        }
    }

    pub(crate) fn setting(self, k: &KubeletSettings) -> &Setting<String> {
        match self {
            Which::Runtime => &k.effective.runtime_endpoint,
            Which::Image => &k.effective.image_endpoint,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Which::Runtime => "container runtime endpoint",
            Which::Image => "image service endpoint",
        }
    }
}

/// Why the kubelet's endpoints cannot be known, if one of them cannot (both come from the
/// same config file, so one reason covers both).
pub(crate) fn unknown_endpoints(k: &KubeletSettings) -> Option<String> {
    let runtime = k.effective.runtime_endpoint.unknown_reason();
    let image = k.effective.image_endpoint.unknown_reason();
    let which = match (runtime, image) {
        (Some(_), Some(_)) => "runtime and image endpoints are",
        (Some(_), None) => "runtime endpoint is",
        (None, Some(_)) => "image endpoint is",
        (None, None) => return None,
    };
    Some(format!(
        "the kubelet's {which} unknown: {}",
        runtime.or(image).unwrap_or_default()
    ))
}

/// The flag that set an effective value at `span`, if a flag did.
pub(crate) fn setting_flag<'k>(k: &'k KubeletSettings, name: &str, span: Span) -> Option<&'k Flag> {
    k.flags
        .iter()
        .rev()
        .find(|f| f.name == name && (f.span == span || f.value_span == Some(span)))
}

/// Where an endpoint value was set: `set by --flag in VAR in FILE` or `set by field in FILE`.
pub(crate) fn endpoint_place(
    snap: &NodeSnapshot,
    k: &KubeletSettings,
    which: Which,
    span: Span,
) -> String {
    match setting_flag(k, which.flag(), span) {
        Some(f) => format!("set by `--{}` in {}", which.flag(), flag_location(snap, f)),
        None => format!("set by `{}` in {}", which.field(), file_of(snap, span)),
    }
}

/// How to make an endpoint `new`, wherever it is set now.
pub(crate) fn endpoint_fix(
    snap: &NodeSnapshot,
    k: &KubeletSettings,
    which: Which,
    span: Span,
    new: &str,
) -> String {
    let restart = restart(k);
    match setting_flag(k, which.flag(), span) {
        Some(f) => format!(
            "Change `{}` to `--{}={new}` in {}, {restart}.",
            flag_text(snap, f),
            which.flag(),
            flag_location(snap, f)
        ),
        None => format!(
            "Set `{}: {new}` in {}, {restart}.",
            which.field(),
            file_of(snap, span)
        ),
    }
}

/// What to run after editing the kubelet's files.
pub(crate) fn restart(k: &KubeletSettings) -> &'static str {
    if k.service.assumed_dropin {
        "then `systemctl restart kubelet`"
    } else {
        "then `systemctl daemon-reload && systemctl restart kubelet`"
    }
}

/// The kubelet settings, or None after setting the status (not-applicable when absent,
/// inconclusive when unreadable).
pub(crate) fn kubelet<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut crate::engine::Emitter<C>,
) -> Option<&'s KubeletSettings> {
    match &snap.kubelet {
        Input::Present(k) => Some(k),
        other => {
            out.need(other, "kubelet command line or config");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let a = Endpoint::parse("unix:///var/run/containerd/containerd.sock");
        let b = Endpoint::parse("/run/containerd//containerd.sock");
        assert!(a.same_socket(&b));
        assert_eq!(a.path, "/run/containerd/containerd.sock");
        assert_eq!(b.scheme, None);
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
    }
}

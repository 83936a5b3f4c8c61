//! The CRI API (`runtime.v1`) of an endpoint: gRPC over HTTP/2 on a unix socket, with a client
//! generated at build time from the CRI subset under `proto/`.
//!
//! Every await is bounded by the probe's deadline, so a peer that accepts and never answers,
//! answers something else than gRPC, or closes mid-reply ends the probe on time with a reason.

use std::error::Error as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint};

use crate::model::live::{
    CriApi, CriCondition, CriEndpoint, CriImage, CriStatus, CriVersion, Probe, ProbeFailure,
    RunningCriConfig, SocketPath,
};

/// Code generated from `proto/runtime/*/api.proto` (its items are `pub` as generated).
#[allow(clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
mod pb {
    pub(crate) mod v1 {
        tonic::include_proto!("runtime.v1");
    }
    pub(crate) mod v1alpha2 {
        tonic::include_proto!("runtime.v1alpha2");
    }
}

/// The CRI version the kubelet announces in `VersionRequest.version`.
const KUBELET_API_VERSION: &str = "v1";

/// Probes one CRI endpoint: which API versions answer, `Version`, `Status` (verbose) and
/// `ListImages`, all before `deadline`.
pub async fn probe(socket: &Path, endpoint: &str, deadline: Instant) -> CriEndpoint {
    let calls = Calls {
        socket: socket.to_path_buf(),
        deadline,
    };
    let mut out = CriEndpoint {
        endpoint: endpoint.to_owned(),
        socket: SocketPath::new(socket.display().to_string()),
        api: Probe::skipped("not probed"),
        version: Probe::skipped("not probed"),
        status: Probe::skipped("not probed"),
        images: Probe::skipped("not probed"),
    };

    let channel = match calls.connect().await {
        Ok(c) => c,
        Err(e) => return unanswered(out, e),
    };

    let runtime = pb::v1::runtime_service_client::RuntimeServiceClient::new(channel.clone());
    let asked = pb::v1::VersionRequest {
        version: KUBELET_API_VERSION.into(),
    };
    let v1 = calls
        .call(
            "Version",
            runtime.clone(),
            |mut c, r| async move { c.version(r).await },
            asked,
        )
        .await;
    match v1 {
        Ok(v) => {
            out.api = Probe::Ok { value: CriApi::V1 };
            out.version = Probe::Ok {
                value: CriVersion {
                    runtime_name: v.runtime_name,
                    runtime_version: v.runtime_version,
                    runtime_api_version: v.runtime_api_version,
                },
            };
        }
        Err(e) if e.failure == ProbeFailure::Unimplemented => {
            let later = format!(
                "not attempted: {} serves no CRI runtime.v1 API",
                socket.display()
            );
            out.status = Probe::skipped(later.clone());
            out.images = Probe::skipped(later);
            let (api, version) = older_api(&calls, channel, e).await;
            out.api = api;
            out.version = version;
            return out;
        }
        Err(e) => return unanswered(out, e),
    }

    // Both answers travel on the one HTTP/2 connection; asked together they cost one round trip.
    let images = pb::v1::image_service_client::ImageServiceClient::new(channel);
    let (status, listed) = tokio::join!(
        calls.call(
            "Status",
            runtime,
            |mut c, r| async move { c.status(r).await },
            pb::v1::StatusRequest { verbose: true },
        ),
        calls.call(
            "ListImages",
            images,
            |mut c, r| async move { c.list_images(r).await },
            pb::v1::ListImagesRequest { filter: None },
        ),
    );
    out.status = match status {
        Ok(s) => Probe::Ok {
            value: status_from(s),
        },
        Err(e) => e.into_probe(),
    };
    out.images = match listed {
        Ok(l) => Probe::Ok {
            value: l.images.into_iter().map(image_from).collect(),
        },
        Err(e) => e.into_probe(),
    };
    out
}

/// The endpoint gave no CRI answer at all: the API and version fail the same way, the
/// later calls are not worth trying.
fn unanswered(mut out: CriEndpoint, e: CallError) -> CriEndpoint {
    let later = format!("not attempted: {}", e.reason);
    out.api = e.clone().into_probe();
    out.version = e.into_probe();
    out.status = Probe::skipped(later.clone());
    out.images = Probe::skipped(later);
    out
}

/// After `runtime.v1` answered Unimplemented: does the endpoint serve the removed
/// `runtime.v1alpha2` (a runtime too old for kubelet 1.26+), or no CRI at all (containerd with
/// its CRI plugin disabled or failed still serves its own API on the socket)?
async fn older_api(
    calls: &Calls,
    channel: Channel,
    v1: CallError,
) -> (Probe<CriApi>, Probe<CriVersion>) {
    let client = pb::v1alpha2::runtime_service_client::RuntimeServiceClient::new(channel);
    let asked = pb::v1alpha2::VersionRequest {
        version: "v1alpha2".into(),
    };
    let old = calls
        .call(
            "Version (runtime.v1alpha2)",
            client,
            |mut c, r| async move { c.version(r).await },
            asked,
        )
        .await;
    api_without_v1(old, v1)
}

/// The API an endpoint serves, from the answer to `runtime.v1alpha2` Version after
/// `runtime.v1` answered `v1`.
fn api_without_v1(
    old: Result<pb::v1alpha2::VersionResponse, CallError>,
    v1: CallError,
) -> (Probe<CriApi>, Probe<CriVersion>) {
    match old {
        Ok(v) => (
            Probe::Ok {
                value: CriApi::V1Alpha2Only,
            },
            Probe::Ok {
                value: CriVersion {
                    runtime_name: v.runtime_name,
                    runtime_version: v.runtime_version,
                    runtime_api_version: v.runtime_api_version,
                },
            },
        ),
        Err(e) if e.failure == ProbeFailure::Unimplemented => (
            Probe::Ok {
                value: CriApi::None,
            },
            v1.into_probe(),
        ),
        Err(e) => (e.into_probe(), v1.into_probe()),
    }
}

/// What every call on one endpoint shares: where, and until when.
struct Calls {
    socket: PathBuf,
    deadline: Instant,
}

/// A call that failed, already explained.
#[derive(Clone, Debug)]
struct CallError {
    failure: ProbeFailure,
    reason: String,
}

impl CallError {
    fn into_probe<T>(self) -> Probe<T> {
        Probe::failed(self.failure, self.reason)
    }
}

impl Calls {
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Opens the HTTP/2 connection over the unix socket.
    async fn connect(&self) -> Result<Channel, CallError> {
        let path = self.socket.clone();
        let remaining = self.remaining();
        // The URI is never dialled: the connector below always opens the socket.
        let endpoint = Endpoint::from_static("http://[::]:50051")
            .connect_timeout(remaining)
            .timeout(remaining);
        let connecting = endpoint.connect_with_connector(tower::service_fn(move |_| {
            let path = path.clone();
            async move {
                tokio::net::UnixStream::connect(path)
                    .await
                    .map(TokioIo::new)
            }
        }));
        match tokio::time::timeout_at(self.deadline.into(), connecting).await {
            Ok(Ok(channel)) => Ok(channel),
            Ok(Err(e)) => Err(self.explain_error("connect", &e)),
            Err(_) => Err(CallError {
                failure: ProbeFailure::Timeout,
                reason: format!(
                    "could not connect to {} within the probe timeout (--probe-timeout)",
                    self.socket.display()
                ),
            }),
        }
    }

    /// One unary call, bounded by the deadline (and telling the server the time left).
    async fn call<C, Req, Resp, F, Fut>(
        &self,
        name: &str,
        client: C,
        send: F,
        message: Req,
    ) -> Result<Resp, CallError>
    where
        F: FnOnce(C, tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<Resp>, tonic::Status>>,
    {
        let mut request = tonic::Request::new(message);
        request.set_timeout(self.remaining());
        match tokio::time::timeout_at(self.deadline.into(), send(client, request)).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(self.explain_status(name, &status)),
            Err(_) => Err(self.timed_out(name)),
        }
    }

    fn timed_out(&self, call: &str) -> CallError {
        CallError {
            failure: ProbeFailure::Timeout,
            reason: format!(
                "{} accepted the connection but did not answer CRI {call} within the probe timeout \
                 (--probe-timeout); the runtime may be hung, or something else listens there",
                self.socket.display()
            ),
        }
    }

    /// A gRPC status: sent by the server, or made by the client from a transport failure.
    fn explain_status(&self, call: &str, status: &tonic::Status) -> CallError {
        let socket = self.socket.display();
        let message = status.message();
        if let Some(e) = io_error(status) {
            return self.explain_io(call, e);
        }
        let (failure, reason) = match status.code() {
            tonic::Code::DeadlineExceeded => return self.timed_out(call),
            tonic::Code::Cancelled if message.contains("Timeout expired") => {
                return self.timed_out(call);
            }
            _ if status.source().is_some() || not_grpc(message) => (
                ProbeFailure::Protocol,
                format!(
                    "{socket} did not answer CRI {call} as a gRPC server over HTTP/2 ({}): \
                     it is probably not a CRI endpoint",
                    status_chain(status)
                ),
            ),
            tonic::Code::Unimplemented => (
                ProbeFailure::Unimplemented,
                format!("{socket} answered CRI {call} with Unimplemented ({message})"),
            ),
            code => (
                ProbeFailure::Other,
                format!("CRI {call} on {socket} failed: {code:?}: {message}"),
            ),
        };
        CallError { failure, reason }
    }

    /// A connection error (before any call).
    fn explain_error(&self, call: &str, error: &(dyn std::error::Error + 'static)) -> CallError {
        if let Some(e) = io_error(error) {
            return self.explain_io(call, e);
        }
        CallError {
            failure: ProbeFailure::Protocol,
            reason: format!(
                "could not open an HTTP/2 connection on {} ({}): it is probably not a CRI endpoint",
                self.socket.display(),
                chain(error)
            ),
        }
    }

    fn explain_io(&self, call: &str, e: &std::io::Error) -> CallError {
        use std::io::ErrorKind as K;
        let socket = self.socket.display();
        let (failure, reason) = match e.kind() {
            K::ConnectionRefused => (
                ProbeFailure::Refused,
                format!(
                    "nothing listens on {socket} (connection refused): the socket file is left over \
                     from a runtime that is not running"
                ),
            ),
            K::PermissionDenied => (
                ProbeFailure::PermissionDenied,
                format!(
                    "permission denied connecting to {socket}: run runtime-audit as root or as a user \
                     allowed to write to the socket"
                ),
            ),
            K::NotFound => (
                ProbeFailure::Refused,
                format!("{socket} does not exist (it disappeared while being probed)"),
            ),
            K::TimedOut => return self.timed_out(call),
            K::BrokenPipe
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::UnexpectedEof
            | K::InvalidData => (
                ProbeFailure::Protocol,
                format!(
                    "{socket} closed the connection during CRI {call} ({e}): it is probably not a \
                     CRI endpoint, or the runtime crashed"
                ),
            ),
            _ => (
                ProbeFailure::Other,
                format!("CRI {call} on {socket} failed: {e}"),
            ),
        };
        CallError { failure, reason }
    }
}

/// The first I/O error in an error's chain.
fn io_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        next = e.source();
    }
    None
}

/// Whether a status the client made itself says the exchange was not gRPC: HTTP/2 protocol
/// errors, an answer without `grpc-status` (an HTTP server that is not gRPC), a body that does
/// not decode.
fn not_grpc(message: &str) -> bool {
    [
        "h2 protocol error",
        "transport error",
        "protocol error",
        "grpc-status header missing",
        "failed to decode Protobuf message",
        "Missing response message",
        "Unexpected EOF decoding stream",
        // A reply cut inside a gRPC frame (tonic's decoder, when the peer closes mid-message).
        "bytes remaining on stream",
    ]
    .iter()
    .any(|marker| message.contains(marker))
}

/// A status made from a failure, with its causes, on one line.
fn status_chain(status: &tonic::Status) -> String {
    let mut parts = vec![status.message().to_owned()];
    let mut next = status.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.retain(|p| !p.is_empty());
    parts.join(": ")
}

/// An error and its causes on one line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn status_from(s: pb::v1::StatusResponse) -> CriStatus {
    let conditions = s
        .status
        .map(|st| st.conditions)
        .unwrap_or_default()
        .into_iter()
        .map(|c| CriCondition {
            kind: c.r#type,
            status: c.status,
            reason: c.reason,
            message: c.message,
        })
        .collect();
    CriStatus {
        conditions,
        config: s.info.get("config").and_then(|j| running_config(j)),
    }
}

fn image_from(i: pb::v1::Image) -> CriImage {
    CriImage {
        id: i.id,
        repo_tags: i.repo_tags,
        repo_digests: i.repo_digests,
        pinned: i.pinned,
    }
}

/// The parts of containerd's running CRI config (`Status.info["config"]`) the rules compare with
/// config.toml. Tolerant: a key that is missing or of another type is `None` (containerd 2.x
/// no longer reports `sandboxImage` or `registry` there), and a document that is not JSON at
/// all gives no config.
pub(crate) fn running_config(json: &str) -> Option<RunningCriConfig> {
    let doc: serde_json::Value = serde_json::from_str(json).ok()?;
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let containerd = doc.get("containerd");
    let default_runtime_name = text(containerd.and_then(|c| c.get("defaultRuntimeName")));
    let systemd_cgroup = default_runtime_name.as_deref().and_then(|name| {
        containerd?
            .get("runtimes")?
            .get(name)?
            .get("options")?
            .get("SystemdCgroup")?
            .as_bool()
    });
    let registry = doc.get("registry");
    let mut registry_mirrors: Vec<String> = registry
        .and_then(|r| r.get("mirrors"))
        .and_then(serde_json::Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    registry_mirrors.sort();
    Some(RunningCriConfig {
        sandbox_image: text(doc.get("sandboxImage")),
        default_runtime_name,
        systemd_cgroup,
        registry_config_path: text(registry.and_then(|r| r.get("configPath"))),
        registry_mirrors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/cri")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// `info["config"]` as containerd 1.6.20 returned it (recorded from the real daemon with
    /// SystemdCgroup = true, a sandbox image and `registry.config_path`).
    #[test]
    fn running_config_of_containerd_1_6_with_config_path() {
        let c = running_config(&recorded("containerd-1.6.20-status-config.json")).expect("parses");
        assert_eq!(c.sandbox_image.as_deref(), Some("127.0.0.1:5999/pause:3.9"));
        assert_eq!(c.default_runtime_name.as_deref(), Some("runc"));
        assert_eq!(c.systemd_cgroup, Some(true));
        assert_eq!(
            c.registry_config_path.as_deref(),
            Some("/tmp/cri-scratch/certs.d")
        );
        assert!(c.registry_mirrors.is_empty());
    }

    /// Recorded with a legacy `registry.mirrors."docker.io"` table and no `config_path` (1.6.20
    /// refuses to load the CRI plugin when both are set).
    #[test]
    fn running_config_of_containerd_1_6_with_mirrors() {
        let c = running_config(&recorded("containerd-1.6.20-status-config-mirrors.json"))
            .expect("parses");
        assert_eq!(c.registry_mirrors, ["docker.io"]);
        assert_eq!(
            c.registry_config_path, None,
            "an empty configPath is no path"
        );
        assert_eq!(c.systemd_cgroup, Some(true));
    }

    /// Recorded with no CRI settings: containerd's defaults, SystemdCgroup explicitly false.
    #[test]
    fn running_config_of_containerd_1_6_defaults() {
        let c = running_config(&recorded("containerd-1.6.20-status-config-default.json"))
            .expect("parses");
        assert_eq!(
            c.sandbox_image.as_deref(),
            Some("registry.k8s.io/pause:3.6")
        );
        assert_eq!(c.systemd_cgroup, Some(false));
        assert_eq!(c.registry_config_path, None);
    }

    /// containerd 2.x marshals its runtime-side CRI config only (`internal/cri/config` `Config`:
    /// `RuntimeConfig` embedded, so `containerd` and `cni` sit at the top level), without
    /// `sandboxImage` or `registry`, which moved to the image service's config. Shaped after
    /// the JSON tags in that source, not recorded from a daemon.
    #[test]
    fn running_config_of_containerd_2_lacks_image_settings() {
        let doc = r#"{"containerd":{"defaultRuntimeName":"runc","runtimes":{"runc":
            {"runtimeType":"io.containerd.runc.v2","options":{"SystemdCgroup":true},
            "sandboxer":"podsandbox","io_type":""}},"ignoreBlockIONotEnabledErrors":false},
            "cni":{"binDir":"/opt/cni/bin","confDir":"/etc/cni/net.d"},"enableSelinux":false,
            "containerdRootDir":"/var/lib/containerd","rootDir":"/var/lib/containerd/x",
            "stateDir":"/run/containerd/x"}"#;
        let c = running_config(doc).expect("parses");
        assert_eq!(c.systemd_cgroup, Some(true));
        assert_eq!(c.default_runtime_name.as_deref(), Some("runc"));
        assert_eq!(c.sandbox_image, None);
        assert_eq!(c.registry_config_path, None);
        assert!(c.registry_mirrors.is_empty());
    }

    #[test]
    fn running_config_tolerates_odd_documents() {
        assert_eq!(running_config("not json"), None);
        assert_eq!(running_config("[]"), Some(RunningCriConfig::default()));
        let odd = r#"{"sandboxImage":7,"containerd":{"defaultRuntimeName":"kata",
            "runtimes":{"runc":{"options":{"SystemdCgroup":true}},
            "kata":{"options":{"SystemdCgroup":"yes"}}}},"registry":{"mirrors":[]}}"#;
        let c = running_config(odd).expect("parses");
        assert_eq!(c.sandbox_image, None, "a number is no image");
        assert_eq!(c.default_runtime_name.as_deref(), Some("kata"));
        assert_eq!(
            c.systemd_cgroup, None,
            "the default runtime's value is not a boolean"
        );
        assert!(c.registry_mirrors.is_empty());
    }

    fn unimplemented(call: &str) -> CallError {
        CallError {
            failure: ProbeFailure::Unimplemented,
            reason: format!("S answered CRI {call} with Unimplemented"),
        }
    }

    #[test]
    fn v1alpha2_answer_means_an_old_runtime() {
        let old = pb::v1alpha2::VersionResponse {
            version: "0.1.0".into(),
            runtime_name: "containerd".into(),
            runtime_version: "v1.5.18".into(),
            runtime_api_version: "v1alpha2".into(),
        };
        let (api, version) = api_without_v1(Ok(old), unimplemented("Version"));
        assert_eq!(
            api,
            Probe::Ok {
                value: CriApi::V1Alpha2Only
            }
        );
        assert_eq!(
            version.ok().map(|v| v.runtime_version.as_str()),
            Some("v1.5.18")
        );
    }

    #[test]
    fn no_cri_api_at_all() {
        let (api, version) = api_without_v1(
            Err(unimplemented("Version (runtime.v1alpha2)")),
            unimplemented("Version"),
        );
        assert_eq!(
            api,
            Probe::Ok {
                value: CriApi::None
            }
        );
        assert!(matches!(
            version,
            Probe::Failed {
                failure: ProbeFailure::Unimplemented,
                ..
            }
        ));
    }

    #[test]
    fn v1alpha2_that_fails_otherwise_leaves_the_api_unknown() {
        let timeout = CallError {
            failure: ProbeFailure::Timeout,
            reason: "no answer".into(),
        };
        let (api, _) = api_without_v1(Err(timeout), unimplemented("Version"));
        assert!(matches!(
            api,
            Probe::Failed {
                failure: ProbeFailure::Timeout,
                ..
            }
        ));
    }

    fn calls() -> Calls {
        Calls {
            socket: PathBuf::from("/run/x.sock"),
            deadline: Instant::now(),
        }
    }

    #[test]
    fn statuses_are_told_apart() {
        let c = calls();
        let server = |code, msg: &str| c.explain_status("Version", &tonic::Status::new(code, msg));
        assert_eq!(
            server(
                tonic::Code::Unimplemented,
                "unknown service runtime.v1.RuntimeService"
            )
            .failure,
            ProbeFailure::Unimplemented
        );
        // An HTTP/2 server that is not gRPC answers 404 without grpc-status.
        assert_eq!(
            server(
                tonic::Code::Unimplemented,
                "grpc-status header missing, mapped from HTTP status code 404"
            )
            .failure,
            ProbeFailure::Protocol
        );
        assert_eq!(
            server(
                tonic::Code::Internal,
                "failed to decode Protobuf message: invalid wire type"
            )
            .failure,
            ProbeFailure::Protocol
        );
        assert_eq!(
            server(tonic::Code::Internal, "bytes remaining on stream").failure,
            ProbeFailure::Protocol
        );
        assert_eq!(
            server(tonic::Code::DeadlineExceeded, "context deadline exceeded").failure,
            ProbeFailure::Timeout
        );
        let other = server(tonic::Code::Unknown, "server is not initialized yet");
        assert_eq!(other.failure, ProbeFailure::Other);
        assert!(other.reason.contains("/run/x.sock"), "{}", other.reason);
        assert!(other.reason.contains("not initialized"), "{}", other.reason);
        let refused = tonic::Status::from_error(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(
            c.explain_status("Version", &refused).failure,
            ProbeFailure::Refused
        );
    }
}

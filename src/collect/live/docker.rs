//! The Docker Engine API over its unix socket: `/version`, `/info`, `/images/json` and
//! `/containers/json?all=true`, each call bounded by the probe's deadline.
//!
//! The API version is negotiated: `/version` is asked without a version prefix (every daemon
//! answers that, in its own API version), and the later calls go to `/vX.Y/...` with the lower
//! of the daemon's API version and the newest the client's models describe. Docker 20.10
//! speaks API 1.41 and answers a newer versioned path with HTTP 400 ("client version 1.53 is
//! too new"). The probe sets the version in each path itself: bollard 0.21 resolves each
//! endpoint as an absolute reference against `/vX.Y/`, which drops the version, so its
//! requests would all go unversioned and be answered in whatever API the daemon speaks.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::future::Future;
use std::io::ErrorKind;
use std::path::Path;
use std::time::Instant;

use bollard::errors::Error as DockerError;
use bollard::models::{ContainerSummary, ImageSummary, SystemInfo, SystemVersion};
use bollard::query_parameters::{ListContainersOptionsBuilder, ListImagesOptions};
use bollard::{API_DEFAULT_VERSION, BollardRequest, ClientVersion, Docker};

use crate::model::live::{
    DockerContainer, DockerEndpoint, DockerImage, DockerInfo, DockerMount, DockerVersion, Probe,
    ProbeFailure, SocketPath,
};

/// bollard's own per-request timeout (whole seconds); the deadline always comes first.
const CLIENT_TIMEOUT_SECS: u64 = 120;

/// Tags and digests Docker reports for an image that has none.
const NO_TAG: &str = "<none>:<none>";
const NO_DIGEST: &str = "<none>@<none>";

/// Characters of a peer's message kept in a reason.
const MAX_DETAIL: usize = 200;

/// Probes the Docker Engine on `socket`: version, info, images, containers, before `deadline`.
pub async fn probe(socket: &Path, deadline: Instant) -> DockerEndpoint {
    let api = Api { socket, deadline };
    let mut endpoint = DockerEndpoint {
        socket: SocketPath::new(socket.display().to_string()),
        version: Probe::skipped("not asked"),
        info: Probe::skipped("not asked"),
        images: Probe::skipped("not asked"),
        containers: Probe::skipped("not asked"),
    };

    // `/info` does not depend on the API version: it is asked unversioned alongside
    // `/version` (dockerd takes about as long for each), and used only if `/version` shows
    // the socket is the Docker Engine API.
    let unversioned = match api.client() {
        Ok(client) => client.with_request_modifier(|r| at_api_version(r, None)),
        Err(failed) => {
            endpoint.version = failed;
            return skip_after_version(endpoint, socket);
        }
    };
    let (negotiated, early_info) = tokio::join!(
        api.negotiate(&unversioned),
        api.call("GET /info", unversioned.info())
    );
    let client = match negotiated {
        Ok((version, client)) => {
            endpoint.version = Probe::Ok { value: version };
            client
        }
        Err(failed) => {
            endpoint.version = failed;
            return skip_after_version(endpoint, socket);
        }
    };

    endpoint.info = map(early_info, info);
    if pointless_after(&endpoint.info) {
        let reason = format!(
            "not asked: GET /info on {} failed ({})",
            socket.display(),
            outcome(&endpoint.info)
        );
        endpoint.images = Probe::skipped(reason.clone());
        endpoint.containers = Probe::skipped(reason);
        return endpoint;
    }

    let containers_query = ListContainersOptionsBuilder::new().all(true).build();
    let (images, containers) = tokio::join!(
        api.call(
            "GET /images/json",
            client.list_images(None::<ListImagesOptions>)
        ),
        api.call(
            "GET /containers/json?all=true",
            client.list_containers(Some(containers_query))
        ),
    );
    // Docker lists images by creation time, which ties within a second: sorted, a recorded
    // copy is the same from one run to the next.
    endpoint.images = map(images, |list| {
        let mut images: Vec<DockerImage> = list.into_iter().map(image).collect();
        images.sort_by(|a, b| a.id.cmp(&b.id));
        images
    });
    endpoint.containers = map(containers, |list| list.into_iter().map(container).collect());
    endpoint
}

/// After a failed `/version` nothing else counts: the socket is not known to be Docker's.
fn skip_after_version(mut endpoint: DockerEndpoint, socket: &Path) -> DockerEndpoint {
    let failed = format!(
        "GET /version on {} failed ({})",
        socket.display(),
        outcome(&endpoint.version)
    );
    endpoint.info = Probe::skipped(format!(
        "not used: {failed}, so the socket is not known to serve the Docker Engine API"
    ));
    let reason = format!("not asked: {failed}, so the API version to speak is unknown");
    endpoint.images = Probe::skipped(reason.clone());
    endpoint.containers = Probe::skipped(reason);
    endpoint
}

fn map<T, U>(probe: Probe<T>, f: impl FnOnce(T) -> U) -> Probe<U> {
    match probe {
        Probe::Ok { value } => Probe::Ok { value: f(value) },
        Probe::Failed { failure, reason } => Probe::Failed { failure, reason },
        Probe::Skipped { reason } => Probe::Skipped { reason },
    }
}

/// One socket and the time left to ask it.
struct Api<'a> {
    socket: &'a Path,
    deadline: Instant,
}

impl Api<'_> {
    /// Asks `/version` without a version prefix, then builds the client for the other calls
    /// at the negotiated API version.
    async fn negotiate(
        &self,
        unversioned: &Docker,
    ) -> Result<(DockerVersion, Docker), Probe<DockerVersion>> {
        let answer = match self.call("GET /version", unversioned.version()).await {
            Probe::Ok { value } => value,
            Probe::Failed { failure, reason } => return Err(Probe::Failed { failure, reason }),
            Probe::Skipped { reason } => return Err(Probe::Skipped { reason }),
        };
        let version = self.version(answer)?;
        let spoken = negotiated(&version.api_version).ok_or_else(|| {
            self.not_docker(
                "GET /version",
                &format!(
                    "its ApiVersion {:?} is not MAJOR.MINOR",
                    version.api_version
                ),
            )
        })?;
        let client = self
            .client()?
            .with_request_modifier(move |r| at_api_version(r, Some(spoken)));
        Ok((version, client))
    }

    fn client(&self) -> Result<Docker, Probe<DockerVersion>> {
        // bollard's own unix client reads answers without limit; this transport connects to
        // the same socket through a reader that stops after MAX_RESPONSE_BYTES.
        let connector = super::capped::UnixConnector {
            path: self.socket.to_path_buf(),
            budget: super::capped::MAX_RESPONSE_BYTES,
        };
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        let transport = move |request: BollardRequest| {
            let client = client.clone();
            async move {
                client
                    .request(request)
                    .await
                    .map_err(|err| DockerError::HyperLegacyError { err })
            }
        };
        Docker::connect_with_custom_transport(
            transport,
            Some("http://docker"),
            CLIENT_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        )
        .map_err(|e| self.failure("GET /version", &e))
    }

    /// `/version` must carry the engine's version and API version to be the Docker API.
    fn version(&self, answer: SystemVersion) -> Result<DockerVersion, Probe<DockerVersion>> {
        match (answer.version, answer.api_version) {
            (Some(version), Some(api_version)) if !version.is_empty() => Ok(DockerVersion {
                version,
                api_version,
            }),
            _ => Err(self.not_docker(
                "GET /version",
                "the answer has no Version and ApiVersion fields",
            )),
        }
    }

    /// Runs one API call, bounded by the deadline, and maps its failure.
    async fn call<T>(
        &self,
        what: &str,
        request: impl Future<Output = Result<T, DockerError>>,
    ) -> Probe<T> {
        match tokio::time::timeout_at(self.deadline.into(), request).await {
            Ok(Ok(value)) => Probe::Ok { value },
            Ok(Err(e)) => self.failure(what, &e),
            Err(_) => Probe::failed(
                ProbeFailure::Timeout,
                format!(
                    "the Docker Engine on {} did not answer {what} within the probe timeout \
                     (--probe-timeout)",
                    self.socket.display()
                ),
            ),
        }
    }

    fn failure<T>(&self, what: &str, error: &DockerError) -> Probe<T> {
        let socket = self.socket.display();
        let detail = detail(error);
        let (failure, reason) = match classify(error) {
            Class::Refused => (
                ProbeFailure::Refused,
                format!(
                    "nothing listens on {socket} (connection refused): the socket file was left \
                     behind by a daemon that is not running"
                ),
            ),
            Class::Missing => (
                ProbeFailure::Refused,
                format!("{socket} does not exist: no Docker daemon listens there"),
            ),
            Class::PermissionDenied => (
                ProbeFailure::PermissionDenied,
                format!(
                    "permission denied connecting to {socket}: run as root or as a member of \
                     the socket's group"
                ),
            ),
            Class::NotHttp => (
                ProbeFailure::Protocol,
                format!(
                    "{socket} did not answer {what} with a complete HTTP response, so it is not \
                     the Docker Engine API or it broke off: {detail}"
                ),
            ),
            Class::NotDockerJson => (
                ProbeFailure::Protocol,
                format!(
                    "{socket} answered {what} with something that is not the Docker Engine \
                     API's JSON: {detail}"
                ),
            ),
            Class::Status(404) => (
                ProbeFailure::Unimplemented,
                format!(
                    "{socket} answered {what} with HTTP 404 ({detail}): it does not serve the \
                     Docker Engine API"
                ),
            ),
            Class::Status(code) => (
                ProbeFailure::Other,
                format!("the Docker Engine on {socket} answered {what} with HTTP {code}: {detail}"),
            ),
            Class::Other => (
                ProbeFailure::Other,
                format!("{what} on {socket} failed: {detail}"),
            ),
        };
        Probe::failed(failure, reason)
    }

    fn not_docker<T>(&self, what: &str, why: &str) -> Probe<T> {
        Probe::failed(
            ProbeFailure::Protocol,
            format!(
                "{} answered {what}, but not as the Docker Engine API: {why}",
                self.socket.display()
            ),
        )
    }
}

/// After a failed call, whether the next ones can only fail the same way.
fn pointless_after<T>(probe: &Probe<T>) -> bool {
    matches!(
        probe,
        Probe::Failed {
            failure: ProbeFailure::Timeout
                | ProbeFailure::Refused
                | ProbeFailure::PermissionDenied
                | ProbeFailure::Protocol,
            ..
        }
    )
}

/// A failed call's outcome in a few words, for the calls skipped after it.
fn outcome<T>(probe: &Probe<T>) -> &'static str {
    match probe {
        Probe::Ok { .. } => "answered",
        Probe::Skipped { .. } => "not asked",
        Probe::Failed { failure, .. } => match failure {
            ProbeFailure::Timeout => "no answer within the probe timeout",
            ProbeFailure::Refused => "connection refused",
            ProbeFailure::PermissionDenied => "permission denied",
            ProbeFailure::Protocol => "not the Docker Engine API",
            ProbeFailure::Unimplemented => "not served",
            ProbeFailure::Other => "an error",
        },
    }
}

/// What went wrong, as far as the next step cares.
#[derive(Debug, PartialEq)]
enum Class {
    Refused,
    Missing,
    PermissionDenied,
    /// The exchange started but no complete HTTP response came (garbage, closed mid-reply).
    NotHttp,
    /// An HTTP response whose body is not the JSON the API defines.
    NotDockerJson,
    Status(u16),
    Other,
}

fn classify(error: &DockerError) -> Class {
    match error {
        DockerError::DockerResponseServerError { status_code, .. } => Class::Status(*status_code),
        DockerError::JsonDataError { .. }
        | DockerError::JsonSerdeError { .. }
        | DockerError::StrParseError { .. }
        | DockerError::APIVersionParseError {} => Class::NotDockerJson,
        DockerError::SocketNotFoundError(_) => Class::Missing,
        DockerError::HyperLegacyError { err } if err.is_connect() => {
            connect_class(error).unwrap_or(Class::Other)
        }
        // Anything else after the connection was made: the peer broke the exchange.
        DockerError::HyperLegacyError { .. } | DockerError::HyperResponseError { .. } => {
            Class::NotHttp
        }
        DockerError::IOError { .. } => connect_class(error).unwrap_or(Class::NotHttp),
        _ => Class::Other,
    }
}

/// The connection-level failure among an error's causes.
fn connect_class(error: &DockerError) -> Option<Class> {
    // A transparent variant forwards `source()` past its own inner error.
    let mut cause: Option<&(dyn StdError + 'static)> = match error {
        DockerError::IOError { err } => Some(err),
        _ => Some(error),
    };
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionRefused => return Some(Class::Refused),
                ErrorKind::NotFound => return Some(Class::Missing),
                ErrorKind::PermissionDenied => return Some(Class::PermissionDenied),
                _ => {}
            }
        }
        cause = e.source();
    }
    None
}

/// What the peer or the connection said: the daemon's own message for an HTTP error, else
/// the innermost cause (hyper's outer messages say only "client error").
fn detail(error: &DockerError) -> String {
    let text = match error {
        DockerError::DockerResponseServerError { message, .. } => message.trim().to_owned(),
        _ => {
            let mut innermost: &(dyn StdError + 'static) = error;
            while let Some(next) = innermost.source() {
                innermost = next;
            }
            innermost.to_string()
        }
    };
    // A peer's error body can be anything; a reason stays one line.
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX_DETAIL) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// Puts `request` under `/v{version}/`, or under no version, whatever prefix it had.
fn at_api_version(mut request: BollardRequest, version: Option<ClientVersion>) -> BollardRequest {
    let uri = request.uri();
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return request;
    };
    let path = strip_api_version(uri.path());
    let prefix = version.map(|v| format!("/v{v}")).unwrap_or_default();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    if let Ok(rewritten) = format!("{scheme}://{authority}{prefix}{path}{query}").parse() {
        *request.uri_mut() = rewritten;
    }
    request
}

/// `/v1.41/info` → `/info`; other paths unchanged.
fn strip_api_version(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/v") else {
        return path;
    };
    let (segment, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let is_version = segment
        .split_once('.')
        .is_some_and(|(major, minor)| all_digits(major) && all_digits(minor));
    if is_version && tail.starts_with('/') {
        tail
    } else {
        path
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The API version to speak: the daemon's, capped at the newest the client knows.
fn negotiated(server: &str) -> Option<ClientVersion> {
    let (major, minor) = server.trim().split_once('.')?;
    let server = ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    };
    Some(if server < *API_DEFAULT_VERSION {
        server
    } else {
        *API_DEFAULT_VERSION
    })
}

fn info(answer: SystemInfo) -> DockerInfo {
    let registry = answer.registry_config.unwrap_or_default();
    let mut insecure_registries: Vec<String> = registry
        .index_configs
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, index)| index.secure == Some(false) && index.official != Some(true))
        .map(|(key, index)| index.name.filter(|n| !n.is_empty()).unwrap_or(key))
        .collect();
    insecure_registries.sort();
    DockerInfo {
        cgroup_driver: answer
            .cgroup_driver
            .map(|d| d.as_ref().to_owned())
            .unwrap_or_default(),
        cgroup_version: answer
            .cgroup_version
            .map(|v| v.as_ref().to_owned())
            .unwrap_or_default(),
        insecure_registry_cidrs: registry.insecure_registry_cidrs.unwrap_or_default(),
        insecure_registries,
        registry_mirrors: registry.mirrors.unwrap_or_default(),
    }
}

fn image(summary: ImageSummary) -> DockerImage {
    DockerImage {
        id: summary.id,
        repo_tags: without(summary.repo_tags, NO_TAG),
        repo_digests: without(summary.repo_digests, NO_DIGEST),
    }
}

fn container(summary: ContainerSummary) -> DockerContainer {
    DockerContainer {
        id: summary.id.unwrap_or_default(),
        names: summary.names.unwrap_or_default(),
        image: summary.image.unwrap_or_default(),
        image_id: summary.image_id.unwrap_or_default(),
        state: summary
            .state
            .map(|s| s.as_ref().to_owned())
            .unwrap_or_default(),
        labels: summary
            .labels
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        mounts: summary
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| DockerMount {
                kind: m.typ.unwrap_or_default(),
                source: m.source.unwrap_or_default(),
                destination: m.destination.unwrap_or_default(),
            })
            .collect(),
    }
}

fn without(values: Vec<String>, placeholder: &str) -> Vec<String> {
    values.into_iter().filter(|v| v != placeholder).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bollard::models::{IndexInfo, RegistryServiceConfig, SystemInfoCgroupDriverEnum};

    use super::*;

    fn request(uri: &str) -> BollardRequest {
        let mut r = BollardRequest::new(bollard::body_full(Vec::new().into()));
        *r.uri_mut() = uri.parse().expect("uri");
        r
    }

    #[test]
    fn paths_carry_the_negotiated_version_or_none() {
        let v141 = ClientVersion {
            major_version: 1,
            minor_version: 41,
        };
        let cases = [
            ("unix://2f72756e/version", None, "unix://2f72756e/version"),
            (
                "unix://2f72756e/v1.53/version",
                None,
                "unix://2f72756e/version",
            ),
            (
                "unix://2f72756e/info",
                Some(v141),
                "unix://2f72756e/v1.41/info",
            ),
            (
                "unix://2f72756e/v1.53/containers/json?all=true",
                Some(v141),
                "unix://2f72756e/v1.41/containers/json?all=true",
            ),
            // A path segment that only looks like a version prefix stays.
            (
                "unix://2f72756e/vx.1/info",
                None,
                "unix://2f72756e/vx.1/info",
            ),
        ];
        for (from, version, to) in cases {
            assert_eq!(at_api_version(request(from), version).uri().to_string(), to);
        }
    }

    #[test]
    fn the_version_spoken_is_the_lower_of_the_daemons_and_the_clients() {
        let spoken = |s| negotiated(s).map(|v| v.to_string());
        assert_eq!(spoken("1.41").as_deref(), Some("1.41"));
        assert_eq!(spoken("1.24").as_deref(), Some("1.24"));
        assert_eq!(
            spoken("1.99").as_deref(),
            Some(API_DEFAULT_VERSION.to_string().as_str())
        );
        assert_eq!(
            spoken("2.0").as_deref(),
            Some(API_DEFAULT_VERSION.to_string().as_str())
        );
        for bad in ["", "1", "1.x", "v1.41", "1.41.0"] {
            assert_eq!(spoken(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn info_keeps_insecure_registries_but_not_the_official_index() {
        let index = |name: &str, secure, official| IndexInfo {
            name: Some(name.to_owned()),
            mirrors: Some(vec![]),
            secure: Some(secure),
            official: Some(official),
        };
        let answer = SystemInfo {
            cgroup_driver: Some(SystemInfoCgroupDriverEnum::SYSTEMD),
            registry_config: Some(RegistryServiceConfig {
                insecure_registry_cidrs: Some(vec!["127.0.0.0/8".into(), "10.0.0.0/8".into()]),
                index_configs: Some(HashMap::from([
                    ("docker.io".to_owned(), index("docker.io", true, true)),
                    (
                        "reg.local:5000".to_owned(),
                        index("reg.local:5000", false, false),
                    ),
                    ("b.local".to_owned(), index("b.local", false, false)),
                    (
                        "secure.local".to_owned(),
                        index("secure.local", true, false),
                    ),
                ])),
                mirrors: Some(vec!["https://mirror.local/".into()]),
            }),
            ..SystemInfo::default()
        };
        let got = info(answer);
        assert_eq!(got.cgroup_driver, "systemd");
        assert_eq!(got.cgroup_version, "");
        assert_eq!(got.insecure_registries, ["b.local", "reg.local:5000"]);
        assert_eq!(got.insecure_registry_cidrs, ["127.0.0.0/8", "10.0.0.0/8"]);
        assert_eq!(got.registry_mirrors, ["https://mirror.local/"]);
    }

    #[test]
    fn an_info_without_registry_config_is_empty_not_an_error() {
        let got = info(SystemInfo::default());
        assert_eq!(got, DockerInfo::default());
    }

    #[test]
    fn placeholders_for_missing_tags_and_digests_are_dropped() {
        let summary = ImageSummary {
            id: "sha256:1".into(),
            repo_tags: vec![NO_TAG.into(), "a:1".into()],
            repo_digests: vec![NO_DIGEST.into()],
            ..ImageSummary::default()
        };
        let got = image(summary);
        assert_eq!(got.repo_tags, ["a:1"]);
        assert!(got.repo_digests.is_empty());
    }

    #[test]
    fn connection_errors_are_told_apart() {
        let io = |kind| DockerError::IOError {
            err: std::io::Error::from(kind),
        };
        assert_eq!(classify(&io(ErrorKind::ConnectionRefused)), Class::Refused);
        assert_eq!(
            classify(&io(ErrorKind::PermissionDenied)),
            Class::PermissionDenied
        );
        assert_eq!(classify(&io(ErrorKind::NotFound)), Class::Missing);
        assert_eq!(classify(&io(ErrorKind::ConnectionReset)), Class::NotHttp);
        assert_eq!(classify(&io(ErrorKind::UnexpectedEof)), Class::NotHttp);
        let status = DockerError::DockerResponseServerError {
            status_code: 500,
            message: "boom".into(),
        };
        assert_eq!(classify(&status), Class::Status(500));
        let json = serde_json::from_str::<SystemVersion>("[").map_err(DockerError::from);
        assert_eq!(classify(&json.expect_err("bad json")), Class::NotDockerJson);
    }
}

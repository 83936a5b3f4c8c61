//! What only a running node shows: runtime sockets, the CRI API of containerd (or whatever
//! serves a CRI socket), the Docker Engine API, and host facts. Probes fill this; a recorded
//! copy (`--live-facts FILE`) can stand in for them, which is how fixtures describe probe
//! results in data.

use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator as _;

pub use super::endpoint::SocketPath;

/// Every live fact, or why there are none.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LiveFacts {
    pub mode: ProbeMode,
    /// Runtime sockets looked at, with what named each.
    #[serde(default)]
    pub sockets: Vec<SocketFact>,
    /// One entry per CRI endpoint probed.
    #[serde(default)]
    pub cri: Vec<CriEndpoint>,
    /// The Docker Engine, when a Docker socket was probed.
    #[serde(default)]
    pub docker: Option<DockerEndpoint>,
    #[serde(default)]
    pub host: HostFacts,
    /// The running kubelet's configuration, from the API server's node proxy.
    #[serde(default, skip_serializing_if = "KubeletLive::is_not_read")]
    pub kubelet: KubeletLive,
    /// The audited node's Node object as the API gave it (not when a `--node-file` gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_object: Option<RecordedNode>,
}

/// The Node object the API gave, or why it gave none: recorded so that `--live-facts` can
/// replay it in place of the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum RecordedNode {
    Read {
        /// `https://10.0.0.1:6443/api/v1/nodes/NAME`.
        location: String,
        /// How it was chosen (`--node n1`).
        selected_by: String,
        /// The object, without `metadata.managedFields`.
        body: serde_json::Value,
    },
    Failed {
        location: String,
        /// The failure's sentence.
        reason: String,
    },
}

/// Whether probes ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum ProbeMode {
    /// No probe ran (`--offline`, or `--root` without sockets named explicitly).
    Offline { reason: String },
    /// Probed on this machine.
    Live,
    /// Read from a file recorded earlier (`--live-facts`).
    Recorded { path: String },
}

impl Default for ProbeMode {
    fn default() -> Self {
        ProbeMode::Offline {
            reason: "probes not requested".into(),
        }
    }
}

/// The outcome of one probe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Probe<T> {
    Ok {
        value: T,
    },
    /// The probe could not get an answer; rules that need it are inconclusive.
    Failed {
        failure: ProbeFailure,
        reason: String,
    },
    /// Not attempted (its socket is missing, an earlier step failed).
    Skipped {
        reason: String,
    },
}

impl<T> Probe<T> {
    pub fn skipped(reason: impl Into<String>) -> Self {
        Probe::Skipped {
            reason: reason.into(),
        }
    }

    pub fn failed(failure: ProbeFailure, reason: impl Into<String>) -> Self {
        Probe::Failed {
            failure,
            reason: reason.into(),
        }
    }

    pub fn ok(&self) -> Option<&T> {
        match self {
            Probe::Ok { value } => Some(value),
            _ => None,
        }
    }

    /// Why there is no value.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Probe::Ok { .. } => None,
            Probe::Failed { reason, .. } | Probe::Skipped { reason } => Some(reason),
        }
    }
}

/// How a probe failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeFailure {
    /// No answer within `--probe-timeout`.
    Timeout,
    /// Nothing listens (ECONNREFUSED on a socket file left behind).
    Refused,
    PermissionDenied,
    /// The peer answered something that is not the protocol (garbage, a closed stream).
    Protocol,
    /// The API answered that the service or method does not exist (gRPC Unimplemented, 404).
    Unimplemented,
    Other,
}

/// A runtime socket and what it is on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SocketFact {
    /// The path as the node sees it (`/run/containerd/containerd.sock`).
    pub path: SocketPath,
    /// Who points at it.
    pub named_by: Vec<SocketNamer>,
    pub state: SocketState,
}

/// Who names a socket.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
    strum::Display,
)]
#[serde(into = "&'static str", try_from = "String")]
pub enum SocketNamer {
    #[strum(serialize = "kubelet runtime endpoint")]
    KubeletRuntimeEndpoint,
    #[strum(serialize = "kubelet image endpoint")]
    KubeletImageEndpoint,
    #[strum(serialize = "containerd [grpc] address")]
    ContainerdGrpcAddress,
    #[strum(serialize = "crictl runtime-endpoint")]
    CrictlRuntimeEndpoint,
    #[strum(serialize = "crictl image-endpoint")]
    CrictlImageEndpoint,
    /// Looked at because runtimes put their sockets there.
    #[strum(serialize = "well-known path")]
    WellKnownPath,
    #[strum(serialize = "--containerd-socket")]
    ContainerdSocketFlag,
    #[strum(serialize = "--docker-socket")]
    DockerSocketFlag,
}

impl SocketNamer {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a runtime socket the node uses is named this way: by the kubelet's endpoints,
    /// containerd's `[grpc] address` or `--containerd-socket` (crictl and the well-known paths
    /// name sockets nothing else may use).
    pub(crate) fn names_runtime_socket(self) -> bool {
        matches!(
            self,
            SocketNamer::KubeletRuntimeEndpoint
                | SocketNamer::KubeletImageEndpoint
                | SocketNamer::ContainerdGrpcAddress
                | SocketNamer::ContainerdSocketFlag
        )
    }

    /// Whether this names the socket containerd serves.
    pub(crate) fn names_containerd(self) -> bool {
        matches!(
            self,
            SocketNamer::ContainerdGrpcAddress | SocketNamer::ContainerdSocketFlag
        )
    }
}

impl TryFrom<String> for SocketNamer {
    type Error = String;

    fn try_from(text: String) -> Result<SocketNamer, String> {
        text.parse().map_err(|_| {
            let known: Vec<&str> = SocketNamer::iter().map(SocketNamer::as_str).collect();
            format!(
                "unknown `named_by` value `{text}` (expected one of: {})",
                known.join(", ")
            )
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SocketState {
    Missing,
    /// Something else than a socket is there (a regular file, a directory).
    NotASocket {
        kind: String,
    },
    Socket {
        mode: u32,
        uid: u32,
        gid: u32,
    },
    /// The path could not be examined (permissions).
    Unknown {
        reason: String,
    },
}

/// What is known of one CRI endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriEndpoint {
    /// The endpoint as named (`unix:///run/containerd/containerd.sock`).
    pub endpoint: String,
    /// The socket path it resolves to.
    pub socket: SocketPath,
    /// Which CRI API versions answer.
    pub api: Probe<CriApi>,
    pub version: Probe<CriVersion>,
    pub status: Probe<CriStatus>,
    pub images: Probe<Vec<CriImage>>,
}

/// The CRI API versions an endpoint serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CriApi {
    /// `runtime.v1` answers.
    V1,
    /// Only the removed `runtime.v1alpha2` answers.
    V1Alpha2Only,
    /// The socket speaks gRPC but no CRI service (the CRI plugin is disabled or failed).
    None,
}

/// CRI `Version`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriVersion {
    pub runtime_name: String,
    pub runtime_version: String,
    pub runtime_api_version: String,
}

/// CRI `Status` with `verbose = true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriStatus {
    /// Conditions (`RuntimeReady`, `NetworkReady`) and whether each is true.
    pub conditions: Vec<CriCondition>,
    /// The running CRI config (`info["config"]`, containerd 1.x), when the runtime gives it.
    #[serde(default)]
    pub config: Option<RunningCriConfig>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriCondition {
    pub kind: String,
    pub status: bool,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub message: String,
}

/// The parts of the running CRI config the drift check compares with config.toml.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunningCriConfig {
    pub sandbox_image: Option<String>,
    pub default_runtime_name: Option<String>,
    /// SystemdCgroup of the default runtime's options, when present. `None` when the running
    /// config has no such option (a runtime without an options table runs with containerd's
    /// default, false) or gives it as something else than a boolean.
    pub systemd_cgroup: Option<bool>,
    /// `registry.configPath`; `None` when empty or absent (containerd 2.x does not report it).
    pub registry_config_path: Option<String>,
    /// Registry hosts with legacy mirrors.
    #[serde(default)]
    pub registry_mirrors: Vec<String>,
}

/// One image of the CRI image service (containerd's `k8s.io` namespace).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriImage {
    pub id: String,
    #[serde(default)]
    pub repo_tags: Vec<String>,
    #[serde(default)]
    pub(crate) repo_digests: Vec<String>,
    #[serde(default)]
    pub pinned: bool,
}

/// What is known of the Docker Engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DockerEndpoint {
    pub socket: SocketPath,
    pub version: Probe<DockerVersion>,
    pub info: Probe<DockerInfo>,
    pub images: Probe<Vec<DockerImage>>,
    pub containers: Probe<Vec<DockerContainer>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DockerVersion {
    pub version: String,
    pub api_version: String,
}

/// `docker info`: the settings that must be carried over.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DockerInfo {
    pub cgroup_driver: String,
    #[serde(default)]
    pub cgroup_version: String,
    /// `RegistryConfig.InsecureRegistryCIDRs`.
    #[serde(default)]
    pub insecure_registry_cidrs: Vec<String>,
    /// `RegistryConfig.IndexConfigs` entries marked not secure (host or host:port).
    #[serde(default)]
    pub insecure_registries: Vec<String>,
    #[serde(default)]
    pub registry_mirrors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DockerImage {
    pub id: String,
    #[serde(default)]
    pub repo_tags: Vec<String>,
    #[serde(default)]
    pub repo_digests: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DockerContainer {
    pub id: String,
    #[serde(default)]
    pub(crate) names: Vec<String>,
    /// The image as the container was created with it.
    pub image: String,
    #[serde(default)]
    pub image_id: String,
    /// `running`, `exited`, ...
    pub state: String,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub mounts: Vec<DockerMount>,
}

impl DockerContainer {
    /// Started by the kubelet through dockershim (it labels every container it creates).
    pub fn is_kubelet_managed(&self) -> bool {
        self.labels.keys().any(|k| k.starts_with("io.kubernetes."))
    }

    pub fn name(&self) -> &str {
        self.names
            .first()
            .map_or(self.id.as_str(), |n| n.trim_start_matches('/'))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DockerMount {
    /// `bind`, `volume`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub destination: String,
}

/// Facts about the host itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostFacts {
    pub cgroup: Probe<CgroupVersion>,
}

impl Default for HostFacts {
    fn default() -> Self {
        HostFacts {
            cgroup: Probe::Skipped {
                reason: "not probed".into(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CgroupVersion {
    V1,
    /// Both hierarchies mounted (`/sys/fs/cgroup/unified`): the kubelet treats it as v1.
    Hybrid,
    V2,
}

/// The running kubelet's configuration, as `GET /api/v1/nodes/NAME/proxy/configz` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KubeletLive {
    /// The node whose kubelet was asked; None when no node could be named.
    #[serde(default)]
    pub node: Option<String>,
    /// Where it was asked (`https://10.0.0.1:6443/api/v1/nodes/NAME/proxy/configz`).
    #[serde(default)]
    pub source: Option<String>,
    pub configz: Probe<RunningKubeletConfig>,
    /// How the request failed, in the API client's words (`forbidden`, `timeout`,
    /// `unreachable`, `tls`, `unauthorized`, ...), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_failure: Option<String>,
}

impl KubeletLive {
    /// Not asked, and why.
    pub(crate) fn not_read(reason: impl Into<String>) -> KubeletLive {
        KubeletLive {
            node: None,
            source: None,
            configz: Probe::skipped(reason),
            api_failure: None,
        }
    }

    /// Nothing was asked: not worth recording.
    pub(crate) fn is_not_read(&self) -> bool {
        self.source.is_none() && matches!(self.configz, Probe::Skipped { .. })
    }
}

impl Default for KubeletLive {
    fn default() -> Self {
        KubeletLive::not_read("the Kubernetes API was not asked")
    }
}

/// What the drift check compares of the running kubelet's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningKubeletConfig {
    /// `cgroupDriver`: `systemd` or `cgroupfs`.
    #[serde(default)]
    pub cgroup_driver: Option<String>,
    /// `containerRuntimeEndpoint`: in the configuration from kubelet 1.27 (a flag before,
    /// which configz does not show).
    #[serde(default)]
    pub container_runtime_endpoint: Option<String>,
    #[serde(default)]
    pub image_service_endpoint: Option<String>,
}

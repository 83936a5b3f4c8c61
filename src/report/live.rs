//! How live facts were obtained and what each probe gave, for every output: the JSON
//! report's `live` section, SARIF's `run.properties.live` and tool notifications, the human
//! summary. Built from the snapshot once (renderers never read the snapshot); images and
//! containers are counted, not listed.

use serde::Serialize;

use super::human::count;

use crate::model::live::{
    CgroupVersion, CriApi, CriEndpoint, DockerEndpoint, KubeletLive, LiveFacts, Probe,
    ProbeFailure, ProbeMode, SocketNamer, SocketPath, SocketState,
};

/// The live part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct LiveSummary {
    /// `live` (probed on this machine), `recorded` (`--live-facts`), `offline`.
    pub(crate) mode: &'static str,
    /// The recorded file (`recorded`) or why no probe ran (`offline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    pub(crate) sockets: Vec<SocketLine>,
    pub(crate) endpoints: Vec<EndpointLine>,
    pub(crate) host: HostLine,
    /// The running kubelet's configuration, when the Kubernetes API was asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kubelet: Option<KubeletLine>,
}

/// The running kubelet's configuration (configz, through the API server).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct KubeletLine {
    /// The node whose kubelet was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) node: Option<String>,
    /// `https://10.0.0.1:6443/api/v1/nodes/NAME/proxy/configz`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    pub(crate) configz: ProbeLine,
    /// The API client's class of the failure (`forbidden`, `timeout`, `unreachable`, `tls`,
    /// `unauthorized`, `not-found`, `no-node`, ...), when the request failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) api_failure: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SocketLine {
    pub(crate) path: SocketPath,
    pub(crate) named_by: Vec<SocketNamer>,
    /// `missing`, `not-a-socket`, `socket`, `unknown`.
    pub(crate) state: &'static str,
    /// Octal permission bits (`0660`), for a socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) gid: Option<u32>,
    /// What else is there, or why it could not be examined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<String>,
}

/// One API endpoint probed and what answered.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct EndpointLine {
    /// `cri` or `docker`.
    pub(crate) api: &'static str,
    /// The endpoint as named (`unix:///run/containerd/containerd.sock`).
    pub(crate) endpoint: String,
    pub(crate) socket: SocketPath,
    /// What answered, in words (`containerd 1.7.13, CRI v1`), or `nothing`.
    pub(crate) answered: String,
    pub(crate) probes: Vec<ProbeLine>,
}

/// One probe's outcome.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ProbeLine {
    /// `api`, `version`, `status`, `images` (CRI); `version`, `info`, `images`, `containers`
    /// (Docker); `cgroup` (host).
    pub(crate) name: &'static str,
    /// `ok`, `failed`, `skipped`.
    pub(crate) result: &'static str,
    /// The value in words, when `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<String>,
    /// `timeout`, `refused`, `permission-denied`, `protocol`, `unimplemented`, `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) failure: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct HostLine {
    pub(crate) cgroup: ProbeLine,
}

/// A probe that did not give an answer, for the human summary and SARIF notifications.
#[derive(Clone, Debug)]
pub(crate) struct FailedProbe {
    /// `CRI version on /run/containerd/containerd.sock`.
    pub(crate) what: String,
    pub(crate) failure: &'static str,
    pub(crate) reason: String,
}

impl LiveSummary {
    pub fn new(facts: &LiveFacts) -> LiveSummary {
        let (mode, source, reason) = match &facts.mode {
            ProbeMode::Live => ("live", None, None),
            ProbeMode::Recorded { path } => ("recorded", Some(path.clone()), None),
            ProbeMode::Offline { reason } => ("offline", None, Some(reason.clone())),
        };
        let mut endpoints: Vec<EndpointLine> = facts.cri.iter().map(cri).collect();
        endpoints.extend(facts.docker.iter().map(docker));
        LiveSummary {
            mode,
            source,
            reason,
            sockets: facts
                .sockets
                .iter()
                .map(|s| {
                    let (state, mode, uid, gid, detail) = match &s.state {
                        SocketState::Missing => ("missing", None, None, None, None),
                        SocketState::NotASocket { kind } => {
                            ("not-a-socket", None, None, None, Some(kind.clone()))
                        }
                        SocketState::Socket { mode, uid, gid } => (
                            "socket",
                            Some(format!("{mode:04o}")),
                            Some(*uid),
                            Some(*gid),
                            None,
                        ),
                        SocketState::Unknown { reason } => {
                            ("unknown", None, None, None, Some(reason.clone()))
                        }
                    };
                    SocketLine {
                        path: s.path.clone(),
                        named_by: s.named_by.clone(),
                        state,
                        mode,
                        uid,
                        gid,
                        detail,
                    }
                })
                .collect(),
            endpoints,
            host: HostLine {
                cgroup: line("cgroup", &facts.host.cgroup, |c| {
                    match c {
                        CgroupVersion::V1 => "v1",
                        CgroupVersion::Hybrid => "hybrid (v1 with v2 at /sys/fs/cgroup/unified)",
                        CgroupVersion::V2 => "v2",
                    }
                    .to_owned()
                }),
            },
            kubelet: (!facts.kubelet.is_not_read()).then(|| kubelet(&facts.kubelet)),
        }
    }

    /// Probes that got no answer (not those skipped because an earlier step failed, and not
    /// "unimplemented", which is an answer). An endpoint whose probes all failed the same way
    /// is one entry.
    pub(crate) fn failed(&self) -> Vec<FailedProbe> {
        let mut out = Vec::new();
        for e in &self.endpoints {
            let api = if e.api == "cri" { "CRI" } else { "Docker" };
            let failed: Vec<&ProbeLine> = e
                .probes
                .iter()
                .filter(|p| p.failure.is_some_and(|f| f != "unimplemented"))
                .collect();
            let same = failed.len() == e.probes.len()
                && failed
                    .windows(2)
                    .all(|w| (w[0].failure, &w[0].reason) == (w[1].failure, &w[1].reason));
            if same && let Some(first) = failed.first() {
                out.push(FailedProbe {
                    what: format!("{api} on {}", e.socket),
                    failure: first.failure.unwrap_or("other"),
                    reason: first.reason.clone().unwrap_or_default(),
                });
                continue;
            }
            for p in failed {
                out.push(FailedProbe {
                    what: format!("{api} {} on {}", p.name, e.socket),
                    failure: p.failure.unwrap_or("other"),
                    reason: p.reason.clone().unwrap_or_default(),
                });
            }
        }
        if let Some(k) = &self.kubelet
            && let (Some(failure), Some(reason)) = (k.configz.failure, &k.configz.reason)
        {
            out.push(FailedProbe {
                what: k.node.as_ref().map_or_else(
                    || "kubelet configz".to_owned(),
                    |n| format!("kubelet configz of Node {n}"),
                ),
                failure,
                reason: reason.clone(),
            });
        }
        if let (Some(failure), Some(reason)) = (self.host.cgroup.failure, &self.host.cgroup.reason)
        {
            out.push(FailedProbe {
                what: "host cgroup version".into(),
                failure,
                reason: reason.clone(),
            });
        }
        out
    }

    /// One line: how the facts were obtained and what answered.
    pub(crate) fn headline(&self) -> String {
        let how = match (self.mode, &self.source, &self.reason) {
            ("recorded", Some(path), _) => format!("recorded from {path}"),
            ("offline", _, Some(reason)) => format!("offline: {reason}"),
            _ => "probed".to_owned(),
        };
        let kubelet = self.kubelet.as_ref().map(KubeletLine::words);
        if self.mode == "offline" {
            return match kubelet {
                Some(k) => format!("{how}; {k}"),
                None => how,
            };
        }
        let sockets = self.sockets.iter().filter(|s| s.state == "socket").count();
        let answered: Vec<String> = self
            .endpoints
            .iter()
            .filter(|e| e.answered != "nothing")
            .map(|e| format!("{} on {}", e.answered, e.socket))
            .collect();
        let mut line = format!(
            "{how}: {sockets} of {} runtime sockets present; {}",
            self.sockets.len(),
            if answered.is_empty() {
                "nothing answered".to_owned()
            } else {
                answered.join("; ")
            }
        );
        if let Some(k) = kubelet {
            line.push_str("; ");
            line.push_str(&k);
        }
        line
    }
}

impl KubeletLine {
    /// `kubelet configz of Node n1: cgroupDriver systemd`, or how it failed.
    fn words(&self) -> String {
        let of = self
            .node
            .as_ref()
            .map_or_else(String::new, |n| format!(" of Node {n}"));
        match (&self.configz.value, self.configz.failure) {
            (Some(v), _) => format!("kubelet configz{of}: {v}"),
            (None, Some(f)) => format!("kubelet configz{of}: {f}"),
            (None, None) => format!("kubelet configz{of}: not read"),
        }
    }
}

fn kubelet(k: &KubeletLive) -> KubeletLine {
    KubeletLine {
        node: k.node.clone(),
        source: k.source.clone(),
        configz: line("configz", &k.configz, |c| {
            let mut words = Vec::new();
            if let Some(d) = &c.cgroup_driver {
                words.push(format!("cgroupDriver {d}"));
            }
            if let Some(e) = &c.container_runtime_endpoint {
                words.push(format!("containerRuntimeEndpoint {e}"));
            }
            if words.is_empty() {
                "no cgroupDriver or containerRuntimeEndpoint".to_owned()
            } else {
                words.join(", ")
            }
        }),
        api_failure: k.api_failure.clone(),
    }
}

fn failure_id(f: ProbeFailure) -> &'static str {
    match f {
        ProbeFailure::Timeout => "timeout",
        ProbeFailure::Refused => "refused",
        ProbeFailure::PermissionDenied => "permission-denied",
        ProbeFailure::Protocol => "protocol",
        ProbeFailure::Unimplemented => "unimplemented",
        ProbeFailure::Other => "other",
    }
}

fn line<T>(name: &'static str, p: &Probe<T>, words: impl FnOnce(&T) -> String) -> ProbeLine {
    match p {
        Probe::Ok { value } => ProbeLine {
            name,
            result: "ok",
            value: Some(words(value)),
            failure: None,
            reason: None,
        },
        Probe::Failed { failure, reason } => ProbeLine {
            name,
            result: "failed",
            value: None,
            failure: Some(failure_id(*failure)),
            reason: Some(reason.clone()),
        },
        Probe::Skipped { reason } => ProbeLine {
            name,
            result: "skipped",
            value: None,
            failure: None,
            reason: Some(reason.clone()),
        },
    }
}

fn cri(e: &CriEndpoint) -> EndpointLine {
    let api = |a: &CriApi| {
        match a {
            CriApi::V1 => "CRI v1",
            CriApi::V1Alpha2Only => "CRI v1alpha2 only",
            CriApi::None => "no CRI",
        }
        .to_owned()
    };
    let answered = match (e.version.ok(), e.api.ok()) {
        (Some(v), Some(a)) => format!("{} {}, {}", v.runtime_name, v.runtime_version, api(a)),
        (Some(v), None) => format!("{} {}", v.runtime_name, v.runtime_version),
        (None, Some(a)) => api(a),
        (None, None) => "nothing".to_owned(),
    };
    EndpointLine {
        api: "cri",
        endpoint: e.endpoint.clone(),
        socket: e.socket.clone(),
        answered,
        probes: vec![
            line("api", &e.api, api),
            line("version", &e.version, |v| {
                format!(
                    "{} {} (API {})",
                    v.runtime_name, v.runtime_version, v.runtime_api_version
                )
            }),
            line("status", &e.status, |s| {
                let conditions: Vec<String> = s
                    .conditions
                    .iter()
                    .map(|c| format!("{}={}", c.kind, c.status))
                    .collect();
                format!(
                    "{}; running config {}",
                    if conditions.is_empty() {
                        "no conditions".to_owned()
                    } else {
                        conditions.join(", ")
                    },
                    if s.config.is_some() {
                        "reported"
                    } else {
                        "not reported"
                    }
                )
            }),
            line("images", &e.images, |i| count(i.len(), "image", "images")),
        ],
    }
}

fn docker(d: &DockerEndpoint) -> EndpointLine {
    let answered = match d.version.ok() {
        Some(v) => format!("Docker {}", v.version),
        None => "nothing".to_owned(),
    };
    EndpointLine {
        api: "docker",
        endpoint: d.socket.unix_uri(),
        socket: d.socket.clone(),
        answered,
        probes: vec![
            line("version", &d.version, |v| {
                format!("{} (API {})", v.version, v.api_version)
            }),
            line("info", &d.info, |i| {
                format!(
                    "cgroup driver {}{}",
                    if i.cgroup_driver.is_empty() {
                        "unknown"
                    } else {
                        i.cgroup_driver.as_str()
                    },
                    if i.cgroup_version.is_empty() {
                        String::new()
                    } else {
                        format!(", cgroup v{}", i.cgroup_version)
                    }
                )
            }),
            line("images", &d.images, |i| count(i.len(), "image", "images")),
            line("containers", &d.containers, |c| {
                let running = c.iter().filter(|c| c.state == "running").count();
                format!(
                    "{}, {running} running",
                    count(c.len(), "container", "containers")
                )
            }),
        ],
    }
}

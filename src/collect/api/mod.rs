//! The Kubernetes API in the node audit: the audited node's Node object and its kubelet's
//! running configuration (`GET /api/v1/nodes/NAME/proxy/configz`), asked on a thread of their
//! own while the files are read and the sockets probed, within the same deadline.
//!
//! Which node: `--node NAME`, else `NODE_NAME` (the downward API), else the Node a
//! `--node-file` holds, else the node whose `kubernetes.io/hostname` label is the host name
//! (the audited root's `/etc/hostname`, or on the host itself the kernel's).

mod ask;
mod which_node;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::api::{ApiFailure, ApiSettings, KubeletConfigz};
use crate::model::live::{KubeletLive, Probe, ProbeFailure, RecordedNode, RunningKubeletConfig};

pub(crate) use which_node::{NodeName, node_name};

/// Whether the node audit uses the API (see [`ApiMode`]); by default it does not.
#[derive(Clone, Debug, Default)]
pub struct ApiOptions(pub(crate) ApiMode);

/// Whether the node audit uses the API, and how.
#[derive(Clone, Debug)]
pub(crate) enum ApiMode {
    /// Not used, and why (`--offline`, `--live-facts`, `--root DIR` without `--kubeconfig`).
    Off { reason: String },
    /// Used when a kubeconfig or the pod's service account is found; the probe timeout bounds
    /// it, from the audit's start.
    On {
        settings: ApiSettings,
        timeout: Duration,
        /// `--root /`: the kernel's host name is the node's.
        on_host: bool,
    },
}

impl Default for ApiMode {
    fn default() -> Self {
        ApiMode::Off {
            reason: "not requested".into(),
        }
    }
}

/// A request that got no usable answer: the failure's class, as probes name failures, and
/// its sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failed {
    /// `forbidden`, `timeout`, ... (by [`ApiFailure`] variant), or `ambiguous` / `no-node` for a
    /// host name lookup that found several Nodes or none.
    pub(crate) class: &'static str,
    pub(crate) probe: ProbeFailure,
    pub(crate) sentence: String,
}

impl From<&ApiFailure> for Failed {
    fn from(f: &ApiFailure) -> Failed {
        let probe = match f {
            ApiFailure::Timeout { .. } => ProbeFailure::Timeout,
            ApiFailure::Unreachable { .. } => ProbeFailure::Refused,
            ApiFailure::Unauthorized { .. } | ApiFailure::Forbidden { .. } => {
                ProbeFailure::PermissionDenied
            }
            ApiFailure::Tls { .. } | ApiFailure::NotKubernetes { .. } => ProbeFailure::Protocol,
            ApiFailure::NoConfig(_)
            | ApiFailure::Config(_)
            | ApiFailure::NotFound { .. }
            | ApiFailure::Throttled { .. }
            | ApiFailure::Status { .. } => ProbeFailure::Other,
        };
        Failed {
            class: f.class(),
            probe,
            sentence: f.to_string(),
        }
    }
}

/// The Node object as the API sent it.
#[derive(Clone, Debug)]
pub(crate) struct NodeBody {
    /// `https://10.0.0.1:6443/api/v1/nodes/NAME`: where it is, for the report.
    pub(crate) location: String,
    pub(crate) body: Value,
    /// How it was chosen (`--node n1`, `the Node labelled kubernetes.io/hostname=n1`).
    pub(crate) selected_by: String,
}

/// What the API gave.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// Not used, and why; `said` when the report's inputs should say so (the API was looked
    /// for and not found, as opposed to turned off).
    NotUsed { reason: String, said: bool },
    /// The API was reached (or tried).
    Used(Box<ApiRead>),
}

#[derive(Clone, Debug)]
pub(crate) struct ApiRead {
    /// `https://10.0.0.1:6443`, when the kubeconfig could be used.
    pub(crate) server: Option<String>,
    /// Where the credentials came from (`kubeconfig /root/.kube/config (context prod)`).
    pub(crate) credentials: Option<String>,
    /// The Node object; None when it was not asked (a `--node-file` gives it).
    pub(crate) node: Option<Result<NodeBody, (String, Failed)>>,
    /// The node whose kubelet was asked (None: no node could be named).
    pub(crate) configz_node: Option<String>,
    /// `https://.../api/v1/nodes/NAME/proxy/configz`.
    pub(crate) configz_source: Option<String>,
    pub(crate) configz: Result<KubeletConfigz, Failed>,
}

impl Outcome {
    /// The running kubelet's configuration, as a live fact.
    pub(crate) fn kubelet_live(&self) -> KubeletLive {
        let read = match self {
            Outcome::NotUsed { reason, .. } => {
                return KubeletLive::not_read(format!("the Kubernetes API is not used: {reason}"));
            }
            Outcome::Used(read) => read,
        };
        let (configz, api_failure) = match &read.configz {
            Ok(c) => (
                Probe::Ok {
                    value: RunningKubeletConfig {
                        cgroup_driver: c.cgroup_driver.clone(),
                        container_runtime_endpoint: c.container_runtime_endpoint.clone(),
                        image_service_endpoint: c.image_service_endpoint.clone(),
                    },
                },
                None,
            ),
            Err(f) => (
                Probe::failed(f.probe, f.sentence.clone()),
                Some(f.class.to_owned()),
            ),
        };
        KubeletLive {
            node: read.configz_node.clone(),
            source: read.configz_source.clone(),
            configz,
            api_failure,
        }
    }
}

impl Outcome {
    /// The Node object as a live fact, for `--save-live-facts`; None when it was not asked.
    pub(crate) fn recorded_node(&self) -> Option<RecordedNode> {
        let Outcome::Used(read) = self else {
            return None;
        };
        Some(match read.node.as_ref()? {
            Ok(n) => {
                let mut body = n.body.clone();
                // What wrote each field, kept by the API server: large, and never read.
                if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("managedFields");
                }
                RecordedNode::Read {
                    location: n.location.clone(),
                    selected_by: n.selected_by.clone(),
                    body,
                }
            }
            Err((at, failed)) => RecordedNode::Failed {
                location: at.clone(),
                reason: failed.sentence.clone(),
            },
        })
    }
}

/// The API's work, under way.
pub(crate) struct Running {
    receiver: mpsc::Receiver<Outcome>,
    deadline: Instant,
    budget: Duration,
}

/// Starts asking the API on a thread of its own; `want_node` is false when a `--node-file`
/// gives the Node object. Returns the outcome at once when the API is not used.
pub(crate) fn start(
    opts: &ApiOptions,
    name: NodeName,
    want_node: bool,
    started: Instant,
) -> Result<Running, Outcome> {
    let (settings, timeout) = match &opts.0 {
        ApiMode::Off { reason } => {
            return Err(Outcome::NotUsed {
                reason: reason.clone(),
                said: false,
            });
        }
        ApiMode::On {
            settings, timeout, ..
        } => (settings, *timeout),
    };
    let budget = super::live::probe_budget(timeout);
    let deadline = started + budget;
    let mut settings = settings.clone();
    settings.timeout = deadline.saturating_duration_since(Instant::now());
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("api".into())
        .spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = tx.send(rt.block_on(ask::ask(settings, name, want_node, deadline)));
            }
        });
    // A thread that cannot start leaves a closed channel: the API counts as not answering.
    drop(spawned);
    Ok(Running {
        receiver: rx,
        deadline,
        budget,
    })
}

impl Running {
    /// Waits for the API until the deadline (plus the small margin the probes get too).
    pub(crate) fn finish(self) -> Outcome {
        let wait = self.deadline.saturating_duration_since(Instant::now())
            + super::live::REPORT_RESERVE / 2;
        match self.receiver.recv_timeout(wait) {
            Ok(outcome) => outcome,
            Err(_) => {
                let failure = ApiFailure::Timeout {
                    what: "the Kubernetes API".into(),
                    after: self.budget,
                };
                Outcome::Used(Box::new(ApiRead {
                    server: None,
                    credentials: None,
                    node: Some(Err(("the Kubernetes API".into(), Failed::from(&failure)))),
                    configz_node: None,
                    configz_source: None,
                    configz: Err(Failed::from(&failure)),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_is_a_permission_failure_naming_verb_and_resource() {
        let f = Failed::from(&ApiFailure::Forbidden {
            verb: "get".into(),
            resource: "nodes/proxy".into(),
            message: "forbidden".into(),
        });
        assert_eq!(f.class, "forbidden");
        assert_eq!(f.probe, ProbeFailure::PermissionDenied);
        assert!(
            f.sentence.contains("may not get nodes/proxy"),
            "{}",
            f.sentence
        );
    }
}

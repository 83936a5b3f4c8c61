//! The Kubernetes API in the node audit: the audited node's Node object and its kubelet's
//! running configuration (`GET /api/v1/nodes/NAME/proxy/configz`), asked on a thread of their
//! own while the files are read and the sockets probed, within the same deadline.
//!
//! Which node: `--node NAME`, else `NODE_NAME` (the downward API), else the Node a
//! `--node-file` holds, else the node whose `kubernetes.io/hostname` label is the host name
//! (the audited root's `/etc/hostname`, or on the host itself the kernel's).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::api::{Api, ApiFailure, ApiSettings, Ask, KubeletConfigz, fetch_configz, query_escape};
use crate::model::live::{KubeletLive, Probe, ProbeFailure, RunningKubeletConfig};

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

/// How the audited node is named for the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NodeName {
    /// By name, and what named it (`--node`, `NODE_NAME`, `--node-file`).
    Given { name: String, by: String },
    /// The host name, to look up by the `kubernetes.io/hostname` label; and where it was read.
    Hostname { host: String, from: &'static str },
    /// No name: why.
    Unknown { why: String },
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
            class: class_of(f),
            probe,
            sentence: f.to_string(),
        }
    }
}

/// One word for the failure, as reports give it (`live.kubelet.api_failure`).
fn class_of(f: &ApiFailure) -> &'static str {
    match f {
        ApiFailure::NoConfig(_) | ApiFailure::Config(_) => "config",
        ApiFailure::Unreachable { .. } => "unreachable",
        ApiFailure::Tls { .. } => "tls",
        ApiFailure::Unauthorized { .. } => "unauthorized",
        ApiFailure::Forbidden { .. } => "forbidden",
        ApiFailure::NotFound { .. } => "not-found",
        ApiFailure::Timeout { .. } => "timeout",
        ApiFailure::Throttled { .. } => "throttled",
        ApiFailure::Status { .. } => "status",
        ApiFailure::NotKubernetes { .. } => "not-kubernetes",
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
                let _ = tx.send(rt.block_on(ask(settings, name, want_node, deadline)));
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

/// Connects, finds the node and asks for its Node object and its kubelet's configz.
async fn ask(settings: ApiSettings, name: NodeName, want_node: bool, deadline: Instant) -> Outcome {
    let deadline = tokio::time::Instant::from_std(deadline);
    let budget = settings.timeout;
    let timed_out = |what: &str| {
        Failed::from(&ApiFailure::Timeout {
            what: what.to_owned(),
            after: budget,
        })
    };
    let api = match tokio::time::timeout_at(deadline, Api::connect(&settings)).await {
        Ok(Ok(api)) => api,
        Ok(Err(ApiFailure::NoConfig(why))) => {
            return Outcome::NotUsed {
                reason: why,
                said: true,
            };
        }
        Ok(Err(e)) => return failed_connection(&Failed::from(&e)),
        Err(_) => return failed_connection(&timed_out("the connection to the Kubernetes API")),
    };
    let node_path = |n: &str| format!("{}/api/v1/nodes/{n}", api.server);
    let configz_at = |n: &str| Some(format!("{}/proxy/configz", node_path(n)));
    let (node, configz_node, configz_source, configz) = match name {
        NodeName::Given { name, by } => {
            let node = async {
                if !want_node {
                    return None;
                }
                let asked = tokio::time::timeout_at(deadline, get_node(&api, &name)).await;
                Some(match asked {
                    Ok(Ok(body)) => Ok(NodeBody {
                        location: node_path(&name),
                        body,
                        selected_by: format!("{by} {name}"),
                    }),
                    Ok(Err(f)) => Err((node_path(&name), f)),
                    Err(_) => Err((node_path(&name), timed_out(&format!("Node {name}")))),
                })
            };
            let (node, configz) = tokio::join!(node, configz(&api, &name, deadline, budget));
            (node, Some(name.clone()), configz_at(&name), configz)
        }
        NodeName::Hostname { host, from } => {
            let looked_up = tokio::time::timeout_at(deadline, by_hostname(&api, &host)).await;
            let list_at = format!(
                "{}/api/v1/nodes?labelSelector=kubernetes.io/hostname={host}",
                api.server
            );
            let found = looked_up.unwrap_or_else(|_| {
                Err(timed_out(&format!(
                    "the Node labelled kubernetes.io/hostname={host}"
                )))
            });
            match found {
                Ok((name, body)) => {
                    let node = want_node.then(|| {
                        Ok(NodeBody {
                            location: node_path(&name),
                            body,
                            selected_by: format!(
                                "the Node labelled kubernetes.io/hostname={host} ({from})"
                            ),
                        })
                    });
                    let configz = configz(&api, &name, deadline, budget).await;
                    (node, Some(name.clone()), configz_at(&name), configz)
                }
                Err(f) => (
                    want_node.then(|| Err((list_at, f.clone()))),
                    None,
                    None,
                    Err(f),
                ),
            }
        }
        NodeName::Unknown { why } => {
            let f = Failed {
                class: "no-node",
                probe: ProbeFailure::Other,
                sentence: format!("no node to ask for: {why}; pass --node NAME"),
            };
            let at = format!("{}/api/v1/nodes", api.server);
            (want_node.then(|| Err((at, f.clone()))), None, None, Err(f))
        }
    };
    Outcome::Used(Box::new(ApiRead {
        server: Some(api.server.clone()),
        credentials: Some(api.source.clone()),
        node,
        configz_node,
        configz_source,
        configz,
    }))
}

/// The connection failed: every request fails the same way.
fn failed_connection(f: &Failed) -> Outcome {
    Outcome::Used(Box::new(ApiRead {
        server: None,
        credentials: None,
        node: Some(Err(("the Kubernetes API".into(), f.clone()))),
        configz_node: None,
        configz_source: None,
        configz: Err(f.clone()),
    }))
}

async fn configz(
    api: &Api,
    name: &str,
    deadline: tokio::time::Instant,
    budget: Duration,
) -> Result<KubeletConfigz, Failed> {
    match tokio::time::timeout_at(deadline, fetch_configz(api, name)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(Failed::from(&e)),
        Err(_) => Err(Failed::from(&ApiFailure::Timeout {
            what: format!("Node {name}'s kubelet configz"),
            after: budget,
        })),
    }
}

async fn get_node(api: &Api, name: &str) -> Result<Value, Failed> {
    let what = format!("Node {name}");
    let body = api
        .get(
            &format!("/api/v1/nodes/{name}"),
            Ask {
                what: &what,
                verb: "get",
                resource: "nodes",
            },
        )
        .await
        .map_err(|e| Failed::from(&e))?;
    serde_json::from_slice(&body).map_err(|e| {
        Failed::from(&ApiFailure::NotKubernetes {
            what,
            detail: format!("not JSON: {e}"),
        })
    })
}

/// The one Node labelled `kubernetes.io/hostname=<host>`: its name and the object.
async fn by_hostname(api: &Api, host: &str) -> Result<(String, Value), Failed> {
    let what = format!("Nodes labelled kubernetes.io/hostname={host}");
    let path = format!(
        "/api/v1/nodes?labelSelector={}",
        query_escape(&format!("kubernetes.io/hostname={host}"))
    );
    let body = api
        .get(
            &path,
            Ask {
                what: &what,
                verb: "list",
                resource: "nodes",
            },
        )
        .await
        .map_err(|e| Failed::from(&e))?;
    let list: Value = serde_json::from_slice(&body).map_err(|e| {
        Failed::from(&ApiFailure::NotKubernetes {
            what: what.clone(),
            detail: format!("not JSON: {e}"),
        })
    })?;
    pick_by_hostname(list, host)
}

/// The only item of a NodeList, with its name; else why not.
fn pick_by_hostname(list: Value, host: &str) -> Result<(String, Value), Failed> {
    let Value::Object(mut list) = list else {
        return Err(not_a_list(host));
    };
    let Some(Value::Array(mut items)) = list.remove("items") else {
        return Err(not_a_list(host));
    };
    let name_of = |n: &Value| {
        n.pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match items.len() {
        1 => {
            let mut node = items.remove(0);
            let name = name_of(&node).ok_or_else(|| not_a_list(host))?;
            // A List's items carry no kind: the object as `kubectl get node` shows it does.
            if let Value::Object(map) = &mut node {
                map.entry("kind").or_insert_with(|| "Node".into());
                map.entry("apiVersion").or_insert_with(|| "v1".into());
            }
            Ok((name, node))
        }
        0 => Err(Failed {
            class: "no-node",
            probe: ProbeFailure::Other,
            sentence: format!(
                "no Node has the label kubernetes.io/hostname={host} (the host name); pass --node NAME (or set NODE_NAME)"
            ),
        }),
        n => {
            let names: Vec<String> = items.iter().filter_map(name_of).collect();
            Err(Failed {
                class: "ambiguous",
                probe: ProbeFailure::Other,
                sentence: format!(
                    "{n} Nodes have the label kubernetes.io/hostname={host} ({}); pass --node NAME",
                    names.join(", ")
                ),
            })
        }
    }
}

fn not_a_list(host: &str) -> Failed {
    Failed::from(&ApiFailure::NotKubernetes {
        what: format!("Nodes labelled kubernetes.io/hostname={host}"),
        detail: "not a NodeList with named items".into(),
    })
}

/// The node's name for the API: `--node`, `NODE_NAME`, the `--node-file`'s Node, else the host
/// name (the audited root's `/etc/hostname`, or on the host the kernel's).
pub(crate) fn node_name(
    flag: Option<&str>,
    env: Option<&str>,
    file_node: Option<&str>,
    hostname_file: Option<&str>,
    kernel_hostname: Option<&str>,
) -> NodeName {
    let given = |name: &str, by: &str| NodeName::Given {
        name: name.to_owned(),
        by: by.to_owned(),
    };
    let usable = |s: &&str| {
        let s = s.trim();
        !s.is_empty() && s.len() <= 253 && !s.contains(char::is_whitespace)
    };
    if let Some(n) = flag.filter(usable) {
        return given(n.trim(), "--node");
    }
    if let Some(n) = env.filter(usable) {
        return given(n.trim(), "NODE_NAME");
    }
    if let Some(n) = file_node.filter(usable) {
        return given(n.trim(), "--node-file");
    }
    if let Some(h) = hostname_file.filter(usable) {
        return NodeName::Hostname {
            host: h.trim().to_owned(),
            from: "/etc/hostname",
        };
    }
    if let Some(h) = kernel_hostname.filter(usable) {
        return NodeName::Hostname {
            host: h.trim().to_owned(),
            from: "the kernel's host name",
        };
    }
    NodeName::Unknown {
        why: "no --node, no NODE_NAME, no --node-file and no host name".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_environment_then_the_file_then_the_host_name() {
        assert_eq!(
            node_name(Some("a"), Some("b"), Some("c"), Some("d"), Some("e")),
            NodeName::Given {
                name: "a".into(),
                by: "--node".into()
            }
        );
        assert_eq!(
            node_name(None, Some("b"), Some("c"), None, None),
            NodeName::Given {
                name: "b".into(),
                by: "NODE_NAME".into()
            }
        );
        assert_eq!(
            node_name(None, Some(" "), Some("c"), None, None),
            NodeName::Given {
                name: "c".into(),
                by: "--node-file".into()
            }
        );
        assert_eq!(
            node_name(None, None, None, Some("worker-1\n"), Some("other")),
            NodeName::Hostname {
                host: "worker-1".into(),
                from: "/etc/hostname"
            }
        );
        assert!(matches!(
            node_name(None, None, None, None, None),
            NodeName::Unknown { .. }
        ));
    }

    #[test]
    fn a_hostname_lookup_needs_exactly_one_node() {
        let list = |names: &[&str]| {
            let items: Vec<Value> = names
                .iter()
                .map(|n| serde_json::json!({"metadata": {"name": n}}))
                .collect();
            serde_json::json!({"kind": "NodeList", "items": items})
        };
        let (name, node) = pick_by_hostname(list(&["n1"]), "n1").expect("one node");
        assert_eq!(name, "n1");
        assert_eq!(node["kind"], "Node");
        let none = pick_by_hostname(list(&[]), "h").expect_err("none");
        assert_eq!(none.class, "no-node");
        assert!(
            none.sentence.contains("kubernetes.io/hostname=h"),
            "{}",
            none.sentence
        );
        let many = pick_by_hostname(list(&["a", "b"]), "h").expect_err("two");
        assert_eq!(many.class, "ambiguous");
        assert!(many.sentence.contains("a, b"), "{}", many.sentence);
    }

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

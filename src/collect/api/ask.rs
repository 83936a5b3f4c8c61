//! The requests: connect, find the node (by name, or by its `kubernetes.io/hostname` label),
//! and ask for its Node object and its kubelet's configz, each within the deadline.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{ApiRead, Failed, NodeBody, NodeName, Outcome};
use crate::api::{Api, ApiFailure, ApiSettings, Ask, KubeletConfigz, fetch_configz, query_escape};
use crate::model::live::ProbeFailure;

/// Connects, finds the node and asks for its Node object and its kubelet's configz.
pub(super) async fn ask(
    settings: ApiSettings,
    name: NodeName,
    want_node: bool,
    deadline: Instant,
) -> Outcome {
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
        credentials: Some(api.credentials.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

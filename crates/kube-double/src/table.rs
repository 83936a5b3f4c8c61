//! `meta.k8s.io/v1` `Table` responses, as `kubectl get` asks for them (the columns of the API
//! server's printers for nodes and pods; name and age for other kinds).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::cluster::{NODES, Object, PODS};

/// What each row carries besides its cells (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Include {
    None,
    Metadata,
    Object,
}

impl Include {
    pub(crate) fn parse(value: Option<&str>) -> Result<Include, String> {
        match value {
            None | Some("" | "Metadata") => Ok(Include::Metadata),
            Some("None") => Ok(Include::None),
            Some("Object") => Ok(Include::Object),
            Some(other) => Err(format!("includeObject: unsupported value: \"{other}\"")),
        }
    }
}

const NAME: (&str, &str, u8) = (
    "Name",
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    0,
);
const AGE: (&str, &str, u8) = (
    "Age",
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    0,
);

fn columns(resource: usize) -> Vec<(&'static str, &'static str, u8)> {
    match resource {
        NODES => vec![
            NAME,
            ("Status", "The status of the node", 0),
            ("Roles", "The roles of the node", 0),
            AGE,
            ("Version", "Kubelet Version reported by the node.", 0),
            (
                "Internal-IP",
                "List of internal IPs assigned to the node.",
                1,
            ),
            (
                "External-IP",
                "List of external IPs assigned to the node.",
                1,
            ),
            (
                "OS-Image",
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
                1,
            ),
            (
                "Kernel-Version",
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
                1,
            ),
            (
                "Container-Runtime",
                "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
                1,
            ),
        ],
        PODS => vec![
            NAME,
            (
                "Ready",
                "The aggregate readiness state of this pod for accepting traffic.",
                0,
            ),
            (
                "Status",
                "The aggregate status of the containers in this pod.",
                0,
            ),
            (
                "Restarts",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
                0,
            ),
            AGE,
            (
                "IP",
                "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
                1,
            ),
            (
                "Node",
                "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
                1,
            ),
            (
                "Nominated Node",
                "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
                1,
            ),
            (
                "Readiness Gates",
                "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
                1,
            ),
        ],
        _ => vec![NAME, AGE],
    }
}

fn column_definitions(resource: usize) -> String {
    let columns: Vec<serde_json::Value> = columns(resource)
        .into_iter()
        .map(|(name, description, priority)| {
            let format = if name == "Name" { "name" } else { "" };
            serde_json::json!({
                "name": name,
                "type": "string",
                "format": format,
                "description": description,
                "priority": priority,
            })
        })
        .collect();
    serde_json::to_string(&columns).unwrap_or_default()
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Meta {
    creation_timestamp: Option<String>,
    deletion_timestamp: Option<String>,
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
}

/// Writes a Table of `objects`; `list_meta` is the `ListMeta` JSON of the page.
pub(crate) fn write(
    out: &mut Vec<u8>,
    resource: usize,
    objects: &[&Object],
    include: Include,
    list_meta: &str,
) -> Result<(), String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        });
    out.extend_from_slice(br#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":"#);
    out.extend_from_slice(list_meta.as_bytes());
    out.extend_from_slice(br#","columnDefinitions":"#);
    out.extend_from_slice(column_definitions(resource).as_bytes());
    out.extend_from_slice(br#","rows":["#);
    for (index, object) in objects.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let cells = cells(resource, object, now)?;
        out.extend_from_slice(br#"{"cells":"#);
        out.extend_from_slice(serde_json::to_string(&cells).unwrap_or_default().as_bytes());
        match include {
            Include::None => {}
            Include::Object => {
                out.extend_from_slice(br#","object":"#);
                out.extend_from_slice(object.raw.get().as_bytes());
            }
            Include::Metadata => {
                let head: Head =
                    serde_json::from_str(object.raw.get()).map_err(|e| e.to_string())?;
                out.extend_from_slice(
                    br#","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":"#,
                );
                out.extend_from_slice(head.metadata.map_or("{}", RawValue::get).as_bytes());
                out.push(b'}');
            }
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

fn cells(resource: usize, object: &Object, now: i64) -> Result<Vec<String>, String> {
    let text = object.raw.get();
    let error = |error: serde_json::Error| error.to_string();
    Ok(match resource {
        NODES => node_cells(
            &serde_json::from_str(text).map_err(error)?,
            object.name(),
            now,
        ),
        PODS => pod_cells(
            &serde_json::from_str(text).map_err(error)?,
            object.name(),
            now,
        ),
        _ => {
            #[derive(Deserialize)]
            struct Any {
                #[serde(default)]
                metadata: Meta,
            }
            let any: Any = serde_json::from_str(text).map_err(error)?;
            vec![object.name().to_owned(), age(&any.metadata, now)]
        }
    })
}

fn age(meta: &Meta, now: i64) -> String {
    match meta.creation_timestamp.as_deref().and_then(unix_seconds) {
        Some(created) => human_duration(now - created),
        None => "<unknown>".to_owned(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Node {
    metadata: Meta,
    spec: NodeSpec,
    status: NodeStatus,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NodeSpec {
    unschedulable: bool,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct NodeStatus {
    conditions: Vec<Condition>,
    addresses: Vec<Address>,
    node_info: NodeInfo,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Condition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Address {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) address: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct NodeInfo {
    kubelet_version: String,
    os_image: String,
    kernel_version: String,
    container_runtime_version: String,
}

/// `printNode` of `pkg/printers/internalversion`.
fn node_cells(node: &Node, name: &str, now: i64) -> Vec<String> {
    let mut status = match node
        .status
        .conditions
        .iter()
        .rev()
        .find(|c| c.kind == "Ready")
    {
        Some(ready) if ready.status == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if node.spec.unschedulable {
        status.push("SchedulingDisabled");
    }
    let mut roles = BTreeSet::new();
    for (key, value) in &node.metadata.labels {
        if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_owned());
            }
        } else if key == "kubernetes.io/role" && !value.is_empty() {
            roles.insert(value.clone());
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };
    let address = |kind: &str| {
        node.status
            .addresses
            .iter()
            .find(|address| address.kind == kind)
            .map_or_else(|| "<none>".to_owned(), |address| address.address.clone())
    };
    let or_unknown = |text: &str| {
        if text.is_empty() {
            "<unknown>".to_owned()
        } else {
            text.to_owned()
        }
    };
    let info = &node.status.node_info;
    vec![
        name.to_owned(),
        status.join(","),
        roles,
        age(&node.metadata, now),
        info.kubelet_version.clone(),
        address("InternalIP"),
        address("ExternalIP"),
        or_unknown(&info.os_image),
        or_unknown(&info.kernel_version),
        or_unknown(&info.container_runtime_version),
    ]
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Pod {
    metadata: Meta,
    spec: PodSpec,
    status: PodStatus,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodSpec {
    containers: Vec<IgnoredAny>,
    node_name: String,
    readiness_gates: Vec<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodStatus {
    phase: String,
    reason: String,
    #[serde(rename = "podIP")]
    pod_ip: String,
    nominated_node_name: String,
    container_statuses: Vec<ContainerStatus>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ContainerStatus {
    ready: bool,
    restart_count: i64,
    state: ContainerState,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContainerState {
    waiting: Option<Waiting>,
    running: Option<IgnoredAny>,
    terminated: Option<Terminated>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Waiting {
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Terminated {
    reason: String,
    signal: i64,
    exit_code: i64,
}

/// `printPod` of `pkg/printers/internalversion`, without init containers and restart ages.
fn pod_cells(pod: &Pod, name: &str, now: i64) -> Vec<String> {
    let mut reason = if pod.status.reason.is_empty() {
        pod.status.phase.clone()
    } else {
        pod.status.reason.clone()
    };
    let (mut restarts, mut ready, mut has_running) = (0, 0, false);
    for container in pod.status.container_statuses.iter().rev() {
        restarts += container.restart_count;
        let state = &container.state;
        match (&state.waiting, &state.terminated) {
            (Some(waiting), _) if !waiting.reason.is_empty() => reason.clone_from(&waiting.reason),
            (_, Some(terminated)) if !terminated.reason.is_empty() => {
                reason.clone_from(&terminated.reason);
            }
            (_, Some(terminated)) if terminated.signal != 0 => {
                reason = format!("Signal:{}", terminated.signal);
            }
            (_, Some(terminated)) => reason = format!("ExitCode:{}", terminated.exit_code),
            _ if container.ready && state.running.is_some() => {
                has_running = true;
                ready += 1;
            }
            _ => {}
        }
    }
    if reason == "Completed" && has_running {
        reason = "Running".to_owned();
    }
    if pod.metadata.deletion_timestamp.is_some() {
        reason = if pod.status.reason == "NodeLost" {
            "Unknown".to_owned()
        } else {
            "Terminating".to_owned()
        };
    }
    let or_none = |text: &str| {
        if text.is_empty() {
            "<none>".to_owned()
        } else {
            text.to_owned()
        }
    };
    let gates = if pod.spec.readiness_gates.is_empty() {
        "<none>".to_owned()
    } else {
        format!("0/{}", pod.spec.readiness_gates.len())
    };
    vec![
        name.to_owned(),
        format!("{ready}/{}", pod.spec.containers.len()),
        reason,
        restarts.to_string(),
        age(&pod.metadata, now),
        or_none(&pod.status.pod_ip),
        or_none(&pod.spec.node_name),
        or_none(&pod.status.nominated_node_name),
        gates,
    ]
}

/// Seconds since the epoch of an RFC 3339 time in UTC as the API server writes it
/// (`2022-04-01T10:20:30Z`).
pub(crate) fn unix_seconds(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[10] != b'T' {
        return None;
    }
    let number = |from: usize, to: usize| text.get(from..to)?.parse::<i64>().ok();
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// `duration.HumanDuration` of `k8s.io/apimachinery`.
pub(crate) fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3_600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_kubectl_prints_them() {
        assert_eq!(unix_seconds("1970-01-02T00:00:01Z"), Some(86_401));
        assert_eq!(unix_seconds("2022-04-01T10:20:30Z"), Some(1_648_808_430));
        assert_eq!(human_duration(90), "90s");
        assert_eq!(human_duration(5 * 60 + 7), "5m7s");
        assert_eq!(human_duration(3 * 3_600 + 120), "3h2m");
        assert_eq!(human_duration(3 * 86_400 + 3_600), "3d1h");
        assert_eq!(human_duration(400 * 86_400), "400d");
        assert_eq!(human_duration(3 * 365 * 86_400 + 86_400 * 10), "3y10d");
    }

    #[test]
    fn pod_and_node_cells_follow_the_printers() {
        let pod: Pod = serde_json::from_str(
            r#"{"metadata":{"name":"p"},"spec":{"containers":[{},{}],"nodeName":"n1"},
            "status":{"phase":"Running","podIP":"10.0.0.9","containerStatuses":[
              {"ready":true,"restartCount":2,"state":{"running":{}}},
              {"ready":false,"restartCount":1,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}"#,
        )
        .unwrap();
        let cells = pod_cells(&pod, "p", 0);
        assert_eq!(cells[..4], ["p", "1/2", "CrashLoopBackOff", "3"]);
        assert_eq!(cells[5..7], ["10.0.0.9", "n1"]);
        let node: Node = serde_json::from_str(
            r#"{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/master":""}},
            "spec":{"unschedulable":true},
            "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.28.14"}}}"#,
        )
        .unwrap();
        let cells = node_cells(&node, "n", 0);
        assert_eq!(
            cells[..3],
            ["n", "Ready,SchedulingDisabled", "control-plane,master"]
        );
        assert_eq!(cells[4], "v1.28.14");
        assert_eq!(cells[5], "<none>");
    }
}

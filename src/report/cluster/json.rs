//! `--format json` of `runtime-audit cluster`: schema `runtime-audit-cluster/1`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cluster::facts::ObjectRef;
use crate::cluster::rollout::Rollout;
use crate::engine::{Finding, Location};

use super::super::json::{FindingHead, Tool};
use super::super::{Counts, StatusCounts, fingerprint};
use super::ClusterReport;

pub(crate) const SCHEMA: &str = "runtime-audit-cluster/1";

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    tool: Tool,
    policy_file: Option<&'a str>,
    summary: Summary,
    /// The API server listed, when the objects came from the API.
    api: Option<Api<'a>>,
    inputs: Vec<Input<'a>>,
    read: Read<'a>,
    nodes: Vec<Node<'a>>,
    rollout: &'a Rollout,
    findings: Vec<JsonFinding<'a>>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Summary {
    findings: Counts,
    rules: StatusCounts,
    fail_on: &'static str,
    exit_code: u8,
}

#[derive(Serialize)]
struct Api<'a> {
    server: &'a str,
    credentials: &'a str,
}

#[derive(Serialize)]
struct Input<'a> {
    name: &'a str,
    /// The API resource listed (`nodes`, `pods`), for an input of the API.
    resource: Option<&'a str>,
    objects: usize,
    failure: Option<&'a str>,
}

/// Each node, with its running kubelet's configuration when it was read.
#[derive(Serialize)]
struct Node<'a> {
    name: &'a str,
    runtime: &'a str,
    kubelet_version: &'a str,
    cri_socket: Option<&'a str>,
    /// From configz; null when it was not read.
    cgroup_driver: Option<&'a str>,
    container_runtime_endpoint: Option<&'a str>,
    /// Why configz could not be read; null when it was, or was not asked (files).
    configz_failure: Option<String>,
}

#[derive(Serialize)]
struct Read<'a> {
    nodes: usize,
    pods: usize,
    pods_by_phase: &'a BTreeMap<String, usize>,
    /// ReplicaSets, Jobs and top-level controllers read, by kind.
    owners: BTreeMap<&'a str, usize>,
    other_kinds: &'a BTreeMap<String, usize>,
    /// `file:line: message` for each object or input that could not be read.
    problems: Vec<String>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    head: FindingHead<'a>,
    object: Option<&'a ObjectRef>,
    /// Where the object was read, when it came from a file.
    location: Option<FileLine<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    affected: Option<Affected<'a>>,
    fingerprint: String,
}

#[derive(Serialize)]
struct FileLine<'a> {
    file: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct Affected<'a> {
    pods: usize,
    nodes: usize,
    pod_names: &'a [String],
    node_names: &'a [String],
}

#[derive(Serialize)]
struct Rule<'a> {
    id: &'static str,
    name: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    suppressed: usize,
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    let object = match &f.location {
        Location::Object(o) => Some(o),
        _ => None,
    };
    JsonFinding {
        head: FindingHead::of(f),
        object: object.map(|o| &o.object),
        location: object
            .and_then(|o| o.file.as_ref())
            .map(|(file, line)| FileLine { file, line: *line }),
        key: f.key.as_deref(),
        actual: f.actual.as_deref(),
        expected: f.expected.as_deref(),
        affected: f.affected.as_deref().map(|a| Affected {
            pods: a.pods.len(),
            nodes: a.nodes.len(),
            pod_names: &a.pods,
            node_names: &a.nodes,
        }),
        fingerprint: fingerprint::fingerprint(&crate::model::SourceMap::default(), f),
    }
}

fn node(n: &crate::cluster::facts::NodeFacts) -> Node<'_> {
    let running = n.running();
    Node {
        name: &n.name,
        runtime: &n.runtime,
        kubelet_version: &n.kubelet_version,
        cri_socket: n.cri_socket.as_deref(),
        cgroup_driver: running.and_then(|c| c.cgroup_driver.as_deref()),
        container_runtime_endpoint: running.and_then(|c| c.container_runtime_endpoint.as_deref()),
        configz_failure: match &n.configz {
            Some(Err(f)) => Some(f.to_string()),
            _ => None,
        },
    }
}

pub(crate) fn render(report: &ClusterReport<'_>) -> String {
    let g = &report.facts.gathered;
    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &g.links {
        *owners.entry(l.object.kind.as_str()).or_default() += 1;
    }
    for (o, _) in &g.controllers {
        *owners.entry(o.kind.as_str()).or_default() += 1;
    }
    let json = JsonReport {
        schema: SCHEMA,
        tool: Tool::new(env!("CARGO_PKG_VERSION")),
        policy_file: report.policy_file,
        summary: Summary {
            findings: report.counts(),
            rules: report.status_counts(),
            fail_on: report.fail_on.map_or("never", |s| s.as_str()),
            exit_code: report.exit_code(),
        },
        api: report.facts.api.as_ref().map(|a| Api {
            server: &a.server,
            credentials: &a.credentials,
        }),
        inputs: report
            .facts
            .inputs
            .iter()
            .map(|i| Input {
                name: &i.name,
                resource: i.api_resource,
                objects: i.objects,
                failure: i.failure.as_deref(),
            })
            .collect(),
        read: Read {
            nodes: g.nodes.len(),
            pods: g.pods,
            pods_by_phase: &g.pods_by_phase,
            owners,
            other_kinds: &g.other_kinds,
            problems: report.read_problems(),
        },
        nodes: g.nodes.iter().map(node).collect(),
        rollout: report.rollout,
        findings: report.evaluation.findings.iter().map(finding).collect(),
        rules: report
            .evaluation
            .outcomes
            .iter()
            .map(|o| Rule {
                id: o.rule.id,
                name: o.rule.name,
                status: o.status.as_str(),
                reason: o.reason.as_deref(),
                suppressed: o.suppressed,
            })
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

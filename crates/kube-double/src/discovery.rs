//! `/version` and the legacy discovery documents (`/api`, `/apis`, `APIResourceList`s).

use serde_json::{Value, json};

use crate::cluster::RESOURCES;

/// The Kubernetes release the double claims to be.
pub(crate) const GIT_VERSION: &str = "v1.33.4";

pub(crate) fn version() -> String {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": "74cdb426e3e3f5da4f6b0e7a03b7e3e9a1a0b7e4",
        "gitTreeState": "clean",
        "buildDate": "2025-08-12T10:13:28Z",
        "goVersion": "go1.24.5",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
    .to_string()
}

pub(crate) fn core_versions(address: &str) -> String {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]
    })
    .to_string()
}

fn group(name: &str) -> Value {
    let version = json!({"groupVersion": format!("{name}/v1"), "version": "v1"});
    json!({"name": name, "versions": [version], "preferredVersion": version})
}

pub(crate) fn group_list() -> String {
    json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [group("apps"), group("batch")]
    })
    .to_string()
}

/// `/apis/apps` or `/apis/batch`.
pub(crate) fn api_group(name: &str) -> String {
    let mut body = group(name);
    body["kind"] = "APIGroup".into();
    body["apiVersion"] = "v1".into();
    body.to_string()
}

const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The `APIResourceList` of `v1`, `apps/v1` or `batch/v1`.
pub(crate) fn resource_list(group: &str) -> String {
    let mut resources = Vec::new();
    for info in RESOURCES.iter().filter(|info| info.group == group) {
        let mut resource = json!({
            "name": info.name,
            "singularName": info.singular,
            "namespaced": info.namespaced,
            "kind": info.kind,
            "verbs": VERBS,
        });
        if !info.short_names.is_empty() {
            resource["shortNames"] = json!(info.short_names);
        }
        if info.name != "nodes" {
            resource["categories"] = json!(["all"]);
        }
        resources.push(resource);
        if info.name == "nodes" {
            resources.push(json!({
                "name": "nodes/proxy",
                "singularName": "",
                "namespaced": false,
                "kind": "NodeProxyOptions",
                "verbs": ["create", "delete", "get", "patch", "update"]
            }));
        }
    }
    let group_version = if group.is_empty() {
        "v1".to_owned()
    } else {
        format!("{group}/v1")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources
    })
    .to_string()
}

//! deploy/rbac.yaml grants exactly what `runtime-audit cluster` and the in-pod node audit use:
//! every request a full cluster run makes is allowed by it, and it allows nothing else than
//! those and the node audit's own Node lookups.

use std::collections::BTreeSet;

use kube_double::{Cluster, Faults, Server};
use serde::Deserialize;

mod common;

#[derive(Deserialize)]
struct Object {
    kind: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(rename = "apiGroups")]
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
}

/// (verb, group, resource) the ClusterRole grants.
fn granted() -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(common::repo().join("deploy/rbac.yaml")).expect("read");
    let docs: Vec<Object> = serde_saphyr::from_multiple(&text).expect("rbac.yaml parses");
    let roles: Vec<&Object> = docs.iter().filter(|d| d.kind == "ClusterRole").collect();
    assert_eq!(roles.len(), 1, "one ClusterRole");
    let mut out = BTreeSet::new();
    for rule in &roles[0].rules {
        for g in &rule.api_groups {
            for r in &rule.resources {
                for v in &rule.verbs {
                    out.insert((v.clone(), g.clone(), r.clone()));
                }
            }
        }
    }
    out
}

/// The RBAC verb, group and resource of a request path, as the API server's authorizer sees it.
fn attributes(method: &str, path: &str) -> (String, String, String) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", _version, rest @ ..] => (String::new(), rest.to_vec()),
        ["apis", group, _version, rest @ ..] => ((*group).to_owned(), rest.to_vec()),
        _ => panic!("not a resource path: {path}"),
    };
    let rest = match rest.as_slice() {
        ["namespaces", _ns, tail @ ..] => tail.to_vec(),
        _ => rest,
    };
    assert_eq!(method, "GET", "runtime-audit only reads: {method} {path}");
    match rest.as_slice() {
        [resource] => ("list".into(), group, (*resource).to_owned()),
        [resource, _name] => ("get".into(), group, (*resource).to_owned()),
        [resource, _name, sub, ..] => ("get".into(), group, format!("{resource}/{sub}")),
        _ => panic!("not a resource path: {path}"),
    }
}

#[test]
fn the_cluster_role_grants_exactly_what_is_used() {
    let mut cluster = Cluster::new();
    let recorded = common::repo().join("fixtures/clusters/recorded");
    for dir in ["nodes", "pods", "owners"] {
        for entry in std::fs::read_dir(recorded.join(dir))
            .expect("read")
            .flatten()
        {
            cluster.add_file(&entry.path()).expect("a recorded object");
        }
    }
    cluster.set_default_configz(
        std::fs::read(recorded.join("configz/kubelet-1.28.json")).expect("configz"),
    );
    let server = Server::start(cluster, Faults::default());
    let home = tempfile::tempdir().expect("tempdir");
    let kubeconfig = home.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let out = common::bin()
        .env("HOME", home.path())
        .args(["cluster", "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let used: BTreeSet<_> = server
        .requests()
        .iter()
        .map(|r| attributes(&r.method, &r.path))
        .collect();
    let granted = granted();
    let missing: Vec<_> = used.difference(&granted).collect();
    assert!(missing.is_empty(), "used but not granted: {missing:?}");
    // The node audit in a pod reads its own Node by name (get) or by hostname label (list).
    let node_audit: BTreeSet<_> = [
        ("get", "", "nodes"),
        ("list", "", "nodes"),
        ("get", "", "nodes/proxy"),
    ]
    .into_iter()
    .map(|(v, g, r)| (v.to_owned(), g.to_owned(), r.to_owned()))
    .collect();
    let unused: Vec<_> = granted
        .iter()
        .filter(|g| !used.contains(*g) && !node_audit.contains(*g))
        .collect();
    assert!(unused.is_empty(), "granted but never used: {unused:?}");
}

//! `runtime-audit cluster` against the API double over loopback TLS: paginated lists and never
//! a GET per object, an expired continue token, throttling, a token that expires mid-run, a
//! page that never comes, HTML instead of the API, an unreachable server and a foreign CA.
//! Each run asserts what was read and what the report says of what was not.

mod common;

use std::path::Path;
use std::time::Duration;

use kube_double::{Cluster, Faults, Server};
use serde_json::{Value, json};

/// `nodes` nodes on Docker and `pods` pods spread over them; every tenth mounts docker.sock.
fn cluster(nodes: usize, pods: usize) -> Cluster {
    let mut c = Cluster::new();
    for n in 0..nodes {
        let node = json!({
            "kind": "Node", "apiVersion": "v1",
            "metadata": {"name": format!("node-{n:03}"), "labels": {"kubernetes.io/hostname": format!("node-{n:03}")}},
            "status": {"nodeInfo": {"containerRuntimeVersion": "docker://20.10.24", "kubeletVersion": "v1.23.17"}}
        });
        c.add_json(node.to_string().as_bytes()).expect("a node");
    }
    for p in 0..pods {
        let volumes = if p % 10 == 0 {
            json!([{"name": "sock", "hostPath": {"path": "/var/run/docker.sock", "type": ""}}])
        } else {
            json!([])
        };
        let pod = json!({
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": format!("pod-{p:04}"), "namespace": format!("ns-{}", p % 3)},
            "spec": {"nodeName": format!("node-{:03}", p % nodes.max(1)), "volumes": volumes,
                     "containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running"}
        });
        c.add_json(pod.to_string().as_bytes()).expect("a pod");
    }
    c
}

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn run(server: &Server, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("tempdir");
    let kubeconfig = home.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    run_with(&kubeconfig, home.path(), extra)
}

fn run_with(kubeconfig: &Path, home: &Path, extra: &[&str]) -> Run {
    let out = common::bin()
        .env("HOME", home)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .arg("cluster")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run runtime-audit");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().unwrap_or(-1),
        report: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn input<'a>(report: &'a Value, resource: &str) -> &'a Value {
    report["inputs"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["resource"] == resource))
        .unwrap_or_else(|| panic!("no input for {resource}: {report}"))
}

fn status_of<'a>(report: &'a Value, rule: &str) -> &'a str {
    report["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == rule))
        .and_then(|r| r["status"].as_str())
        .unwrap_or_else(|| panic!("{rule} did not run: {report}"))
}

#[test]
fn lists_in_pages_and_never_gets_a_pod_by_name() {
    let server = Server::start(cluster(7, 230), Faults::default());
    let r = run(&server, &["--chunk-size", "50"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.report["read"]["nodes"], 7);
    assert_eq!(r.report["read"]["pods"], 230);
    let log = server.requests();
    let pod_pages: Vec<_> = log.iter().filter(|q| q.path == "/api/v1/pods").collect();
    assert_eq!(pod_pages.len(), 5, "230 pods in pages of 50: {pod_pages:?}");
    assert!(pod_pages.iter().all(|q| q.query.contains("limit=50")));
    assert_eq!(
        pod_pages
            .iter()
            .filter(|q| q.query.contains("continue="))
            .count(),
        4
    );
    assert!(
        !log.iter().any(|q| q.path.contains("/pods/")),
        "a GET per pod: {log:?}"
    );
    let configz = log
        .iter()
        .filter(|q| q.path.ends_with("/proxy/configz"))
        .count();
    assert_eq!(configz, 7, "one configz per node");
    // 23 pods mount docker.sock: every tenth of 230, on their nodes, as bare pods.
    let findings = r.report["findings"].as_array().expect("findings");
    let sockets = findings
        .iter()
        .filter(|f| f["case"] == "docker-socket")
        .count();
    assert_eq!(sockets, 23);
}

#[test]
fn an_expired_continue_token_starts_the_list_again_without_counting_twice() {
    let faults = Faults {
        expire_continue: Some(2),
        ..Faults::default()
    };
    let server = Server::start(cluster(3, 120), faults);
    let r = run(&server, &["--chunk-size", "25"]);
    assert_eq!(r.report["read"]["pods"], 120, "{}", r.report);
    let problems = r.report["read"]["problems"].to_string();
    assert!(problems.contains("continue token expired"), "{problems}");
    let gone = server.answered_with(410);
    assert_eq!(gone, 1);
}

#[test]
fn throttling_is_waited_out() {
    let faults = Faults {
        too_many_requests: 2,
        ..Faults::default()
    };
    let server = Server::start(cluster(2, 10), faults);
    let r = run(&server, &[]);
    assert_eq!(r.report["read"]["pods"], 10, "{}", r.stderr);
    assert_eq!(server.answered_with(429), 2);
}

#[test]
fn a_token_that_expires_mid_run_keeps_what_was_read_and_says_why_the_rest_was_not() {
    // The nodes are listed with the token; every request after is refused.
    let faults = Faults {
        token_expires_after: Some(1),
        ..Faults::default()
    };
    let server = Server::start(cluster(2, 60), faults);
    let r = run(&server, &[]);
    assert_eq!(r.report["read"]["nodes"], 2, "{}", r.stderr);
    let pods = input(&r.report, "pods");
    assert_eq!(pods["objects"], 0);
    assert!(
        pods["failure"]
            .as_str()
            .unwrap_or("")
            .contains("401 Unauthorized"),
        "{pods}"
    );
    assert_eq!(status_of(&r.report, "RAC04"), "inconclusive");
    assert_eq!(status_of(&r.report, "RAC06"), "inconclusive");
    assert_eq!(
        status_of(&r.report, "RAC01"),
        "fail",
        "the nodes read are judged"
    );
    assert_eq!(r.code, 1, "something was read: not exit 2");
}

#[test]
fn a_list_that_never_answers_times_out_and_its_rules_are_inconclusive() {
    let faults = Faults {
        hang: vec!["/api/v1/pods".to_owned()],
        ..Faults::default()
    };
    let server = Server::start(cluster(2, 10), faults);
    let r = run(&server, &["--request-timeout", "1s"]);
    let pods = input(&r.report, "pods");
    assert!(
        pods["failure"]
            .as_str()
            .unwrap_or("")
            .contains("no answer within 1s"),
        "{pods}"
    );
    assert_eq!(status_of(&r.report, "RAC04"), "inconclusive");
    assert_eq!(status_of(&r.report, "RAC01"), "fail", "nodes were read");
}

#[test]
fn configz_a_kubelet_does_not_answer_is_named_and_the_others_are_judged() {
    let faults = Faults {
        configz_missing: vec!["node-001".to_owned()],
        ..Faults::default()
    };
    let mut c = cluster(3, 0);
    c.set_default_configz(br#"{"kubeletconfig":{"cgroupDriver":"cgroupfs"}}"#.to_vec());
    let server = Server::start(c, faults);
    let r = run(&server, &[]);
    let nodes = r.report["nodes"].as_array().expect("nodes");
    let failed: Vec<_> = nodes
        .iter()
        .filter(|n| !n["configz_failure"].is_null())
        .collect();
    assert_eq!(failed.len(), 1, "{nodes:?}");
    assert_eq!(failed[0]["name"], "node-001");
    let cgroupfs = r.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["case"] == "cgroupfs-before-move")
        .count();
    assert_eq!(cgroupfs, 2, "the two nodes whose configz was read");
}

#[test]
fn an_html_page_instead_of_the_api_is_said_and_nothing_is_made_up() {
    let faults = Faults {
        html: vec!["/api".to_owned()],
        ..Faults::default()
    };
    let server = Server::start(cluster(2, 10), faults);
    let r = run(&server, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not the Kubernetes API"), "{}", r.stderr);
}

#[test]
fn an_unreachable_server_and_a_foreign_ca_are_told_apart() {
    let server = Server::start(cluster(1, 1), Faults::default());
    let other = Server::start(cluster(1, 1), Faults::default());
    let home = tempfile::tempdir().expect("tempdir");
    // The other server's CA for this server's address: TLS fails.
    let foreign = other.kubeconfig().replace(&other.url, &server.url);
    let path = home.path().join("foreign");
    std::fs::write(&path, foreign).expect("write");
    let r = run_with(&path, home.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("TLS with"), "{}", r.stderr);
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let gone = server
        .kubeconfig()
        .replace(&server.url, &format!("https://127.0.0.1:{closed}"));
    std::fs::write(&path, gone).expect("write");
    let r = run_with(&path, home.path(), &["--request-timeout", "5s"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be reached"), "{}", r.stderr);
    // Neither the failed handshake nor the closed port reached the double.
    assert_eq!(server.requests(), Vec::new());
}

#[test]
fn without_a_kubeconfig_or_a_pod_it_says_what_it_looked_for() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = common::bin()
        .env("HOME", home.path())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .arg("cluster")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no kubeconfig"), "{stderr}");
}

#[test]
fn the_client_rate_limit_spaces_the_requests() {
    let server = Server::start(cluster(20, 0), Faults::default());
    let started = std::time::Instant::now();
    let r = run(&server, &["--qps", "20", "--burst", "1"]);
    assert_eq!(r.report["read"]["nodes"], 20, "{}", r.stderr);
    // 20 configz and at least 8 lists at 20 a second after the first: over a second. An upper
    // bound is not asserted: the machine may be slow.
    assert!(started.elapsed() >= Duration::from_millis(1000));
}

/// In a pod: no kubeconfig, the service account's token and CA where the kubelet mounts them,
/// and the API server's address in the environment. The mounts are made in a mount namespace
/// of the test's own (`unshare -m`, a tmpfs over /run), so nothing lands on the host.
#[test]
fn in_a_pod_the_service_account_is_used() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1))
        == Some("0");
    assert!(
        root,
        "this test mounts the service account's files in a mount namespace and needs root; .ci/run runs it as root"
    );
    let server = Server::start(cluster(2, 10), Faults::default());
    let home = tempfile::tempdir().expect("tempdir");
    let account = home.path().join("serviceaccount");
    server
        .write_in_cluster(&account, "runtime-audit")
        .expect("service account files");
    let script = r#"mount -t tmpfs tmpfs /run &&
        mkdir -p /run/secrets/kubernetes.io/serviceaccount &&
        mount --bind "$ACCOUNT" /run/secrets/kubernetes.io/serviceaccount &&
        exec "$AUDIT" cluster --format json"#;
    let out = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", script])
        .env("ACCOUNT", &account)
        .env("AUDIT", assert_cmd::cargo::cargo_bin!("runtime-audit"))
        .env("HOME", home.path())
        .env_remove("KUBECONFIG")
        .envs(server.in_cluster_env())
        .current_dir(home.path())
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["api"]["credentials"], "the pod's service account");
    assert_eq!(report["read"]["pods"], 10);
    assert!(server.answered_with(401) == 0, "the token was accepted");
}

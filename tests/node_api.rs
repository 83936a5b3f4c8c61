//! The Kubernetes API in the node audit, end to end: the real binary against the API server
//! double (loopback TLS with a CA of its own, bearer token) through a kubeconfig. It reads its
//! Node object by `--node`, by `NODE_NAME` and by the `kubernetes.io/hostname` label, finds the
//! running kubelet's configuration drifting from config.yaml (RA810), reports a 403 on
//! `nodes/proxy` and a hung API as inconclusive with the failure's words, and asks nothing with
//! `--offline`.

mod common;
mod support;

use std::path::Path;
use std::process::Output;

use kube_double::{Cluster, Faults, Server};
use serde_json::Value;

use support::{Node, code, stderr, stdout};

const WORKER: &str = "k8s-node-01";
const CONTROL_PLANE: &str = "k8s-controller-01";

fn recorded(rel: &str) -> std::path::PathBuf {
    common::repo().join("fixtures/clusters/recorded").join(rel)
}

/// Two kubeadm 1.28 nodes (the control plane with kubeadm's stale dockershim cri-socket
/// annotation), each kubelet running with the systemd driver and containerd's socket.
fn cluster() -> Cluster {
    let mut c = Cluster::new();
    for node in [
        "nodes/kubeadm-1.28-containerd-worker-no-cri-socket-annotation.json",
        "nodes/kubeadm-1.28-containerd-control-plane-stale-dockershim-annotation.json",
    ] {
        c.add_file(&recorded(node)).expect("recorded node");
    }
    let configz = std::fs::read(recorded("configz/kubelet-1.28.json")).expect("recorded configz");
    c.set_default_configz(configz);
    c
}

/// The cluster above, served as recorded, and the worker's files.
fn started() -> (Server, Node) {
    (Server::start(cluster(), Faults::default()), node_root())
}

/// Where the double serves the Node `name`.
fn node_url(server: &Server, name: &str) -> String {
    format!("{}/api/v1/nodes/{name}", server.url)
}

/// The cluster above, served by a double that refuses `verb` on `resource` (403, as RBAC).
fn forbidding(verb: &str, resource: &str) -> Server {
    let faults = Faults {
        forbidden: vec![(verb.into(), resource.into())],
        ..Faults::default()
    };
    Server::start(cluster(), faults)
}

/// The worker's files: config.yaml edited to cgroupfs (the kubelet still runs systemd).
fn node_root() -> Node {
    Node::new(&[
        ("etc/hostname", "k8s-node-01\n"),
        (
            "var/lib/kubelet/config.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\ncontainerRuntimeEndpoint: unix:///var/run/containerd/containerd.sock\n",
        ),
    ])
}

/// Runs a JSON audit of `root` with the double's kubeconfig and `args`, with no kubeconfig,
/// service account or NODE_NAME from the environment unless `env` sets them.
fn audit(server: &Server, root: &Node, args: &[&str], env: &[(&str, &str)]) -> (Output, Value) {
    let kubeconfig = root.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let mut cmd = common::bin();
    cmd.current_dir(root.path())
        .args(["--root", ".", "--format", "json", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("NODE_NAME")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", root.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run runtime-audit");
    assert!(
        matches!(code(&out), 0 | 1),
        "exit {}: {}",
        code(&out),
        stderr(&out)
    );
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    (out, report)
}

fn node_input(report: &Value) -> &Value {
    report["inputs"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["kind"] == "node-object"))
        .unwrap_or_else(|| panic!("no node-object input: {}", report["inputs"]))
}

fn findings<'r>(report: &'r Value, rule: &str) -> Vec<&'r Value> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

#[test]
fn reads_its_node_named_by_the_node_flag() {
    let (server, root) = started();
    let (_, report) = audit(&server, &root, &["--node", CONTROL_PLANE], &[]);
    assert_eq!(report["node"]["name"], CONTROL_PLANE);
    assert_eq!(report["node"]["source"], "node-object");
    let url = node_url(&server, CONTROL_PLANE);
    let input = node_input(&report);
    assert_eq!(input["path"], url.as_str());
    assert_eq!(input["state"], "read");
    // The rules read it as they read a --node-file: the stale kubeadm annotation is found,
    // located in the object the API sent.
    let stale = findings(&report, "RA602");
    assert_eq!(stale.len(), 1, "{}", report["findings"]);
    assert_eq!(stale[0]["location"]["file"], url.as_str());
    assert!(stale[0]["location"]["line"].as_u64().is_some_and(|l| l > 1));
    // The kubelet version now comes from the Node's status.
    let kubelet = report["versions"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["component"] == "kubelet"))
        .unwrap_or_else(|| panic!("no kubelet version: {}", report["versions"]));
    assert_eq!(kubelet["version"], "1.28.14");
    let asked = server.paths();
    assert!(
        asked.contains(&format!("/api/v1/nodes/{CONTROL_PLANE}")),
        "{asked:?}"
    );
    assert!(
        asked.contains(&format!("/api/v1/nodes/{CONTROL_PLANE}/proxy/configz")),
        "{asked:?}"
    );
}

#[test]
fn reads_its_node_named_by_node_name_from_the_downward_api() {
    let (server, root) = started();
    let (_, report) = audit(&server, &root, &[], &[("NODE_NAME", CONTROL_PLANE)]);
    assert_eq!(report["node"]["name"], CONTROL_PLANE);
    assert_eq!(
        node_input(&report)["path"],
        node_url(&server, CONTROL_PLANE).as_str()
    );
    assert!(
        server.requests().iter().all(|r| r.query.is_empty()),
        "a named node needs no lookup: {:?}",
        server.requests()
    );
}

#[test]
fn finds_its_node_by_the_hostname_label() {
    let (server, root) = started();
    let (_, report) = audit(&server, &root, &[], &[]);
    assert_eq!(report["node"]["name"], WORKER);
    assert_eq!(
        node_input(&report)["path"],
        node_url(&server, WORKER).as_str()
    );
    let lookups: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/nodes")
        .collect();
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert_eq!(
        lookups[0].query,
        "labelSelector=kubernetes.io%2Fhostname%3Dk8s-node-01"
    );
    assert_eq!(lookups[0].status, 200);
}

#[test]
fn a_kubelet_config_edited_without_a_restart_is_drift() {
    let (server, root) = started();
    let (out, report) = audit(&server, &root, &["--node", WORKER], &[]);
    assert_eq!(common::rule(&report, "RA810")["status"], "fail");
    let drift = findings(&report, "RA810");
    assert_eq!(drift.len(), 1, "{}", report["findings"]);
    let f = drift[0];
    assert_eq!(f["case"], "drift");
    assert_eq!(f["location"]["file"], "/var/lib/kubelet/config.yaml");
    assert_eq!(f["location"]["line"], 3);
    let message = f["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("uses cgroup driver systemd")
            && message.contains("/var/lib/kubelet/config.yaml:3 sets cgroupDriver cgroupfs"),
        "{message}"
    );
    assert!(
        f["fix"]
            .as_str()
            .is_some_and(|fix| fix.contains("systemctl restart kubelet")),
        "{f}"
    );
    let configz = format!("{}/proxy/configz", node_url(&server, WORKER));
    assert_eq!(report["live"]["kubelet"]["source"], configz.as_str());
    assert_eq!(report["live"]["kubelet"]["configz"]["result"], "ok");
    // The endpoint matches (/var/run is /run): one finding only. A warning: exit 0.
    assert_eq!(code(&out), 0);
}

#[test]
fn a_403_on_nodes_proxy_makes_the_drift_check_inconclusive_naming_the_verb() {
    let server = forbidding("get", "nodes/proxy");
    let root = node_root();
    let (_, report) = audit(&server, &root, &["--node", WORKER], &[]);
    let ra810 = common::rule(&report, "RA810");
    assert_eq!(ra810["status"], "inconclusive");
    let reason = ra810["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("may not get nodes/proxy"), "{reason}");
    assert_eq!(report["live"]["kubelet"]["api_failure"], "forbidden");
    assert_eq!(
        report["live"]["kubelet"]["configz"]["failure"],
        "permission-denied"
    );
    // The Node object itself was allowed.
    assert_eq!(node_input(&report)["state"], "read");
}

#[test]
fn a_hung_api_does_not_hold_the_audit() {
    let faults = Faults {
        hang: vec!["/api/v1/nodes".into()],
        ..Faults::default()
    };
    let server = Server::start(cluster(), faults);
    let root = node_root();
    let (_, report) = audit(
        &server,
        &root,
        &["--node", WORKER, "--probe-timeout", "1s"],
        &[],
    );
    // The audit finished: the Node object and configz are reported as timed out, and what
    // needed them could not check; nothing passed on their account.
    let ra810 = common::rule(&report, "RA810");
    assert_eq!(ra810["status"], "inconclusive");
    assert!(
        ra810["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no answer within")),
        "{ra810}"
    );
    assert_eq!(report["live"]["kubelet"]["api_failure"], "timeout");
    let node = node_input(&report);
    assert_eq!(node["state"], "unreadable");
    assert!(
        node["detail"]
            .as_str()
            .is_some_and(|d| d.contains("no answer within")),
        "{node}"
    );
    assert_eq!(report["node"]["name"], WORKER, "named by /etc/hostname");
    assert!(
        server.answered_with(0) > 0,
        "the double never answered: {:?}",
        server.requests()
    );
}

#[test]
fn offline_asks_the_api_nothing() {
    let (server, root) = started();
    let (_, report) = audit(&server, &root, &["--node", WORKER, "--offline"], &[]);
    assert_eq!(server.requests(), Vec::new());
    let ra810 = common::rule(&report, "RA810");
    assert_eq!(ra810["status"], "not-applicable");
    assert!(
        ra810["reason"]
            .as_str()
            .is_some_and(|r| r.contains("--offline")),
        "{ra810}"
    );
    assert!(
        report["live"].get("kubelet").is_none(),
        "{}",
        report["live"]
    );
}

#[test]
fn a_node_file_gives_the_node_and_the_api_only_configz() {
    let (server, root) = started();
    let file = recorded("nodes/kubeadm-1.28-containerd-worker-no-cri-socket-annotation.json");
    let file = file.to_str().expect("UTF-8 path");
    let (_, report) = audit(&server, &root, &["--node-file", file], &[]);
    assert_eq!(node_input(&report)["path"], file);
    let asked = server.paths();
    assert_eq!(asked, [format!("/api/v1/nodes/{WORKER}/proxy/configz")]);
    assert_eq!(common::rule(&report, "RA810")["status"], "fail");
}

/// An audit of the control plane's Node that records its live facts: the report and the file.
fn audit_and_save(server: &Server, root: &Node) -> (Value, std::path::PathBuf) {
    let saved = root.path().join("facts.json");
    let saved_arg = saved.to_str().expect("UTF-8 path");
    let (_, report) = audit(
        server,
        root,
        &["--node", CONTROL_PLANE, "--save-live-facts", saved_arg],
        &[],
    );
    (report, saved)
}

/// The audit again, on the facts `audit_and_save` recorded.
fn replay(server: &Server, root: &Node, saved: &Path) -> (Output, Value) {
    let saved = saved.to_str().expect("UTF-8 path");
    audit(server, root, &["--live-facts", saved], &[])
}

/// `--save-live-facts` records configz and the Node object (without its managedFields);
/// `--live-facts` replays both, asking the API nothing, and the rules judge the replayed Node
/// as they judged the API's.
#[test]
fn recorded_live_facts_replay_the_kubelet_configz_and_the_node_object() {
    let (server, root) = started();
    let (live, saved) = audit_and_save(&server, &root);
    let facts: Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("JSON");
    let node = &facts["node_object"];
    assert_eq!(node["state"], "read", "{facts}");
    assert_eq!(node["body"]["metadata"]["name"], CONTROL_PLANE);
    assert!(
        node["body"]["metadata"].get("managedFields").is_none(),
        "managedFields recorded: {node}"
    );

    let asked = server.requests().len();
    let (_, replayed) = replay(&server, &root, &saved);
    assert_eq!(server.requests().len(), asked, "a replay asks nothing");
    assert_eq!(common::rule(&replayed, "RA810")["status"], "fail");
    assert_eq!(replayed["live"]["kubelet"]["node"], CONTROL_PLANE);
    assert_eq!(replayed["node"]["name"], CONTROL_PLANE);
    let url = node_url(&server, CONTROL_PLANE);
    assert_eq!(node_input(&replayed)["path"], url.as_str());
    // The stale kubeadm annotation, found and located as in the live audit.
    let located = |report: &Value| -> Vec<(Value, Value)> {
        findings(report, "RA602")
            .iter()
            .map(|f| (f["location"]["file"].clone(), f["location"]["line"].clone()))
            .collect()
    };
    assert_eq!(located(&replayed).len(), 1, "{}", replayed["findings"]);
    assert_eq!(located(&replayed), located(&live));
}

/// A Node read that failed is recorded as failed, and replayed as the same unreadable input.
#[test]
fn a_recorded_node_failure_replays_as_inconclusive() {
    let server = forbidding("get", "nodes");
    let root = node_root();
    let (live, saved) = audit_and_save(&server, &root);
    let (_, replayed) = replay(&server, &root, &saved);
    let input = node_input(&replayed);
    assert_eq!(input["state"], "unreadable", "{input}");
    let reason = input["detail"].as_str().unwrap_or_default();
    assert!(
        reason.contains("may not get nodes") && reason.contains("recorded in"),
        "{input}"
    );
    // Every rule of the Node object says what it said when the API refused.
    for id in ["RA601", "RA602", "RA603"] {
        let status = &common::rule(&replayed, id)["status"];
        assert_eq!(status, &common::rule(&live, id)["status"], "{id}");
    }
    for id in ["RA601", "RA602"] {
        assert_eq!(
            common::rule(&replayed, id)["status"],
            "inconclusive",
            "{id}"
        );
    }
}

#[test]
fn without_a_kubeconfig_on_the_host_the_api_is_not_used() {
    // The host itself (`--root /`) with no kubeconfig, no service account and an empty HOME:
    // the audit says so in its inputs and goes on.
    let home = tempfile::tempdir().expect("temp dir");
    let out = common::bin()
        .args(["--format", "json", "--offline"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home.path())
        .output()
        .expect("run runtime-audit");
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    // --offline turns the API off without a word in the inputs; without it the API is
    // looked for and found missing.
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        !report["inputs"]
            .as_array()
            .is_some_and(|i| i.iter().any(|i| i["kind"] == "kubernetes-api")),
        "{}",
        report["inputs"]
    );
    let out = common::bin()
        .args(["--format", "json", "--probe-timeout", "300ms"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home.path())
        .output()
        .expect("run runtime-audit");
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let api = report["inputs"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["kind"] == "kubernetes-api"))
        .unwrap_or_else(|| panic!("{}", report["inputs"]));
    assert_eq!(api["state"], "absent");
    assert!(
        api["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not in a pod")),
        "{api}"
    );
}

#[test]
fn the_sarif_of_a_node_from_the_api_passes_the_validator() {
    let (server, root) = started();
    let sarif = root.path().join("node.sarif");
    audit(
        &server,
        &root,
        &[
            "--node",
            CONTROL_PLANE,
            "--sarif-output",
            sarif.to_str().expect("UTF-8"),
        ],
        &[],
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).expect("SARIF written"))
        .expect("JSON");
    // The object is located relative to the API server, named by the run.
    let run = &log["runs"][0];
    assert_eq!(
        run["originalUriBaseIds"]["KUBERNETES_API"]["uri"],
        format!("{}/", server.url).as_str()
    );
    let located: Vec<&Value> = run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
        .filter(|a| a["uriBaseId"] == "KUBERNETES_API")
        .collect();
    assert!(
        located
            .iter()
            .any(|a| a["uri"] == format!("api/v1/nodes/{CONTROL_PLANE}").as_str()),
        "{located:?}"
    );
    validate(&sarif);
}

/// Microsoft's validator, when at hand (tests/sarif.rs requires it; here it is skipped
/// outside CI when missing).
fn validate(file: &Path) {
    let script = common::sarif_validator();
    if !script.is_file() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SARIF validator missing: {}",
            script.display()
        );
        eprintln!("SARIF validator missing: {} (skipped)", script.display());
        return;
    }
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(file)
        .output()
        .expect("run sarif-validate");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        .collect();
    assert!(
        problems.is_empty(),
        "SARIF validator findings:\n{}",
        problems.join("\n")
    );
    assert!(!text.contains("did not finish"), "{text}");
}

#[test]
fn inspect_shows_the_running_kubelet_beside_the_files() {
    let dir = common::repo().join("fixtures/rules/RA810/cgroupfs-on-disk-systemd-running");
    let out = common::bin()
        .current_dir(&dir)
        .args(["inspect", "--root", ".", "--live-facts", "live-facts.json"])
        .args(["--format", "json"])
        .output()
        .expect("run inspect");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let live = view["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "live"))
        .expect("a live section");
    let configz = live["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "kubelet-configz"))
        .expect("a kubelet-configz section");
    let row = |key: &str| {
        configz["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["key"] == key))
            .unwrap_or_else(|| panic!("no {key} row: {configz}"))
    };
    // The file says cgroupfs (RA810's fixture); the running kubelet, systemd.
    assert_eq!(row("cgroupDriver")["value"], "systemd");
    assert!(
        row("cgroupDriver")["origin"]
            .as_str()
            .is_some_and(|o| o.ends_with("/api/v1/nodes/worker-1/proxy/configz")),
        "{configz}"
    );
    assert_eq!(
        row("containerRuntimeEndpoint")["value"],
        "unix:///var/run/containerd/containerd.sock"
    );
}

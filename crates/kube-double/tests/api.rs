//! The double over real TLS: pagination, discovery, Tables and every fault.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Reply, get, get_as, node, pod, send};
use kube_double::{Cluster, Faults, Server};
use serde_json::{Value, json};

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// Seven pods in three namespaces (added out of order), two nodes.
fn cluster() -> Cluster {
    let mut cluster = Cluster::new();
    let pods: Vec<String> = [
        ("kube-system", "coredns-1", "n1"),
        ("default", "web-2", "n2"),
        ("default", "web-1", "n1"),
        ("monitoring", "agent-b", "n2"),
        ("monitoring", "agent-a", "n1"),
        ("default", "web-10", "n2"),
        ("kube-system", "etcd-n1", "n1"),
    ]
    .iter()
    .map(|(namespace, name, node)| pod(namespace, name, node))
    .collect();
    let list = format!(
        r#"{{"kind":"List","apiVersion":"v1","items":[{}]}}"#,
        pods.join(",")
    );
    cluster.add_json(list.as_bytes()).unwrap();
    cluster.add_json(node("n2", "10.0.0.2").as_bytes()).unwrap();
    cluster.add_json(node("n1", "10.0.0.1").as_bytes()).unwrap();
    cluster.set_configz(
        "n1",
        br#"{"kubeletconfig":{"cgroupDriver":"systemd"}}"#.to_vec(),
    );
    cluster
}

const ORDER: [&str; 7] = [
    "default/web-1",
    "default/web-10",
    "default/web-2",
    "kube-system/coredns-1",
    "kube-system/etcd-n1",
    "monitoring/agent-a",
    "monitoring/agent-b",
];

fn keys(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let meta = &item["metadata"];
            format!(
                "{}/{}",
                meta["namespace"].as_str().unwrap(),
                meta["name"].as_str().unwrap()
            )
        })
        .collect()
}

fn query_value(token: &str) -> String {
    token.replace('=', "%3D")
}

#[test]
fn pages_hold_every_pod_once_in_the_api_server_order() {
    let server = Server::start(cluster(), Faults::default());
    let mut seen = Vec::new();
    let mut remaining = Vec::new();
    let mut path = "/api/v1/pods?limit=3".to_owned();
    loop {
        let reply = get(&server, &path);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), "application/json");
        let list = reply.json();
        assert_eq!(list["kind"], "PodList");
        assert_eq!(list["apiVersion"], "v1");
        assert!(list["metadata"]["resourceVersion"].is_string());
        seen.extend(keys(&list));
        remaining.push(list["metadata"]["remainingItemCount"].as_u64());
        match list["metadata"]["continue"].as_str() {
            Some(token) => path = format!("/api/v1/pods?limit=3&continue={}", query_value(token)),
            None => break,
        }
    }
    assert_eq!(seen, ORDER);
    assert_eq!(remaining, [Some(4), Some(1), None]);

    let all = get(&server, "/api/v1/pods").json();
    assert_eq!(keys(&all), ORDER);
    assert_eq!(all["metadata"].as_object().unwrap().len(), 1);

    let namespaced = get(&server, "/api/v1/namespaces/default/pods?limit=2").json();
    assert_eq!(keys(&namespaced), ["default/web-1", "default/web-10"]);
    let token = namespaced["metadata"]["continue"].as_str().unwrap();
    let rest = get(
        &server,
        &format!("/api/v1/namespaces/default/pods?limit=2&continue={token}"),
    )
    .json();
    assert_eq!(keys(&rest), ["default/web-2"]);
    assert!(rest["metadata"].get("continue").is_none());

    let on_n2 = get(&server, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn2").json();
    assert_eq!(
        keys(&on_n2),
        ["default/web-10", "default/web-2", "monitoring/agent-b"]
    );

    let log = server.requests();
    assert_eq!(log[0].path, "/api/v1/pods");
    assert_eq!(log[0].query, "limit=3");
    assert!(log[1].query.starts_with("limit=3&continue="));
    assert!(
        log.iter()
            .all(|entry| entry.status == 200 && entry.method == "GET")
    );
}

#[test]
fn tables_page_too_and_carry_partial_metadata() {
    let server = Server::start(cluster(), Faults::default());
    let reply = send(
        &server,
        "/api/v1/pods?limit=4",
        Some(&server.token),
        Some(TABLE),
        "localhost",
        None,
    )
    .unwrap();
    assert_eq!(reply.status, 200);
    let table = reply.json();
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns[..5], ["Name", "Ready", "Status", "Restarts", "Age"]);
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0]["cells"].as_array().unwrap()[..4],
        [json!("web-1"), json!("1/1"), json!("Running"), json!("0")]
    );
    assert_eq!(rows[0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(rows[0]["object"]["metadata"]["namespace"], "default");
    let token = table["metadata"]["continue"].as_str().unwrap();
    let path = format!("/api/v1/pods?limit=4&continue={token}&includeObject=Object");
    let rest = get_as(&server, &path, TABLE).json();
    let rows = rest["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["object"]["kind"], "Pod");
    assert!(rest["metadata"].get("continue").is_none());

    let nodes = get_as(&server, "/api/v1/nodes", TABLE).json();
    let first = &nodes["rows"][0]["cells"];
    assert_eq!(
        first.as_array().unwrap()[..5],
        [
            json!("n1"),
            json!("Ready"),
            json!("<none>"),
            first[3].clone(),
            json!("v1.29.4")
        ]
    );
    assert_eq!(first[5], "10.0.0.1");
}

#[test]
fn gets_discovery_and_kubeconfig() {
    let server = Server::start(cluster(), Faults::default());
    let node = get(&server, "/api/v1/nodes/n1").json();
    assert_eq!(
        (node["kind"].as_str(), node["metadata"]["name"].as_str()),
        (Some("Node"), Some("n1"))
    );
    let pod = get(&server, "/api/v1/namespaces/monitoring/pods/agent-a").json();
    assert_eq!(pod["spec"]["nodeName"], "n1");

    let missing = get(&server, "/api/v1/nodes/x");
    assert_eq!(missing.status, 404);
    assert_eq!(
        String::from_utf8(missing.body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"nodes"},"code":404}"#
    );
    let missing_pod = get(&server, "/api/v1/namespaces/default/pods/nope").json();
    assert_eq!(missing_pod["message"], r#"pods "nope" not found"#);
    assert_eq!(get(&server, "/apis/apps/v1/nope").status, 404);

    let version = get(&server, "/version").json();
    assert_eq!(version["major"], "1");
    assert!(
        version["gitVersion"]
            .as_str()
            .unwrap()
            .starts_with("v1.33.")
    );
    let aggregated =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let api = get_as(&server, "/api", aggregated);
    assert_eq!(api.header("content-type"), "application/json");
    assert_eq!(api.json()["versions"], json!(["v1"]));
    let groups = get(&server, "/apis").json();
    assert_eq!(
        groups["groups"][0]["preferredVersion"]["groupVersion"],
        "apps/v1"
    );
    let core = get(&server, "/api/v1").json();
    let names: Vec<&str> = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nodes", "nodes/proxy", "pods"]);
    let batch = get(&server, "/apis/batch/v1").json();
    assert_eq!(batch["resources"][1]["shortNames"], json!(["cj"]));

    let configz = get(&server, "/api/v1/nodes/n1/proxy/configz");
    assert_eq!(
        configz.body,
        br#"{"kubeletconfig":{"cgroupDriver":"systemd"}}"#
    );
    let kubeconfig = server.kubeconfig();
    assert!(kubeconfig.contains("current-context: double\n"));
    assert!(kubeconfig.contains(&format!("server: {}\n", server.url)));
    assert!(kubeconfig.contains(&format!("token: {}\n", server.token)));
    assert!(kubeconfig.contains(&format!(
        "certificate-authority-data: {}\n",
        STANDARD.encode(&server.ca_pem)
    )));
}

#[test]
fn an_expired_continue_is_410_with_a_token_that_resumes_once() {
    let faults = Faults {
        expire_continue: Some(2),
        ..Faults::default()
    };
    let server = Server::start(cluster(), faults);
    let first = get(&server, "/api/v1/pods?limit=2").json();
    let token = first["metadata"]["continue"].as_str().unwrap();
    let second = get(&server, &format!("/api/v1/pods?limit=2&continue={token}")).json();
    let token = second["metadata"]["continue"].as_str().unwrap();
    let expired = get(&server, &format!("/api/v1/pods?limit=2&continue={token}"));
    assert_eq!(expired.status, 410);
    let status = expired.json();
    assert_eq!(status["reason"], "Expired");
    assert_eq!(status["code"], 410);
    assert!(status["message"].as_str().unwrap().starts_with(
        "The provided continue parameter is too old to display a consistent list result."
    ));
    let fresh = status["metadata"]["continue"].as_str().unwrap();
    assert_ne!(fresh, token);
    let resumed = get(&server, &format!("/api/v1/pods?limit=2&continue={fresh}")).json();
    assert_eq!(keys(&resumed), ORDER[4..6]);
    let again = get(&server, &format!("/api/v1/pods?limit=2&continue={token}"));
    assert_eq!(again.status, 200, "the fault fires once");
    let statuses: Vec<u16> = server.requests().iter().map(|entry| entry.status).collect();
    assert_eq!(statuses, [200, 200, 410, 200, 200]);
}

#[test]
fn tokens_are_refused_when_missing_wrong_or_expired() {
    let faults = Faults {
        token_expires_after: Some(2),
        ..Faults::default()
    };
    let server = Server::start(cluster(), faults);
    let unauthorized = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;
    let none = send(&server, "/api/v1/nodes", None, None, "127.0.0.1", None).unwrap();
    assert_eq!(
        (none.status, none.body.as_slice()),
        (401, unauthorized.as_bytes())
    );
    let wrong = send(
        &server,
        "/api/v1/nodes",
        Some("nope"),
        None,
        "127.0.0.1",
        None,
    )
    .unwrap();
    assert_eq!(wrong.status, 401);
    assert_eq!(get(&server, "/api/v1/nodes").status, 200);
    assert_eq!(get(&server, "/api/v1/pods").status, 200);
    let expired = get(&server, "/api/v1/nodes");
    assert_eq!(
        (expired.status, expired.body.as_slice()),
        (401, unauthorized.as_bytes())
    );
}

#[test]
fn forbidden_answers_carry_the_rbac_message() {
    let faults = Faults {
        forbidden: vec![
            ("list".into(), "pods".into()),
            ("get".into(), "nodes/proxy".into()),
        ],
        ..Faults::default()
    };
    let server = Server::start(cluster(), faults);
    let pods = get(&server, "/api/v1/pods?limit=500");
    assert_eq!(pods.status, 403);
    assert_eq!(
        String::from_utf8(pods.body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:runtime-audit:runtime-audit\" cannot list resource \"pods\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"pods"},"code":403}"#
    );
    let in_namespace = get(&server, "/api/v1/namespaces/default/pods").json();
    assert!(
        in_namespace["message"]
            .as_str()
            .unwrap()
            .ends_with(r#"in API group "" in the namespace "default""#)
    );
    let proxy = get(&server, "/api/v1/nodes/n1/proxy/configz").json();
    assert_eq!(proxy["code"], 403);
    assert_eq!(
        proxy["message"],
        r#"nodes "n1" is forbidden: User "system:serviceaccount:runtime-audit:runtime-audit" cannot get resource "nodes/proxy" in API group "" at the cluster scope"#
    );
    assert_eq!(proxy["details"], json!({"name": "n1", "kind": "nodes"}));
    assert_eq!(get(&server, "/api/v1/nodes").status, 200);
}

#[test]
fn too_many_requests_come_first_with_retry_after() {
    let faults = Faults {
        too_many_requests: 2,
        ..Faults::default()
    };
    let server = Server::start(cluster(), faults);
    for _ in 0..2 {
        let reply = get(&server, "/api/v1/nodes");
        assert_eq!(reply.status, 429);
        assert_eq!(reply.header("retry-after"), "1");
        assert_eq!(reply.body, b"Too many requests, please try again later.\n");
    }
    assert_eq!(get(&server, "/api/v1/nodes").status, 200);
}

#[test]
fn slow_hanging_and_html_paths() {
    let faults = Faults {
        slow: vec![("/api/v1/nodes".into(), Duration::from_millis(400))],
        hang: vec!["/api/v1/namespaces/default".into()],
        html: vec!["/apis".into()],
        ..Faults::default()
    };
    let server = Server::start(cluster(), faults);
    let started = Instant::now();
    assert_eq!(get(&server, "/api/v1/nodes").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));

    let hung = send(
        &server,
        "/api/v1/namespaces/default/pods",
        Some(&server.token),
        None,
        "127.0.0.1",
        Some(Duration::from_millis(500)),
    );
    assert!(hung.is_none(), "a hanging path never answers");
    assert_eq!(get(&server, "/api/v1/pods").status, 200, "others still do");

    let html: Reply = get(&server, "/apis/apps/v1/deployments");
    assert_eq!(html.status, 200);
    assert_eq!(html.header("content-type"), "text/html; charset=utf-8");
    assert!(String::from_utf8(html.body).unwrap().contains("<form"));
    let hung_log = server
        .requests()
        .into_iter()
        .find(|entry| entry.path.starts_with("/api/v1/namespaces/default"));
    assert_eq!(hung_log.unwrap().status, 0);
}

#[test]
fn configz_of_an_unreachable_or_unknown_node() {
    let faults = Faults {
        configz_missing: vec!["n1".into()],
        ..Faults::default()
    };
    let mut cluster = cluster();
    cluster.set_default_configz(br#"{"kubeletconfig":{}}"#.to_vec());
    let server = Server::start(cluster, faults);
    let unreachable = get(&server, "/api/v1/nodes/n1/proxy/configz");
    assert_eq!(unreachable.status, 503);
    let status = unreachable.json();
    assert_eq!(status["reason"], "ServiceUnavailable");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .starts_with("error trying to reach service: dial tcp 10.0.0.1:10250: ")
    );
    assert_eq!(
        get(&server, "/api/v1/nodes/n2/proxy/configz").body,
        br#"{"kubeletconfig":{}}"#
    );
    let unknown = get(&server, "/api/v1/nodes/n9/proxy/configz").json();
    assert_eq!(unknown["message"], r#"nodes "n9" not found"#);
}

#[test]
fn starts_and_stops_inside_an_async_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime.block_on(async {
        let server = Server::start(cluster(), Faults::default());
        let url = server.url.clone();
        drop(server);
        url
    });
    assert!(url.starts_with("https://127.0.0.1:"));
}

#[test]
fn the_binary_serves_files_and_writes_its_kubeconfig() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = std::env::temp_dir().join(format!("kube-double-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let objects = dir.join("objects.json");
    std::fs::write(
        &objects,
        format!("[{},{}]", node("n1", "10.0.0.1"), pod("a", "p", "n1")),
    )
    .unwrap();
    let configz = dir.join("configz.json");
    std::fs::write(&configz, br#"{"kubeletconfig":{"port":10250}}"#).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kube-double"))
        .arg("--objects")
        .arg(&objects)
        .arg("--configz")
        .arg(format!("n1={}", configz.display()))
        .arg("--kubeconfig-out")
        .arg(&kubeconfig)
        .args(["--token", "fixed-token"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let url = line.trim().strip_prefix("ready ").unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{line}");
    assert!(written.contains(&format!("server: {url}\n")));
    assert!(written.contains("token: fixed-token\n"));
}

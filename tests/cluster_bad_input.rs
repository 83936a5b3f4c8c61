//! `runtime-audit cluster` on input that is not what it should be: each problem is named with
//! its file and line, the rest of the input is still read, and exit 2 comes only when nothing
//! at all could be read. Random damage to a valid List never makes it panic or hang.

mod common;

use std::path::Path;

use proptest::prelude::*;

const NODE: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"agentpool":"a"}},"status":{"nodeInfo":{"containerRuntimeVersion":"docker://20.10.7","kubeletVersion":"v1.23.17"}}}"#;

fn list(items: &[&str]) -> String {
    format!(
        "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n{}\n    ],\n    \"kind\": \"List\"\n}}\n",
        items.join(",\n")
    )
}

/// Runs `cluster -f FILE --format json` on `text`; the exit code and the report.
fn audit(dir: &Path, name: &str, text: &[u8]) -> (i32, serde_json::Value) {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    let out = common::bin()
        .args(["cluster", "--format", "json", "-f"])
        .arg(&path)
        .output()
        .expect("run");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

fn problems(report: &serde_json::Value) -> Vec<String> {
    report["read"]["problems"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|s| s.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_malformed_object_is_named_and_the_others_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = list(&[
        r#"        {"kind":"Pod","metadata":{"name":3}}"#,
        r#"        {"metadata":{"name":"no-kind"}}"#,
        r#"        {"kind":"Widget","metadata":{"name":"w"}}"#,
        NODE,
    ]);
    let (code, report) = audit(dir.path(), "mixed.json", text.as_bytes());
    assert_eq!(
        code, 1,
        "the dockershim node still fails the audit: {report}"
    );
    assert_eq!(report["read"]["nodes"], 1);
    assert_eq!(report["read"]["other_kinds"]["Widget"], 1);
    let p = problems(&report);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].contains("mixed.json:4:") && p[0].contains("expected a string"),
        "{p:?}"
    );
    assert!(
        p[1].contains("mixed.json:5:") && p[1].contains("without `kind`"),
        "{p:?}"
    );
}

#[test]
fn html_truncated_empty_and_missing_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, report) = audit(
        dir.path(),
        "page.json",
        b"<html><body>502 Bad Gateway</body></html>\n",
    );
    assert_eq!(code, 2);
    assert!(
        problems(&report)[0].contains("like an HTML page"),
        "{report}"
    );

    let full = list(&[NODE, NODE]);
    let cut = &full.as_bytes()[..full.len() - 40];
    let (code, report) = audit(dir.path(), "cut.json", cut);
    assert_eq!(code, 1, "the objects before the cut are audited: {report}");
    assert!(
        problems(&report)[0].contains("ends inside an object"),
        "{report}"
    );

    let (code, report) = audit(dir.path(), "empty.json", b"");
    assert_eq!(code, 2);
    assert!(
        problems(&report)[0].contains("no Kubernetes object"),
        "{report}"
    );

    let out = common::bin()
        .args([
            "cluster",
            "--format",
            "json",
            "-f",
            "/nonexistent/objects.json",
            "-f",
        ])
        .arg(dir.path().join("cut.json"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "one input missing, the other read"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(problems(&report)[0].contains("cannot open /nonexistent/objects.json"));
}

#[test]
fn yaml_documents_and_standard_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = "apiVersion: v1\nkind: Node\nmetadata:\n  name: y1\nstatus:\n  nodeInfo:\n    containerRuntimeVersion: containerd://1.7.24\n    kubeletVersion: v1.29.1\n---\nkind: Pod\nmetadata: [not, a, map\n";
    let (code, report) = audit(dir.path(), "objects.yaml", yaml.as_bytes());
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["read"]["nodes"], 1);
    assert!(
        problems(&report)[0].contains("objects.yaml:10:"),
        "{report}"
    );

    let mut child = common::bin()
        .args(["cluster", "--format", "json", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(list(&[NODE]).as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["inputs"][0]["name"], "<stdin>");
    assert_eq!(report["read"]["nodes"], 1);
}

/// `bytes` with `byte` inserted or written at `at` and `cut` bytes cut from the end (both
/// taken modulo the length).
fn damage(mut bytes: Vec<u8>, cut: usize, at: usize, byte: u8, insert: bool) -> Vec<u8> {
    let at = at % bytes.len();
    if insert {
        bytes.insert(at, byte);
    } else {
        bytes[at] = byte;
    }
    bytes.truncate(bytes.len().saturating_sub(cut % bytes.len()));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases(32)))]

    /// Cut, overwrite or insert bytes anywhere in a valid List: the audit still answers with a
    /// report and exit 0, 1 or 2.
    #[test]
    fn damaged_lists_never_crash(cut in 0usize..2000, at in 0usize..2000, byte in any::<u8>(), insert in any::<bool>()) {
        let text = list(&[NODE, r#"        {"kind":"Pod","metadata":{"name":"p","namespace":"x"},"spec":{"volumes":[{"name":"s","hostPath":{"path":"/var/run/docker.sock"}}]}}"#, NODE]);
        let bytes = damage(text.into_bytes(), cut, at, byte, insert);
        let dir = tempfile::tempdir().expect("tempdir");
        let (code, _) = audit(dir.path(), "damaged.json", &bytes);
        prop_assert!((0..=2).contains(&code));
    }

    /// The same for a YAML List as `kubectl get -o yaml` prints it, read item by item: a
    /// damaged item or a cut anywhere still gives a report and exit 0, 1 or 2.
    #[test]
    fn damaged_yaml_lists_never_crash(cut in 0usize..2000, at in 0usize..2000, byte in any::<u8>(), insert in any::<bool>()) {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: n1\n  status:\n    nodeInfo:\n      containerRuntimeVersion: docker://20.10.7\n      kubeletVersion: v1.23.17\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    namespace: x\n  spec:\n    nodeName: n1\n    volumes:\n    - name: s\n      hostPath:\n        path: /var/run/docker.sock\n    containers:\n    - name: c\n      image: docker:24-dind\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
        let bytes = damage(text.as_bytes().to_vec(), cut, at, byte, insert);
        let dir = tempfile::tempdir().expect("tempdir");
        let (code, _) = audit(dir.path(), "damaged.yaml", &bytes);
        prop_assert!((0..=2).contains(&code));
    }
}

#[test]
fn a_policy_exception_names_a_workload_and_select_picks_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pods = common::repo().join("fixtures/clusters/rules/RAC04/log-collector-daemonset");
    std::fs::write(
        dir.path().join("policy.toml"),
        "[[exceptions]]\nrule = \"RAC04:docker-logs\"\npath = \"DaemonSet logging/fluent-bit\"\nreason = \"moves to the CRI parser in March\"\n",
    )
    .expect("write");
    let run = |extra: &[&str]| -> serde_json::Value {
        let out = common::bin()
            .args(["cluster", "--format", "json", "-f"])
            .arg(&pods)
            .args(extra)
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let plain = run(&[]);
    assert_eq!(
        plain["findings"].as_array().map(Vec::len),
        Some(1),
        "{plain}"
    );
    let policy = dir.path().join("policy.toml");
    let excepted = run(&["--config", policy.to_str().expect("utf-8")]);
    assert_eq!(
        excepted["findings"].as_array().map(Vec::len),
        Some(0),
        "{excepted}"
    );
    let rule = excepted["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == "RAC04"))
        .expect("RAC04 ran");
    assert_eq!(rule["suppressed"], 1);
    assert_eq!(rule["status"], "pass");
    let selected = run(&["--select", "RAC01,RAC02"]);
    let ran: Vec<&str> = selected["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ran, ["RAC01", "RAC02"]);
}

const POD_WITH_SOCKET: &str = r#"{"kind":"Pod","metadata":{"name":"NAME","namespace":"x"},"spec":{"nodeName":"n1","volumes":[{"name":"s","hostPath":{"path":"/var/run/docker.sock"}}],"containers":[{"name":"c","image":"i","volumeMounts":[{"name":"s","mountPath":"/s"}]}]}}"#;

fn pod(name: &str) -> String {
    POD_WITH_SOCKET.replace("NAME", name)
}

fn pods_found(report: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| {
            f["affected"]["pod_names"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn an_escape_split_by_a_read_boundary_keeps_every_object() {
    // The reader takes 4 MiB at a time: put the backslash of a `\n` on its last byte.
    const CHUNK: usize = 4 * 1024 * 1024;
    let dir = tempfile::tempdir().expect("tempdir");
    let head = format!("{{\"apiVersion\":\"v1\",\"items\":[{},", pod("p1"));
    let filler_start = head.len() + r#"{"kind":"ConfigMap","data":{"k":""#.len();
    let padding = CHUNK - 1 - filler_start;
    let text = format!(
        "{head}{{\"kind\":\"ConfigMap\",\"data\":{{\"k\":\"{}\\n\"}}}},{}],\"kind\":\"List\"}}",
        "a".repeat(padding),
        pod("p2")
    );
    assert_eq!(text.as_bytes()[CHUNK - 1], b'\\');
    let (code, report) = audit(dir.path(), "escape.json", text.as_bytes());
    assert_eq!(code, 1, "{}", report["read"]);
    assert_eq!(pods_found(&report), ["x/p1", "x/p2"]);
    assert_eq!(report["read"]["other_kinds"]["ConfigMap"], 1);
}

#[test]
fn stray_text_after_objects_keeps_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{}\nError from server (Forbidden): pods is forbidden\n",
        list(&[&pod("a"), &pod("b")])
    );
    let (code, report) = audit(dir.path(), "trailing.json", text.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(pods_found(&report), ["x/a", "x/b"]);
    assert!(
        problems(&report)[0].contains("trailing.json:10: not JSON"),
        "{report}"
    );
}

#[test]
fn lists_inside_lists_a_byte_order_mark_and_objects_without_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = format!(
        "[{{\"kind\":\"List\",\"items\":[{}]}},{{\"kind\":\"List\",\"items\":[{}]}}]",
        pod("a"),
        pod("b")
    );
    let (_, report) = audit(dir.path(), "nested.json", nested.as_bytes());
    assert_eq!(pods_found(&report), ["x/a", "x/b"]);

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(format!("{}\n{}\n", pod("c"), pod("d")).as_bytes());
    let (_, report) = audit(dir.path(), "bom.json", &bom);
    assert_eq!(pods_found(&report), ["x/c", "x/d"]);

    let (code, report) = audit(
        dir.path(),
        "nokind.json",
        br#"[{"a":1},{"metadata":{"name":"x"}}]"#,
    );
    assert_eq!(code, 2, "objects without kind are not read: {report}");
}

#[test]
fn roll_up_without_namespaces_static_pods_and_one_finding_per_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = "kind: Deployment\nmetadata: {name: web}\n---\nkind: ReplicaSet\nmetadata: {name: web-abc, ownerReferences: [{kind: Deployment, name: web, controller: true}]}\n---\nkind: Pod\nmetadata: {name: web-abc-1, ownerReferences: [{kind: ReplicaSet, name: web-abc, controller: true}]}\nspec: {nodeName: n1, volumes: [{name: s, hostPath: {path: /var/run/docker.sock}}]}\n---\nkind: Pod\nmetadata: {name: web-abc-2, ownerReferences: [{kind: ReplicaSet, name: web-abc, controller: true}]}\nspec: {nodeName: n2, volumes: [{name: t, hostPath: {path: /var/run/docker.sock/}}, {name: r, hostPath: {path: /run}}]}\n---\nkind: Pod\nmetadata: {name: etcd-cp1, namespace: kube-system, ownerReferences: [{kind: Node, name: cp1, controller: true}]}\nspec: {nodeName: cp1, volumes: [{name: s, hostPath: {path: /var/lib/docker}}]}\n";
    let (_, report) = audit(dir.path(), "objects.yaml", yaml.as_bytes());
    let found: Vec<(String, String, u64, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                format!(
                    "{} {}/{}",
                    f["object"]["kind"].as_str().unwrap_or(""),
                    f["object"]["namespace"].as_str().unwrap_or(""),
                    f["object"]["name"].as_str().unwrap_or("")
                ),
                f["case"].as_str().unwrap_or("").to_owned(),
                f["affected"]["pods"].as_u64().unwrap_or(0),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "Deployment default/web".to_owned(),
                "docker-socket".to_owned(),
                2,
                1
            ),
            (
                "Deployment default/web".to_owned(),
                "run-directory".to_owned(),
                1,
                1
            ),
            (
                "Pod kube-system/etcd-cp1".to_owned(),
                "docker-data".to_owned(),
                1,
                15
            ),
        ],
        "{report}"
    );
}

#[test]
fn an_input_given_twice_counts_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nodes.json");
    std::fs::write(&path, list(&[NODE])).expect("write");
    let out = common::bin()
        .args(["cluster", "--format", "json", "-f"])
        .arg(&path)
        .arg("-f")
        .arg(&path)
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["read"]["nodes"], 1);
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    assert!(
        problems(&report)[0].contains("Node n1 was read before"),
        "{report}"
    );
}

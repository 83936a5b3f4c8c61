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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Cut, overwrite or insert bytes anywhere in a valid List: the audit still answers with a
    /// report and exit 0, 1 or 2.
    #[test]
    fn damaged_lists_never_crash(cut in 0usize..2000, at in 0usize..2000, byte in any::<u8>(), insert in any::<bool>()) {
        let text = list(&[NODE, r#"        {"kind":"Pod","metadata":{"name":"p","namespace":"x"},"spec":{"volumes":[{"name":"s","hostPath":{"path":"/var/run/docker.sock"}}]}}"#, NODE]);
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        if insert {
            bytes.insert(at, byte);
        } else {
            bytes[at] = byte;
        }
        bytes.truncate(bytes.len().saturating_sub(cut % bytes.len()));
        let dir = tempfile::tempdir().expect("tempdir");
        let (code, _) = audit(dir.path(), "damaged.json", &bytes);
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

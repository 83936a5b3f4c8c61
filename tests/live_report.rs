//! How every output carries live facts: probed on this machine (sockets named explicitly on
//! a temporary root), recorded (`--save-live-facts` read back with `--live-facts`), and
//! offline. These need no daemon: a socket that nobody serves is still a socket to examine.

mod common;
mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;

use serde_json::Value;

use common::{findings, rule};
use support::{Node, code, run, stderr, stdout};

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(out), stderr(out)))
}

fn refs(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

/// A node root holding a bound (never accepting) world-writable socket.
struct Probed {
    node: Node,
    listener: UnixListener,
    socket: String,
    missing: String,
}

fn probed_node() -> Probed {
    let node = Node::new(&[]);
    let socket = node.file("c.sock");
    let listener = UnixListener::bind(&socket).expect("bind a unix socket");
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let missing = node.file("gone.sock").display().to_string();
    Probed {
        socket: socket.display().to_string(),
        missing,
        node,
        listener,
    }
}

#[test]
fn explicit_sockets_are_probed_and_reported_everywhere() {
    let p = probed_node();
    let args = |format: &'static str| {
        vec![
            "--root".to_owned(),
            ".".to_owned(),
            "--containerd-socket".to_owned(),
            p.socket.clone(),
            "--docker-socket".to_owned(),
            p.missing.clone(),
            "--probe-timeout".to_owned(),
            "300ms".to_owned(),
            "--format".to_owned(),
            format.to_owned(),
        ]
    };

    let a = args("json");
    let out = run(p.node.path(), &refs(&a));
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    let report = json(&out);
    let live = &report["live"];
    assert_eq!(live["mode"], "live");
    let sockets = live["sockets"].as_array().expect("sockets");
    let ours = sockets
        .iter()
        .find(|s| s["path"] == p.socket.as_str())
        .expect("the named socket is examined");
    assert_eq!(ours["state"], "socket");
    assert_eq!(ours["mode"], "0666");
    assert_eq!(ours["named_by"][0], "--containerd-socket");
    let gone = sockets
        .iter()
        .find(|s| s["path"] == p.missing.as_str())
        .expect("the named Docker socket is examined");
    assert_eq!(gone["state"], "missing");

    // The world-writable socket is RA808's, at the socket (no file names it).
    let ww: Vec<_> = findings(&report, "RA808")
        .into_iter()
        .filter(|f| f["case"] == "world-writable")
        .collect();
    assert_eq!(ww.len(), 1, "{report}");
    assert_eq!(ww[0]["location"]["file"], p.socket.as_str());
    // Docker is not there: its rules say so rather than pass.
    assert_eq!(rule(&report, "RA806")["status"], "not-applicable");
    assert!(
        rule(&report, "RA806")["reason"]
            .as_str()
            .unwrap_or("")
            .contains("does not exist")
    );

    let h = args("human");
    let human = stdout(&run(p.node.path(), &refs(&h)));
    assert!(
        human.contains("  live     probed: "),
        "the summary says the facts were probed:\n{human}"
    );

    let s = args("sarif");
    let sarif: Value = json(&run(p.node.path(), &refs(&s)));
    assert_eq!(sarif["runs"][0]["properties"]["live"]["mode"], "live");
    assert!(
        sarif["runs"][0]["properties"]["live"]["sockets"][0]
            .get("namedBy")
            .is_some()
    );
}

#[test]
fn recorded_facts_round_trip() {
    let p = probed_node();
    let saved = p.node.file("facts.json");
    let out = run(
        p.node.path(),
        &[
            "--root",
            ".",
            "--containerd-socket",
            &p.socket,
            "--probe-timeout",
            "300ms",
            "--format",
            "json",
            "--save-live-facts",
            "facts.json",
        ],
    );
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    let probed = json(&out);
    let text = std::fs::read_to_string(&saved).expect("--save-live-facts wrote the facts");
    let facts: Value = serde_json::from_str(&text).expect("the facts are JSON");
    assert_eq!(facts["mode"]["mode"], "live");
    assert_eq!(facts["sockets"][0]["path"], p.socket.as_str());

    // Read back: the same sockets and verdicts, now marked as recorded from the file.
    drop(p.listener);
    let out = run(
        p.node.path(),
        &[
            "--root",
            ".",
            "--live-facts",
            "facts.json",
            "--format",
            "json",
        ],
    );
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    let recorded = json(&out);
    assert_eq!(recorded["live"]["mode"], "recorded");
    assert_eq!(recorded["live"]["source"], "facts.json");
    assert_eq!(recorded["live"]["sockets"], probed["live"]["sockets"]);
    for id in ["RA801", "RA808", "RA809"] {
        assert_eq!(
            rule(&recorded, id)["status"],
            rule(&probed, id)["status"],
            "{id}"
        );
    }
    let human = stdout(&run(
        p.node.path(),
        &["--root", ".", "--live-facts", "facts.json"],
    ));
    assert!(
        human.contains("  live     recorded from facts.json: "),
        "{human}"
    );
}

#[test]
fn a_broken_facts_file_stops_the_audit() {
    let node = Node::new(&[("facts.json", "{\"mode\": ")]);
    let out = run(node.path(), &["--root", ".", "--live-facts", "facts.json"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("facts.json:1:"), "{}", stderr(&out));
}

#[test]
fn an_unknown_socket_namer_is_named_with_the_ones_expected() {
    let facts = r#"{"mode": {"mode": "live"}, "sockets": [
        {"path": "/run/containerd/containerd.sock", "named_by": ["my own script"],
         "state": {"state": "missing"}}]}"#;
    let node = Node::new(&[("facts.json", facts)]);
    let out = run(node.path(), &["--root", ".", "--live-facts", "facts.json"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("facts.json:2:"), "{err}");
    assert!(err.contains("`my own script`"), "{err}");
    assert!(err.contains("kubelet runtime endpoint"), "{err}");
}

#[test]
fn offline_says_why_and_live_rules_do_not_pass() {
    let node = Node::new(&[]);
    let out = run(
        node.path(),
        &["--root", ".", "--offline", "--format", "json"],
    );
    let report = json(&out);
    assert_eq!(report["live"]["mode"], "offline");
    assert_eq!(report["live"]["reason"], "--offline");
    for id in [
        "RA801", "RA802", "RA803", "RA804", "RA805", "RA806", "RA808", "RA809", "RA903",
    ] {
        assert_eq!(
            rule(&report, id)["status"],
            "not-applicable",
            "{id} without probes"
        );
    }
    let human = stdout(&run(node.path(), &["--root", ".", "--offline"]));
    assert!(human.contains("  live     offline: --offline"), "{human}");
    let inspect = stdout(&run(
        node.path(),
        &["inspect", "--root", ".", "--offline", "--color", "never"],
    ));
    assert!(
        inspect.contains("Live facts") && inspect.contains("--offline"),
        "{inspect}"
    );
}

#[test]
fn failed_probes_are_listed_in_the_summary() {
    let node = Node::new(&[]);
    std::fs::copy(
        common::repo().join("fixtures/rules/RA801/no-answer/live-facts.json"),
        node.file("facts.json"),
    )
    .expect("copy recorded facts");
    let human = stdout(&run(
        node.path(),
        &["--root", ".", "--live-facts", "facts.json"],
    ));
    assert!(
        human.contains("failed probes:")
            && human
                .contains("CRI on /run/containerd/containerd.sock: timeout (no answer within 2s)"),
        "{human}"
    );
}

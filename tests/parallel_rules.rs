//! Rules run one after another on a small node and on rayon's pool on a big one
//! (`engine::PARALLEL_FROM_BYTES`); both ways must give the same report. Each whole-node
//! fixture is audited as it is and with its config.toml grown past the threshold by comments,
//! which change nothing else.

mod common;

use std::process::Command;

use runtime_audit::collect::live::LiveOptions;
use runtime_audit::collect::{CollectOptions, collect};
use runtime_audit::engine::{PARALLEL_FROM_BYTES, parallel_pays};
use serde_json::Value;

/// Whether the engine runs the rules of the node at `root` in parallel.
fn runs_in_parallel(root: &std::path::Path) -> bool {
    let opts = CollectOptions {
        root: root.to_path_buf(),
        containerd_config: None,
        node_file: None,
        node_name: None,
        kubernetes_version: None,
        containerd_version: None,
        policy_file: None,
        today: None,
        live: LiveOptions::Offline {
            reason: "files only".into(),
        },
        ..CollectOptions::default()
    };
    let snapshot = collect(&opts).expect("collect the node");
    parallel_pays(&snapshot)
}

/// What must not depend on how the rules were run.
fn verdict(report: &Value) -> (Value, Value) {
    (report["findings"].clone(), report["rules"].clone())
}

#[test]
fn parallel_and_sequential_rules_agree_on_every_whole_node_fixture() {
    let nodes: Vec<_> = common::scenarios()
        .into_iter()
        .filter(|s| s.name.starts_with("nodes/"))
        .filter(|s| s.dir.join("etc/containerd/config.toml").is_file())
        .collect();
    assert!(nodes.len() >= 3, "whole-node fixtures with a config.toml");
    let mut compared_findings = 0;
    for node in nodes {
        let small = common::run_json(&node.dir, &node.args(), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", node.name));

        let copy = tempfile::tempdir().expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", node.dir.display()))
            .arg(copy.path())
            .status()
            .expect("run cp");
        assert!(status.success(), "copy {}", node.name);
        let config = copy.path().join("etc/containerd/config.toml");
        let mut text = std::fs::read_to_string(&config).expect("read config.toml");
        let line = "# padding that makes this node big enough for the rules to run in parallel\n";
        text.push('\n');
        while text.len() < PARALLEL_FROM_BYTES + 1024 {
            text.push_str(line);
        }
        std::fs::write(&config, text).expect("write config.toml");
        assert!(
            !runs_in_parallel(&node.dir),
            "{}: small, one after another",
            node.name
        );
        assert!(
            runs_in_parallel(copy.path()),
            "{}: padded, in parallel",
            node.name
        );
        let big = common::run_json(copy.path(), &node.args(), &[])
            .unwrap_or_else(|e| panic!("{} (padded): {e}", node.name));

        assert_eq!(
            verdict(&small),
            verdict(&big),
            "{}: the rules' findings and outcomes differ when run in parallel",
            node.name
        );
        compared_findings += small["findings"].as_array().map_or(0, Vec::len);
    }
    assert!(
        compared_findings > 10,
        "the fixtures' findings were compared"
    );
}

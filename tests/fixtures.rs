//! Fixture scenarios: each `fixtures/**/scenario.toml` sits at the root of a node filesystem
//! tree. The binary is the unit under test: it runs with `--root <scenario>` and the result
//! is checked against the scenario's expectations, then snapshotted.
//!
//! scenario.toml:
//! ```toml
//! description = "what this node is"
//! args = ["--kubernetes-version", "1.29"]   # extra arguments
//! node_file = "node.yaml"                    # a Node object next to scenario.toml
//! # Whole-node scenarios (fixtures/nodes/): the exact set of failing rules.
//! fail = ["RA101", "RA201"]
//! # Rule scenarios (fixtures/rules/RAxxx/<name>/): one rule's status, and optionally the
//! # exact list of cases it reports (sorted).
//! rule = "RA101"
//! expect = "fail"            # fail | pass | not-applicable | inconclusive
//! cases = ["disabled"]
//! ```

mod common;

use std::collections::BTreeSet;

use common::{Scenario, run_json, scenarios};

fn check(scenario: &Scenario) -> Result<(), String> {
    let report = run_json(&scenario.dir, &scenario.args(), &[])?;
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let rules = report["rules"].as_array().cloned().unwrap_or_default();

    // Every finding keeps the promise: file, what is wrong, what happens, the fix.
    for f in &findings {
        for field in ["message", "impact", "fix"] {
            let text = f[field].as_str().unwrap_or("");
            if text.trim().is_empty() {
                return Err(format!("finding {} has an empty {field}: {f}", f["rule"]));
            }
        }
        if f["location"]["file"].as_str().unwrap_or("").is_empty() {
            return Err(format!("finding {} has no location: {f}", f["rule"]));
        }
    }

    let failing: BTreeSet<String> = rules
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap_or("").to_owned())
        .collect();

    if let Some(expected) = &scenario.fail {
        let expected: BTreeSet<String> = expected.iter().cloned().collect();
        if failing != expected {
            let extra: Vec<_> = failing.difference(&expected).collect();
            let missing: Vec<_> = expected.difference(&failing).collect();
            return Err(format!(
                "failing rules differ: unexpected {extra:?}, missing {missing:?}\n{}",
                summarize(&findings)
            ));
        }
    }
    if let Some(rule) = &scenario.rule {
        let status = rules
            .iter()
            .find(|r| r["id"] == rule.as_str())
            .map(|r| r["status"].as_str().unwrap_or("").to_owned())
            .ok_or_else(|| format!("rule {rule} did not run"))?;
        let expect = scenario.expect.as_deref().unwrap_or("fail");
        if status != expect {
            return Err(format!(
                "{rule} is {status}, expected {expect}\n{}",
                summarize(&findings)
            ));
        }
        if let Some(cases) = &scenario.cases {
            let mut got: Vec<String> = findings
                .iter()
                .filter(|f| f["rule"] == rule.as_str())
                .map(|f| f["case"].as_str().unwrap_or("").to_owned())
                .collect();
            got.sort();
            let mut want = cases.clone();
            want.sort();
            if got != want {
                return Err(format!(
                    "{rule} cases {got:?}, expected {want:?}\n{}",
                    summarize(&findings)
                ));
            }
        }
    }
    Ok(())
}

fn summarize(findings: &[serde_json::Value]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  {} [{}] {}:{} {}",
                f["rule"].as_str().unwrap_or(""),
                f["case"].as_str().unwrap_or(""),
                f["location"]["file"].as_str().unwrap_or(""),
                f["location"]["line"],
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_scenario_meets_its_expectations() {
    let all = scenarios();
    assert!(!all.is_empty(), "no scenarios found under fixtures/");
    common::assert_all(&all, |s| &s.name, check);
}

#[test]
fn human_output_snapshots() {
    common::human_snapshots(|| {
        for s in scenarios() {
            let text =
                common::run_human(&s.dir, &s.args()).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            insta::assert_snapshot!(s.snapshot_name(), text);
        }
    });
}

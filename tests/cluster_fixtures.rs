//! Cluster scenarios (fixtures/clusters/rules/RACxx/<name>/): `runtime-audit cluster` on the
//! scenario's objects meets the scenario's expectations, keeps the finding promise (an object,
//! what is wrong, what happens, the fix), and prints what the snapshots hold.

mod common;

use common::{ClusterScenario, cluster_scenarios};

fn check(s: &ClusterScenario) -> Result<(), String> {
    let text = s.run(&["--format", "json"])?;
    let report: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("bad JSON ({e}): {text}"))?;
    let errors: Vec<String> = schema_validator()
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "not a valid runtime-audit-cluster/1 report: {errors:?}"
        ));
    }
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for f in &findings {
        for field in ["message", "impact", "fix"] {
            if f[field].as_str().unwrap_or("").trim().is_empty() {
                return Err(format!("finding {} has an empty {field}: {f}", f["rule"]));
            }
        }
        let object = &f["object"];
        if object["kind"].as_str().unwrap_or("").is_empty()
            || object["name"].as_str().unwrap_or("").is_empty()
        {
            return Err(format!("finding {} names no object: {f}", f["rule"]));
        }
        // Objects of the API have no file; objects of files have their file and line.
        if s.api {
            if !f["location"].is_null() {
                return Err(format!("finding {} of the API has a file: {f}", f["rule"]));
            }
        } else if f["location"]["file"].as_str().unwrap_or("").is_empty()
            || f["location"]["line"].as_u64().unwrap_or(0) == 0
        {
            return Err(format!("finding {} has no file and line: {f}", f["rule"]));
        }
    }
    let status = report["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == s.rule.as_str()))
        .and_then(|r| r["status"].as_str())
        .ok_or_else(|| format!("{} did not run", s.rule))?;
    if status != s.expect {
        return Err(format!(
            "{} is {status}, expected {}: {text}",
            s.rule, s.expect
        ));
    }
    if let Some(cases) = &s.cases {
        let mut got: Vec<String> = findings
            .iter()
            .filter(|f| f["rule"] == s.rule.as_str())
            .map(|f| f["case"].as_str().unwrap_or("").to_owned())
            .collect();
        got.sort();
        let mut want = cases.clone();
        want.sort();
        if got != want {
            return Err(format!("{} cases {got:?}, expected {want:?}", s.rule));
        }
    }
    Ok(())
}

/// docs/cluster-report.schema.json, strict: no field the schema does not document.
fn schema_validator() -> jsonschema::Validator {
    fn forbid_unknown(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert(
                        "additionalProperties".into(),
                        serde_json::Value::Bool(false),
                    );
                }
                map.values_mut().for_each(forbid_unknown);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(forbid_unknown),
            _ => {}
        }
    }
    let path = common::repo().join("docs/cluster-report.schema.json");
    let text = std::fs::read_to_string(&path).expect("read docs/cluster-report.schema.json");
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    forbid_unknown(&mut schema);
    jsonschema::validator_for(&schema).expect("a valid schema")
}

#[test]
fn every_cluster_scenario_meets_its_expectations() {
    let all = cluster_scenarios();
    assert!(
        !all.is_empty(),
        "no scenarios under fixtures/clusters/rules"
    );
    common::assert_all(&all, |s| &s.name, check);
}

#[test]
fn cluster_human_output_snapshots() {
    common::human_snapshots(|| {
        for s in cluster_scenarios() {
            let text = s.run(&[]).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            insta::assert_snapshot!(s.snapshot_name(), text);
        }
    });
}

#[test]
fn cluster_sarif_passes_the_validator() {
    let validator = common::sarif_validator();
    assert!(
        validator.is_file(),
        "SARIF VALIDATOR MISSING: {} not found (set SARIF_VALIDATE to the sarif-validate script)",
        validator.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for s in cluster_scenarios() {
        let text = s
            .run(&["--format", "sarif"])
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let path = dir.path().join(format!("{}.sarif", s.snapshot_name()));
        std::fs::write(&path, text).expect("write");
        files.push(path);
    }
    let out = std::process::Command::new(&validator)
        .args(&files)
        .output()
        .expect("run the validator");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

//! The JSON report of every fixture scenario (and of a clean run and an in-memory report with
//! every location shape) validates against `docs/report.schema.json` — and against a strict
//! copy that forbids fields the schema does not document, so the schema and
//! `docs/json-report.md` cannot fall behind the code.

mod common;
mod support;

use serde_json::Value;

use support::{Node, code, run, stderr};

fn load_schema() -> Value {
    let path = common::repo().join("docs/report.schema.json");
    let text = std::fs::read_to_string(&path).expect("read docs/report.schema.json");
    serde_json::from_str(&text).expect("docs/report.schema.json is JSON")
}

/// The schema with `additionalProperties: false` on every object that lists properties.
fn strict(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                for child in map.values_mut() {
                    walk(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

fn validators() -> Vec<(&'static str, jsonschema::Validator)> {
    let schema = load_schema();
    let build = |s: &Value| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(s)
            .expect("the report schema compiles")
    };
    vec![
        ("schema", build(&schema)),
        ("strict schema", build(&strict(schema))),
    ]
}

fn reports() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for s in common::scenarios() {
        match common::run_json(&s.dir, &s.args(), &[]) {
            Ok(v) => out.push((s.name.clone(), v)),
            Err(e) => failures.push(format!("{}: {e}", s.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let clean = Node::new(&[]);
    out.push((
        "clean run".into(),
        common::run_json(clean.path(), &[], &[]).expect("clean run"),
    ));
    let policy = Node::new(&[("runtime-audit.toml", &support::expired_policy(""))]);
    out.push((
        "expired exception".into(),
        common::run_json(policy.path(), &[], &[]).expect("policy run"),
    ));
    // Probed on this machine: a socket named explicitly (bound, never answering) and a
    // missing one.
    let probed = Node::new(&[]);
    let socket = probed.file("c.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    let socket = socket.display().to_string();
    out.push((
        "probed run".into(),
        common::run_json(
            probed.path(),
            &[
                "--containerd-socket".into(),
                socket,
                "--docker-socket".into(),
                probed.file("gone.sock").display().to_string(),
                "--probe-timeout".into(),
                "300ms".into(),
            ],
            &[],
        )
        .expect("probed run"),
    ));
    let synthetic = runtime_audit::report::json::render(&support::synthetic_report());
    out.push((
        "in-memory report".into(),
        serde_json::from_str(&synthetic).expect("JSON"),
    ));
    out
}

#[test]
fn every_report_matches_the_documented_schema() {
    let validators = validators();
    let mut problems = Vec::new();
    for (name, report) in reports() {
        for (which, v) in &validators {
            for e in v.iter_errors(&report) {
                problems.push(format!("{name} ({which}): {e} at {}", e.instance_path()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_rejects_what_it_should() {
    let validators = validators();
    let good: Value = serde_json::from_str(&runtime_audit::report::json::render(
        &support::synthetic_report(),
    ))
    .expect("JSON");
    let mut no_fix = good.clone();
    no_fix["findings"][0]
        .as_object_mut()
        .expect("finding")
        .remove("fix");
    let mut bad_status = good.clone();
    bad_status["rules"][0]["status"] = "skipped".into();
    let mut extra = good.clone();
    extra["findings"][0]["undocumented"] = true.into();
    for (which, v) in &validators {
        assert!(v.is_valid(&good), "{which}");
        assert!(
            !v.is_valid(&no_fix),
            "{which} accepts a finding without fix"
        );
        assert!(
            !v.is_valid(&bad_status),
            "{which} accepts an unknown status"
        );
    }
    assert!(
        validators[0].1.is_valid(&extra),
        "new fields are compatible"
    );
    assert!(
        !validators[1].1.is_valid(&extra),
        "strict schema catches undocumented fields"
    );
}

/// Every property name anywhere in a schema.
fn names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|c| names(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| names(c, out)),
        _ => {}
    }
}

#[test]
fn every_field_in_the_schema_is_documented() {
    let doc = std::fs::read_to_string(common::repo().join("docs/json-report.md"))
        .expect("read docs/json-report.md");
    let mut missing = Vec::new();
    let mut all = Vec::new();
    names(&load_schema(), &mut all);
    all.sort();
    all.dedup();
    for n in all {
        if !doc.contains(&format!("`{n}`")) {
            missing.push(n);
        }
    }
    assert!(
        missing.is_empty(),
        "fields not documented in docs/json-report.md: {missing:?}"
    );
}

#[test]
fn json_and_exit_code_agree() {
    let policy = Node::new(&[("runtime-audit.toml", &support::expired_policy(""))]);
    for (fail_on, expected) in [("warning", 1), ("error", 0)] {
        let out = run(
            policy.path(),
            &["--root", ".", "--format", "json", "--fail-on", fail_on],
        );
        assert_eq!(code(&out), expected, "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["summary"]["exit_code"], expected);
        assert_eq!(v["summary"]["fail_on"], fail_on);
    }
}

//! SARIF output: every fixture scenario, a clean run and an in-memory report with every
//! location shape must be valid against the official SARIF 2.1.0 schema, keep GitHub code
//! scanning's ingestion rules, and pass Microsoft's SARIF validator
//! (`../shared/tools/sarif-validate`, SARIF and GitHub rule sets) with no error and no
//! warning.
//!
//! The validator starts two .NET processes per file (measured on 2 shared cores: 2.5-4 s for
//! a one-run file, 7-12 s for a 20-run file), so the runs of all scenarios are merged into
//! files of at most 20 runs (GitHub's limit per file) and validated by two processes at once;
//! every run is validated exactly as written, and a clean run and the in-memory report are
//! also validated as the single-run files the tool writes.

mod common;
mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

use support::{Node, code, run, stderr, stdout};

/// GitHub rejects files with more runs than this.
const MAX_RUNS_PER_FILE: usize = 20;

struct Generated {
    name: String,
    log: Value,
}

/// The SARIF of one scenario, run the way tests/fixtures.rs runs it.
fn scenario_sarif(s: &common::Scenario) -> Result<Value, String> {
    let mut args: Vec<String> = vec![
        "--root".into(),
        ".".into(),
        "--format".into(),
        "sarif".into(),
    ];
    args.extend(s.args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&s.dir, &refs);
    if !matches!(code(&out), 0 | 1) {
        return Err(format!("exit {}: {}", code(&out), stderr(&out)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("not JSON: {e}\n{}", stdout(&out)))
}

fn clean_sarif() -> Value {
    let node = Node::new(&[]);
    let out = run(node.path(), &["--root", ".", "--format", "sarif"]);
    assert_eq!(code(&out), 0, "clean run: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("clean SARIF is JSON")
}

fn synthetic_sarif() -> Value {
    let report = support::synthetic_report();
    serde_json::from_str(&runtime_audit::report::sarif::render(&report)).expect("SARIF is JSON")
}

/// Every log to check: all scenarios, a clean run, the in-memory report (generated once for
/// all the tests of this file).
fn generate() -> &'static [Generated] {
    static LOGS: OnceLock<Vec<Generated>> = OnceLock::new();
    LOGS.get_or_init(generate_all)
}

fn generate_all() -> Vec<Generated> {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for s in common::scenarios() {
        match scenario_sarif(&s) {
            Ok(log) => out.push(Generated {
                name: s.name.clone(),
                log,
            }),
            Err(e) => failures.push(format!("{}: {e}", s.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "SARIF generation failed:\n{}",
        failures.join("\n")
    );
    out.push(Generated {
        name: "clean run".into(),
        log: clean_sarif(),
    });
    out.push(Generated {
        name: "in-memory report with every location shape".into(),
        log: synthetic_sarif(),
    });
    out
}

// ---- the official schema ----------------------------------------------------------------

/// The official SARIF 2.1.0 schema (as shipped in serde-sarif's sources), with the malformed
/// `language` pattern of the original publication replaced by the corrected one from
/// OASIS Errata 01.
fn schema() -> jsonschema::Validator {
    let path = common::repo().join("tests/data/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("read the SARIF schema");
    let broken = r#""pattern": "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(
        text.matches(broken).count(),
        2,
        "the schema's malformed `language` patterns were not found; was the file replaced?"
    );
    let fixed = text.replace(broken, r#""pattern": "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&fixed).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn sarif_matches_the_official_schema() {
    let validator = schema();
    let mut problems = Vec::new();
    for g in generate() {
        for e in validator.iter_errors(&g.log) {
            problems.push(format!("{}: {} at {}", g.name, e, e.instance_path()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_check_rejects_a_broken_log() {
    // The schema check can fail: a result without a message is not SARIF.
    let validator = schema();
    let mut log = synthetic_sarif();
    log["runs"][0]["results"][0]
        .as_object_mut()
        .expect("result")
        .remove("message");
    assert!(!validator.is_valid(&log));
}

// ---- GitHub code scanning's rules (docs: "SARIF support for code scanning") --------------

fn nonempty(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}

/// What GitHub enforces or needs on upload, checked per log.
fn github_problems(name: &str, log: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let mut say = |m: String| p.push(format!("{name}: {m}"));
    if log["version"] != "2.1.0" {
        say("version is not 2.1.0".into());
    }
    let runs = log["runs"].as_array().cloned().unwrap_or_default();
    if runs.len() != 1 {
        say(format!("{} runs, expected one per node", runs.len()));
    }
    for run in &runs {
        run_problems(run, &mut say);
    }
    p
}

/// One run: its tool, automation id, column kind and invocation, then its rules and results.
fn run_problems(run: &Value, say: &mut impl FnMut(String)) {
    let driver = &run["tool"]["driver"];
    if driver["name"] != "runtime-audit" || !nonempty(&driver["semanticVersion"]) {
        say("driver name or semanticVersion missing".into());
    }
    let id = run["automationDetails"]["id"].as_str().unwrap_or("");
    if !(id.starts_with("runtime-audit/") && id.ends_with('/')) {
        say(format!(
            "automationDetails.id {id:?} is not runtime-audit/<node>/"
        ));
    }
    if run["columnKind"] != "unicodeCodePoints" {
        say("columnKind is not unicodeCodePoints".into());
    }
    if run["invocations"][0]["executionSuccessful"] != true {
        say("invocation not marked successful".into());
    }
    let rules = driver["rules"].as_array().cloned().unwrap_or_default();
    rule_problems(&rules, say);
    let Some(results) = run["results"].as_array() else {
        say("run without a results array (GitHub rejects it)".into());
        return;
    };
    for (i, r) in results.iter().enumerate() {
        result_problems(i, r, &rules, say);
    }
}

/// The rule descriptors: unique ids, texts within GitHub's limits, a level, tags, precision.
fn rule_problems(rules: &[Value], say: &mut impl FnMut(String)) {
    let mut ids = HashSet::new();
    for r in rules {
        let rid = r["id"].as_str().unwrap_or("");
        if !ids.insert(rid.to_owned()) {
            say(format!("rule {rid} listed twice"));
        }
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = &r[field]["text"];
            if !nonempty(text)
                || text
                    .as_str()
                    .is_some_and(|t| t.chars().count() > 1024 && field != "help")
            {
                say(format!(
                    "rule {rid}: {field}.text empty or over 1024 characters"
                ));
            }
        }
        if !nonempty(&r["help"]["markdown"]) {
            say(format!("rule {rid}: help.markdown missing"));
        }
        if !matches!(
            r["defaultConfiguration"]["level"].as_str(),
            Some("error" | "warning" | "note")
        ) {
            say(format!("rule {rid}: defaultConfiguration.level"));
        }
        let tags = r["properties"]["tags"].as_array().map_or(0, Vec::len);
        if tags == 0 || tags > 20 {
            say(format!("rule {rid}: {tags} tags"));
        }
        if !matches!(
            r["properties"]["precision"].as_str(),
            Some("very-high" | "high" | "medium" | "low")
        ) {
            say(format!("rule {rid}: precision"));
        }
    }
}

/// Result `i`: its rule, message, fingerprint and at least one location, each usable.
fn result_problems(i: usize, r: &Value, rules: &[Value], say: &mut impl FnMut(String)) {
    let rid = r["ruleId"].as_str().unwrap_or("");
    let idx = r["ruleIndex"].as_u64().and_then(|i| rules.get(i as usize));
    if idx.map(|d| &d["id"]) != Some(&Value::from(rid)) {
        say(format!("result {i}: ruleIndex does not point at {rid}"));
    }
    if !nonempty(&r["message"]["text"]) {
        say(format!("result {i}: empty message"));
    }
    let fp = r["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .unwrap_or("");
    if fp.is_empty() {
        say(format!("result {i}: no primaryLocationLineHash"));
    }
    let locs = r["locations"].as_array().cloned().unwrap_or_default();
    if locs.is_empty() {
        say(format!(
            "result {i}: no location (GitHub rejects the whole upload)"
        ));
    }
    let related = r["relatedLocations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for l in locs.iter().chain(related.iter()) {
        location_problems(i, l, say);
    }
}

/// A location of result `i`: a `file://` URI or a relative reference, and a start line.
fn location_problems(i: usize, l: &Value, say: &mut impl FnMut(String)) {
    let phys = &l["physicalLocation"];
    let uri = phys["artifactLocation"]["uri"].as_str().unwrap_or("");
    let absolute = uri.contains(':') && !uri.starts_with("file:///");
    if uri.is_empty() || absolute || uri.contains(' ') {
        say(format!(
            "result {i}: uri {uri:?} is not a file:// URI or a relative reference"
        ));
    }
    if uri.starts_with("file:") && !phys["artifactLocation"]["uriBaseId"].is_null() {
        say(format!("result {i}: uriBaseId with an absolute URI"));
    }
    if phys["region"]["startLine"].as_u64().unwrap_or(0) < 1 {
        say(format!("result {i}: no region.startLine >= 1"));
    }
}

#[test]
fn sarif_keeps_github_code_scanning_rules() {
    let problems: Vec<String> = generate()
        .iter()
        .flat_map(|g| github_problems(&g.name, &g.log))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn in_memory_report_maps_every_shape() {
    let log = synthetic_sarif();
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    let by_message = |m: &str| {
        results
            .iter()
            .find(|r| {
                r["message"]["text"]
                    .as_str()
                    .is_some_and(|t| t.to_lowercase().contains(&m.to_lowercase()))
            })
            .unwrap_or_else(|| panic!("no result about {m}"))
    };
    let main = by_message("the kubelet uses cgroupfs");
    let region = &main["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 15);
    assert_eq!(region["endColumn"], 23);
    assert_eq!(region["snippet"]["text"], "cgroupfs");
    assert_eq!(main["properties"]["actual"], "cgroupfs");
    assert_eq!(main["properties"]["expected"], "systemd");
    assert_eq!(main["properties"]["versions"][0]["component"], "kubelet");
    let related = main["relatedLocations"].as_array().expect("related");
    assert_eq!(related.len(), 3);
    assert_eq!(
        related[1]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///etc/containerd/config.toml"
    );
    assert_eq!(
        related[1]["physicalLocation"]["region"]["startColumn"], 2,
        "a tab is one column"
    );
    assert_eq!(related[2]["physicalLocation"]["region"]["startLine"], 1);
    let message = main["message"]["text"].as_str().unwrap_or("");
    assert!(
        message.starts_with("The kubelet uses cgroupfs"),
        "{message}"
    );
    assert!(message.contains("\nImpact: pods fail") && message.contains("\nFix: Set"));

    let path_only = by_message("the socket is a directory");
    assert_eq!(
        path_only["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///run/containerd/containerd.sock"
    );
    assert_eq!(
        path_only["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );

    let encoded = by_message("percent-encoding");
    assert_eq!(
        encoded["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///etc/containerd/certs.d/r.example%3A5000/hosts%20%231.toml"
    );
    assert_eq!(encoded["level"], "warning", "the policy's severity wins");
    assert_eq!(encoded["properties"]["defaultSeverity"], "note");

    let eof = by_message("end of the file");
    let r = &eof["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (r["startLine"].as_u64(), r["startColumn"].as_u64()),
        (Some(5), Some(9))
    );
    assert_eq!(r["startColumn"], r["endColumn"]);

    let multi = by_message("multi-line");
    let r = &multi["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (r["startLine"].as_u64(), r["endLine"].as_u64()),
        (Some(2), Some(3))
    );
    assert!(!r["snippet"]["text"].as_str().unwrap_or("").is_empty());

    let relative = by_message("policy file is empty");
    assert_eq!(
        relative["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "runtime-audit.toml"
    );

    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("inconclusive rules are notifications");
    assert_eq!(notes[0]["associatedRule"]["id"], "RA997");
    // Then one per live probe that got no answer: CRI status (timeout), Docker info (not
    // JSON), the kubelet's configz (403); the skipped CRI images probe is not one.
    let probe_notes: Vec<&str> = notes[1..]
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(probe_notes.len(), 3, "{probe_notes:?}");
    assert!(
        probe_notes[0].contains("CRI status on /run/containerd/containerd.sock failed (timeout)")
    );
    assert!(probe_notes[1].contains("Docker info on /var/run/docker.sock failed (protocol)"));
    let live = &run["properties"]["live"];
    assert_eq!(live["mode"], "recorded");
    assert_eq!(live["source"], "live-facts.json");
    assert_eq!(
        live["sockets"][0]["namedBy"][0], "kubelet runtime endpoint",
        "property bag keys are camelCase"
    );
    assert_eq!(
        live["endpoints"][0]["answered"],
        "containerd 1.7.13, CRI v1"
    );
    assert_eq!(run["automationDetails"]["id"], "runtime-audit/node-a/");
    assert_eq!(run["invocations"][0]["exitCode"], 1);
}

#[test]
fn a_kubelet_configz_that_failed_is_a_notification_and_a_live_property() {
    let log = synthetic_sarif();
    let run = &log["runs"][0];
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let last = notes.last().and_then(|n| n["message"]["text"].as_str());
    assert!(
        last.is_some_and(|t| t.contains(
            "kubelet configz of Node worker-1 failed (permission-denied): 403 Forbidden: the account may not get nodes/proxy"
        )),
        "{notes:?}"
    );
    assert_eq!(
        run["properties"]["live"]["kubelet"]["apiFailure"],
        "forbidden"
    );
}

#[test]
fn fingerprints_do_not_depend_on_lines() {
    // The same problem two lines further down keeps its fingerprint.
    let policy = support::expired_policy("");
    let a = Node::new(&[("runtime-audit.toml", &policy)]);
    let b = Node::new(&[("runtime-audit.toml", &format!("# moved\n\n{policy}"))]);
    let fp = |n: &Node| {
        let out = run(n.path(), &["--root", ".", "--format", "sarif"]);
        let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF");
        let r = &log["runs"][0]["results"][0];
        (
            r["partialFingerprints"]["primaryLocationLineHash"].clone(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (fa, la) = fp(&a);
    let (fb, lb) = fp(&b);
    assert!(fa.is_string());
    assert_eq!(fa, fb);
    assert_ne!(la, lb);
}

// ---- Microsoft's validator --------------------------------------------------------------

/// Logs merged into files of at most [`MAX_RUNS_PER_FILE`] runs; returns each file with the
/// names of its runs, in order.
fn batches(dir: &Path, logs: &[Generated]) -> Vec<(PathBuf, Vec<String>)> {
    let mut files = Vec::new();
    for (n, chunk) in logs.chunks(MAX_RUNS_PER_FILE).enumerate() {
        let mut merged = chunk[0].log.clone();
        let runs: Vec<Value> = chunk
            .iter()
            .flat_map(|g| g.log["runs"].as_array().cloned().unwrap_or_default())
            .collect();
        merged["runs"] = Value::Array(runs);
        let path = dir.join(format!("scenarios-{n:02}.sarif"));
        std::fs::write(&path, serde_json::to_string_pretty(&merged).expect("JSON")).expect("write");
        files.push((path, chunk.iter().map(|g| g.name.clone()).collect()));
    }
    files
}

#[test]
fn sarif_passes_microsofts_validator() {
    let script = common::sarif_validator();
    assert!(
        script.is_file(),
        "SARIF VALIDATOR MISSING: {} not found (set SARIF_VALIDATE to the sarif-validate script)",
        script.display()
    );
    let logs = generate();
    let dir = tempfile::tempdir().expect("temp dir");
    // The tool's own single-run files, as written by --sarif-output...
    let single = [
        ("clean run", dir.path().join("clean.sarif")),
        ("in-memory report", dir.path().join("shapes.sarif")),
    ];
    std::fs::write(
        &single[0].1,
        serde_json::to_string_pretty(&clean_sarif()).expect("JSON"),
    )
    .expect("write");
    std::fs::write(
        &single[1].1,
        runtime_audit::report::sarif::render(&support::synthetic_report()),
    )
    .expect("write");
    // ...and every run of every scenario, batched.
    let batched = batches(dir.path(), logs);
    let mut args: Vec<&Path> = single.iter().map(|(_, p)| p.as_path()).collect();
    args.extend(batched.iter().map(|(p, _)| p.as_path()));

    // The first file alone (it installs the multitool on first use), then the rest split
    // between two validator processes: each file costs two .NET start-ups.
    let started = Instant::now();
    let validate = |files: Vec<&Path>| {
        Command::new("bash")
            .arg(&script)
            .args(files)
            .output()
            .expect("run sarif-validate")
    };
    let mut outs = vec![validate(vec![args[0]])];
    let rest = &args[1..];
    let halves: Vec<Vec<&Path>> = (0..2)
        .map(|w| rest.iter().copied().skip(w).step_by(2).collect())
        .filter(|h: &Vec<&Path>| !h.is_empty())
        .collect();
    outs.extend(std::thread::scope(|scope| {
        let handles: Vec<_> = halves
            .into_iter()
            .map(|h| scope.spawn(move || validate(h)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("validator thread"))
            .collect::<Vec<_>>()
    }));
    let elapsed = started.elapsed();
    let text: String = outs
        .iter()
        .map(|o| format!("{}{}", stdout(o), stderr(o)))
        .collect();
    eprintln!(
        "sarif-validate: {} file(s), {} run(s), {:.1} s",
        args.len(),
        logs.len() + 2,
        elapsed.as_secs_f64()
    );
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        .collect();
    let index: String = batched
        .iter()
        .map(|(p, names)| {
            let list: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| format!("  runs[{i}] = {n}"))
                .collect();
            format!("{}:\n{}", p.display(), list.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        problems.is_empty(),
        "SARIF validator findings:\n{}\n\nrun index:\n{index}",
        problems.join("\n")
    );
    assert!(
        !text.contains("did not finish"),
        "the validator did not finish a file:\n{text}"
    );
    for out in &outs {
        assert_eq!(
            code(out),
            0,
            "sarif-validate exited {} (npm or the multitool unavailable?):\n{text}",
            code(out)
        );
        assert!(
            stdout(out).contains("valid: 0 errors, 0 warnings"),
            "{text}"
        );
    }
}

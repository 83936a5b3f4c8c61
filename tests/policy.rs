//! The policy file (docs/policy.md): found in the working directory or named by --config;
//! rule selection; severity overrides; exceptions with a reason, an optional path, key and
//! expiry (an expired exception stops suppressing and RA004 reports it; RUNTIME_AUDIT_TODAY
//! pins today); mistakes in the file stop the audit with their position.

mod common;
mod support;

use std::path::Path;

use serde_json::Value;

use common::{findings, rule};
use support::{Node, code, run, run_env, stderr, stdout};

fn fixture(name: &str) -> std::path::PathBuf {
    common::repo().join("fixtures/rules/RA004").join(name)
}

fn audit(cwd: &Path, args: &[&str], today: &str) -> Value {
    let mut all = vec!["--root", ".", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let out = run_env(cwd, &all, &[("RUNTIME_AUDIT_TODAY", today)]);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

const TODAY: &str = "2026-11-27";

#[test]
fn found_in_the_working_directory() {
    let report = audit(&fixture("expired-exception"), &[], TODAY);
    assert_eq!(report["policy_file"], "runtime-audit.toml");
    assert_eq!(rule(&report, "RA004")["status"], "fail");
    let f = findings(&report, "RA004");
    assert_eq!(f.len(), 1, "only the RA003 exception has expired");
    assert_eq!(f[0]["location"]["file"], "runtime-audit.toml");
    assert_eq!(f[0]["location"]["line"], 3);
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("2026-03-31")
    );
}

#[test]
fn named_with_config_from_anywhere() {
    let elsewhere = Node::new(&[]);
    let file = fixture("expired-exception").join("runtime-audit.toml");
    let file = file.to_str().expect("UTF-8 path");
    let report = audit(elsewhere.path(), &["--config", file], TODAY);
    assert_eq!(report["policy_file"], file);
    assert_eq!(rule(&report, "RA004")["status"], "fail");
}

#[test]
fn config_flag_wins_over_the_working_directory() {
    let file = fixture("expired-exception").join("runtime-audit.toml");
    let report = audit(
        &fixture("no-expiry"),
        &["--config", file.to_str().expect("UTF-8")],
        TODAY,
    );
    assert_eq!(rule(&report, "RA004")["status"], "fail");
}

#[test]
fn no_policy_file_means_no_policy() {
    let report = audit(&fixture("no-policy-file"), &[], TODAY);
    assert_eq!(report["policy_file"], Value::Null);
    assert_eq!(rule(&report, "RA004")["status"], "not-applicable");
}

#[test]
fn severity_overrides_by_id_or_name() {
    for (key, severity) in [("RA004", "error"), ("policy-exception-expired", "note")] {
        let node = Node::new(&[(
            "runtime-audit.toml",
            &support::expired_policy(&format!("\n[severity]\n{key} = \"{severity}\"\n")),
        )]);
        let report = audit(node.path(), &[], TODAY);
        let f = findings(&report, "RA004");
        assert_eq!(f[0]["severity"], severity, "{key}");
        assert_eq!(f[0]["default_severity"], "warning");
        let human = stdout(&run(node.path(), &["--root", "."]));
        assert!(
            human.contains(&format!(
                "severity: {severity} by the policy file (default warning)"
            )),
            "{human}"
        );
    }
}

#[test]
fn exception_by_rule_and_key_suppresses_and_the_rule_passes() {
    let report = audit(&fixture("expired-exception-excepted"), &[], TODAY);
    assert!(findings(&report, "RA004").is_empty());
    let r = rule(&report, "RA004");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["suppressed"], 1);
    assert!(
        r["reason"].as_str().unwrap_or("").contains("excepted"),
        "{r}"
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    let human = stdout(&run(
        &fixture("expired-exception-excepted"),
        &["--root", "."],
    ));
    assert!(human.contains("1 finding excepted"), "{human}");
}

/// A policy whose RA003 exception has expired, plus one exception for RA004's finding about
/// it, scoped by `scope` (TOML lines) and expiring on `expires`.
fn policy_with_exception(scope: &str, expires: &str) -> Node {
    Node::new(&[(
        "runtime-audit.toml",
        &support::expired_policy(&format!(
            "\n[[exceptions]]\nrule = \"RA004\"\n{scope}reason = \"renewal in review (OPS-456)\"\nexpires = {expires}\n"
        )),
    )])
}

#[test]
fn exception_scope_path_and_key() {
    let cases = [
        ("", true),
        ("path = \"runtime-audit.toml\"\n", true),
        ("path = \"/etc/containerd/config.toml\"\n", false),
        ("key = \"exception:RA003:*\"\n", true),
        ("key = \"exception:RA001:*\"\n", false),
        (
            "path = \"runtime-audit.toml\"\nkey = \"exception:RA003:*\"\n",
            true,
        ),
    ];
    for (scope, suppressed) in cases {
        let node = policy_with_exception(scope, "2026-12-31");
        let report = audit(node.path(), &[], TODAY);
        assert_eq!(
            findings(&report, "RA004").is_empty(),
            suppressed,
            "scope {scope:?}: {}",
            report["findings"]
        );
    }
}

#[test]
fn an_expired_exception_stops_suppressing_and_is_reported() {
    let node = policy_with_exception("key = \"exception:RA003:*\"\n", "2026-11-27");
    // On its last day the exception still applies...
    let report = audit(node.path(), &[], "2026-11-27");
    assert!(findings(&report, "RA004").is_empty());
    // ...the day after it does not: the finding it hid is back, and RA004 reports it too.
    let report = audit(node.path(), &[], "2026-11-28");
    let f = findings(&report, "RA004");
    assert_eq!(f.len(), 2, "{}", report["findings"]);
    let messages: Vec<&str> = f.iter().filter_map(|f| f["message"].as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("exception for RA003")));
    assert!(messages.iter().any(|m| m.contains("exception for RA004")));
    assert_eq!(rule(&report, "RA004")["suppressed"], 0);
    // And before the RA003 exception expired, RA004 had nothing to say.
    let report = audit(node.path(), &[], "2026-01-15");
    assert_eq!(rule(&report, "RA004")["status"], "pass");
}

#[test]
fn today_is_pinned_by_the_environment() {
    let dir = fixture("expired-exception");
    assert_eq!(
        rule(&audit(&dir, &[], "2026-03-31"), "RA004")["status"],
        "pass"
    );
    assert_eq!(
        rule(&audit(&dir, &[], "2026-04-01"), "RA004")["status"],
        "fail"
    );
}

#[test]
fn select_and_ignore_in_the_policy_file_merge_with_the_command_line() {
    let node = Node::new(&[(
        "runtime-audit.toml",
        "select = [\"RA00\"]\nignore = [\"input-syntax-error\"]\n",
    )]);
    let ids = |args: &[&str]| -> Vec<String> {
        audit(node.path(), args, TODAY)["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let ran = ids(&[]);
    assert!(!ran.contains(&"RA002".to_owned()), "{ran:?}");
    assert!(ran.iter().all(|i| i.starts_with("RA00")), "{ran:?}");
    let ran = ids(&["--ignore", "RA001"]);
    assert!(!ran.contains(&"RA001".to_owned()) && !ran.contains(&"RA002".to_owned()));
}

#[test]
fn mistakes_stop_the_audit_with_their_position() {
    let cases: [(&str, &str); 9] = [
        (
            "colour = \"never\"\n",
            "runtime-audit.toml:1:1: unknown key `colour`",
        ),
        (
            "[[exceptions]]\nrule = \"RA004\"\nreason = \"x\"\nexpiry = 2027-01-01\n",
            "runtime-audit.toml:4:1: unknown key `expiry` in an exception",
        ),
        (
            "[[exceptions]]\nrule = \"RA404x\"\nreason = \"x\"\n",
            "runtime-audit.toml:1:1: exception: no rule \"RA404x\"",
        ),
        (
            "[[exceptions]]\nrule = \"RA004\"\n",
            "runtime-audit.toml:1:1: the exception for RA004 needs a non-empty `reason`",
        ),
        (
            "[[exceptions]]\nrule = \"RA004\"\nreason = \"x\"\nexpires = \"next year\"\n",
            "runtime-audit.toml:4:11: `expires` = \"next year\" is not a date",
        ),
        (
            "\nselect = [\"RA9999\"]\n",
            "runtime-audit.toml:2:11: no rule \"RA9999\"",
        ),
        (
            "[severity]\nRA004 = \"critical\"\n",
            "runtime-audit.toml:2:9: severity \"critical\" is not one of error, warning, note",
        ),
        (
            "[severity]\ninput-unreadabel = \"note\"\n",
            "did you mean RA001 (input-unreadable)?",
        ),
        ("[severity\n", "runtime-audit.toml:1:"),
    ];
    for (text, mention) in cases {
        let node = Node::new(&[("runtime-audit.toml", text)]);
        let out = run(node.path(), &["--root", "."]);
        assert_eq!(code(&out), 2, "{text:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(mention),
            "{text:?}: expected {mention:?} in {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
    }
}

// ---- one case of a rule: `RULE:case` ---------------------------------------------------

/// A node where RA402 reports two cases: `deprecated` and `key-not-endpoint-host`.
fn two_cases() -> std::path::PathBuf {
    common::repo().join("fixtures/rules/RA402/fail-deprecated-and-key-without-port-1.6")
}

fn cases_of(report: &Value, id: &str) -> Vec<String> {
    let mut cases: Vec<String> = findings(report, id)
        .iter()
        .map(|f| f["case"].as_str().unwrap_or("").to_owned())
        .collect();
    cases.sort();
    cases.dedup();
    cases
}

fn audit_two_cases(cwd: &Path, args: &[&str]) -> Value {
    let node = two_cases();
    let root = node.to_str().expect("UTF-8 path");
    let mut all = vec!["--root", root, "--containerd-version", "1.6.20"];
    all.extend_from_slice(args);
    let mut cmd = vec!["--format", "json", "--fail-on", "never"];
    cmd.extend_from_slice(&all);
    let out = run_env(cwd, &cmd, &[("RUNTIME_AUDIT_TODAY", TODAY)]);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn select_one_case_runs_its_rule_and_reports_that_case_only() {
    let elsewhere = Node::new(&[]);
    let report = audit_two_cases(elsewhere.path(), &[]);
    assert_eq!(
        cases_of(&report, "RA402"),
        ["deprecated", "key-not-endpoint-host"]
    );
    for selector in ["RA402:deprecated", "registry-configs-tls:deprecated"] {
        let report = audit_two_cases(elsewhere.path(), &["--select", selector]);
        assert_eq!(cases_of(&report, "RA402"), ["deprecated"], "{selector}");
        let ran: Vec<&str> = report["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert_eq!(ran, ["RA402"], "{selector}");
    }
    // The whole rule selected beside one of its cases: every case.
    let report = audit_two_cases(elsewhere.path(), &["--select", "RA4,RA402:deprecated"]);
    assert_eq!(
        cases_of(&report, "RA402"),
        ["deprecated", "key-not-endpoint-host"]
    );
}

#[test]
fn ignore_one_case_keeps_the_rule_and_its_other_cases() {
    let elsewhere = Node::new(&[]);
    let report = audit_two_cases(elsewhere.path(), &["--ignore", "RA402:deprecated"]);
    assert_eq!(cases_of(&report, "RA402"), ["key-not-endpoint-host"]);
    assert_eq!(rule(&report, "RA402")["status"], "fail");
    assert!(!rule(&report, "RA101").is_null(), "other rules still run");

    // Every case that fired ignored: the rule passes, and says why.
    let report = audit_two_cases(
        elsewhere.path(),
        &["--ignore", "RA402:deprecated,RA402:key-not-endpoint-host"],
    );
    let r = rule(&report, "RA402");
    assert_eq!(r["status"], "pass");
    let reason = r["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("not selected (deprecated, key-not-endpoint-host)"),
        "{reason}"
    );
}

#[test]
fn the_policy_file_takes_cases_in_every_list() {
    let policy = |text: &str| Node::new(&[("runtime-audit.toml", text)]);

    let node = policy("select = [\"RA402:key-not-endpoint-host\"]\n");
    let report = audit_two_cases(node.path(), &[]);
    assert_eq!(cases_of(&report, "RA402"), ["key-not-endpoint-host"]);

    let node = policy("ignore = [\"RA402:key-not-endpoint-host\"]\n");
    let report = audit_two_cases(node.path(), &[]);
    assert_eq!(cases_of(&report, "RA402"), ["deprecated"]);

    // A case's own severity wins over its rule's.
    let node = policy("[severity]\nRA402 = \"error\"\n\"RA402:deprecated\" = \"note\"\n");
    let report = audit_two_cases(node.path(), &[]);
    for f in findings(&report, "RA402") {
        let want = if f["case"] == "deprecated" {
            "note"
        } else {
            "error"
        };
        assert_eq!(f["severity"], want, "{f}");
    }

    let node = policy(
        "[[exceptions]]\nrule = \"RA402:deprecated\"\nreason = \"moving to hosts.toml (OPS-9)\"\n",
    );
    let report = audit_two_cases(node.path(), &[]);
    assert_eq!(cases_of(&report, "RA402"), ["key-not-endpoint-host"]);
    assert_eq!(rule(&report, "RA402")["suppressed"], 1);
}

#[test]
fn an_unknown_case_names_the_rule_and_its_cases() {
    let elsewhere = Node::new(&[]);
    let out = run(
        elsewhere.path(),
        &["--root", ".", "--select", "RA402:deprecate"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(
            "--select: RA402 (registry-configs-tls) has no case \"deprecate\"; its cases are \
             removed-in-2-0, with-config-path, deprecated, key-not-endpoint-host"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(
        elsewhere.path(),
        &["--root", ".", "--ignore", "RA40:deprecated"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no rule \"RA40\""),
        "{}",
        stderr(&out)
    );

    for (text, mention) in [
        (
            "ignore = [\"RA402:nope\"]\n",
            "runtime-audit.toml:1:11: RA402 (registry-configs-tls) has no case \"nope\"",
        ),
        (
            "[severity]\n\"RA402:nope\" = \"note\"\n",
            "runtime-audit.toml:2:1: RA402 (registry-configs-tls) has no case \"nope\"",
        ),
        (
            "[[exceptions]]\nrule = \"RA402:nope\"\nreason = \"x\"\n",
            "runtime-audit.toml:1:1: exception: RA402 (registry-configs-tls) has no case \"nope\"",
        ),
    ] {
        let node = Node::new(&[("runtime-audit.toml", text)]);
        let out = run(node.path(), &["--root", "."]);
        assert_eq!(code(&out), 2, "{text:?}");
        assert!(
            stderr(&out).contains(mention),
            "{text:?}: expected {mention:?} in {}",
            stderr(&out)
        );
    }
}

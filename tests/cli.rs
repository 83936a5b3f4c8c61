//! The command-line contract (docs/exit-codes.md): exit codes 0/1/2 for every documented
//! case, several outputs from one run, `--output`, rule selection, colors, the catalog and
//! `explain`.
//!
//! Findings of a known severity come from RA004 (an expired policy exception), whose
//! severity the policy file moves to note, warning or error: the thresholds are tested
//! without depending on any other rule.

mod common;
mod support;

use std::collections::BTreeSet;

use serde_json::Value;

use support::{Node, code, command, expired_policy, run, run_env, stderr, stdout};

const SEVERITIES: [&str; 3] = ["note", "warning", "error"];
const FAIL_ON: [&str; 4] = ["note", "warning", "error", "never"];

fn rank(s: &str) -> u8 {
    match s {
        "note" => 1,
        "warning" => 2,
        "error" => 3,
        _ => u8::MAX, // never
    }
}

/// A node with one finding of `severity` (RA004 moved there by the policy file).
fn node_with_finding(severity: &str) -> Node {
    Node::new(&[(
        "runtime-audit.toml",
        &expired_policy(&format!("\n[severity]\nRA004 = \"{severity}\"\n")),
    )])
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

#[test]
fn clean_node_exits_0_whatever_the_threshold() {
    let node = Node::new(&[]);
    for fail_on in FAIL_ON {
        let out = run(node.path(), &["--root", ".", "--fail-on", fail_on]);
        assert_eq!(code(&out), 0, "--fail-on {fail_on}: {}", stderr(&out));
        assert!(stdout(&out).contains("0 errors, 0 warnings, 0 notes"));
    }
}

#[test]
fn findings_below_at_and_above_every_threshold() {
    for severity in SEVERITIES {
        let node = node_with_finding(severity);
        for fail_on in FAIL_ON {
            let out = run(
                node.path(),
                &["--root", ".", "--format", "json", "--fail-on", fail_on],
            );
            let want = i32::from(rank(severity) >= rank(fail_on));
            assert_eq!(
                code(&out),
                want,
                "a {severity} finding with --fail-on {fail_on}: {}",
                stderr(&out)
            );
            let report = json_of(&out);
            assert_eq!(report["findings"][0]["severity"], severity);
            assert_eq!(report["summary"]["exit_code"], want);
        }
    }
}

#[test]
fn default_threshold_is_error() {
    assert_eq!(
        code(&run(node_with_finding("warning").path(), &["--root", "."])),
        0
    );
    assert_eq!(
        code(&run(node_with_finding("error").path(), &["--root", "."])),
        1
    );
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let node = Node::new(&[]);
    let file = node.file("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--bogus".into()], "--bogus"),
        (vec!["--format".into(), "xml".into()], "xml"),
        (vec!["--fail-on".into(), "critical".into()], "critical"),
        (vec!["--select".into(), "RA9999".into()], "RA9999"),
        (
            vec!["--ignore".into(), "no-such-rule".into()],
            "no-such-rule",
        ),
        (
            vec!["--kubernetes-version".into(), "latest".into()],
            "latest",
        ),
        (
            vec!["--root".into(), node.file("missing").display().to_string()],
            "missing",
        ),
        (
            vec!["--root".into(), file.display().to_string()],
            "not-a-dir",
        ),
    ];
    for (args, mention) in cases {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        if !args.iter().any(|a| a == "--root") {
            all.extend(["--root", "."]);
        }
        let out = run(node.path(), &all);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(mention),
            "{args:?}: stderr does not mention {mention:?}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{args:?} printed a report");
    }
}

#[test]
fn unknown_selector_suggests_the_closest_rule() {
    let node = Node::new(&[]);
    let out = run(
        node.path(),
        &["--root", ".", "--select", "policy-exception-expird"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean RA004 (policy-exception-expired)?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_and_version_exit_0() {
    let node = Node::new(&[]);
    for flag in ["--help", "--version"] {
        let out = run(node.path(), &[flag]);
        assert_eq!(code(&out), 0, "{flag}");
        assert!(!stdout(&out).is_empty());
    }
    assert!(stdout(&run(node.path(), &["--help"])).contains("Exit codes"));
}

#[test]
fn policy_file_problems_exit_2_naming_the_position() {
    let node = Node::new(&[
        ("syntax.toml", "select = [\"RA00\"\nignore = []\n"),
        ("unknown-key.toml", "\n\nselekt = [\"RA00\"]\n"),
        (
            "unknown-rule.toml",
            "[severity]\nRA004 = \"note\"\nRA9999 = \"note\"\n",
        ),
        ("bad-severity.toml", "[severity]\nRA004 = \"fatal\"\n"),
        ("latin1.toml", "# caf\u{e9}\n"),
    ]);
    // Not UTF-8: rewrite the last file as Latin-1.
    std::fs::write(node.file("latin1.toml"), b"# caf\xe9\n").expect("write");
    std::fs::create_dir(node.file("a-directory.toml")).expect("mkdir");
    let cases = [
        ("syntax.toml", "syntax.toml:2:1"),
        (
            "unknown-key.toml",
            "unknown-key.toml:3:1: unknown key `selekt`",
        ),
        ("unknown-rule.toml", "unknown-rule.toml:3:1"),
        ("bad-severity.toml", "bad-severity.toml:2:9"),
        ("latin1.toml", "latin1.toml"),
        ("a-directory.toml", "a-directory.toml"),
        ("missing.toml", "missing.toml: not found"),
    ];
    for (file, mention) in cases {
        let out = run(node.path(), &["--root", ".", "--config", file]);
        assert_eq!(code(&out), 2, "{file}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(mention),
            "{file}: expected {mention:?} in: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "{file}: a report was printed");
    }
}

#[test]
fn policy_file_unreadable_for_the_auditor_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let node = Node::new(&[("runtime-audit.toml", &expired_policy(""))]);
    let policy = node.file("runtime-audit.toml");
    std::fs::set_permissions(node.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let exe = assert_cmd::cargo::cargo_bin!("runtime-audit");
    // Root reads a mode-000 file anyway: audit as nobody when running as root.
    let mut cmd = if std::fs::read(&policy).is_ok() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(exe);
        c
    } else {
        std::process::Command::new(exe)
    };
    let out = cmd
        .args(["--root", ".", "--config", "runtime-audit.toml"])
        .env("NO_COLOR", "1")
        .current_dir(node.path())
        .output()
        .expect("run (setpriv from util-linux when root)");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("runtime-audit.toml: permission denied"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn several_outputs_from_one_run_agree() {
    let node = node_with_finding("error");
    let json_path = node.file("out/report.json");
    let sarif_path = node.file("out/report.sarif");
    std::fs::create_dir_all(node.file("out")).expect("mkdir");
    let out = run(
        node.path(),
        &[
            "--root",
            ".",
            "--format",
            "human",
            "--json-output",
            "out/report.json",
            "--sarif-output",
            "out/report.sarif",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let human = stdout(&out);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json written"))
            .expect("JSON");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).expect("sarif written"))
            .expect("SARIF");
    let findings = json["findings"].as_array().expect("findings");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(findings.len(), results.len());
    assert!(!findings.is_empty());
    for (f, r) in findings.iter().zip(results) {
        assert_eq!(f["rule"], r["ruleId"]);
        assert_eq!(f["severity"], r["level"]);
        assert_eq!(
            f["fingerprint"],
            r["partialFingerprints"]["runtimeAudit/v1"]
        );
        assert_eq!(
            f["location"]["line"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
        );
        let title = format!(
            "{}[{}]",
            f["severity"].as_str().unwrap_or(""),
            f["rule"].as_str().unwrap_or("")
        );
        assert!(
            human.contains(&title),
            "human output lacks {title}:\n{human}"
        );
    }
    assert_eq!(json["summary"]["exit_code"], 1);
    assert_eq!(sarif["runs"][0]["invocations"][0]["exitCode"], 1);
    assert!(human.contains("1 error, 0 warnings, 0 notes"), "{human}");
    assert!(human.contains("exit 1"), "{human}");
}

#[test]
fn writing_sarif_never_changes_the_exit_code() {
    for severity in SEVERITIES {
        let node = node_with_finding(severity);
        for fail_on in FAIL_ON {
            let base = code(&run(node.path(), &["--root", ".", "--fail-on", fail_on]));
            for format in ["human", "json", "sarif"] {
                let with = code(&run(
                    node.path(),
                    &[
                        "--root",
                        ".",
                        "--fail-on",
                        fail_on,
                        "--format",
                        format,
                        "--sarif-output",
                        "x.sarif",
                    ],
                ));
                assert_eq!(
                    base, with,
                    "{severity} / --fail-on {fail_on} / --format {format}"
                );
            }
        }
    }
}

#[test]
fn unwritable_output_is_an_error_not_a_verdict() {
    let node = Node::new(&[]);
    for flag in ["--output", "--json-output", "--sarif-output"] {
        let out = run(node.path(), &["--root", ".", flag, "no-such-dir/out"]);
        assert_eq!(code(&out), 2, "{flag}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("no-such-dir/out"),
            "{flag}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn output_file_replaces_stdout_and_is_uncolored_unless_forced() {
    let node = node_with_finding("warning");
    let forced = |color: &str, file: &str| {
        let out = command(node.path())
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
            .args(["--root", ".", "--color", color, "--output", file])
            .output()
            .expect("run");
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(out.stdout.is_empty(), "--output still printed to stdout");
        std::fs::read_to_string(node.file(file)).expect("output written")
    };
    let auto = forced("auto", "auto.txt");
    assert!(auto.contains("warning[RA004]"), "{auto}");
    assert!(!auto.contains('\u{1b}'), "--color auto colored a file");
    let never = forced("never", "never.txt");
    assert!(!never.contains('\u{1b}'));
    let always = forced("always", "always.txt");
    assert!(
        always.contains('\u{1b}'),
        "--color always did not color the file"
    );
    assert_eq!(
        anstream::adapter::strip_str(&always).to_string(),
        auto,
        "colors are the only difference"
    );
    // --format json to a file: JSON.
    let out = run(
        node.path(),
        &["--root", ".", "--format", "json", "-o", "r.json"],
    );
    assert_eq!(code(&out), 0);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(node.file("r.json")).expect("read"))
            .expect("JSON file");
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn colors_follow_the_flag_no_color_and_the_terminal() {
    let node = node_with_finding("warning");
    let colored = |color: &str, env: &[(&str, &str)]| {
        let mut cmd = command(node.path());
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["--root", ".", "--color", color])
            .output()
            .expect("run");
        assert_eq!(code(&out), 0);
        out.stdout.contains(&0x1b)
    };
    // stdout is a pipe here: auto means no colors...
    assert!(!colored("auto", &[]), "auto colored a pipe");
    assert!(
        !colored("never", &[("CLICOLOR_FORCE", "1")]),
        "never colored"
    );
    assert!(colored("always", &[]), "always did not color");
    assert!(
        colored("always", &[("NO_COLOR", "1")]),
        "always yields to NO_COLOR"
    );
    // ...unless forced, and NO_COLOR wins over the force in auto mode.
    assert!(
        colored("auto", &[("CLICOLOR_FORCE", "1")]),
        "CLICOLOR_FORCE ignored"
    );
    assert!(
        !colored("auto", &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        "NO_COLOR ignored"
    );
}

fn rules_run(args: &[&str]) -> BTreeSet<String> {
    let node = Node::new(&[]);
    let mut all = vec!["--root", ".", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(node.path(), &all);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    json_of(&out)["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn select_and_ignore_by_id_prefix_and_name() {
    // The node audit runs the node rules; cluster rules run in `runtime-audit cluster`.
    let all: BTreeSet<String> = runtime_audit::rules::all()
        .iter()
        .filter(|r| r.meta.area != runtime_audit::vocabulary::Area::Cluster)
        .map(|r| r.meta.id.to_owned())
        .collect();
    let only = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    let without = |id: &str| {
        let mut s = all.clone();
        s.remove(id);
        s
    };
    let prefixed = |p: &str| {
        all.iter()
            .filter(|i| i.starts_with(p))
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(rules_run(&[]), all);
    assert_eq!(rules_run(&["--select", "RA004"]), only(&["RA004"]));
    assert_eq!(rules_run(&["--select", "ra004"]), only(&["RA004"]));
    assert_eq!(
        rules_run(&["--select", "policy-exception-expired"]),
        only(&["RA004"])
    );
    assert_eq!(
        rules_run(&["--select", "RA001,RA004"]),
        only(&["RA001", "RA004"])
    );
    assert_eq!(
        rules_run(&["--select", "RA001", "--select", "input-syntax-error"]),
        only(&["RA001", "RA002"])
    );
    assert_eq!(rules_run(&["--select", "RA00"]), prefixed("RA00"));
    assert_eq!(rules_run(&["--select", "RA0"]), prefixed("RA0"));
    assert_eq!(rules_run(&["--ignore", "RA004"]), without("RA004"));
    assert_eq!(
        rules_run(&["--ignore", "input-unreadable"]),
        without("RA001")
    );
    assert_eq!(
        rules_run(&["--ignore", "RA0"]),
        all.iter()
            .filter(|i| !i.starts_with("RA0"))
            .cloned()
            .collect()
    );
    assert_eq!(rules_run(&["--select", "RA00", "--ignore", "RA002"]), {
        let mut s = prefixed("RA00");
        s.remove("RA002");
        s
    });
}

#[test]
fn ignored_rules_do_not_gate() {
    let node = node_with_finding("error");
    assert_eq!(code(&run(node.path(), &["--root", "."])), 1);
    assert_eq!(
        code(&run(node.path(), &["--root", ".", "--ignore", "RA004"])),
        0
    );
}

#[test]
fn rules_catalog_in_three_formats() {
    let node = Node::new(&[]);
    let all = runtime_audit::rules::all();
    let human = stdout(&run(node.path(), &["rules"]));
    let json: Value =
        serde_json::from_str(&stdout(&run(node.path(), &["rules", "--format", "json"])))
            .expect("JSON catalog");
    let markdown = stdout(&run(node.path(), &["rules", "--format", "markdown"]));
    for r in &all {
        let m = r.meta;
        assert!(
            human.contains(m.id) && human.contains(m.name),
            "{} missing from the table",
            m.id
        );
        assert!(human.contains(m.area.title()));
        assert!(markdown.contains(&format!("### {} {}", m.id, m.name)));
        let entry = json["rules"]
            .as_array()
            .and_then(|l| l.iter().find(|e| e["id"] == m.id))
            .unwrap_or_else(|| panic!("{} missing from the JSON catalog", m.id));
        assert_eq!(entry["name"], m.name);
        assert_eq!(entry["summary"], m.summary);
        assert_eq!(entry["cases"].as_array().map(Vec::len), Some(m.cases.len()));
        assert_eq!(
            entry["inputs"].as_array().map(Vec::len),
            Some(m.inputs.len())
        );
        assert_eq!(entry["severity"], m.max_severity().as_str());
    }
    let out = run(node.path(), &["rules", "--format", "yaml"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn explain_by_id_or_name_and_suggests_on_unknown() {
    let node = Node::new(&[]);
    for key in ["RA004", "ra004", "policy-exception-expired"] {
        let out = run(node.path(), &["explain", key]);
        assert_eq!(code(&out), 0, "{key}");
        let text = stdout(&out);
        assert!(
            text.starts_with("RA004 policy-exception-expired\n"),
            "{text}"
        );
        for section in [
            "What it checks",
            "Why it matters for the migration",
            "Remediation",
        ] {
            assert!(text.contains(section), "{key}: no {section}");
        }
        assert!(
            !text.contains("## "),
            "markdown heading markers left: {text}"
        );
        assert!(!text.contains("```"), "code fences left: {text}");
    }
    let colored = command(node.path())
        .env_remove("NO_COLOR")
        .args(["explain", "RA004", "--color", "always"])
        .output()
        .expect("run");
    assert!(colored.stdout.contains(&0x1b));
    for (wanted, suggestion) in [
        ("RA0004", Some("RA004 (policy-exception-expired)")),
        (
            "policy-exception-expird",
            Some("RA004 (policy-exception-expired)"),
        ),
        ("zzzzzzzzzzzzzzzzzzzz", None),
    ] {
        let out = run(node.path(), &["explain", wanted]);
        assert_eq!(code(&out), 2, "{wanted}");
        let err = stderr(&out);
        assert!(err.contains(&format!("no rule {wanted:?}")), "{err}");
        match suggestion {
            Some(s) => assert!(err.contains(&format!("did you mean {s}?")), "{err}"),
            None => assert!(!err.contains("did you mean"), "{err}"),
        }
    }
}

#[test]
fn human_summary_reports_inputs_rules_policy_and_exit() {
    let node = node_with_finding("warning");
    let out = run_env(node.path(), &["--root", ".", "--fail-on", "warning"], &[]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    for line in [
        "0 errors, 1 warning, 0 notes on node",
        "inputs ",
        "rules ",
        "policy   runtime-audit.toml, 0 findings excepted",
        "exit 1: a finding at or above --fail-on warning",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
}

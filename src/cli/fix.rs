//! The fix command: audit, plan the fixes, print them; with --write, apply them and audit
//! again.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::engine;
use crate::fix::{self, Plan, report};
use crate::report::Report;
use crate::rules;

use super::args::{FixArgs, FixFormat};
use super::audit::{build_policy, collect_node};

/// At most this many rounds of fixes in one run. Each round's fixes enable the next (CRI
/// enabled, then required, then the file rewritten as version 2, then its SystemdCgroup
/// moved, then the kubelet's driver matched is five); the cap only guards against fixes
/// that would undo each other.
const MAX_ROUNDS: usize = 8;

/// One round of --write: its plan and what became of each file.
#[derive(Default)]
struct Round {
    plan: Plan,
    /// The files written, with their backups.
    written: Vec<(String, Option<String>)>,
    /// The files not written, with the reason.
    failed: Vec<(String, String)>,
}

pub(crate) fn run(args: &FixArgs) -> Result<u8, String> {
    let (plan, _) = audit_and_plan(args)?;
    if !args.write {
        return dry_run(args, &plan);
    }
    let (rounds, after, pending) = write_rounds(args, plan)?;
    let text = match args.format {
        FixFormat::Human => rounds_human(&rounds, &after, pending),
        FixFormat::Json => pretty(&rounds_json(&rounds, &after, pending)?)?,
    };
    print(args, &text)?;
    let failed = rounds.iter().any(|r| !r.failed.is_empty());
    Ok(if failed { 1 } else { after.exit_code() })
}

/// The node audited as it is now, and the fixes of its findings.
fn audit_and_plan(args: &FixArgs) -> Result<(Plan, Report), String> {
    let snapshot = collect_node(&args.node, args.rules.config.as_deref())?;
    let policy = build_policy(&args.rules, &snapshot.policy, &snapshot.sources)?;
    let evaluation = engine::evaluate(&snapshot, &rules::all(), &policy);
    let plan = fix::plan(&snapshot, &evaluation.findings, &args.node.root);
    let report = Report::new(&snapshot, evaluation, args.fail_on.threshold());
    Ok((plan, report))
}

fn dry_run(args: &FixArgs, plan: &Plan) -> Result<u8, String> {
    let text = match args.format {
        FixFormat::Human => {
            let mut text = report::human(plan);
            text.push_str(if plan.fix_count() > 0 {
                "\nDry run: nothing was written. Run again with --write to apply the fixes.\n"
            } else {
                "\nNothing to fix automatically.\n"
            });
            text
        }
        FixFormat::Json => pretty(&report::json(plan, &[]))?,
    };
    print(args, &text)?;
    let left = plan.leaves_manual(args.fail_on.threshold());
    Ok(u8::from(plan.fix_count() > 0 || left))
}

/// Writes the plan, audits again, and goes on while a round writes something: fixes can make
/// others possible (CRI enabled, its rules apply). Returns the rounds, the audit after the
/// last, and how many fixes were still ready when the round cap stopped it.
fn write_rounds(args: &FixArgs, mut plan: Plan) -> Result<(Vec<Round>, Report, usize), String> {
    let mut rounds: Vec<Round> = Vec::new();
    loop {
        let mut round = Round::default();
        for change in &plan.changes {
            match fix::write::write(change) {
                Ok(backup) => round.written.push((
                    change.host_path.clone(),
                    backup.map(|b| b.display().to_string()),
                )),
                Err(reason) => round.failed.push((change.host_path.clone(), reason)),
            }
        }
        let wrote = !round.written.is_empty();
        round.plan = plan;
        rounds.push(round);
        let (next, after) = audit_and_plan(args)?;
        if !wrote || next.changes.is_empty() {
            return Ok((rounds, after, 0));
        }
        if rounds.len() >= MAX_ROUNDS {
            return Ok((rounds, after, next.fix_count()));
        }
        plan = next;
    }
}

fn rounds_human(rounds: &[Round], after: &Report, pending: usize) -> String {
    let mut text = String::new();
    for (i, round) in rounds.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(
                text,
                "\nRound {}: what the fixes above made possible\n",
                i + 1
            );
        }
        text.push_str(&report::human(&round.plan));
        text.push('\n');
        for (path, backup) in &round.written {
            let _ = match backup {
                Some(b) => writeln!(text, "Wrote {path} (the old file is {b})"),
                None => writeln!(text, "Wrote {path} (new file)"),
            };
        }
        for (path, reason) in &round.failed {
            let _ = writeln!(text, "Did not write {path}: {reason}");
        }
    }
    if let Some(line) = stopped_line(pending) {
        text.push('\n');
        text.push_str(&line);
    }
    text.push_str(
        "\nRestart what reads the fixed files (containerd, the kubelet) for them to take effect.\n\
         \nThe audit after the fixes:\n",
    );
    text.push_str(&crate::report::human::render(after));
    text
}

/// What the human report says when the round cap stopped `--write` with fixes still ready.
fn stopped_line(pending: usize) -> Option<String> {
    (pending > 0).then(|| {
        let (fixes, them) = if pending == 1 {
            ("fix", "it")
        } else {
            ("fixes", "them")
        };
        format!(
            "Stopped after {MAX_ROUNDS} rounds with {pending} more {fixes} ready: run \
             `runtime-audit fix` again to see {them}.\n"
        )
    })
}

/// Every round's files and edits in one document, what is left after the last round, the
/// fixes still ready when the round cap stopped it, and the audit after it.
fn rounds_json(rounds: &[Round], after: &Report, pending: usize) -> Result<Value, String> {
    let per_round: Vec<Value> = rounds
        .iter()
        .map(|r| {
            let mut doc = report::json(&r.plan, &r.written);
            doc["not_written"] = r
                .failed
                .iter()
                .map(|(p, why)| json!({"path": p, "reason": why}))
                .collect();
            doc
        })
        .collect();
    let all = |field: &str| -> Value {
        per_round
            .iter()
            .flat_map(|r| r[field].as_array().cloned().unwrap_or_default())
            .collect()
    };
    let last = |field: &str| per_round.last().map_or(Value::Null, |r| r[field].clone());
    let after: Value =
        serde_json::from_str(&crate::report::json::render(after)).map_err(|e| e.to_string())?;
    Ok(json!({
        "schema": report::FIX_SCHEMA,
        "files": all("files"),
        "not_written": all("not_written"),
        "manual": last("manual"),
        "unfixed": last("unfixed"),
        "rounds": per_round.len(),
        "pending": pending,
        "after": after,
    }))
}

fn pretty(doc: &Value) -> Result<String, String> {
    serde_json::to_string_pretty(doc)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

fn print(args: &FixArgs, text: &str) -> Result<(), String> {
    match args.format {
        FixFormat::Human => super::print(text, args.color),
        FixFormat::Json => super::print_plain(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_cap_says_how_many_fixes_were_left() {
        assert_eq!(stopped_line(0), None);
        assert_eq!(
            stopped_line(1).as_deref(),
            Some(
                "Stopped after 8 rounds with 1 more fix ready: run `runtime-audit fix` again to see it.\n"
            )
        );
        assert!(stopped_line(3).is_some_and(|l| l.contains("3 more fixes ready")));
    }
}

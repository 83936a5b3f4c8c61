//! What `fix` prints: the diff of every file, the fixes, what is left to a person (human), or
//! all of it as JSON for automation.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::edit::Op;
use super::{FileChange, Manual, Plan, diff, text_file, toml_file};

/// Version of the JSON document `fix --format json` prints.
pub(crate) const FIX_SCHEMA: &str = "runtime-audit-fix/1";

/// The dry run or the record of what was written, for a person.
pub(crate) fn human(plan: &Plan) -> String {
    let mut out = String::new();
    for change in &plan.changes {
        out.push_str(&diff::render(change));
        out.push('\n');
    }
    let files = plan.changes.len();
    let _ = writeln!(
        out,
        "{} fix{} in {files} file{}:",
        plan.fix_count(),
        plural_es(plan.fix_count()),
        plural(files)
    );
    // A fix that only creates a file is said by the fix of the same finding that needs it.
    let all: Vec<&super::Fix> = plan.changes.iter().flat_map(|c| &c.fixes).collect();
    let mut lines: Vec<String> = Vec::new();
    for fix in &all {
        let creates_only = fix.ops.iter().all(|op| matches!(op, Op::Create { .. }));
        let said_elsewhere = all.iter().any(|other| {
            other.rule.id == fix.rule.id
                && other.case.id == fix.case.id
                && other.finding_at == fix.finding_at
                && !other.ops.iter().all(|op| matches!(op, Op::Create { .. }))
        });
        if creates_only && said_elsewhere {
            continue;
        }
        let line = format!(
            "  {}:{} {}: {}",
            fix.rule.id, fix.case.id, fix.finding_at, fix.summary
        );
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    if !plan.later.is_empty() {
        let _ = writeln!(
            out,
            "\nNext, once these are made (the next round of --write):"
        );
        for m in &plan.later {
            let _ = writeln!(out, "  {}:{} {}: {}", m.rule.id, m.case.id, m.at, m.reason);
        }
    }
    if !plan.manual.is_empty() {
        let _ = writeln!(out, "\nLeft to you ({}):", plan.manual.len());
        for m in &plan.manual {
            manual_line(&mut out, m);
        }
    }
    if !plan.unfixed.is_empty() {
        let _ = writeln!(
            out,
            "\nNo automatic fix ({}; the audit's report says how):",
            plan.unfixed.len()
        );
        for m in &plan.unfixed {
            let _ = writeln!(out, "{}", item(m));
        }
    }
    out
}

fn manual_line(out: &mut String, m: &Manual) {
    let _ = writeln!(out, "{}: {}", item(m), m.reason);
}

/// `  error[RA101:disabled] /etc/containerd/config.toml:1`.
fn item(m: &Manual) -> String {
    format!(
        "  {}[{}:{}] {}",
        m.severity.as_str(),
        m.rule.id,
        m.case.id,
        m.at
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn plural_es(n: usize) -> &'static str {
    if n == 1 { "" } else { "es" }
}

/// The plan as JSON: every file with its diff and every fix with its edits, where each edit
/// was before and is after (1-based lines; null where it has no line on that side).
pub(crate) fn json(plan: &Plan, written: &[(String, Option<String>)]) -> Value {
    let files: Vec<Value> = plan.changes.iter().map(|c| file_json(c, written)).collect();
    let manual = |list: &[Manual]| -> Vec<Value> {
        list.iter()
            .map(|m| {
                json!({
                    "rule": m.rule.id, "name": m.rule.name, "case": m.case.id,
                    "severity": m.severity.as_str(), "at": m.at, "reason": m.reason,
                })
            })
            .collect()
    };
    json!({
        "schema": FIX_SCHEMA,
        "files": files,
        "manual": manual(&plan.manual),
        "later": manual(&plan.later),
        "unfixed": manual(&plan.unfixed),
    })
}

fn file_json(change: &FileChange, written: &[(String, Option<String>)]) -> Value {
    let fixes: Vec<Value> = change
        .fixes
        .iter()
        .map(|f| {
            let edits: Vec<Value> = f.ops.iter().map(|op| edit_json(op, change)).collect();
            json!({
                "rule": f.rule.id, "name": f.rule.name, "case": f.case.id,
                "severity": f.severity.as_str(), "finding": f.finding_at,
                "finding_key": f.finding_key,
                "summary": f.summary, "edits": edits,
            })
        })
        .collect();
    let write = written.iter().find(|(p, _)| *p == change.host_path);
    json!({
        "path": change.host_path,
        "new_file": change.original.is_none(),
        "diff": diff::render(change),
        "fixes": fixes,
        "written": write.is_some(),
        "backup": write.and_then(|(_, b)| b.clone()),
    })
}

fn edit_json(op: &Op, change: &FileChange) -> Value {
    let (before, after) = (&change.shown_before, &change.shown_after);
    let (kind, key, value, line_before, line_after) = match op {
        Op::TomlSet { path, value } => (
            "set",
            path.to_string(),
            Some(value.to_string()),
            toml_file::line_of(before, path, None),
            toml_file::line_of(after, path, None),
        ),
        Op::TomlRemove { path } => (
            "remove",
            path.to_string(),
            None,
            toml_file::line_of(before, path, None),
            None,
        ),
        Op::TomlCriToVersion3 { .. } => (
            "cri-to-version-3",
            "plugins.\"io.containerd.grpc.v1.cri\"".to_owned(),
            None,
            toml_file::line_of(
                before,
                &crate::model::toml_path::TomlPath::new(vec![
                    "plugins".into(),
                    crate::release::containerd::CRI_GRPC_ID.into(),
                ]),
                None,
            ),
            None,
        ),
        Op::TomlRename { table, from, to } => (
            "rename",
            format!("{table}.{}", crate::model::toml_path::key(from)),
            Some(to.clone()),
            None,
            None,
        ),
        Op::TomlAddItem { path, item } => (
            "add-item",
            path.to_string(),
            Some(format!("{item:?}")),
            None,
            toml_file::line_of(after, path, Some(item)),
        ),
        Op::TomlRemoveItem { path, item } => (
            "remove-item",
            path.to_string(),
            Some(format!("{item:?}")),
            toml_file::line_of(before, path, Some(item)),
            None,
        ),
        Op::TomlReplaceItem { path, item, with } => (
            "replace-item",
            path.to_string(),
            Some(format!("{item:?} -> {with:?}")),
            toml_file::line_of(before, path, Some(item)),
            toml_file::line_of(after, path, Some(with)),
        ),
        Op::RemoveWord { range, word } => (
            "remove-word",
            word.clone(),
            None,
            Some(
                before[..range.start.min(before.len())]
                    .matches('\n')
                    .count()
                    + 1,
            ),
            None,
        ),
        Op::ReplaceWord { range, word, with } => {
            let line = before[..range.start.min(before.len())]
                .matches('\n')
                .count()
                + 1;
            (
                "replace-word",
                word.clone(),
                Some(with.clone()),
                Some(line),
                Some(line),
            )
        }
        Op::Create { .. } => ("create", change.host_path.clone(), None, None, Some(1)),
        Op::InsertWord { at, word } => {
            let line = before[..(*at).min(before.len())].matches('\n').count() + 1;
            ("insert-word", word.clone(), None, None, Some(line))
        }
        Op::YamlSet { key, value } => (
            "set",
            key.clone(),
            Some(value.clone()),
            text_file::yaml_line_of(before, key),
            text_file::yaml_line_of(after, key),
        ),
    };
    json!({
        "op": kind, "key": key, "value": value,
        "before": {"line": line_before}, "after": {"line": line_after},
    })
}

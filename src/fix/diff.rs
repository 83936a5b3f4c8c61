//! Unified diffs of a file's change, each hunk headed by the rules and cases it resolves
//! (after the `@@ … @@`, where `patch` and `git apply` ignore text).

use similar::{ChangeTag, DiffOp, TextDiff};

use super::edit::Op;
use super::{FileChange, Fix, text_file, toml_file};
use crate::model::toml_path::TomlPath;

/// A line an op touched: in the text before (a removal) or after (an addition).
enum Anchor {
    Before(usize),
    After(usize),
}

/// The unified diff of `change`, three lines of context, as `diff -u` and `git diff` print it.
pub(crate) fn render(change: &FileChange) -> String {
    let before = &change.shown_before;
    let after = &change.shown_after;
    let path = change.host_path.trim_start_matches('/');
    let mut out = match change.original {
        Some(_) => format!("--- a/{path}\n+++ b/{path}\n"),
        None => format!("--- /dev/null\n+++ b/{path}\n"),
    };
    let anchors: Vec<(usize, Anchor)> = change
        .fixes
        .iter()
        .enumerate()
        .flat_map(|(i, fix)| anchors(fix, before, after).into_iter().map(move |a| (i, a)))
        .collect();
    let diff = TextDiff::from_lines(before, after);
    for group in diff.grouped_ops(3) {
        let (old, new) = ranges(&group);
        let mut labels: Vec<String> = Vec::new();
        for (i, anchor) in &anchors {
            let inside = match anchor {
                Anchor::Before(line) => old.contains(&(line - 1)),
                Anchor::After(line) => new.contains(&(line - 1)),
            };
            let label = label(&change.fixes[*i]);
            if inside && !labels.contains(&label) {
                labels.push(label);
            }
        }
        if labels.is_empty() {
            labels = change.fixes.iter().map(label).collect();
            labels.dedup();
        }
        out.push_str(&format!(
            "@@ -{} +{} @@ {}\n",
            numbers(&old),
            numbers(&new),
            labels.join(", ")
        ));
        for op in &group {
            for c in diff.iter_changes(op) {
                let sign = match c.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                out.push(sign);
                out.push_str(c.value());
                if !c.value().ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// `RA201:mismatch`.
fn label(fix: &Fix) -> String {
    format!("{}:{}", fix.rule.id, fix.case.id)
}

/// The 0-based line ranges a hunk covers before and after.
fn ranges(group: &[DiffOp]) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let first = group.first().expect("a hunk has ops");
    let last = group.last().expect("a hunk has ops");
    (
        first.old_range().start..last.old_range().end,
        first.new_range().start..last.new_range().end,
    )
}

/// `3,7` for lines 3 to 9; an empty range names the line before it, as `diff -u` does.
fn numbers(range: &std::ops::Range<usize>) -> String {
    match range.len() {
        0 => format!("{},0", range.start),
        1 => format!("{}", range.start + 1),
        n => format!("{},{n}", range.start + 1),
    }
}

/// Where each op of `fix` shows in the diff.
fn anchors(fix: &Fix, before: &str, after: &str) -> Vec<Anchor> {
    fix.ops
        .iter()
        .filter_map(|op| match op {
            Op::TomlSet { path, .. } => toml_file::line_of(after, path, None).map(Anchor::After),
            Op::TomlReplaceItem { path, with, .. } => {
                toml_file::line_of(after, path, Some(with)).map(Anchor::After)
            }
            Op::TomlAddItem { path, item } => {
                toml_file::line_of(after, path, Some(item)).map(Anchor::After)
            }
            Op::TomlRemove { path } => toml_file::line_of(before, path, None).map(Anchor::Before),
            Op::TomlCriToVersion3 { .. } => None,
            Op::TomlRename { table, to, .. } => {
                let mut segments = table.segments().to_vec();
                segments.push(to.clone());
                toml_file::line_of(after, &TomlPath::new(segments), None).map(Anchor::After)
            }
            Op::TomlRemoveItem { path, item } => {
                toml_file::line_of(before, path, Some(item)).map(Anchor::Before)
            }
            Op::ReplaceWord { range, .. } => Some(Anchor::After(
                before[..range.start.min(before.len())]
                    .matches('\n')
                    .count()
                    + 1,
            )),
            Op::RemoveWord { range, .. } => Some(Anchor::Before(
                before[..range.start.min(before.len())]
                    .matches('\n')
                    .count()
                    + 1,
            )),
            Op::YamlSet { key, .. } => text_file::yaml_line_of(after, key).map(Anchor::After),
            Op::Create { .. } => Some(Anchor::After(1)),
            Op::InsertWord { at, .. } => Some(Anchor::After(
                before[..(*at).min(before.len())].matches('\n').count() + 1,
            )),
        })
        .collect()
}

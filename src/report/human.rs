//! Terminal output: findings grouped by file, each with a rustc-style code frame pointing at
//! the line and key, the evidence, the impact and the fix; then a summary of what was read,
//! what was checked and why the exit code is what it is.
//!
//! The text carries ANSI styles; the writer (anstream) strips them for `NO_COLOR`,
//! `--color never` and non-terminals. Text that comes from the node (paths, quoted lines,
//! messages quoting values) is cleaned of control characters so a crafted file name or
//! value cannot drive the terminal.

use std::fmt::Write as _;

use annotate_snippets::{
    Annotation, AnnotationKind, Group, Level, Origin, Renderer, Snippet, normalize_untrusted_str,
    renderer::DecorStyle,
};
use owo_colors::OwoColorize;

use crate::engine::{Finding, Location, RuleStatus, location_path};
use crate::model::{SourceFile, SourceMap, Span};
use crate::vocabulary::Severity;

use super::{Report, StatusCounts};

/// Lines of context shown before and after the highlighted lines.
const CONTEXT_LINES: usize = 1;

/// Windows longer than this fold the lines between the annotated ones.
const FOLD_AFTER_LINES: usize = 8;

/// Renders findings and the summary.
pub fn render(report: &Report) -> String {
    let renderer = Renderer::styled().decor_style(DecorStyle::Ascii);
    let mut out = String::new();
    let files = group_by_file(report);
    for (file, findings) in &files {
        let _ = writeln!(out, "{}", file_header(file, findings.len()).bold());
        out.push('\n');
        for f in findings {
            out.push_str(&renderer.render(&finding_groups(&report.sources, f)));
            out.push_str("\n\n");
        }
    }
    summary(report, &mut out);
    out
}

/// Findings in report order (already sorted by file, line, column), cut into runs per file.
fn group_by_file(report: &Report) -> Vec<(String, Vec<&Finding>)> {
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    for f in &report.findings {
        let file = location_path(&report.sources, &f.location);
        match groups.last_mut() {
            Some((current, list)) if current == file => list.push(f),
            _ => groups.push((file.to_owned(), vec![f])),
        }
    }
    groups
}

fn file_header(file: &str, n: usize) -> String {
    format!(
        "── {} ({}) ──",
        untrusted(file),
        count(n, "finding", "findings")
    )
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// The frame of one finding: title, primary location (with same-file related spans),
/// related locations in other files, then the footers.
fn finding_groups<'a>(sources: &'a SourceMap, f: &'a Finding) -> Vec<Group<'a>> {
    let title = level(f.severity)
        .primary_title(untrusted(&f.message))
        .id(f.rule.id);
    let mut group = match &f.location {
        Location::Span(span) => {
            let same_file: Vec<(Span, &str)> = f
                .related
                .iter()
                .filter_map(|r| match &r.location {
                    Location::Span(s) if s.file == span.file => Some((*s, r.label.as_str())),
                    _ => None,
                })
                .collect();
            title.element(frame(sources, *span, f.label.as_deref(), &same_file))
        }
        // No position: name the path (or object), and the label if any, without an empty frame.
        Location::Path(_) | Location::Object(_) => {
            let path = crate::engine::location_path(sources, &f.location);
            let g = title.element(Origin::path(untrusted(path)));
            match &f.label {
                Some(l) => g.element(Level::NOTE.no_name().message(untrusted_text(l))),
                None => g,
            }
        }
    };
    for r in &f.related {
        match &r.location {
            Location::Span(s) => {
                let same_file = matches!(&f.location, Location::Span(p) if p.file == s.file);
                if !same_file {
                    group = group.element(frame(sources, *s, Some(&r.label), &[]));
                }
            }
            Location::Path(_) | Location::Object(_) => {
                let p = crate::engine::location_path(sources, &r.location);
                group = group.element(
                    Level::NOTE
                        .with_name("related")
                        .message(untrusted_text(&format!("{p}: {}", r.label))),
                );
            }
        }
    }

    let mut footers = Vec::new();
    if let Some(actual) = &f.actual {
        footers.push(
            Level::NOTE
                .with_name("found")
                .message(untrusted_text(actual)),
        );
    }
    if let Some(expected) = &f.expected {
        footers.push(
            Level::NOTE
                .with_name("expected")
                .message(untrusted_text(expected)),
        );
    }
    footers.push(
        Level::NOTE
            .with_name("impact")
            .message(untrusted_text(&f.impact)),
    );
    if !f.versions.is_empty() {
        let v: Vec<String> = f.versions.iter().map(ToString::to_string).collect();
        footers.push(
            Level::NOTE
                .with_name("versions")
                .message(untrusted_text(&v.join("; "))),
        );
    }
    if f.severity != f.case.severity {
        footers.push(Level::NOTE.with_name("severity").message(format!(
            "{} by the policy file (default {})",
            f.severity, f.case.severity
        )));
    }
    footers.push(Level::HELP.with_name("fix").message(untrusted_text(&f.fix)));
    footers.push(Level::NOTE.with_name("rule").message(format!(
        "{} {} (runtime-audit explain {})",
        f.rule.id, f.rule.name, f.rule.id
    )));
    group = group.elements(footers);
    vec![group]
}

/// A frame of the lines around `span` (and same-file related spans), so it never carries
/// the whole file. The window is cut on line boundaries and annotations are offsets into it.
fn frame<'a>(
    sources: &'a SourceMap,
    span: Span,
    label: Option<&'a str>,
    related: &[(Span, &'a str)],
) -> Snippet<'a, Annotation<'a>> {
    let file = sources.get(span.file);
    let mut lines: Vec<usize> = Vec::with_capacity(2 + related.len() * 2);
    for s in std::iter::once(span).chain(related.iter().map(|(s, _)| *s)) {
        let (first, last) = covered_lines(file, s);
        lines.push(first);
        lines.push(last);
    }
    let first = lines
        .iter()
        .min()
        .copied()
        .unwrap_or(1)
        .saturating_sub(CONTEXT_LINES)
        .max(1);
    let last = (lines.iter().max().copied().unwrap_or(1) + CONTEXT_LINES).min(file.line_count());
    let text = file.text();
    let start = line_offset(text, first);
    let end = line_offset(text, last + 1).min(text.len());
    let window = text
        .get(start..end)
        .unwrap_or("")
        .trim_end_matches(['\n', '\r']);
    let clip = |s: Span| {
        let a = (s.start as usize).saturating_sub(start).min(window.len());
        let b = (s.end as usize)
            .saturating_sub(start)
            .min(window.len())
            .max(a);
        // Never point at a line break: the caret would land past the end of the line.
        let b = a + window
            .get(a..b)
            .map_or(0, |t| t.trim_end_matches(['\n', '\r']).len());
        a..b
    };
    let mut primary = AnnotationKind::Primary.span(clip(span));
    if let Some(l) = label {
        primary = primary.label(l);
    }
    let mut snip = Snippet::source(window)
        .line_start(first)
        .path(untrusted(&file.host_path))
        // Show every line of a short window; fold the middle of a long multi-line span.
        .fold(last - first > FOLD_AFTER_LINES)
        .annotation(primary);
    for (s, l) in related {
        snip = snip.annotation(AnnotationKind::Context.span(clip(*s)).label(*l));
    }
    snip
}

/// First and last line a span touches (a span ending just after a line break does not
/// touch the next line).
fn covered_lines(file: &SourceFile, span: Span) -> (usize, usize) {
    let (first, _) = file.line_col(span.start as usize);
    let (mut last, end_col) = file.line_col(span.end as usize);
    if last > first && end_col == 1 {
        last -= 1;
    }
    (first, last)
}

/// Byte offset where 1-based `line` starts (text length past the end).
fn line_offset(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// What was read and checked, and why the exit code is what it is.
fn summary(report: &Report, out: &mut String) {
    headline(report, out);
    counts(report, out);
    versions(report, out);
    live(report, out);
    policy(report, out);
    inconclusive(report, out);
    exit_line(report, out);
}

/// The findings by severity, colored by the worst, and the node.
fn headline(report: &Report, out: &mut String) {
    let c = report.counts();
    let findings = format!(
        "{}, {}, {}",
        count(c.error, "error", "errors"),
        count(c.warning, "warning", "warnings"),
        count(c.note, "note", "notes")
    );
    let headline = if c.error > 0 {
        findings.red().bold().to_string()
    } else if c.warning > 0 {
        findings.yellow().bold().to_string()
    } else {
        findings.green().bold().to_string()
    };
    let _ = writeln!(
        out,
        "{} on node {}",
        headline,
        untrusted(&report.node.name).bold()
    );
}

/// Inputs by state and rules by status.
fn counts(report: &Report, out: &mut String) {
    let s = report.status_counts();
    let i = report.input_counts();
    let _ = writeln!(
        out,
        "  {}   {} read, {} absent, {} unreadable, {} invalid",
        "inputs".dimmed(),
        i.read,
        i.absent,
        i.unreadable,
        i.invalid
    );
    write_rules_line(&s, out);
}

/// `  rules    3 fail, 1 pass, 2 not applicable, 0 inconclusive`: the node's and the cluster's.
pub(crate) fn write_rules_line(s: &StatusCounts, out: &mut String) {
    let _ = writeln!(
        out,
        "  {}    {} fail, {} pass, {} not applicable, {} inconclusive",
        "rules".dimmed(),
        s.fail,
        s.pass,
        s.not_applicable,
        s.inconclusive
    );
}

/// The versions the audit used, when any is known.
fn versions(report: &Report, out: &mut String) {
    if report.versions.is_empty() {
        return;
    }
    let v: Vec<String> = report
        .versions
        .iter()
        .map(|v| format!("{} {} ({})", v.component, v.version, v.origin))
        .collect();
    let _ = writeln!(
        out,
        "  {} {}",
        "versions".dimmed(),
        untrusted(&v.join("; "))
    );
}

/// The live facts in a line, and each probe that failed.
fn live(report: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "  {}     {}",
        "live".dimmed(),
        untrusted(&report.live.headline())
    );
    let failed = report.live.failed();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {}", "failed probes:".yellow().bold());
    for p in failed {
        let _ = writeln!(
            out,
            "    {}: {} ({})",
            untrusted(&p.what),
            p.failure,
            untrusted(&p.reason)
        );
    }
}

/// The policy file and how many findings it excepted, when one is used.
fn policy(report: &Report, out: &mut String) {
    let Some(policy) = &report.policy_file else {
        return;
    };
    let suppressed = report.suppressed();
    let _ = writeln!(
        out,
        "  {}   {}, {} excepted",
        "policy".dimmed(),
        untrusted(policy),
        count(suppressed, "finding", "findings")
    );
}

/// The rules that could not check, with why.
fn inconclusive(report: &Report, out: &mut String) {
    let inconclusive: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.status == RuleStatus::Inconclusive)
        .collect();
    if inconclusive.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  {}",
        "could not check (inconclusive):".yellow().bold()
    );
    for o in inconclusive {
        let _ = writeln!(
            out,
            "    {} {}: {}",
            o.rule.id,
            o.rule.name,
            untrusted(o.reason.as_deref().unwrap_or("no reason given"))
        );
    }
}

/// The exit code and the --fail-on threshold that decided it.
fn exit_line(report: &Report, out: &mut String) {
    write_exit_line(report.exit_code(), report.fail_on, out);
}

/// `exit 1: a finding at or above --fail-on error`, green for 0, red otherwise. Code 2 is a
/// run that could not read anything (the cluster audit's only exit 2 with a report).
pub(crate) fn write_exit_line(code: u8, fail_on: Option<Severity>, out: &mut String) {
    let why = match fail_on {
        _ if code == crate::cli::EXIT_CANNOT_AUDIT => "no object could be read".to_owned(),
        None => "--fail-on never".to_owned(),
        Some(t) if code == 1 => format!("a finding at or above --fail-on {t}"),
        Some(t) => format!("no finding at or above --fail-on {t}"),
    };
    let line = format!("exit {code}: {why}");
    let _ = writeln!(
        out,
        "{}",
        if code == 0 {
            line.green().to_string()
        } else {
            line.red().to_string()
        }
    );
}

/// One-line text from the node (a path, a node name) made safe for a terminal: C0 controls
/// shown as symbols (`␛`), anything else that is a control character (line breaks, C1
/// controls, which some terminals obey) as an escape. annotate-snippets does this for titles,
/// labels and source lines, but not for paths or footer messages.
pub(crate) fn untrusted(s: &str) -> String {
    escape_controls(&normalize_untrusted_str(s), false)
}

/// Footer text (impact, fix, values): as [`untrusted`], but line breaks stay, so a fix can
/// show a config snippet on its own lines.
pub(crate) fn untrusted_text(s: &str) -> String {
    escape_controls(&normalize_untrusted_str(s), true)
}

fn escape_controls(s: &str, keep_newlines: bool) -> String {
    let kept = |c: char| keep_newlines && c == '\n';
    if !s.chars().any(|c| c.is_control() && !kept(c)) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && !kept(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `1 error`, `3 errors`.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests;

//! Terminal output: findings grouped by file, with code frames pointing at the line and key,
//! the impact and the fix, and a summary. Output carries ANSI styles; the writer (anstream)
//! strips them for `NO_COLOR`, `--color never` and non-terminals.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use owo_colors::OwoColorize;

use crate::engine::{Finding, Location, RuleStatus, Severity, location_path};
use crate::model::{InputState, SourceMap, Span};

use super::Report;

/// Lines of context shown around a finding.
const CONTEXT_LINES: usize = 1;

pub fn render(report: &Report) -> String {
    let renderer = Renderer::styled();
    let mut out = String::new();
    let mut current_file: Option<&str> = None;
    for f in &report.findings {
        let file = location_path(&report.sources, &f.location);
        if current_file != Some(file) {
            let _ = writeln!(out, "{}", format!("── {file} ──").bold());
            current_file = Some(file);
        }
        out.push_str(&renderer.render(&finding_groups(&report.sources, f)));
        out.push_str("\n\n");
    }
    summary(report, &mut out);
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// The rendered frame of one finding.
fn finding_groups<'a>(sources: &'a SourceMap, f: &'a Finding) -> Vec<Group<'a>> {
    let title = level(f.severity)
        .primary_title(format!("{}: {}", f.rule.name, f.message))
        .id(f.rule.id);
    let mut group = match &f.location {
        Location::Span(span) => {
            let related: Vec<(Span, &str)> = f
                .related
                .iter()
                .filter_map(|r| match &r.location {
                    Location::Span(s) if s.file == span.file => Some((*s, r.label.as_str())),
                    _ => None,
                })
                .collect();
            title.element(snippet(sources, *span, f.label.as_deref(), &related))
        }
        Location::Path(path) => title.element(
            Snippet::<annotate_snippets::Annotation<'_>>::source("")
                .path(path.as_str())
                .line_numbering(false),
        ),
    };
    // Related locations in other files get their own frame.
    for r in &f.related {
        if let Location::Span(s) = &r.location {
            let same_file = matches!(&f.location, Location::Span(p) if p.file == s.file);
            if !same_file {
                group = group.element(snippet(sources, *s, Some(&r.label), &[]));
            }
        } else if let Location::Path(p) = &r.location {
            group = group.element(Level::NOTE.message(format!("{}: {p}", r.label)));
        }
    }
    let mut groups = vec![group];
    let mut notes = Vec::new();
    if let (Some(actual), Some(expected)) = (&f.actual, &f.expected) {
        notes.push(Level::NOTE.message(format!("found {actual}, expected {expected}")));
    }
    notes.push(Level::NOTE.with_name("impact").message(f.impact.as_str()));
    if !f.versions.is_empty() {
        let v: Vec<String> = f.versions.iter().map(ToString::to_string).collect();
        notes.push(Level::NOTE.with_name("versions").message(v.join("; ")));
    }
    notes.push(Level::HELP.with_name("fix").message(f.fix.as_str()));
    groups.push(Group::with_level(Level::NOTE).elements(notes));
    groups
}

/// A snippet of the lines around `span` (plus same-file related spans), so a frame never
/// has to carry the whole file.
fn snippet<'a>(
    sources: &'a SourceMap,
    span: Span,
    label: Option<&'a str>,
    related: &[(Span, &'a str)],
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let file = sources.get(span.file);
    let text = file.text();
    let mut lines: Vec<usize> = vec![
        file.line_col(span.start as usize).0,
        file.line_col(span.end as usize).0,
    ];
    for (s, _) in related {
        lines.push(file.line_col(s.start as usize).0);
        lines.push(file.line_col(s.end as usize).0);
    }
    let first = lines
        .iter()
        .min()
        .copied()
        .unwrap_or(1)
        .saturating_sub(CONTEXT_LINES)
        .max(1);
    let last = (lines.iter().max().copied().unwrap_or(1) + CONTEXT_LINES).min(file.line_count());
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
        a..b
    };
    let mut primary = AnnotationKind::Primary.span(clip(span));
    if let Some(l) = label {
        primary = primary.label(l);
    }
    let mut snip = Snippet::source(window)
        .line_start(first)
        .path(file.host_path.as_str())
        .fold(false)
        .annotation(primary);
    for (s, l) in related {
        snip = snip.annotation(AnnotationKind::Context.span(clip(*s)).label(*l));
    }
    snip
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

fn summary(report: &Report, out: &mut String) {
    let c = report.counts();
    let s = report.status_counts();
    let read = report
        .inputs
        .iter()
        .filter(|i| i.state == InputState::Read)
        .count();
    let absent = report
        .inputs
        .iter()
        .filter(|i| i.state == InputState::Absent)
        .count();
    let bad = report.inputs.len() - read - absent;
    let findings = format!(
        "{} {}, {} {}, {} {}",
        c.error,
        plural(c.error, "error", "errors"),
        c.warning,
        plural(c.warning, "warning", "warnings"),
        c.note,
        plural(c.note, "note", "notes")
    );
    let headline = if c.error > 0 {
        findings.red().bold().to_string()
    } else if c.warning > 0 {
        findings.yellow().bold().to_string()
    } else {
        findings.green().bold().to_string()
    };
    let _ = writeln!(out, "{} on node {}", headline, report.node.name.bold());
    let _ = writeln!(
        out,
        "inputs: {read} read, {absent} absent, {bad} unreadable or invalid · rules: {} fail, {} pass, {} not applicable, {} inconclusive",
        s.fail, s.pass, s.not_applicable, s.inconclusive
    );
    if !report.versions.is_empty() {
        let v: Vec<String> = report
            .versions
            .iter()
            .map(|v| format!("{} {} ({})", v.component, v.version, v.origin))
            .collect();
        let _ = writeln!(out, "versions: {}", v.join("; "));
    }
    let inconclusive: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.status == RuleStatus::Inconclusive)
        .collect();
    if !inconclusive.is_empty() {
        let _ = writeln!(out, "{}", "could not check:".yellow().bold());
        for o in inconclusive {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                o.rule.id,
                o.rule.name,
                o.reason.as_deref().unwrap_or("no reason given")
            );
        }
    }
    if report.suppressed() > 0 {
        let _ = writeln!(
            out,
            "{} finding(s) excepted by the policy file",
            report.suppressed()
        );
    }
    let code = report.exit_code();
    let _ = writeln!(out, "exit {code} (--fail-on {})", report.fail_on.as_str());
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

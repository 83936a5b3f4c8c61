//! The JSON report (documented in `docs/json-report.md`, schema `docs/report.schema.json`,
//! version [`SCHEMA_VERSION`]).

use serde::Serialize;

use crate::engine::{Finding, Location, Related};
use crate::model::{InputRecord, NodeIdentity, SourceMap, VersionUse};
use crate::vocabulary::Severity;

use super::live::LiveSummary;
use super::{Counts, InputCounts, Report, StatusCounts, fingerprint};

/// Bumped on any incompatible change to the JSON layout (a field removed, renamed or
/// changing type or meaning). Adding fields is compatible and does not bump it.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    node: &'a NodeIdentity,
    root: &'a str,
    policy_file: Option<&'a str>,
    summary: Summary,
    inputs: &'a [InputRecord],
    versions: &'a [VersionUse],
    live: &'a LiveSummary,
    findings: Vec<JsonFinding<'a>>,
    rules: Vec<JsonRule<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Tool {
    name: &'static str,
    version: &'static str,
}

impl Tool {
    /// This tool, at the version it reports.
    pub(crate) fn new(version: &'static str) -> Tool {
        Tool {
            name: "runtime-audit",
            version,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    findings: Counts,
    rules: StatusCounts,
    inputs: InputCounts,
    suppressed: usize,
    fail_on: &'static str,
    exit_code: u8,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    head: FindingHead<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    location: JsonLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<&'a str>,
    related: Vec<JsonLocation<'a>>,
    versions: &'a [VersionUse],
    fingerprint: String,
}

/// What every finding says, in the node and the cluster reports alike: the rule, its case,
/// the severity, and the message, impact and fix.
#[derive(Serialize)]
pub(crate) struct FindingHead<'a> {
    rule: &'static str,
    name: &'static str,
    case: &'static str,
    severity: &'static str,
    default_severity: &'static str,
    message: &'a str,
    impact: &'a str,
    fix: &'a str,
}

impl<'a> FindingHead<'a> {
    pub(crate) fn of(f: &'a Finding) -> FindingHead<'a> {
        FindingHead {
            rule: f.rule.id,
            name: f.rule.name,
            case: f.case.id,
            severity: f.severity.as_str(),
            default_severity: f.case.severity.as_str(),
            message: &f.message,
            impact: &f.impact,
            fix: &f.fix,
        }
    }
}

/// A file (and a position in it when the finding has one).
#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRule<'a> {
    id: &'static str,
    name: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    findings: usize,
    suppressed: usize,
}

fn location<'a>(
    sources: &'a SourceMap,
    loc: &'a Location,
    label: Option<&'a str>,
) -> JsonLocation<'a> {
    match loc {
        Location::Span(span) => {
            let p = sources.position(*span);
            JsonLocation {
                file: &sources.get(span.file).host_path,
                line: Some(p.line),
                column: Some(p.column),
                end_line: Some(p.end_line),
                end_column: Some(p.end_column),
                label,
            }
        }
        Location::Path(_) | Location::Object(_) => JsonLocation {
            file: crate::engine::location_path(sources, loc),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            label,
        },
    }
}

fn finding<'a>(sources: &'a SourceMap, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        head: FindingHead::of(f),
        key: f.key.as_deref(),
        location: location(sources, &f.location, f.label.as_deref()),
        actual: f.actual.as_deref(),
        expected: f.expected.as_deref(),
        related: f
            .related
            .iter()
            .map(|Related { location: l, label }| location(sources, l, Some(label)))
            .collect(),
        versions: &f.versions,
        fingerprint: fingerprint::fingerprint(sources, f),
    }
}

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool::new(report.tool_version),
        node: &report.node,
        root: &report.root,
        policy_file: report.policy_file.as_deref(),
        summary: Summary {
            findings: report.counts(),
            rules: report.status_counts(),
            inputs: report.input_counts(),
            suppressed: report.suppressed(),
            fail_on: report.fail_on.map_or("never", Severity::as_str),
            exit_code: report.exit_code(),
        },
        inputs: &report.inputs,
        versions: &report.versions,
        live: &report.live,
        findings: report
            .findings
            .iter()
            .map(|f| finding(&report.sources, f))
            .collect(),
        rules: report
            .outcomes
            .iter()
            .map(|o| JsonRule {
                id: o.rule.id,
                name: o.rule.name,
                status: o.status.as_str(),
                reason: o.reason.as_deref(),
                findings: report
                    .findings
                    .iter()
                    .filter(|f| f.rule.id == o.rule.id)
                    .count(),
                suppressed: o.suppressed,
            })
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

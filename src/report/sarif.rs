//! SARIF 2.1.0 for GitHub code scanning (mapping documented in `docs/sarif.md`).
//!
//! One run per node. Host files are not in the repository, so locations are absolute
//! `file://` URIs (no `uriBaseId`), GitHub cannot compute fingerprints for them and we supply
//! our own, line-independent ones. Every result has a location with a region, because GitHub
//! rejects the whole upload otherwise.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location as SarifLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, ReportingDescriptorReference,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use crate::engine::{Finding, Location, RuleStatus};
use crate::model::{SourceMap, Span};
use crate::vocabulary::{RuleMeta, Severity};

use super::{Report, fingerprint, ruledoc};

/// `$schema` of the log: the final 2.1.0 schema as published on schemastore.org.
pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub's limit for `shortDescription`/`fullDescription` text.
const DESCRIPTION_LIMIT: usize = 1024;

/// Where to learn about the tool: the package's homepage or repository when Cargo.toml
/// declares one; otherwise a `data:` URI that carries the information itself (what the tool
/// is and how to read its documentation, which is compiled into the binary) rather than an
/// invented address.
pub(crate) fn information_uri() -> String {
    if let Some(u) = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| u.starts_with("https://"))
    {
        return u.to_owned();
    }
    let text = format!(
        "runtime-audit {}: preflight audit of a Kubernetes node moving from Docker (dockershim) to containerd. \
         The rule catalog and each rule's documentation ship with the tool: run `runtime-audit rules` and `runtime-audit explain RAxxx`.",
        env!("CARGO_PKG_VERSION")
    );
    format!("data:text/plain;charset=utf-8,{}", percent_encode(&text))
}

/// Renders the report as a pretty-printed SARIF log with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&log(report))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The SARIF log of one audit.
pub(crate) fn log(report: &Report) -> Sarif {
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run(report)])
        .build()
}

fn run(report: &Report) -> Run {
    // Rules that ran, in id order; a result's ruleIndex points into this list.
    let rules: Vec<&'static RuleMeta> = report.outcomes.iter().map(|o| o.rule).collect();
    let index = |id: &str| rules.iter().position(|r| r.id == id);
    let hashes = fingerprint::numbered(&report.sources, &report.findings);
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .zip(hashes)
        .map(|(f, hash)| result(&report.sources, f, index(f.rule.id), &hash))
        .collect();

    let mut driver = ToolComponent::builder()
        .name("runtime-audit")
        .full_name(format!("runtime-audit {}", report.tool_version))
        .semantic_version(report.tool_version)
        .version(report.tool_version)
        .rules(rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>())
        .build();
    driver.information_uri = Some(information_uri());

    let notifications: Vec<Notification> = report
        .outcomes
        .iter()
        .filter(|o| o.status == RuleStatus::Inconclusive)
        .map(|o| {
            let reason = o.reason.as_deref().unwrap_or("no reason given");
            Notification::builder()
                .level(json!("warning"))
                .message(text(format!(
                    "{} {} could not check this node: {}",
                    o.rule.id,
                    o.rule.name,
                    sentence(reason)
                )))
                .associated_rule(
                    ReportingDescriptorReference::builder()
                        .id(o.rule.id)
                        .index(index(o.rule.id).map_or(-1, |i| i as i64))
                        .build(),
                )
                .build()
        })
        .collect();
    let notifications: Vec<Notification> = notifications
        .into_iter()
        .chain(probe_notifications(report))
        .collect();
    let mut invocation = Invocation::builder()
        .execution_successful(true)
        .exit_code(i64::from(report.exit_code()))
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }

    let status = report.status_counts();
    let statuses: BTreeMap<&str, &str> = report
        .outcomes
        .iter()
        .map(|o| (o.rule.id, o.status.as_str()))
        .collect();
    let properties = bag([
        ("node", json!(report.node.name)),
        ("nodeSource", json!(report.node.source)),
        ("root", json!(report.root)),
        (
            "failOn",
            json!(report.fail_on.map_or("never", Severity::as_str)),
        ),
        (
            "ruleStatusCounts",
            json!({
                "fail": status.fail,
                "pass": status.pass,
                "notApplicable": status.not_applicable,
                "inconclusive": status.inconclusive,
            }),
        ),
        ("ruleStatus", json!(statuses)),
        ("suppressed", json!(report.suppressed())),
        ("live", camel_case(json!(report.live))),
    ]);

    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id(automation_id(&report.node.name))
                .build(),
        )
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .results(results)
        .properties(properties)
        .build();
    run.original_uri_base_ids = api_base(report);
    run
}

/// `runtime-audit/<node>/`: the category is everything up to the last `/`, so each node gets
/// its own category and uploads for different nodes do not overwrite each other.
pub(crate) fn automation_id(node: &str) -> String {
    let safe: String = node
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let safe = if safe.is_empty() {
        "unknown".into()
    } else {
        safe
    };
    format!("runtime-audit/{safe}/")
}

pub(crate) fn descriptor(meta: &RuleMeta) -> ReportingDescriptor {
    let checks = ruledoc::section(meta.doc, "What it checks")
        .map(ruledoc::plain_paragraphs)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| meta.summary.to_owned());
    let cases: Vec<Value> = meta
        .cases
        .iter()
        .map(|c| json!({"id": c.id, "severity": c.severity.as_str()}))
        .collect();
    let mut tags = vec![
        "runtime-audit".to_owned(),
        "containerd-migration".to_owned(),
    ];
    if let Ok(Value::String(area)) = serde_json::to_value(meta.area) {
        tags.push(area);
    }
    let mut properties = bag([
        ("precision", json!("high")),
        (
            "problem.severity",
            json!(problem_severity(meta.max_severity())),
        ),
        ("area", json!(meta.area.title())),
        ("cases", json!(cases)),
    ]);
    properties.tags = Some(tags);
    ReportingDescriptor::builder()
        .id(meta.id)
        .name(meta.name)
        .short_description(
            MultiformatMessageString::builder()
                .text(ruledoc::truncate_sentences(
                    &sentence(meta.summary),
                    DESCRIPTION_LIMIT,
                ))
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(ruledoc::truncate_sentences(&checks, DESCRIPTION_LIMIT))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(meta.doc.trim_end())
                .markdown(meta.doc.trim_end())
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(meta.max_severity().as_str()))
                .build(),
        )
        .properties(properties)
        .build()
}

/// GitHub's `problem.severity` vocabulary.
fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "recommendation",
    }
}

pub(crate) fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Note => ResultLevel::Note,
    }
}

/// The properties every result carries: case, default severity, impact, fix and key.
pub(crate) fn finding_properties(f: &Finding) -> Vec<(&'static str, Value)> {
    let mut props = vec![
        ("case", json!(f.case.id)),
        ("defaultSeverity", json!(f.case.severity.as_str())),
        ("impact", json!(f.impact)),
        ("fix", json!(f.fix)),
    ];
    if let Some(k) = &f.key {
        props.push(("key", json!(k)));
    }
    props
}

/// `primaryLocationLineHash` (`<hash>:<n>`) and our own line-independent `runtimeAudit/v1`.
pub(crate) fn fingerprints(hash: &str) -> BTreeMap<String, String> {
    let stable = hash.split(':').next().unwrap_or(hash);
    BTreeMap::from([
        ("primaryLocationLineHash".to_owned(), hash.to_owned()),
        ("runtimeAudit/v1".to_owned(), stable.to_owned()),
    ])
}

fn result(sources: &SourceMap, f: &Finding, index: Option<usize>, hash: &str) -> SarifResult {
    let mut props = finding_properties(f);
    if let Some(a) = &f.actual {
        props.push(("actual", json!(a)));
    }
    if let Some(e) = &f.expected {
        props.push(("expected", json!(e)));
    }
    if !f.versions.is_empty() {
        props.push(("versions", json!(f.versions)));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule.id)
        .level(level(f.severity))
        .message(text(message_text(f)))
        .locations(vec![location(
            sources,
            &f.location,
            f.label.as_deref(),
            None,
        )])
        .partial_fingerprints(fingerprints(hash))
        .properties(bag(props))
        .build();
    r.rule_index = index.map(|i| i as i64);
    if !f.related.is_empty() {
        r.related_locations = Some(
            f.related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    location(sources, &rel.location, Some(&rel.label), Some(i as i64 + 1))
                })
                .collect(),
        );
    }
    r
}

/// What is wrong (the first sentence: the title in GitHub's alert list), then what the user
/// will see, then the fix.
pub(crate) fn message_text(f: &Finding) -> String {
    format!(
        "{}\nImpact: {}\nFix: {}",
        sentence(&capitalize(&f.message)),
        sentence(&f.impact),
        sentence(&f.fix)
    )
}

fn location(
    sources: &SourceMap,
    loc: &Location,
    label: Option<&str>,
    id: Option<i64>,
) -> SarifLocation {
    let physical = match loc {
        Location::Span(span) => {
            let file = sources.get(span.file);
            PhysicalLocation::builder()
                .artifact_location(artifact(&file.host_path))
                .region(region(sources, *span))
                .context_region(context_region(sources, *span))
                .build()
        }
        // A path with no position (a missing file, a socket): GitHub needs a region to show
        // the result at all, so point at the first line.
        Location::Path(_) | Location::Object(_) => PhysicalLocation::builder()
            .artifact_location(artifact(crate::engine::location_path(sources, loc)))
            .region(Region::builder().start_line(1_i64).build())
            .build(),
    };
    let mut l = SarifLocation::builder().physical_location(physical).build();
    l.message = label.filter(|s| !s.is_empty()).map(|s| text(sentence(s)));
    l.id = id;
    l
}

/// One notification per live probe that got no answer.
fn probe_notifications(report: &Report) -> impl Iterator<Item = Notification> {
    report.live.failed().into_iter().map(|p| {
        Notification::builder()
            .level(json!("warning"))
            .message(text(format!(
                "Live probe {} failed ({}): {} Rules that need it are inconclusive.",
                p.what,
                p.failure,
                sentence(&p.reason)
            )))
            .build()
    })
}

/// A host file as a `file://` URI; an object read from the Kubernetes API
/// (`https://10.0.0.1:6443/api/v1/nodes/n1`) as its path relative to the API server, whose
/// address is the run's [`API_BASE`] (`originalUriBaseIds`).
fn artifact(path: &str) -> ArtifactLocation {
    match api_url(path) {
        Some((_, rest)) => ArtifactLocation::builder()
            .uri(rest)
            .uri_base_id(API_BASE)
            .build(),
        None => ArtifactLocation::builder().uri(file_uri(path)).build(),
    }
}

/// The `uriBaseId` of objects read from the Kubernetes API.
const API_BASE: &str = "KUBERNETES_API";

/// A URL of the Kubernetes API split into the server (`https://10.0.0.1:6443/`) and the path
/// after it (`api/v1/nodes/n1`).
fn api_url(path: &str) -> Option<(&str, &str)> {
    let rest = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))?;
    let slash = rest.find('/')?;
    let at = path.len() - rest.len() + slash + 1;
    Some((&path[..at], &path[at..]))
}

/// `originalUriBaseIds` naming the API server, when a location is an object read from it.
fn api_base(report: &Report) -> Option<BTreeMap<String, ArtifactLocation>> {
    let base = report
        .findings
        .iter()
        .flat_map(|f| std::iter::once(&f.location).chain(f.related.iter().map(|r| &r.location)))
        .find_map(|l| api_url(crate::engine::location_path(&report.sources, l)))?
        .0;
    Some(BTreeMap::from([(
        API_BASE.to_owned(),
        ArtifactLocation::builder().uri(base).build(),
    )]))
}

fn region(sources: &SourceMap, span: Span) -> Region {
    let p = sources.position(span);
    let mut r = Region::builder()
        .start_line(p.line as i64)
        .start_column(p.column as i64)
        .end_line(p.end_line as i64)
        .end_column(p.end_column as i64)
        .build();
    let quoted = sources
        .get(span.file)
        .text()
        .get(span.range())
        .unwrap_or("");
    if !quoted.is_empty() {
        r.snippet = Some(ArtifactContent::builder().text(quoted).build());
    }
    r
}

/// The whole lines around the span, so a viewer without the host file can show context.
fn context_region(sources: &SourceMap, span: Span) -> Region {
    let file = sources.get(span.file);
    let p = sources.position(span);
    // A span that ends at the start of a line (after its newline) does not touch that line.
    let last = if p.end_line > p.line && p.end_column == 1 {
        p.end_line - 1
    } else {
        p.end_line
    };
    let lines: Vec<&str> = (p.line..=last).map(|l| file.line_text(l)).collect();
    let mut r = Region::builder()
        .start_line(p.line as i64)
        .end_line(last as i64)
        .build();
    let joined = lines.join("\n");
    if !joined.is_empty() {
        r.snippet = Some(ArtifactContent::builder().text(joined).build());
    }
    r
}

/// An absolute path as a `file://` URI; a relative one (a policy file named relative to the
/// working directory) as a relative URI reference. Both percent-encoded.
pub(crate) fn file_uri(path: &str) -> String {
    let encoded = percent_encode(path);
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The same value with `snake_case` object keys in `camelCase`, the convention of SARIF
/// property bags.
fn camel_case(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let mut out = String::with_capacity(k.len());
                    let mut upper = false;
                    for c in k.chars() {
                        if c == '_' {
                            upper = true;
                        } else if upper {
                            out.extend(c.to_uppercase());
                            upper = false;
                        } else {
                            out.push(c);
                        }
                    }
                    (out, camel_case(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case).collect()),
        other => other,
    }
}

pub(crate) fn text(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

pub(crate) fn bag<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> PropertyBag {
    PropertyBag::builder()
        .additional_properties(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<BTreeMap<_, _>>(),
        )
        .build()
}

/// Ends a message with a period (SARIF viewers expect full sentences).
pub(crate) fn sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(
            file_uri("/etc/containerd/config.toml"),
            "file:///etc/containerd/config.toml"
        );
        assert_eq!(
            file_uri("/etc/containerd/certs.d/r.example:5000/hosts.toml"),
            "file:///etc/containerd/certs.d/r.example%3A5000/hosts.toml"
        );
        assert_eq!(file_uri("/a b/ü"), "file:///a%20b/%C3%BC");
        assert_eq!(file_uri("runtime-audit.toml"), "runtime-audit.toml");
        assert_eq!(
            api_url("https://10.0.0.1:6443/api/v1/nodes/n1"),
            Some(("https://10.0.0.1:6443/", "api/v1/nodes/n1"))
        );
        assert_eq!(api_url("/etc/containerd/config.toml"), None);
    }

    #[test]
    fn automation_ids() {
        assert_eq!(automation_id("node-a"), "runtime-audit/node-a/");
        assert_eq!(automation_id("a/b c"), "runtime-audit/a-b-c/");
        assert_eq!(automation_id(""), "runtime-audit/unknown/");
    }

    #[test]
    fn property_keys_in_camel_case() {
        assert_eq!(
            camel_case(json!({"named_by": [{"end_line": 1}], "mode": "live"})),
            json!({"namedBy": [{"endLine": 1}], "mode": "live"})
        );
    }

    #[test]
    fn sentences() {
        assert_eq!(sentence("done"), "done.");
        assert_eq!(sentence("done."), "done.");
        assert_eq!(capitalize("éa"), "Éa");
    }
}

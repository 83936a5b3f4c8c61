//! SARIF of a cluster audit. An object read from a file is located in that file (its first
//! line); every result also names its object as a logical location, `Kind/namespace/name`.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location as SarifLocation, LogicalLocation, PhysicalLocation,
    Region, Result as SarifResult, Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use crate::engine::{Finding, Location};
use crate::model::SourceMap;
use crate::report::fingerprint;
use crate::report::sarif::{
    SCHEMA_URI, bag, descriptor, file_uri, finding_properties, fingerprints, information_uri,
    level, message_text, text,
};
use crate::vocabulary::{RuleMeta, Severity};

use super::ClusterReport;

pub(crate) fn render(report: &ClusterReport<'_>) -> String {
    let log = Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run(report)])
        .build();
    let mut s =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn run(report: &ClusterReport<'_>) -> Run {
    let outcomes = &report.evaluation.outcomes;
    let rules: Vec<&'static RuleMeta> = outcomes.iter().map(|o| o.rule).collect();
    let index = |id: &str| rules.iter().position(|r| r.id == id);
    let findings = &report.evaluation.findings;
    let hashes = fingerprint::numbered(&SourceMap::default(), findings);
    // Objects listed from the API have no file: they are named by logical location only.
    let first_input = match report.facts.api {
        Some(_) => None,
        None => Some(
            report
                .facts
                .inputs
                .first()
                .map_or("<stdin>", |i| i.name.as_str()),
        ),
    };
    let results: Vec<SarifResult> = findings
        .iter()
        .zip(hashes)
        .map(|(f, hash)| result(f, index(f.rule.id), &hash, first_input))
        .collect();
    let mut driver = ToolComponent::builder()
        .name("runtime-audit")
        .full_name(format!("runtime-audit {}", env!("CARGO_PKG_VERSION")))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>())
        .build();
    driver.information_uri = Some(information_uri());
    let invocation = Invocation::builder()
        .execution_successful(true)
        .exit_code(i64::from(report.exit_code()))
        .build();
    let statuses: BTreeMap<&str, &str> = outcomes
        .iter()
        .map(|o| (o.rule.id, o.status.as_str()))
        .collect();
    let g = &report.facts.gathered;
    let properties = bag([
        ("nodes", json!(g.nodes.len())),
        ("pods", json!(g.pods)),
        ("readProblems", json!(report.read_problems())),
        (
            "failOn",
            json!(report.fail_on.map_or("never", Severity::as_str)),
        ),
        ("ruleStatus", json!(statuses)),
    ]);
    Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id("runtime-audit-cluster/")
                .build(),
        )
        .invocations(vec![invocation])
        .results(results)
        .properties(properties)
        .build()
}

fn result(f: &Finding, index: Option<usize>, hash: &str, first_input: Option<&str>) -> SarifResult {
    let mut props = finding_properties(f);
    if let Some(a) = &f.affected {
        props.push(("affectedPods", json!(a.pods.len())));
        props.push(("affectedNodes", json!(a.nodes)));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule.id)
        .level(level(f.severity))
        .message(text(message_text(f)))
        .locations(vec![location(f, first_input)])
        .partial_fingerprints(fingerprints(hash))
        .properties(bag(props))
        .build();
    r.rule_index = index.map(|i| i as i64);
    r
}

/// The file and line the object was read at (GitHub shows a result only with a physical
/// location), and the object itself as a logical location; an object of the API has only
/// the logical one.
fn location(f: &Finding, first_input: Option<&str>) -> SarifLocation {
    let Location::Object(o) = &f.location else {
        return SarifLocation::builder().build();
    };
    let file_line = match &o.file {
        Some((file, line)) => Some((file.as_str(), (*line).max(1))),
        None => first_input.map(|f| (f, 1)),
    };
    let physical = file_line.map(|(file, line)| {
        PhysicalLocation::builder()
            .artifact_location(ArtifactLocation::builder().uri(file_uri(file)).build())
            .region(Region::builder().start_line(line as i64).build())
            .build()
    });
    let object = &o.object;
    let qualified = match &object.namespace {
        Some(ns) => format!("{}/{ns}/{}", object.kind, object.name),
        None => format!("{}/{}", object.kind, object.name),
    };
    let logical = LogicalLocation::builder()
        .name(object.name.clone())
        .fully_qualified_name(qualified)
        .kind(object.kind.to_ascii_lowercase())
        .build();
    let mut l = SarifLocation::builder()
        .logical_locations(vec![logical])
        .build();
    l.physical_location = physical;
    l.message = f.label.as_ref().map(|s| text(s.clone()));
    l
}

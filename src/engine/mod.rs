//! Runs rules over a snapshot — in parallel when the node is big enough to pay for it — and
//! applies the policy.

pub(crate) mod emitter;
pub(crate) mod finding;
pub(crate) mod policy;

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::cluster::facts::ClusterFacts;
use crate::model::policy::PolicyFacts;
use crate::model::{NodeSnapshot, SourceMap};

pub(crate) use emitter::{Check, Emitter, Rule};
pub use finding::{Affected, Finding, Location, ObjectAt, Related, RuleOutcome, RuleStatus};
pub use policy::{Policy, Selector, SelectorError, SeverityOverride, find_rule};

/// The result of running rules on one snapshot.
#[derive(Debug)]
pub struct Evaluation {
    /// Findings, sorted by (file, line, column, rule id).
    pub(crate) findings: Vec<Finding>,
    /// One outcome per rule that ran, in rule id order.
    pub(crate) outcomes: Vec<RuleOutcome>,
}

/// Runs every rule the policy selects.
pub fn evaluate(snapshot: &NodeSnapshot, rules: &[&'static Rule], policy: &Policy) -> Evaluation {
    type NodeCheck = fn(&NodeSnapshot) -> emitter::Verdict;
    let selected: Vec<(&Rule, NodeCheck)> = rules
        .iter()
        .copied()
        .filter(|r| policy.runs(r.meta))
        .filter_map(|r| match r.run {
            Check::Node(run) => Some((r, run)),
            Check::Cluster(_) => None,
        })
        .collect();
    let run = |(rule, check): &(&Rule, NodeCheck)| outcome_of(rule, check(snapshot));
    let results: Vec<(RuleOutcome, Vec<Finding>)> = if parallel_pays(snapshot) {
        selected.par_iter().map(run).collect()
    } else {
        selected.iter().map(run).collect()
    };
    let mut evaluation = apply_policy(results, policy, |f| {
        is_excepted(&snapshot.policy, &snapshot.sources, f)
    });
    let sources = &snapshot.sources;
    evaluation
        .findings
        .sort_by(|a, b| compare_findings(sources, a, b));
    evaluation
}

/// Runs every cluster rule the policy selects on a cluster's facts.
pub(crate) fn evaluate_cluster(
    facts: &ClusterFacts,
    rules: &[&'static Rule],
    policy: &Policy,
    exceptions: &PolicyFacts,
) -> Evaluation {
    let results: Vec<(RuleOutcome, Vec<Finding>)> = rules
        .iter()
        .filter(|r| policy.runs(r.meta))
        .filter_map(|r| match r.run {
            Check::Cluster(check) => Some(outcome_of(r, check(facts))),
            Check::Node(_) => None,
        })
        .collect();
    let empty = SourceMap::default();
    let mut evaluation = apply_policy(results, policy, |f| is_excepted(exceptions, &empty, f));
    evaluation.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| {
                location_path(&empty, &a.location).cmp(location_path(&empty, &b.location))
            })
            .then_with(|| a.rule.id.cmp(b.rule.id))
            .then_with(|| a.key.cmp(&b.key))
    });
    evaluation
}

fn outcome_of(rule: &Rule, verdict: emitter::Verdict) -> (RuleOutcome, Vec<Finding>) {
    let outcome = RuleOutcome {
        rule: rule.meta,
        status: verdict.status,
        reason: verdict.reason,
        suppressed: 0,
    };
    (outcome, verdict.findings)
}

/// Leaves out what the policy does not select or excepts, and applies its severities.
fn apply_policy(
    mut results: Vec<(RuleOutcome, Vec<Finding>)>,
    policy: &Policy,
    excepted: impl Fn(&Finding) -> bool,
) -> Evaluation {
    results.sort_by_key(|(o, _)| o.rule.id);
    let mut findings = Vec::new();
    let mut outcomes = Vec::with_capacity(results.len());
    for (mut outcome, rule_findings) in results {
        let total = rule_findings.len();
        let mut unselected: Vec<&str> = Vec::new();
        for mut finding in rule_findings {
            if !policy.reports(finding.rule, finding.case) {
                unselected.push(finding.case.id);
                continue;
            }
            if excepted(&finding) {
                outcome.suppressed += 1;
                continue;
            }
            if let Some(severity) = policy.severity_of(finding.rule, finding.case) {
                finding.severity = severity;
            }
            findings.push(finding);
        }
        if total > 0 && outcome.suppressed + unselected.len() == total {
            // Nothing left to report: the rule passes by policy, and says why.
            outcome.status = RuleStatus::Pass;
            outcome.reason = Some(policy_pass_reason(&unselected, outcome.suppressed));
        }
        outcomes.push(outcome);
    }
    Evaluation { findings, outcomes }
}

/// Input size from which the rules run on rayon's pool. Below it every rule together takes
/// microseconds, and starting the pool's threads (about 1 ms on a 2-core machine, measured with
/// benches/bench.sh) would cost more than it saves.
pub const PARALLEL_FROM_BYTES: usize = 256 * 1024;

/// What the rules will have to go through: the text of every file read, and a rough size for
/// each image and container the probes listed.
fn workload(snapshot: &NodeSnapshot) -> usize {
    let text: usize = snapshot.sources.iter().map(|(_, f)| f.text().len()).sum();
    let live = &snapshot.live;
    let cri_images: usize = live
        .cri
        .iter()
        .filter_map(|c| c.images.ok().map(Vec::len))
        .sum();
    let docker_objects = live.docker.as_ref().map_or(0, |d| {
        d.images.ok().map_or(0, Vec::len) + d.containers.ok().map_or(0, Vec::len)
    });
    text + 512 * (cri_images + docker_objects)
}

/// Whether [`evaluate`] runs this snapshot's rules on rayon's pool.
pub fn parallel_pays(snapshot: &NodeSnapshot) -> bool {
    workload(snapshot) >= PARALLEL_FROM_BYTES
}

/// Why a rule whose findings the policy all left out passes.
fn policy_pass_reason(unselected: &[&str], excepted: usize) -> String {
    let mut cases = unselected.to_vec();
    cases.sort_unstable();
    cases.dedup();
    let mut parts = Vec::new();
    if !unselected.is_empty() {
        parts.push(format!(
            "{} finding(s) of case(s) not selected ({})",
            unselected.len(),
            cases.join(", ")
        ));
    }
    if excepted > 0 {
        parts.push(format!("{excepted} finding(s) excepted by the policy file"));
    }
    parts.join("; ")
}

/// A finding is excepted by a policy exception that matches it and has not expired.
/// (Expired exceptions do not suppress; RA004 reports them.)
fn is_excepted(policy: &PolicyFacts, sources: &SourceMap, finding: &Finding) -> bool {
    let today = policy.today;
    let path = location_path(sources, &finding.location);
    policy.exceptions.iter().any(|e| {
        // `rule` is a rule's id or name, or `RULE:case` for one of its cases.
        let (rule, case) = match e.rule.split_once(':') {
            Some((rule, case)) => (rule.trim(), Some(case.trim())),
            None => (e.rule.trim(), None),
        };
        let rule_matches = (rule.eq_ignore_ascii_case(finding.rule.id)
            || rule == finding.rule.name)
            && case.is_none_or(|c| c == finding.case.id);
        let path_matches = e.path.as_deref().is_none_or(|p| p == path);
        let key_matches = e
            .key
            .as_deref()
            .is_none_or(|k| finding.key.as_deref() == Some(k));
        let live = today.is_none_or(|t| !e.is_expired(t));
        rule_matches && path_matches && key_matches && live
    })
}

/// The host path a location refers to.
pub(crate) fn location_path<'a>(sources: &'a SourceMap, location: &'a Location) -> &'a str {
    match location {
        Location::Span(span) => &sources.get(span.file).host_path,
        Location::Path(p) => p,
        Location::Object(o) => &o.shown,
    }
}

fn sort_key<'a>(sources: &'a SourceMap, f: &'a Finding) -> (&'a str, usize, usize, &'static str) {
    let path = location_path(sources, &f.location);
    let (line, column) = match &f.location {
        Location::Span(span) => sources.get(span.file).line_col(span.start as usize),
        Location::Path(_) | Location::Object(_) => (0, 0),
    };
    (path, line, column, f.rule.id)
}

fn compare_findings(sources: &SourceMap, a: &Finding, b: &Finding) -> Ordering {
    sort_key(sources, a)
        .cmp(&sort_key(sources, b))
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.message.cmp(&b.message))
}

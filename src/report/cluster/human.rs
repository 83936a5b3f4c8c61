//! The terminal report of a cluster audit: what was read, the rollout by pool, then the
//! findings grouped by object. Text from the objects is escaped like the node report's.

use std::collections::HashMap;
use std::fmt::Write;

use owo_colors::OwoColorize;

use crate::cluster::rollout::Group;
use crate::cluster::some_of;
use crate::engine::{Finding, Location, RuleStatus};
use crate::report::human::{count, untrusted, untrusted_text, write_exit_line, write_rules_line};
use crate::vocabulary::Severity;

use super::ClusterReport;

/// Findings of one rule and case shown before the rest are only counted.
const SHOWN_PER_CASE: usize = 10;

pub(crate) fn render(report: &ClusterReport<'_>) -> String {
    let mut out = String::new();
    headline(report, &mut out);
    rollout(report, &mut out);
    findings(report, &mut out);
    problems(report, &mut out);
    summary(report, &mut out);
    out
}

fn headline(report: &ClusterReport<'_>, out: &mut String) {
    let g = &report.facts.gathered;
    let inputs: Vec<String> = report
        .facts
        .inputs
        .iter()
        .map(|i| untrusted(&i.name))
        .collect();
    let phases: Vec<String> = g
        .pods_by_phase
        .iter()
        .map(|(p, n)| format!("{n} {}", untrusted(p)))
        .collect();
    let from = match &report.facts.api {
        Some(api) => format!(
            "the API at {} ({})",
            untrusted(&api.server),
            untrusted(&api.credentials)
        ),
        None => some_of(&inputs, 3),
    };
    let _ = writeln!(
        out,
        "{} and {}{} read from {from}",
        count(g.nodes.len(), "node", "nodes"),
        count(g.pods, "pod", "pods"),
        if phases.is_empty() {
            String::new()
        } else {
            format!(" ({})", phases.join(", "))
        },
    );
    if !g.other_kinds.is_empty() {
        let kinds: Vec<String> = g
            .other_kinds
            .iter()
            .map(|(k, n)| format!("{n} {}", untrusted(k)))
            .collect();
        let _ = writeln!(out, "  also read, not checked: {}", kinds.join(", "));
    }
    out.push('\n');
}

fn rollout(report: &ClusterReport<'_>, out: &mut String) {
    let r = report.rollout;
    if r.total.nodes == 0 {
        return;
    }
    let title = match &r.group_by {
        Some(label) => format!("Rollout by {}", untrusted(label)),
        None => "Rollout (no node pool label found; --group-by LABEL groups the nodes)".to_owned(),
    };
    let _ = writeln!(out, "{}", title.bold());
    let width = r
        .groups
        .iter()
        .map(|g| g.name.chars().count())
        .chain([9])
        .max()
        .unwrap_or(9)
        .min(40);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>6}  {:>9}  runtimes; kubelets",
        "pool", "nodes", "on Docker"
    );
    for g in r.groups.iter().chain([&r.total]) {
        row(g, width, out);
    }
    out.push('\n');
}

fn row(g: &Group, width: usize, out: &mut String) {
    let list = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, n)| format!("{} ({n})", untrusted(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let docker = g.on_docker();
    let docker = if docker > 0 {
        format!("{docker:>9}").yellow().to_string()
    } else {
        format!("{docker:>9}")
    };
    let drivers = if g.cgroup_drivers.is_empty() {
        String::new()
    } else {
        format!("; cgroup {}", list(&g.cgroup_drivers))
    };
    let _ = writeln!(
        out,
        "  {:<width$}  {:>6}  {docker}  {}; {}{drivers}",
        untrusted(&g.name),
        g.nodes,
        list(&g.runtimes),
        list(&g.kubelets)
    );
}

/// The findings grouped by object, the objects with the worst findings first.
fn by_object<'f>(findings: &'f [Finding]) -> Vec<&'f Finding> {
    let shown = |f: &'f Finding| match &f.location {
        Location::Object(o) => o.shown.as_str(),
        _ => "",
    };
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for f in findings {
        let w = worst.entry(shown(f)).or_insert(f.severity);
        *w = (*w).max(f.severity);
    }
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        worst[shown(b)]
            .cmp(&worst[shown(a)])
            .then_with(|| shown(a).cmp(shown(b)))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.rule.id.cmp(b.rule.id))
    });
    sorted
}

fn findings(report: &ClusterReport<'_>, out: &mut String) {
    let mut shown: HashMap<(&str, &str), usize> = HashMap::new();
    let mut hidden: Vec<((&str, &str), usize)> = Vec::new();
    let mut last_object: Option<&str> = None;
    for f in by_object(&report.evaluation.findings) {
        let key = (f.rule.id, f.case.id);
        let n = shown.entry(key).or_default();
        *n += 1;
        if *n > SHOWN_PER_CASE {
            match hidden.iter_mut().find(|(k, _)| *k == key) {
                Some((_, c)) => *c += 1,
                None => hidden.push((key, 1)),
            }
            continue;
        }
        let Location::Object(o) = &f.location else {
            continue;
        };
        if last_object != Some(o.shown.as_str()) {
            let at = o
                .file
                .as_ref()
                .map(|(file, line)| format!(" ({}:{line})", untrusted(file)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}",
                format!("── {}{at} ──", untrusted(&o.shown)).bold()
            );
            last_object = Some(&o.shown);
        }
        finding(f, out);
    }
    for ((rule, case), n) in hidden {
        let _ = writeln!(
            out,
            "{}",
            format!("… {n} more {rule}:{case} findings (--format json lists every one)").dimmed()
        );
    }
}

fn finding(f: &Finding, out: &mut String) {
    let head = format!("{}[{}:{}]", f.severity, f.rule.id, f.case.id);
    let head = match f.severity {
        Severity::Error => head.red().bold().to_string(),
        Severity::Warning => head.yellow().bold().to_string(),
        Severity::Note => head.cyan().bold().to_string(),
    };
    let _ = writeln!(out, "{head}: {}", untrusted(&f.message));
    if let Some(a) = &f.affected {
        let _ = writeln!(out, "  = pods: {}", untrusted(&some_of(&a.pods, 3)));
        let _ = writeln!(out, "  = nodes: {}", untrusted(&some_of(&a.nodes, 5)));
    }
    if let Some(e) = &f.expected {
        let _ = writeln!(out, "  = expected: {}", untrusted_text(e));
    }
    let _ = writeln!(out, "  = impact: {}", untrusted_text(&f.impact));
    let _ = writeln!(out, "  = fix: {}", untrusted_text(&f.fix));
    let _ = writeln!(
        out,
        "  = rule: {} {} (runtime-audit explain {})",
        f.rule.id, f.rule.name, f.rule.id
    );
    out.push('\n');
}

fn problems(report: &ClusterReport<'_>, out: &mut String) {
    let problems = report.read_problems();
    if problems.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        format!(
            "Not read ({}): the checks below did not see these",
            problems.len()
        )
        .yellow()
        .bold()
    );
    for p in problems.iter().take(20) {
        let _ = writeln!(out, "  {}", untrusted(p));
    }
    if problems.len() > 20 {
        let _ = writeln!(
            out,
            "  … and {} more (--format json lists every one)",
            problems.len() - 20
        );
    }
    out.push('\n');
}

fn summary(report: &ClusterReport<'_>, out: &mut String) {
    let c = report.counts();
    let s = report.status_counts();
    let _ = writeln!(
        out,
        "{}, {}, {} in the cluster",
        count(c.error, "error", "errors"),
        count(c.warning, "warning", "warnings"),
        count(c.note, "note", "notes")
    );
    write_rules_line(&s, out);
    for o in report
        .evaluation
        .outcomes
        .iter()
        .filter(|o| o.status == RuleStatus::Inconclusive)
    {
        let _ = writeln!(
            out,
            "    {} {}: {}",
            o.rule.id,
            o.rule.name,
            untrusted(o.reason.as_deref().unwrap_or("no reason given"))
        );
    }
    write_exit_line(report.exit_code(), report.fail_on, out);
}

//! RA004 policy-exception-expired.

use crate::engine::Emitter;
use crate::model::NodeSnapshot;

declare_rule! {
    id: "RA004",
    name: "policy-exception-expired",
    area: Inputs,
    summary: "An exception in runtime-audit.toml has expired; the findings it hid are reported again",
    inputs: [Policy],
    cases: [
        Expired("expired", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let policy = &snap.policy;
    let Some(file) = &policy.file else {
        out.not_applicable("no policy file");
        return;
    };
    let Some(today) = policy.today else {
        out.inconclusive("today's date is unknown");
        return;
    };
    if policy.exceptions.iter().all(|e| e.expires.is_none()) {
        out.not_applicable(format!("no exception in {file} has an expiry date"));
    }
    for e in policy.exceptions.iter().filter(|e| e.is_expired(today)) {
        let expires = e.expires.map(|d| d.to_string()).unwrap_or_default();
        out.finding(
            Case::Expired,
            e.span,
            format!("the exception for {} expired on {expires} (reason given: {})", e.rule, e.reason),
        )
        .impact(format!(
            "Findings of {} are reported again and count towards --fail-on.",
            e.rule
        ))
        .fix("Fix the findings and delete the exception, or renew it with a new `expires` date and an up-to-date reason.")
        .key(format!("exception:{}:{}", e.rule, e.path.as_deref().unwrap_or("*")))
        .actual(format!("expires = {expires}"))
        .expected(format!("a date on or after {today}"))
        .emit();
    }
}

//! `runtime-audit rules` and `runtime-audit explain`.

use crate::engine::{Rule, SelectorError};
use crate::report::catalog;
use crate::rules;

use super::args::{CatalogFormat, ExplainArgs, RulesArgs};

pub(crate) fn list(args: &RulesArgs) -> Result<u8, String> {
    let all = rules::all();
    let text = match args.format {
        CatalogFormat::Human => catalog::human(&all),
        CatalogFormat::Json => catalog::json(&all),
        CatalogFormat::Markdown => catalog::markdown(&all),
    };
    super::print(&text, args.color)?;
    Ok(0)
}

pub(crate) fn explain(args: &ExplainArgs) -> Result<u8, String> {
    let all = rules::all();
    let wanted = args.rule.trim();
    let found = all.iter().find(|r| {
        r.meta.id.eq_ignore_ascii_case(wanted) || r.meta.name.eq_ignore_ascii_case(wanted)
    });
    let Some(rule) = found else {
        return Err(unknown_rule(wanted, &all));
    };
    super::print(&catalog::explain(rule.meta), args.color)?;
    Ok(0)
}

/// Why a `--select` / `--ignore` / policy selector names nothing.
pub(crate) fn no_such_selector(error: &SelectorError, all: &[&'static Rule]) -> String {
    match error {
        SelectorError::UnknownRule(wanted) => unknown_rule(wanted, all),
        SelectorError::UnknownCase { rule, case } => {
            let cases: Vec<&str> = rule.cases.iter().map(|c| c.id).collect();
            format!(
                "{} ({}) has no case {case:?}; its cases are {}",
                rule.id,
                rule.name,
                cases.join(", ")
            )
        }
    }
}

/// "no rule X", with the closest id or name when one is plausible.
pub(crate) fn unknown_rule(wanted: &str, all: &[&'static Rule]) -> String {
    match catalog::closest(wanted, all) {
        Some(m) => format!(
            "no rule {wanted:?}; did you mean {} ({})? (see `runtime-audit rules`)",
            m.id, m.name
        ),
        None => format!("no rule {wanted:?} (see `runtime-audit rules`)"),
    }
}

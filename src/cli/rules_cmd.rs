//! `runtime-audit rules` and `runtime-audit explain`.

use std::io::Write;

use crate::report::catalog;
use crate::rules;

use super::args::{CatalogFormat, ExplainArgs, RulesArgs};

pub fn list(args: &RulesArgs) -> Result<u8, String> {
    let all = rules::all();
    let text = match args.format {
        CatalogFormat::Human => catalog::human(&all),
        CatalogFormat::Json => catalog::json(&all),
        CatalogFormat::Markdown => catalog::markdown(&all),
    };
    let mut out = anstream::AutoStream::new(std::io::stdout(), args.color.to_anstream());
    out.write_all(text.as_bytes())
        .map_err(|e| format!("writing to stdout: {e}"))?;
    Ok(0)
}

pub fn explain(args: &ExplainArgs) -> Result<u8, String> {
    let Some(rule) = rules::find(&args.rule) else {
        return Err(format!(
            "no rule {:?} (see `runtime-audit rules`)",
            args.rule
        ));
    };
    let mut out = std::io::stdout();
    out.write_all(catalog::explain(rule.meta).as_bytes())
        .map_err(|e| format!("writing to stdout: {e}"))?;
    Ok(0)
}

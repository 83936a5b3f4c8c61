//! The policy file `runtime-audit.toml` (on the auditing machine, not the node).
//!
//! ```toml
//! select = ["RA1", "RA2"]          # optional: only these rules
//! ignore = ["RA303"]               # optional: never these
//! [severity]
//! RA703 = "note"                   # per-rule severity override
//! [[exceptions]]
//! rule = "RA404"                   # id or name
//! path = "/etc/containerd/config.toml"   # optional: only findings in this file
//! key = "..."                      # optional: only this logical key
//! reason = "credentials rotated by vault-agent (OPS-123)"   # required
//! expires = 2027-03-31             # optional; once past, the exception stops applying
//! ```
//!
//! A broken policy file stops the audit (exit 2) with the file, line and column: auditing
//! under a policy other than the one written would give a misleading verdict.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::model::policy::{Date, Exception, PolicyFacts};
use crate::model::{FileId, InputKind, Span, Spanned};

use super::{Ctx, Read};

/// The policy file looked for in the working directory when `--config` is not given.
pub(crate) const DEFAULT_POLICY_FILE: &str = "runtime-audit.toml";

/// Reads the policy file. `explicit` is `--config`; without it `./runtime-audit.toml` is used
/// when present. Errors are complete messages naming the file and position.
pub(crate) fn collect(
    ctx: &Ctx,
    explicit: Option<&Path>,
    today: Option<Date>,
) -> Result<PolicyFacts, String> {
    let mut facts = PolicyFacts {
        today,
        ..PolicyFacts::default()
    };
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = Path::new(DEFAULT_POLICY_FILE);
            if !p.exists() {
                return Ok(facts);
            }
            p.to_path_buf()
        }
    };
    let shown = path.display().to_string();
    let text = match ctx.read_local(InputKind::Policy, &path) {
        Read::Text(t) => t,
        Read::Absent => return Err(format!("policy file {shown}: not found")),
        Read::Unreadable(r) => return Err(format!("policy file {shown}: {r}")),
    };
    let file = ctx.add_file(InputKind::Policy, &shown, &text);
    facts.file = Some(shown.clone());
    let doc = DeTable::parse(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| position(&text, s.start))
            .unwrap_or_default();
        format!("policy file {shown}{at}: {}", e.message())
    })?;
    let err = |span: std::ops::Range<usize>, msg: String| {
        format!("policy file {shown}{}: {msg}", position(&text, span.start))
    };
    for (key, value) in doc.get_ref() {
        let span = key.span();
        match key.get_ref().as_ref() {
            "select" => {
                facts.select = string_list(value, file).map_err(|m| err(span.clone(), m))?;
            }
            "ignore" => {
                facts.ignore = string_list(value, file).map_err(|m| err(span.clone(), m))?;
            }
            "severity" => {
                let DeValue::Table(t) = value.get_ref() else {
                    return Err(err(
                        span,
                        "`severity` must be a table of rule = \"error|warning|note\"".into(),
                    ));
                };
                for (rule, sev) in t {
                    let DeValue::String(s) = sev.get_ref() else {
                        return Err(err(
                            sev.span(),
                            format!("severity of {} must be a string", rule.get_ref()),
                        ));
                    };
                    facts.severity.push((
                        Spanned::new(rule.get_ref().to_string(), Span::new(file, rule.span())),
                        Spanned::new(s.to_string(), Span::new(file, sev.span())),
                    ));
                }
            }
            "exceptions" => {
                let DeValue::Array(items) = value.get_ref() else {
                    return Err(err(
                        span,
                        "`exceptions` must be an array of tables ([[exceptions]])".into(),
                    ));
                };
                for item in items {
                    let DeValue::Table(t) = item.get_ref() else {
                        return Err(err(item.span(), "each exception must be a table".into()));
                    };
                    facts
                        .exceptions
                        .push(exception(t, file, item.span()).map_err(|(r, m)| err(r, m))?);
                }
            }
            other => {
                return Err(err(
                    span,
                    format!(
                        "unknown key `{other}` (expected select, ignore, severity, exceptions)"
                    ),
                ));
            }
        }
    }
    Ok(facts)
}

fn string_list(
    value: &toml::Spanned<DeValue>,
    file: FileId,
) -> Result<Vec<Spanned<String>>, String> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err("expected a list of rule ids, prefixes or names".into());
    };
    items
        .iter()
        .map(|i| match i.get_ref() {
            DeValue::String(s) => Ok(Spanned::new(s.to_string(), Span::new(file, i.span()))),
            _ => Err("expected a list of strings".into()),
        })
        .collect()
}

type FieldError = (std::ops::Range<usize>, String);

fn exception(
    t: &DeTable,
    file: FileId,
    whole: std::ops::Range<usize>,
) -> Result<Exception, FieldError> {
    let mut rule = None;
    let mut path = None;
    let mut key = None;
    let mut reason = None;
    let mut expires = None;
    for (k, v) in t {
        let name = k.get_ref().as_ref();
        let text = || match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err((v.span(), format!("`{name}` must be a string"))),
        };
        match name {
            "rule" => rule = Some(text()?),
            "path" => path = Some(text()?),
            "key" => key = Some(text()?),
            "reason" => reason = Some(text()?),
            "expires" => {
                let raw = match v.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    DeValue::Datetime(d) => d.to_string(),
                    _ => return Err((v.span(), "`expires` must be a date (2027-03-31)".into())),
                };
                expires = Some(Date::parse(&raw).ok_or_else(|| {
                    (
                        v.span(),
                        format!("`expires` = {raw:?} is not a date like 2027-03-31"),
                    )
                })?);
            }
            other => {
                return Err((
                    k.span(),
                    format!(
                        "unknown key `{other}` in an exception (expected rule, path, key, reason, expires)"
                    ),
                ));
            }
        }
    }
    let rule = rule.ok_or_else(|| (whole.clone(), "an exception needs `rule`".to_string()))?;
    let reason = reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
        (
            whole.clone(),
            format!("the exception for {rule} needs a non-empty `reason`"),
        )
    })?;
    Ok(Exception {
        rule,
        path,
        key,
        reason,
        expires,
        span: Span::new(file, whole),
    })
}

fn position(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(":{line}:{column}")
}

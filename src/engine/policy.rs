//! Which rules run, which of their cases are reported and at what severity, from
//! `--select`/`--ignore` and `runtime-audit.toml`. (The file's exceptions are facts in the
//! snapshot: rules report expired ones, the engine applies the others.)

use crate::vocabulary::{CaseMeta, RuleMeta, Severity};

use super::Rule;

/// A rule selector: an id (`RA201`), an id prefix (`RA2`, `RA`), a name
/// (`cgroup-driver-mismatch`), or one case of a rule (`RA405:docker-hub-alias`, the rule by
/// id or name).
#[derive(Clone, Debug)]
pub enum Selector {
    /// Every rule whose id starts with it (case-insensitively) or whose name it is.
    Rules(String),
    /// One case of one rule.
    Case {
        rule: &'static RuleMeta,
        case: &'static CaseMeta,
    },
}

/// Why a selector names nothing.
#[derive(Clone, Debug)]
pub enum SelectorError {
    /// No rule has this id, id prefix or name.
    UnknownRule(String),
    /// The rule exists but declares no such case.
    UnknownCase {
        rule: &'static RuleMeta,
        case: String,
    },
}

impl Selector {
    /// Reads a selector against the rule set.
    pub(crate) fn parse(text: &str, rules: &[&'static Rule]) -> Result<Selector, SelectorError> {
        let text = text.trim();
        let Some((rule_part, case_part)) = text.split_once(':') else {
            let selector = Selector::Rules(text.to_owned());
            return if rules.iter().any(|r| selector.matches_rule(r.meta)) {
                Ok(selector)
            } else {
                Err(SelectorError::UnknownRule(text.to_owned()))
            };
        };
        let rule = find_rule(rule_part, rules)
            .ok_or_else(|| SelectorError::UnknownRule(rule_part.trim().to_owned()))?;
        let case_part = case_part.trim();
        match rule.case(case_part) {
            Some(case) => Ok(Selector::Case { rule, case }),
            None => Err(SelectorError::UnknownCase {
                rule,
                case: case_part.to_owned(),
            }),
        }
    }

    /// Whether it selects the whole rule.
    fn matches_rule(&self, rule: &RuleMeta) -> bool {
        match self {
            Selector::Rules(s) => rule.name == s || rule.id.starts_with(&s.to_ascii_uppercase()),
            Selector::Case { .. } => false,
        }
    }

    /// Whether it selects the rule or one of its cases.
    fn names_rule(&self, rule: &RuleMeta) -> bool {
        match self {
            Selector::Rules(_) => self.matches_rule(rule),
            Selector::Case { rule: r, .. } => r.id == rule.id,
        }
    }

    /// Whether it selects this case of this rule (alone or with the whole rule).
    fn matches_case(&self, rule: &RuleMeta, case: &CaseMeta) -> bool {
        match self {
            Selector::Rules(_) => self.matches_rule(rule),
            Selector::Case { rule: r, case: c } => r.id == rule.id && c.id == case.id,
        }
    }
}

/// The rule with this id (any case) or name.
pub fn find_rule(id_or_name: &str, rules: &[&'static Rule]) -> Option<&'static RuleMeta> {
    let wanted = id_or_name.trim();
    rules
        .iter()
        .map(|r| r.meta)
        .find(|m| m.id.eq_ignore_ascii_case(wanted) || m.name == wanted)
}

/// A severity the policy file sets for a rule, or for one case of it.
#[derive(Clone, Debug)]
pub struct SeverityOverride {
    pub(crate) rule: &'static str,
    /// None: every case of the rule.
    pub(crate) case: Option<&'static str>,
    pub(crate) severity: Severity,
}

/// The policy in force for one audit.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub(crate) select: Vec<Selector>,
    pub(crate) ignore: Vec<Selector>,
    pub(crate) severity: Vec<SeverityOverride>,
}

impl Policy {
    /// Whether a rule runs: selected, whole or by one of its cases (or nothing is selected),
    /// and not ignored as a whole.
    pub(crate) fn runs(&self, rule: &RuleMeta) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| s.names_rule(rule));
        selected && !self.ignore.iter().any(|s| s.matches_rule(rule))
    }

    /// Whether a finding of this case is reported: its case is selected (the rule whole, or
    /// that case) and not ignored.
    pub(crate) fn reports(&self, rule: &RuleMeta, case: &CaseMeta) -> bool {
        let selected =
            self.select.is_empty() || self.select.iter().any(|s| s.matches_case(rule, case));
        selected && !self.ignore.iter().any(|s| s.matches_case(rule, case))
    }

    /// The severity the policy sets for this case: the case's own override, else its rule's
    /// (the last one written wins).
    pub(crate) fn severity_of(&self, rule: &RuleMeta, case: &CaseMeta) -> Option<Severity> {
        let of = |case_id: Option<&str>| {
            self.severity
                .iter()
                .rev()
                .find(|o| o.rule == rule.id && o.case == case_id)
                .map(|o| o.severity)
        };
        of(Some(case.id)).or_else(|| of(None))
    }
}

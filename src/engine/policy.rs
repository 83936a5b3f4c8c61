//! Which rules run and at what severity, from `--select`/`--ignore` and `runtime-audit.toml`.
//! (The file's exceptions are facts in the snapshot: rules report expired ones, the engine
//! applies the others.)

use std::collections::BTreeMap;

use crate::model::Span;

use crate::vocabulary::{RuleMeta, Severity};

/// A rule selector: an id (`RA201`), an id prefix (`RA2`, `RA`), or a name
/// (`cgroup-driver-mismatch`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector(pub String);

impl Selector {
    pub fn matches(&self, rule: &RuleMeta) -> bool {
        let s = self.0.as_str();
        rule.name == s || rule.id.starts_with(&s.to_ascii_uppercase())
    }

    /// Whether it names at least one of `rules` (unknown selectors are usage errors).
    pub fn is_known<'a>(&self, mut rules: impl Iterator<Item = &'a RuleMeta>) -> bool {
        rules.any(|r| self.matches(r))
    }
}

/// The policy in force for one audit.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    /// Severity per rule id, replacing the severity of every case of that rule.
    pub severity: BTreeMap<String, (Severity, Option<Span>)>,
}

impl Policy {
    /// Whether a rule runs: selected (or no selection) and not ignored.
    pub fn runs(&self, rule: &RuleMeta) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| s.matches(rule));
        selected && !self.ignore.iter().any(|s| s.matches(rule))
    }
}

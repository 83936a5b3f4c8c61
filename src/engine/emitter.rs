//! The emitter: the only way a rule reports anything.

use crate::model::{Component, Input, VersionFact};

use super::finding::{Finding, Location, Related, RuleStatus, VersionUse};
use super::rule::{Case, RuleMeta};

/// Collects what one rule reports on one node.
pub struct Emitter {
    meta: &'static RuleMeta,
    findings: Vec<Finding>,
    status: Option<(RuleStatus, String)>,
    assumptions: Vec<String>,
}

impl Emitter {
    pub fn new(meta: &'static RuleMeta) -> Self {
        Emitter {
            meta,
            findings: Vec::new(),
            status: None,
            assumptions: Vec::new(),
        }
    }

    /// Starts a finding of `case` at `at`. Call `.impact()`, `.fix()` and `.emit()`.
    pub fn finding(
        &mut self,
        case: &'static Case,
        at: impl Into<Location>,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        debug_assert!(
            self.meta.owns(case),
            "{} emitted case {} it does not declare",
            self.meta.id,
            case.id
        );
        let rule = self.meta;
        FindingBuilder {
            emitter: self,
            finding: Finding {
                rule,
                case,
                severity: case.severity,
                message: message.into(),
                impact: String::new(),
                fix: String::new(),
                location: at.into(),
                label: None,
                key: None,
                actual: None,
                expected: None,
                related: Vec::new(),
                versions: Vec::new(),
            },
        }
    }

    /// The rule does not apply here. Ignored if the rule also emits findings.
    pub fn not_applicable(&mut self, reason: impl Into<String>) {
        self.status = Some((RuleStatus::NotApplicable, reason.into()));
    }

    /// The rule could not decide. Ignored if the rule also emits findings.
    pub fn inconclusive(&mut self, reason: impl Into<String>) {
        self.status = Some((RuleStatus::Inconclusive, reason.into()));
    }

    /// Records an assumption the verdict rests on (shown with pass and fail statuses).
    pub fn assume(&mut self, assumption: impl Into<String>) {
        let a = assumption.into();
        if !self.assumptions.contains(&a) {
            self.assumptions.push(a);
        }
    }

    /// The input's value, or `None` after setting the status: not-applicable when the input
    /// is absent, inconclusive when it exists but could not be read or understood.
    pub fn need<'i, T>(&mut self, input: &'i Input<T>, what: &str) -> Option<&'i T> {
        match input {
            Input::Present(v) => Some(v),
            Input::Absent { path } => {
                self.not_applicable(format!("no {what} ({path} not found)"));
                None
            }
            Input::Unreadable { path, reason } => {
                self.inconclusive(format!("{what} {path} could not be read: {reason}"));
                None
            }
            Input::Invalid { path, reason, .. } => {
                self.inconclusive(format!("{what} {path} is not valid: {reason}"));
                None
            }
        }
    }

    pub fn meta(&self) -> &'static RuleMeta {
        self.meta
    }

    /// Status, reason and findings, for the engine.
    pub fn finish(self) -> (RuleStatus, Option<String>, Vec<Finding>) {
        let assumptions = (!self.assumptions.is_empty()).then(|| self.assumptions.join("; "));
        if !self.findings.is_empty() {
            return (RuleStatus::Fail, assumptions, self.findings);
        }
        match self.status {
            Some((status, reason)) => (status, Some(reason), self.findings),
            None => (RuleStatus::Pass, assumptions, self.findings),
        }
    }
}

/// Fills in a finding; `emit()` hands it to the emitter.
#[must_use = "a finding is only reported once .emit() is called"]
pub struct FindingBuilder<'e> {
    emitter: &'e mut Emitter,
    finding: Finding,
}

impl FindingBuilder<'_> {
    /// What the user will see if they ignore it (the error message, the symptom).
    pub fn impact(mut self, text: impl Into<String>) -> Self {
        self.finding.impact = text.into();
        self
    }

    /// The fix.
    pub fn fix(mut self, text: impl Into<String>) -> Self {
        self.finding.fix = text.into();
        self
    }

    /// A short label under the highlighted code.
    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.finding.label = Some(text.into());
        self
    }

    /// The logical key: a TOML path, a flag name, an annotation. Used for fingerprints.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.finding.key = Some(key.into());
        self
    }

    pub fn actual(mut self, value: impl Into<String>) -> Self {
        self.finding.actual = Some(value.into());
        self
    }

    pub fn expected(mut self, value: impl Into<String>) -> Self {
        self.finding.expected = Some(value.into());
        self
    }

    pub fn related(mut self, at: impl Into<Location>, label: impl Into<String>) -> Self {
        self.finding.related.push(Related {
            location: at.into(),
            label: label.into(),
        });
        self
    }

    /// A version this finding depends on.
    pub fn version(mut self, component: Component, fact: &VersionFact) -> Self {
        let v = VersionUse::new(component, fact);
        if !self.finding.versions.contains(&v) {
            self.finding.versions.push(v);
        }
        self
    }

    pub fn emit(self) {
        debug_assert!(
            !self.finding.impact.is_empty() && !self.finding.fix.is_empty(),
            "{}: every finding needs an impact and a fix",
            self.finding.rule.id
        );
        self.emitter.findings.push(self.finding);
    }
}

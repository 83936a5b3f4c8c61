//! A rule and its emitter: the only way a rule reports anything.

use std::fmt;
use std::marker::PhantomData;

use crate::cluster::facts::ClusterFacts;
use crate::model::{Component, Input, NodeSnapshot, VersionFact, VersionUse};
use crate::release::ContainerdRelease;
use crate::vocabulary::{CaseMeta, RuleCase, RuleMeta};

use super::finding::{Affected, Finding, Location, Related, RuleStatus};

/// A rule: its metadata and a pure check over the snapshot. Declared with `declare_rule!`,
/// which types the check's emitter by the rule's own `Case` enum.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub(crate) run: Check,
}

/// What a rule checks: one node's snapshot, or the objects of a cluster.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    Node(fn(&NodeSnapshot) -> Verdict),
    Cluster(fn(&ClusterFacts) -> Verdict),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.meta.id)
    }
}

/// What one rule concluded on one node: its status, why, and its findings.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) status: RuleStatus,
    /// Why not-applicable or inconclusive; the assumptions a pass or fail rests on.
    pub(crate) reason: Option<String>,
    pub(crate) findings: Vec<Finding>,
}

/// Collects what one rule reports on one node. `C` is the rule's case enum, so a rule can
/// only report the cases it declares.
pub(crate) struct Emitter<C> {
    rule: &'static RuleMeta,
    findings: Vec<Finding>,
    status: Option<(RuleStatus, String)>,
    assumptions: Vec<String>,
    cases: PhantomData<C>,
}

impl<C: RuleCase> Emitter<C> {
    /// Runs a rule's check on a snapshot.
    pub(crate) fn run(
        snapshot: &NodeSnapshot,
        check: fn(&NodeSnapshot, &mut Emitter<C>),
    ) -> Verdict {
        let mut emitter = Emitter::new();
        check(snapshot, &mut emitter);
        emitter.finish()
    }

    /// Runs a cluster rule's check on the cluster's facts.
    pub(crate) fn run_cluster(
        facts: &ClusterFacts,
        check: fn(&ClusterFacts, &mut Emitter<C>),
    ) -> Verdict {
        let mut emitter = Emitter::new();
        check(facts, &mut emitter);
        emitter.finish()
    }

    fn new() -> Self {
        Emitter {
            rule: C::RULE,
            findings: Vec::new(),
            status: None,
            assumptions: Vec::new(),
            cases: PhantomData,
        }
    }

    /// Starts a finding of `case` at `at`. Call `.impact()`, `.fix()` and `.emit()`.
    pub(crate) fn finding(
        &mut self,
        case: C,
        at: impl Into<Location>,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        FindingBuilder::new(
            &mut self.findings,
            self.rule,
            case.meta(),
            at.into(),
            message.into(),
        )
    }

    /// The rule does not apply here. Ignored if the rule also emits findings, and after
    /// [`Emitter::inconclusive`]: what could not be checked is never reported as not applying
    /// (a Node object that could not be read leaves no annotation to look at, but that is not
    /// a node without one).
    pub(crate) fn not_applicable(&mut self, reason: impl Into<String>) {
        if !matches!(self.status, Some((RuleStatus::Inconclusive, _))) {
            self.status = Some((RuleStatus::NotApplicable, reason.into()));
        }
    }

    /// The rule could not decide. Ignored if the rule also emits findings.
    pub(crate) fn inconclusive(&mut self, reason: impl Into<String>) {
        self.status = Some((RuleStatus::Inconclusive, reason.into()));
    }

    /// Records an assumption the verdict rests on (shown with pass and fail statuses).
    pub(crate) fn assume(&mut self, assumption: impl Into<String>) {
        let a = assumption.into();
        if !self.assumptions.contains(&a) {
            self.assumptions.push(a);
        }
    }

    /// The input's value, or `None` after setting the status: not-applicable when the input
    /// is absent, inconclusive when it exists but could not be read or understood.
    pub(crate) fn need<'i, T>(&mut self, input: &'i Input<T>, what: &str) -> Option<&'i T> {
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

    fn finish(self) -> Verdict {
        let assumptions = (!self.assumptions.is_empty()).then(|| self.assumptions.join("; "));
        if !self.findings.is_empty() {
            return Verdict {
                status: RuleStatus::Fail,
                reason: assumptions,
                findings: self.findings,
            };
        }
        let (status, reason) = match self.status {
            Some((status, reason)) => (status, Some(reason)),
            None => (RuleStatus::Pass, assumptions),
        };
        Verdict {
            status,
            reason,
            findings: self.findings,
        }
    }
}

/// Fills in a finding; `emit()` hands it to the emitter.
#[must_use = "a finding is only reported once .emit() is called"]
pub(crate) struct FindingBuilder<'e> {
    findings: &'e mut Vec<Finding>,
    finding: Finding,
}

impl<'e> FindingBuilder<'e> {
    fn new(
        findings: &'e mut Vec<Finding>,
        rule: &'static RuleMeta,
        case: &'static CaseMeta,
        location: Location,
        message: String,
    ) -> Self {
        FindingBuilder {
            findings,
            finding: Finding {
                rule,
                case,
                severity: case.severity,
                message,
                impact: String::new(),
                fix: String::new(),
                location,
                label: None,
                key: None,
                actual: None,
                expected: None,
                related: Vec::new(),
                versions: Vec::new(),
                affected: None,
            },
        }
    }

    /// What the user will see if they ignore it (the error message, the symptom).
    pub(crate) fn impact(mut self, text: impl Into<String>) -> Self {
        self.finding.impact = text.into();
        self
    }

    /// The fix.
    pub(crate) fn fix(mut self, text: impl Into<String>) -> Self {
        self.finding.fix = text.into();
        self
    }

    /// A short label under the highlighted code.
    pub(crate) fn label(mut self, text: impl Into<String>) -> Self {
        self.finding.label = Some(text.into());
        self
    }

    /// The logical key: a TOML path, a flag name, an annotation. Used for fingerprints.
    pub(crate) fn key(mut self, key: impl Into<String>) -> Self {
        self.finding.key = Some(key.into());
        self
    }

    /// The pods and nodes a cluster finding concerns.
    pub(crate) fn affected(mut self, affected: Affected) -> Self {
        self.finding.affected = Some(Box::new(affected));
        self
    }

    pub(crate) fn actual(mut self, value: impl Into<String>) -> Self {
        self.finding.actual = Some(value.into());
        self
    }

    pub(crate) fn expected(mut self, value: impl Into<String>) -> Self {
        self.finding.expected = Some(value.into());
        self
    }

    pub(crate) fn related(mut self, at: impl Into<Location>, label: impl Into<String>) -> Self {
        self.finding.related.push(Related {
            location: at.into(),
            label: label.into(),
        });
        self
    }

    /// A version this finding depends on.
    pub(crate) fn version(mut self, component: Component, fact: &VersionFact) -> Self {
        let v = VersionUse::new(component, fact);
        if !self.finding.versions.contains(&v) {
            self.finding.versions.push(v);
        }
        self
    }

    /// The containerd release the finding depends on, when it was given or found (an assumed
    /// release is said in the rule's status instead).
    pub(crate) fn release(self, release: &ContainerdRelease) -> Self {
        match release.known_fact() {
            Some(fact) => self.version(Component::Containerd, fact),
            None => self,
        }
    }

    pub(crate) fn emit(self) {
        debug_assert!(
            !self.finding.impact.is_empty() && !self.finding.fix.is_empty(),
            "{}: every finding needs an impact and a fix",
            self.finding.rule.id
        );
        self.findings.push(self.finding);
    }
}

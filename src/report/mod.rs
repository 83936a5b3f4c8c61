//! Rendering an audit: human (terminal), JSON and SARIF. Renderers see only the [`Report`]:
//! findings, rule statuses, the inputs summary and the source text to quote.

pub(crate) mod catalog;
pub(crate) mod cluster;
pub(crate) mod fingerprint;
pub mod human;
pub mod json;
pub mod live;
pub(crate) mod ruledoc;
pub mod sarif;

use std::sync::Arc;

use crate::engine::{Evaluation, Finding, RuleOutcome, RuleStatus};
use crate::model::{
    Component, InputRecord, InputState, NodeIdentity, NodeSnapshot, SourceMap, VersionUse,
};
use crate::vocabulary::Severity;

/// Everything a renderer needs.
#[derive(Debug)]
pub struct Report {
    pub tool_version: &'static str,
    pub node: NodeIdentity,
    pub root: String,
    pub sources: Arc<SourceMap>,
    pub inputs: Vec<InputRecord>,
    pub versions: Vec<VersionUse>,
    pub findings: Vec<Finding>,
    pub outcomes: Vec<RuleOutcome>,
    /// The severity from which the audit fails (`--fail-on`); None: it never fails.
    pub fail_on: Option<Severity>,
    /// The policy file in force, as named on the command line or found in the working directory.
    pub policy_file: Option<String>,
    /// How live facts were obtained and what each probe gave.
    pub live: live::LiveSummary,
}

/// Counts for the summary line and JSON.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub(crate) struct Counts {
    pub(crate) error: usize,
    pub(crate) warning: usize,
    pub(crate) note: usize,
}

/// What became of the inputs, for the summary line and JSON.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub(crate) struct InputCounts {
    pub(crate) read: usize,
    pub(crate) absent: usize,
    pub(crate) unreadable: usize,
    pub(crate) invalid: usize,
}

#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub(crate) struct StatusCounts {
    pub(crate) fail: usize,
    pub(crate) pass: usize,
    pub(crate) not_applicable: usize,
    pub(crate) inconclusive: usize,
}

impl Counts {
    pub(crate) fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Note => c.note += 1,
            }
        }
        c
    }
}

impl StatusCounts {
    pub(crate) fn of(outcomes: &[RuleOutcome]) -> StatusCounts {
        let mut c = StatusCounts::default();
        for o in outcomes {
            match o.status {
                RuleStatus::Fail => c.fail += 1,
                RuleStatus::Pass => c.pass += 1,
                RuleStatus::NotApplicable => c.not_applicable += 1,
                RuleStatus::Inconclusive => c.inconclusive += 1,
            }
        }
        c
    }
}

impl Report {
    pub fn new(
        snapshot: &NodeSnapshot,
        evaluation: Evaluation,
        fail_on: Option<Severity>,
    ) -> Report {
        let v = &snapshot.versions;
        let versions = [Component::Kubelet, Component::Containerd, Component::Docker]
            .into_iter()
            .filter_map(|c| v.known(c).map(|f| VersionUse::new(c, f)))
            .collect();
        Report {
            tool_version: env!("CARGO_PKG_VERSION"),
            node: snapshot.identity.clone(),
            root: snapshot.root.clone(),
            sources: Arc::clone(&snapshot.sources),
            inputs: snapshot.inputs.clone(),
            versions,
            findings: evaluation.findings,
            outcomes: evaluation.outcomes,
            fail_on,
            policy_file: snapshot.policy.file.clone(),
            live: live::LiveSummary::new(&snapshot.live),
        }
    }

    pub(crate) fn counts(&self) -> Counts {
        Counts::of(&self.findings)
    }

    pub(crate) fn status_counts(&self) -> StatusCounts {
        StatusCounts::of(&self.outcomes)
    }

    pub(crate) fn input_counts(&self) -> InputCounts {
        let mut c = InputCounts::default();
        for i in &self.inputs {
            match i.state {
                InputState::Read => c.read += 1,
                InputState::Absent => c.absent += 1,
                InputState::Unreadable => c.unreadable += 1,
                InputState::Invalid => c.invalid += 1,
            }
        }
        c
    }

    pub(crate) fn suppressed(&self) -> usize {
        self.outcomes.iter().map(|o| o.suppressed).sum()
    }

    /// 1 when a finding is at or above `--fail-on`, else 0. (2 is decided before a report
    /// exists: the audit could not run.)
    pub(crate) fn exit_code(&self) -> u8 {
        match self.fail_on {
            Some(t) if self.findings.iter().any(|f| f.severity >= t) => 1,
            _ => 0,
        }
    }
}

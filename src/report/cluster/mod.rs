//! Rendering a cluster audit: human (a rollout table and findings grouped by object), JSON
//! (schema `runtime-audit-cluster/1`, docs/cluster.md) and SARIF.

pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod sarif;

use crate::cluster::facts::ClusterFacts;
use crate::cluster::rollout::Rollout;
use crate::engine::Evaluation;
use crate::vocabulary::Severity;

use super::{Counts, StatusCounts};

/// Everything a cluster renderer needs.
pub(crate) struct ClusterReport<'a> {
    pub(crate) facts: &'a ClusterFacts,
    pub(crate) evaluation: &'a Evaluation,
    pub(crate) rollout: &'a Rollout,
    pub(crate) fail_on: Option<Severity>,
    pub(crate) policy_file: Option<&'a str>,
}

impl ClusterReport<'_> {
    pub(crate) fn counts(&self) -> Counts {
        Counts::of(&self.evaluation.findings)
    }

    pub(crate) fn status_counts(&self) -> StatusCounts {
        StatusCounts::of(&self.evaluation.outcomes)
    }

    /// 2 when nothing could be read; 1 when a finding is at or above `--fail-on`; else 0.
    pub(crate) fn exit_code(&self) -> u8 {
        if self.facts.nothing_read() {
            return crate::cli::EXIT_CANNOT_AUDIT;
        }
        match self.fail_on {
            Some(t) if self.evaluation.findings.iter().any(|f| f.severity >= t) => 1,
            _ => 0,
        }
    }

    /// Inputs that failed or stopped early, and objects that could not be read.
    pub(crate) fn read_problems(&self) -> Vec<String> {
        let facts = self.facts;
        let mut out: Vec<String> = facts
            .inputs
            .iter()
            .filter_map(|i| i.failure.clone())
            .collect();
        out.extend(facts.gathered.problems.iter().map(|p| {
            let name = facts.input_name(p.at);
            if p.at.line > 0 {
                format!("{name}:{}: {}", p.at.line, p.message)
            } else {
                format!("{name}: {}", p.message)
            }
        }));
        out
    }
}

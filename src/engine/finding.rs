//! Findings and per-rule statuses: what rules produce.

use crate::cluster::facts::ObjectRef;
use crate::model::{Span, VersionUse};
use crate::vocabulary::{CaseMeta, RuleMeta, Severity};

/// Where a finding points.
#[derive(Clone, Debug, PartialEq)]
pub enum Location {
    /// A span in a file that was read.
    Span(Span),
    /// A path with no position: a file that is missing, a socket, a directory.
    Path(String),
    /// A Kubernetes object, and where it was read when it came from a file.
    Object(ObjectAt),
}

/// A Kubernetes object a cluster finding is about.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectAt {
    pub object: ObjectRef,
    /// `DaemonSet logging/log-agent`: how reports and policy exceptions name it.
    pub shown: String,
    /// The file it was read from, and the line its text starts on.
    pub file: Option<(String, usize)>,
}

impl ObjectAt {
    pub(crate) fn new(object: ObjectRef, file: Option<(String, usize)>) -> ObjectAt {
        ObjectAt {
            shown: object.display(),
            object,
            file,
        }
    }
}

/// The pods and nodes behind a finding about a workload or a group of nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Affected {
    /// `namespace/name`, sorted.
    pub pods: Vec<String>,
    /// Node names, sorted.
    pub nodes: Vec<String>,
}

impl From<Span> for Location {
    fn from(s: Span) -> Self {
        Location::Span(s)
    }
}

/// A secondary location, e.g. the kubelet flag on the other side of a mismatch.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub location: Location,
    pub label: String,
}

/// One problem found on the node.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub case: &'static CaseMeta,
    /// The case's severity after user overrides.
    pub severity: Severity,
    /// What is wrong, in the version at hand.
    pub message: String,
    /// What the user will see if they ignore it.
    pub impact: String,
    /// How to fix it.
    pub fix: String,
    pub location: Location,
    /// A short label shown under the highlighted code.
    pub label: Option<String>,
    /// Logical key (TOML path, flag, annotation): identifies the finding across edits.
    pub key: Option<String>,
    pub actual: Option<String>,
    pub expected: Option<String>,
    pub related: Vec<Related>,
    pub versions: Vec<VersionUse>,
    /// Cluster findings: the pods and nodes concerned.
    pub affected: Option<Box<Affected>>,
}

/// The result of one rule on one node.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, strum::IntoStaticStr,
)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "kebab-case")]
pub enum RuleStatus {
    /// At least one finding.
    Fail,
    /// Checked; nothing wrong.
    Pass,
    /// The rule does not apply to this node (its input is absent, the situation cannot arise).
    NotApplicable,
    /// The rule could not decide (an input unreadable or invalid, a needed fact unknown).
    Inconclusive,
}

impl RuleStatus {
    pub(crate) fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A rule's status with its reason.
#[derive(Clone, Debug)]
pub struct RuleOutcome {
    pub rule: &'static RuleMeta,
    pub status: RuleStatus,
    /// Why not-applicable or inconclusive; assumptions made for pass/fail.
    pub reason: Option<String>,
    /// Findings of this rule that the policy suppressed.
    pub suppressed: usize,
}

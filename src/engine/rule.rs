//! What a rule is: static metadata plus a pure check function.

use std::fmt;

use crate::model::{InputKind, NodeSnapshot};

use super::emitter::Emitter;

/// Severity of a finding. Ordered: `Note < Warning < Error`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One way a rule can fire. A rule whose severity depends on the situation (the catalog's
/// "warning / error") declares one case per situation; severity lives here, in metadata,
/// and is never chosen where a finding is emitted.
#[derive(Debug)]
pub struct Case {
    pub id: &'static str,
    pub severity: Severity,
}

/// The rule areas of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    Inputs,
    Containerd,
    Cgroup,
    Sandbox,
    Registry,
    Kubelet,
    Kubeadm,
    Crictl,
    Live,
    Versions,
}

impl Area {
    pub fn title(self) -> &'static str {
        match self {
            Area::Inputs => "Inputs (what could not be checked)",
            Area::Containerd => "containerd config and the CRI plugin",
            Area::Cgroup => "Cgroup driver",
            Area::Sandbox => "Sandbox (pause) image",
            Area::Registry => "Registries",
            Area::Kubelet => "kubelet",
            Area::Kubeadm => "kubeadm and the Node object",
            Area::Crictl => "crictl",
            Area::Live => "Live runtime, images, workloads",
            Area::Versions => "Versions and support",
        }
    }
}

/// Static description of a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub area: Area,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Every way the rule fires; the first is the default.
    pub cases: &'static [&'static Case],
    /// Inputs the rule reads (for "checks that could not run" and the docs).
    pub inputs: &'static [InputKind],
    /// The rule's documentation (`rules/RAxxx.md`), compiled in.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The highest severity any case can have.
    pub fn max_severity(&self) -> Severity {
        self.cases
            .iter()
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::Warning)
    }

    /// "warning / error" style label of the severities the rule can report.
    pub fn severity_label(&self) -> String {
        let mut sevs: Vec<Severity> = self.cases.iter().map(|c| c.severity).collect();
        sevs.sort();
        sevs.dedup();
        sevs.reverse();
        sevs.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }

    pub fn case(&self, id: &str) -> Option<&'static Case> {
        self.cases.iter().copied().find(|c| c.id == id)
    }

    pub fn owns(&self, case: &Case) -> bool {
        self.cases.iter().any(|c| std::ptr::eq(*c, case))
    }
}

/// A rule: metadata and a pure check over the snapshot.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: fn(&NodeSnapshot, &mut Emitter),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.meta.id)
    }
}

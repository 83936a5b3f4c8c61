//! The words every layer shares about rules: severities, areas, a rule's cases and metadata.
//!
//! It imports nothing of the engine, the rules or the renderers, so each of them can use it
//! without a cycle. Enum strings come from one place: strum's derive, which serde reuses.

use std::fmt;

use crate::model::InputKind;

/// Severity of a finding. Ordered: `Note < Warning < Error`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The rule areas of the catalog.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, strum::IntoStaticStr,
)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "kebab-case")]
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
    Cluster,
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
            Area::Cluster => "Cluster (Kubernetes objects of every node and workload)",
        }
    }
}

/// One way a rule can fire, as the catalog and the reports name it. A rule whose severity
/// depends on the situation (the catalog's "warning / error") declares one case per
/// situation: severity lives here, in metadata, and is never chosen where a finding is
/// emitted.
#[derive(Debug, PartialEq, Eq)]
pub struct CaseMeta {
    pub id: &'static str,
    pub severity: Severity,
}

/// A rule's cases as an enum of its own (declared with `declare_rule!`): rules name and
/// compare cases as values, and each value knows its metadata.
pub(crate) trait RuleCase: Copy + Eq + fmt::Debug + 'static {
    /// The rule that declares these cases.
    const RULE: &'static RuleMeta;

    /// The variant's position in `RULE.cases`.
    fn index(self) -> usize;

    fn meta(self) -> &'static CaseMeta {
        &Self::RULE.cases[self.index()]
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
    pub cases: &'static [CaseMeta],
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
    pub(crate) fn severity_label(&self) -> String {
        let mut sevs: Vec<Severity> = self.cases.iter().map(|c| c.severity).collect();
        sevs.sort();
        sevs.dedup();
        sevs.reverse();
        sevs.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }

    pub fn case(&self, id: &str) -> Option<&'static CaseMeta> {
        self.cases.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_strings_serialize_as_they_display() {
        assert_eq!(Severity::Warning.as_str(), "warning");
        assert_eq!(Severity::Error.to_string(), "error");
        assert_eq!("note".parse::<Severity>(), Ok(Severity::Note));
        assert!("Note".parse::<Severity>().is_err());
        assert_eq!(serde_json::to_string(&Severity::Note).unwrap(), "\"note\"");
        assert_eq!(
            serde_json::to_string(&Area::Containerd).unwrap(),
            "\"containerd\""
        );
    }
}

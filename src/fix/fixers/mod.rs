//! One fixer per rule: what edit resolves a finding of that rule, or why a person must make
//! it. A fixer reads the same snapshot the rule read and proposes nothing it cannot state as
//! an exact edit.

mod containerd;
mod crictl;
mod kubelet;
mod node;
mod registry;
mod sandbox;

use crate::engine::{Finding, Location};
use crate::model::NodeSnapshot;
use crate::model::containerd::{ContainerdConfig, CriLayout};
use crate::model::source::{FileId, Span};

use super::{Fix, Manual, Op, Proposal, location_words};

/// The fix of `finding`, a reason to leave it to a person, or None when no fixer handles it.
pub(crate) fn propose(snap: &NodeSnapshot, finding: &Finding) -> Option<Proposal> {
    let of = Of { snap, finding };
    match finding.rule.id {
        "RA101" => containerd::cri_disabled(&of),
        "RA102" => containerd::plugin_name(&of),
        "RA103" => containerd::version_1(&of),
        "RA104" => containerd::unsupported_version(&of),
        "RA105" => containerd::mixed_schema(&of),
        "RA108" => containerd::default_runtime(&of),
        "RA109" => containerd::require_cri(&of),
        "RA112" => containerd::version_2(&of),
        "RA201" => containerd::cgroup_mismatch(&of),
        "RA202" => containerd::misplaced_systemd_cgroup(&of),
        "RA301" | "RA302" | "RA303" => sandbox::sandbox_image(&of),
        "RA401" | "RA402" | "RA403" => registry::legacy_registry(&of),
        "RA407" => registry::docker_registries(&of),
        "RA501" => kubelet::removed_flag(&of),
        "RA502" => kubelet::container_runtime_flag(&of),
        "RA503" | "RA504" | "RA506" => kubelet::endpoint(&of),
        "RA601" | "RA602" | "RA603" => node::cri_socket_annotation(&of),
        "RA701" | "RA702" => crictl::endpoint(&of),
        _ => None,
    }
}

/// A finding and the node it was found on, with the helpers every fixer needs.
pub(super) struct Of<'a> {
    pub(super) snap: &'a NodeSnapshot,
    pub(super) finding: &'a Finding,
}

impl Of<'_> {
    pub(super) fn span(&self) -> Option<Span> {
        match &self.finding.location {
            Location::Span(s) => Some(*s),
            Location::Path(_) | Location::Object(_) => None,
        }
    }

    /// The host path of the file the finding points into.
    pub(super) fn file(&self) -> Option<String> {
        self.span()
            .map(|s| self.snap.sources.get(s.file).host_path.clone())
    }

    /// The masked text of a span, as the audit read it.
    pub(super) fn text(&self, span: Span) -> &str {
        &self.snap.sources.get(span.file).text()[span.range()]
    }

    pub(super) fn at(&self) -> String {
        location_words(self.snap, &self.finding.location)
    }

    /// A fix of this finding made of `ops` on `file`.
    pub(super) fn edit(&self, file: String, summary: impl Into<String>, ops: Vec<Op>) -> Fix {
        Fix {
            rule: self.finding.rule,
            case: self.finding.case,
            severity: self.finding.severity,
            finding_key: self.finding.key.clone(),
            file,
            finding_at: self.at(),
            summary: summary.into(),
            ops,
        }
    }

    /// The same, as this finding's proposal.
    pub(super) fn fix(
        &self,
        file: String,
        summary: impl Into<String>,
        ops: Vec<Op>,
    ) -> Option<Proposal> {
        Some(Proposal::Fix(self.edit(file, summary, ops)))
    }

    /// The host path of a file the snapshot read.
    pub(super) fn path_of(&self, file: FileId) -> String {
        self.snap.sources.get(file).host_path.clone()
    }

    /// The CRI layout `file` is written in, when the release at hand reads that layout;
    /// otherwise why not (a version 1 file on containerd 2.x needs rewriting first, RA103).
    pub(super) fn readable_layout(
        &self,
        cfg: &ContainerdConfig,
        file: FileId,
    ) -> Result<CriLayout, String> {
        let version = cfg.file_version(file);
        let written = CriLayout::for_version(version);
        let release = &self.snap.versions.containerd;
        if !release.is_unknown() && release.reads(version) != written {
            return Err(format!(
                "{} does not read the CRI tables of a version {version} file: rewrite the file for it first (RA103)",
                release.describe()
            ));
        }
        Ok(written)
    }

    pub(super) fn manual(&self, reason: impl Into<String>) -> Option<Proposal> {
        Some(Proposal::Manual(Manual {
            rule: self.finding.rule,
            case: self.finding.case,
            severity: self.finding.severity,
            at: self.at(),
            reason: reason.into(),
        }))
    }

    pub(super) fn case(&self) -> &'static str {
        self.finding.case.id
    }
}

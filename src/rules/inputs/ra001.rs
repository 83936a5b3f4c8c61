//! RA001 input-unreadable.

use crate::engine::{Area, Case, Emitter, Location, Rule, RuleMeta, Severity};
use crate::model::{InputKind, NodeSnapshot, Problem};

static UNREADABLE: Case = Case {
    id: "unreadable",
    severity: Severity::Warning,
};

static META: RuleMeta = RuleMeta {
    id: "RA001",
    name: "input-unreadable",
    area: Area::Inputs,
    summary: "An input exists but cannot be read, so the checks that need it could not run",
    cases: &[&UNREADABLE],
    inputs: &[
        InputKind::ContainerdConfig,
        InputKind::HostsToml,
        InputKind::KubeletFlags,
        InputKind::KubeletSystemdDropIn,
        InputKind::KubeletConfig,
        InputKind::CrictlConfig,
        InputKind::DockerDaemonConfig,
        InputKind::NodeObject,
        InputKind::StaticPodManifest,
    ],
    doc: include_str!("../../../rules/RA001.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
    for p in &snap.problems {
        let Problem::Unreadable { reason } = &p.problem else {
            continue;
        };
        out.finding(
            &UNREADABLE,
            Location::Path(p.path.clone()),
            format!("{} {} cannot be read: {reason}", p.kind.label(), p.path),
        )
        .impact(format!(
            "Checks that need it could not run and are reported as inconclusive: {}.",
            super::rules_reading(p.kind)
        ))
        .fix(format!(
            "Make {} a readable regular UTF-8 file of at most 8 MiB (run the audit as root on \
             the node, or fix the file), then audit again.",
            p.path
        ))
        .key(p.path.clone())
        .actual(reason.clone())
        .expected("a readable regular UTF-8 text file")
        .emit();
    }
}

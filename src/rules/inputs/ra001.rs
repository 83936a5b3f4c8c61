//! RA001 input-unreadable.

use crate::engine::{Emitter, Location};
use crate::model::{NodeSnapshot, Problem};

declare_rule! {
    id: "RA001",
    name: "input-unreadable",
    area: Inputs,
    summary: "An input exists but cannot be read, so the checks that need it could not run",
    inputs: [ContainerdConfig, HostsToml, KubeletFlags, KubeletSystemdDropIn, KubeletConfig, CrictlConfig, DockerDaemonConfig, NodeObject, StaticPodManifest],
    cases: [
        Unreadable("unreadable", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    for p in &snap.problems {
        let Problem::Unreadable { reason } = &p.problem else {
            continue;
        };
        out.finding(
            Case::Unreadable,
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
        .key(p.path.to_string())
        .actual(reason.clone())
        .expected("a readable regular UTF-8 text file")
        .emit();
    }
}

//! RA003 input-wrong-type.

use crate::engine::Emitter;
use crate::model::{NodeSnapshot, Problem};

declare_rule! {
    id: "RA003",
    name: "input-wrong-type",
    area: Inputs,
    summary: "A setting has a value of the wrong type; its consumer rejects or ignores it",
    inputs: [ContainerdConfig, KubeletConfig, CrictlConfig, DockerDaemonConfig, NodeObject],
    cases: [
        WrongType("wrong-type", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    for p in &snap.problems {
        let Problem::WrongType {
            key,
            expected,
            found,
            span,
            consequence,
        } = &p.problem
        else {
            continue;
        };
        out.finding(
            Case::WrongType,
            *span,
            format!("`{key}` in {} must be {expected}, found {found}", p.path),
        )
        .impact(consequence.clone())
        .fix(format!("Write `{key}` as {expected}."))
        .key(key.clone())
        .label(format!("expected {expected}"))
        .actual(found.clone())
        .expected(*expected)
        .emit();
    }
}

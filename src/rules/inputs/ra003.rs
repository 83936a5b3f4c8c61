//! RA003 input-wrong-type.

use crate::engine::{Area, Case, Emitter, Rule, RuleMeta, Severity};
use crate::model::{InputKind, NodeSnapshot, Problem};

static WRONG_TYPE: Case = Case {
    id: "wrong-type",
    severity: Severity::Error,
};

static META: RuleMeta = RuleMeta {
    id: "RA003",
    name: "input-wrong-type",
    area: Area::Inputs,
    summary: "A setting has a value of the wrong type; its consumer rejects or ignores it",
    cases: &[&WRONG_TYPE],
    inputs: &[
        InputKind::ContainerdConfig,
        InputKind::KubeletConfig,
        InputKind::CrictlConfig,
        InputKind::DockerDaemonConfig,
        InputKind::NodeObject,
    ],
    doc: include_str!("../../../rules/RA003.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
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
            &WRONG_TYPE,
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

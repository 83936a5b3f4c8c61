//! RA0xx: inputs that could not be checked, and the audit policy itself.

mod ra001;
mod ra002;
mod ra003;
mod ra004;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra001::RULE, &ra002::RULE, &ra003::RULE, &ra004::RULE];

/// Ids of the rules that read an input of this kind ("checks that could not run").
pub(crate) fn rules_reading(kind: crate::model::InputKind) -> String {
    let ids: Vec<&str> = crate::rules::all()
        .iter()
        .filter(|r| r.meta.inputs.contains(&kind) && r.meta.area != crate::engine::Area::Inputs)
        .map(|r| r.meta.id)
        .collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

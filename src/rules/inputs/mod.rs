//! RA0xx: inputs that could not be checked, and the audit policy itself.

area_rules!(ra001, ra002, ra003, ra004);

/// Ids of the rules that read an input of this kind ("checks that could not run").
pub(crate) fn rules_reading(kind: crate::model::InputKind) -> String {
    let ids: Vec<&str> = crate::rules::all()
        .iter()
        .filter(|r| r.meta.inputs.contains(&kind) && r.meta.area != crate::vocabulary::Area::Inputs)
        .map(|r| r.meta.id)
        .collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

//! The rule catalog: `runtime-audit rules` (terminal, JSON, Markdown) and `explain`.

use crate::engine::{Rule, RuleMeta};

pub fn human(rules: &[&Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        let m = r.meta;
        out.push_str(&format!(
            "{}  {:<38} {:<16} {}\n",
            m.id,
            m.name,
            m.severity_label(),
            m.summary
        ));
    }
    out
}

pub fn json(rules: &[&Rule]) -> String {
    let list: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            let m = r.meta;
            serde_json::json!({
                "id": m.id,
                "name": m.name,
                "area": m.area,
                "severity": m.severity_label(),
                "cases": m.cases.iter().map(|c| serde_json::json!({"id": c.id, "severity": c.severity})).collect::<Vec<_>>(),
                "summary": m.summary,
                "inputs": m.inputs,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}

pub fn markdown(rules: &[&Rule]) -> String {
    let mut out = String::from("# Rules\n\n");
    for r in rules {
        let m = r.meta;
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            m.id,
            m.name,
            m.severity_label(),
            m.summary
        ));
    }
    out
}

pub fn explain(meta: &RuleMeta) -> String {
    meta.doc.to_owned()
}

//! The effective view of every input (`runtime-audit inspect`): what containerd and the
//! kubelet will actually use, and where each value came from.

use crate::model::NodeSnapshot;

pub fn human(snapshot: &NodeSnapshot) -> String {
    json(snapshot)
}

pub fn json(snapshot: &NodeSnapshot) -> String {
    let v = serde_json::json!({ "root": snapshot.root, "inputs": snapshot.inputs });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

//! The effective view of every input (`runtime-audit inspect`): what containerd and the
//! kubelet will actually use, and where each value came from. Each input contributes a
//! [`Section`]; both renderings (human, JSON) come from the same sections.

mod containerd;
mod crictl;
mod docker;
mod hosts;
mod kubelet;
mod live;
mod node;
mod view;

use crate::model::NodeSnapshot;

pub(crate) use view::Section;

/// The sections of every input, in a fixed order.
pub(crate) fn sections(snapshot: &NodeSnapshot) -> Vec<Section> {
    vec![
        view::inputs(snapshot),
        view::versions(snapshot),
        containerd::section(snapshot),
        hosts::section(snapshot),
        kubelet::section(snapshot),
        crictl::section(snapshot),
        docker::section(snapshot),
        node::section(snapshot),
        live::section(snapshot),
    ]
}

pub(crate) fn human(snapshot: &NodeSnapshot) -> String {
    view::render_human(&sections(snapshot))
}

pub(crate) fn json(snapshot: &NodeSnapshot) -> String {
    let mut s = serde_json::to_string_pretty(&view::to_json(snapshot, &sections(snapshot)))
        .unwrap_or_default();
    s.push('\n');
    s
}

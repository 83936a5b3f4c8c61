//! The Node object from `--node-file` (YAML or JSON, a Node, a List or an array of Nodes).

use std::path::Path;

use crate::model::Input;
use crate::model::node::NodeObject;

use super::Ctx;

pub fn collect(_ctx: &Ctx, file: Option<&Path>, _name: Option<&str>) -> Input<NodeObject> {
    Input::Absent {
        path: file.map_or_else(
            || "(no --node-file)".to_string(),
            |p| p.display().to_string(),
        ),
    }
}

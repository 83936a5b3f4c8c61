//! The Node object: which one was picked and what it says about the runtime.

use crate::model::NodeSnapshot;
use crate::model::node::CRI_SOCKET_ANNOTATION;

use super::kubelet::not_read;
use super::view::{Section, at};

pub(crate) fn section(snap: &NodeSnapshot) -> Section {
    let mut s = Section::new("node", "Node object");
    let Some(n) = snap.node.present() else {
        not_read(&mut s, &snap.node);
        return s;
    };
    let sources = &snap.sources;
    match &n.name {
        Some(v) => s.row(
            "name",
            &v.value,
            format!("{} ({})", at(sources, v.span), n.selected_by),
        ),
        None => s.row("name", serde_json::Value::Null, n.selected_by.clone()),
    }
    for (key, v) in [
        ("kubeletVersion", &n.kubelet_version),
        ("containerRuntimeVersion", &n.container_runtime_version),
    ] {
        match v {
            Some(v) => s.row(key, &v.value, at(sources, v.span)),
            None => s.row(key, serde_json::Value::Null, "not in status.nodeInfo"),
        }
    }
    match &n.cri_socket {
        Some(a) => s.row(
            CRI_SOCKET_ANNOTATION,
            &a.socket.value,
            at(sources, a.socket.span),
        ),
        None => s.row(CRI_SOCKET_ANNOTATION, serde_json::Value::Null, "absent"),
    }
    s
}

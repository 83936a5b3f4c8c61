//! The Node object from `--node-file` (YAML or JSON, a Node, a List or an array of Nodes).
//!
//! Which node: `--node-name`; else the only node in the file; else the node named like
//! the audited root's `/etc/hostname`. Anything else is ambiguous and the input is
//! invalid, with the names found.

use std::path::Path;

use crate::model::endpoint::Endpoint;
use crate::model::node::{CRI_SOCKET_ANNOTATION, CriSocketAnnotation, NodeObject};
use crate::model::{FileId, Input, InputKind, InputState, Span, Spanned};

use super::Ctx;
use super::kubelet::config::point;
use super::tree::{self, Node, Value};

fn span(file: FileId, node: &Node) -> Span {
    Span::new(file, node.range.clone())
}

fn string_at(file: FileId, node: Option<&Node>) -> Option<Spanned<String>> {
    let node = node?;
    node.as_str()
        .filter(|s| !s.is_empty())
        .map(|s| Spanned::new(s.to_owned(), span(file, node)))
}

/// Node objects in the document: a Node, the `items` of a List/NodeList, or a bare array.
fn candidates(root: &Node) -> Vec<&Node> {
    let is_node = |n: &&Node| {
        matches!(n.value, Value::Map(_))
            && n.get("kind")
                .and_then(Node::as_str)
                .is_none_or(|k| k == "Node")
    };
    match &root.value {
        Value::Seq(items) => items.iter().filter(is_node).collect(),
        Value::Map(_) => match root.get("kind").and_then(Node::as_str) {
            Some("Node") => vec![root],
            Some(_) | None if root.get("items").is_some() => {
                root.get("items").map_or_else(Vec::new, |items| {
                    items.items().iter().filter(is_node).collect()
                })
            }
            None if root.get("metadata").is_some() => vec![root],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn name_of(node: &Node) -> Option<&str> {
    node.get("metadata")?.get("name")?.as_str()
}

fn pairs(file: FileId, map: Option<&Node>) -> Vec<(Spanned<String>, Spanned<String>)> {
    map.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            let value = match &v.value {
                Value::Str(s) => s.clone(),
                Value::Number(n) => n.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => return None,
            };
            Some((
                Spanned::new(k.text.clone(), Span::new(file, k.range.clone())),
                Spanned::new(value, span(file, v)),
            ))
        })
        .collect()
}

/// Reads `--node-file` and picks the audited node from it.
pub(crate) fn collect(
    ctx: &Ctx,
    file_path: Option<&Path>,
    wanted: Option<&str>,
) -> Input<NodeObject> {
    let Some(file_path) = file_path else {
        return Input::Absent {
            path: "(no --node-file)".to_string(),
        };
    };
    let path = file_path.display().to_string();
    let text = match ctx
        .read_local(InputKind::NodeObject, file_path)
        .or_input(&path)
    {
        Ok(text) => text,
        Err(input) => return input,
    };
    let file = ctx.add_file(InputKind::NodeObject, &path, &text);
    let (root, format) = match parse(ctx, file, &path, &text) {
        Ok(parsed) => parsed,
        Err((reason, span)) => return Input::Invalid { path, reason, span },
    };
    match select(ctx, &candidates(&root), wanted, format) {
        Ok((node, selected_by)) => Input::Present(node_object(file, node, selected_by)),
        Err(reason) => {
            ctx.invalid(&path, reason.clone());
            Input::Invalid {
                path,
                reason,
                span: Some(span(file, &root)),
            }
        }
    }
}

/// The Node object the API sent, pretty-printed with a four-space indent (as `kubectl get node
/// NAME -o json` prints it) so that findings point at its lines; `location` names it in the
/// report (`https://10.0.0.1:6443/api/v1/nodes/NAME`). The same rules then apply to it as to a
/// `--node-file`.
pub(crate) fn from_api(
    ctx: &Ctx,
    location: &str,
    body: &serde_json::Value,
    selected_by: String,
) -> Input<NodeObject> {
    let text = pretty(body);
    let file = ctx.add_file(InputKind::NodeObject, location, &text);
    match tree::parse_yaml_or_json(&text) {
        Ok((root, _)) if candidates(&root).len() == 1 => {
            Input::Present(node_object(file, &root, selected_by))
        }
        Ok((root, _)) => {
            let reason = "the API's answer is not a Node object".to_owned();
            ctx.invalid(location, reason.clone());
            Input::Invalid {
                path: location.to_owned(),
                reason,
                span: Some(span(file, &root)),
            }
        }
        Err(e) => {
            let reason = format!("JSON syntax error: {}", e.message);
            ctx.invalid(location, reason.clone());
            Input::Invalid {
                path: location.to_owned(),
                reason,
                span: None,
            }
        }
    }
}

/// The Node object could not be read from the API: recorded with the failure's sentence.
pub(crate) fn api_failure(ctx: &Ctx, location: &str, sentence: &str) -> Input<NodeObject> {
    ctx.record(
        InputKind::NodeObject,
        location,
        InputState::Unreadable,
        Some(sentence.to_owned()),
    );
    Input::Unreadable {
        path: location.to_owned(),
        reason: sentence.to_owned(),
    }
}

fn pretty(body: &serde_json::Value) -> String {
    use serde::Serialize as _;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing a Value into memory cannot fail.
    let _ = body.serialize(&mut serializer);
    let mut text = String::from_utf8(out).unwrap_or_default();
    text.push('\n');
    text
}

/// The document, as YAML or JSON, and which of the two it is. A syntax error is recorded as
/// an input problem, in the format the text looks like, and returned as why the file is
/// invalid, and where.
fn parse(
    ctx: &Ctx,
    file: FileId,
    path: &str,
    text: &str,
) -> Result<(Node, &'static str), (String, Option<Span>)> {
    tree::parse_yaml_or_json(text).map_err(|e| {
        let at = e.offset.map(|o| point(file, text, o));
        let format = if text.trim_start().starts_with(['{', '[']) {
            "JSON"
        } else {
            "YAML"
        };
        let message = e.message;
        ctx.syntax_error(InputKind::NodeObject, path, format, message.clone(), at);
        (format!("{format} syntax error: {message}"), at)
    })
}

/// The audited node among `nodes` and how it was chosen (see the module doc); else why none
/// can be.
fn select<'n>(
    ctx: &Ctx,
    nodes: &[&'n Node],
    wanted: Option<&str>,
    format: &str,
) -> Result<(&'n Node, String), String> {
    let listed = || {
        let names: Vec<&str> = nodes.iter().filter_map(|n| name_of(n)).collect();
        if names.is_empty() {
            "none has a metadata.name".to_owned()
        } else {
            names.join(", ")
        }
    };
    if let Some(name) = wanted {
        return match nodes.iter().find(|n| name_of(n) == Some(name)) {
            Some(n) => Ok((*n, format!("--node-name {name}"))),
            None => Err(format!(
                "no Node named {name} in the file (nodes found: {}); pass one of them to --node-name",
                listed()
            )),
        };
    }
    match nodes {
        [] => Err(format!(
            "the {format} document holds no Node object (a Node, a List/NodeList with `items`, or an array of Nodes)"
        )),
        [only] => Ok((*only, "the only Node in the file".to_owned())),
        _ => {
            let hostname = ctx
                .fs
                .read_text("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty());
            match hostname
                .as_deref()
                .and_then(|h| nodes.iter().find(|n| name_of(n) == Some(h)))
            {
                Some(n) => Ok((*n, "the Node named like /etc/hostname".to_owned())),
                None => Err(format!(
                    "the file holds {} Nodes ({}) and none is named like the audited root's /etc/hostname; pass --node-name NAME",
                    nodes.len(),
                    listed()
                )),
            }
        }
    }
}

/// kubeadm's cri-socket annotation; the last one wins, as in the API server's map.
fn cri_socket(annotations: &[(Spanned<String>, Spanned<String>)]) -> Option<CriSocketAnnotation> {
    let (key, value) = annotations
        .iter()
        .rev()
        .find(|(k, _)| k.value == CRI_SOCKET_ANNOTATION)?;
    Some(CriSocketAnnotation {
        key: key.span,
        socket: value.clone().map(|v| Endpoint::parse(&v)),
    })
}

/// What the audit reads of the chosen node.
fn node_object(file: FileId, node: &Node, selected_by: String) -> NodeObject {
    let metadata = node.get("metadata").filter(|m| !m.is_null());
    let annotations_node = metadata
        .and_then(|m| m.get("annotations"))
        .filter(|a| !a.is_null());
    let annotations_at = annotations_node
        .or(metadata)
        .map_or_else(|| span(file, node), |n| span(file, n));
    let node_info = node.get("status").and_then(|s| s.get("nodeInfo"));
    let annotations = pairs(file, annotations_node);
    NodeObject {
        name: string_at(file, metadata.and_then(|m| m.get("name"))),
        annotations_at,
        cri_socket: cri_socket(&annotations),
        annotations,
        kubelet_version: string_at(file, node_info.and_then(|i| i.get("kubeletVersion"))),
        container_runtime_version: string_at(
            file,
            node_info.and_then(|i| i.get("containerRuntimeVersion")),
        ),
        selected_by,
    }
}

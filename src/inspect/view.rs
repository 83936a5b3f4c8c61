//! Sections and rows of the inspect view, and their two renderings.

use std::fmt::Write as _;

use owo_colors::OwoColorize;
use serde::Serialize;

use crate::model::{Component, Effective, NodeSnapshot, Origin, SourceMap, Span};

/// A titled group of values, possibly nested (a runtime inside containerd's section).
#[derive(Debug, Serialize)]
pub(crate) struct Section {
    /// Machine name (JSON key): `containerd`, `kubelet`, `runtimes.runc`.
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) rows: Vec<Row>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) sections: Vec<Section>,
}

/// One effective value and where it came from.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) key: String,
    pub(crate) value: serde_json::Value,
    /// `/etc/containerd/config.toml:12:5`, or `default: ...`, or what else decided it.
    pub(crate) origin: String,
}

impl Section {
    pub(crate) fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            title: title.into(),
            rows: Vec::new(),
            sections: Vec::new(),
        }
    }

    pub(crate) fn row(
        &mut self,
        key: impl Into<String>,
        value: impl Serialize,
        origin: impl Into<String>,
    ) {
        self.rows.push(Row {
            key: key.into(),
            value: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
            origin: origin.into(),
        });
    }

    /// A row for an effective value.
    pub(crate) fn effective<T: Serialize>(
        &mut self,
        sources: &SourceMap,
        key: &str,
        e: &Effective<T>,
    ) {
        self.row(key, &e.value, origin(sources, &e.origin));
    }
}

/// `file:line:column` of a span.
pub(crate) fn at(sources: &SourceMap, span: Span) -> String {
    let p = sources.position(span);
    format!(
        "{}:{}:{}",
        sources.get(span.file).host_path,
        p.line,
        p.column
    )
}

pub(crate) fn origin(sources: &SourceMap, o: &Origin) -> String {
    match o {
        Origin::Set(span) => at(sources, *span),
        Origin::Default { note } => format!("default: {note}"),
    }
}

pub(crate) fn inputs(snapshot: &NodeSnapshot) -> Section {
    let mut s = Section::new("inputs", "Inputs");
    for i in &snapshot.inputs {
        let detail = i.detail.clone().unwrap_or_default();
        s.row(
            i.path.clone(),
            i.state,
            format!(
                "{}{}",
                i.kind.label(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            ),
        );
    }
    s
}

pub(crate) fn versions(snapshot: &NodeSnapshot) -> Section {
    let mut s = Section::new("versions", "Versions");
    let v = &snapshot.versions;
    for (name, component) in [
        ("kubelet", Component::Kubelet),
        ("containerd", Component::Containerd),
        ("docker", Component::Docker),
    ] {
        let fact = v.known(component);
        match fact {
            Some(f) => s.row(name, f.version.to_string(), f.origin.to_string()),
            None => s.row(name, serde_json::Value::Null, "unknown"),
        }
    }
    s
}

pub(crate) fn render_human(sections: &[Section]) -> String {
    let mut out = String::new();
    for s in sections {
        render_section(&mut out, s, 0);
        out.push('\n');
    }
    out
}

fn render_section(out: &mut String, s: &Section, depth: usize) {
    let indent = "  ".repeat(depth);
    let _ = writeln!(out, "{indent}{}", s.title.bold());
    let width = s
        .rows
        .iter()
        .map(|r| r.key.chars().count())
        .max()
        .unwrap_or(0);
    for r in &s.rows {
        let value = match &r.value {
            serde_json::Value::String(v) => format!("{v:?}"),
            v => v.to_string(),
        };
        let _ = writeln!(
            out,
            "{indent}  {:<width$} = {value}  {}",
            r.key,
            format!("({})", r.origin).dimmed()
        );
    }
    for child in &s.sections {
        render_section(out, child, depth + 1);
    }
}

#[derive(Serialize)]
struct JsonView<'a> {
    root: &'a str,
    node: &'a crate::model::NodeIdentity,
    sections: &'a [Section],
}

pub(crate) fn to_json<'a>(
    snapshot: &'a NodeSnapshot,
    sections: &'a [Section],
) -> impl Serialize + 'a {
    JsonView {
        root: &snapshot.root,
        node: &snapshot.identity,
        sections,
    }
}

//! Docker's `/etc/docker/daemon.json`.
//!
//! dockerd reads it as strict JSON and refuses to start on a syntax error or a value of the
//! wrong type (`unable to configure the Docker daemon with file /etc/docker/daemon.json`).

use crate::model::docker::DockerDaemonConfig;
use crate::model::{FileId, Input, InputKind, Problem, Span, Spanned};

use super::Ctx;
use super::kubelet::config::point;
use super::tree::{self, Node, Value};

pub(crate) const DAEMON_JSON: &str = "/etc/docker/daemon.json";

const REFUSED: &str = "dockerd refuses to start (`unable to configure the Docker daemon with file /etc/docker/daemon.json`); settings that should be carried over to containerd cannot be read from it.";

struct Reader<'a> {
    ctx: &'a Ctx<'a>,
    file: FileId,
}

impl Reader<'_> {
    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.range.clone())
    }

    fn wrong(&self, key: &str, node: &Node, expected: &'static str) {
        self.ctx.problem(
            InputKind::DockerDaemonConfig,
            DAEMON_JSON,
            Problem::WrongType {
                key: key.to_owned(),
                expected,
                found: node.type_name().to_owned(),
                span: self.span(node),
                consequence: REFUSED.to_owned(),
            },
        );
    }

    fn string(&self, root: &Node, key: &str) -> Option<Spanned<String>> {
        let node = root.get(key)?;
        match &node.value {
            Value::Str(s) => Some(Spanned::new(s.clone(), self.span(node))),
            Value::Null => None,
            _ => {
                self.wrong(key, node, "a string");
                None
            }
        }
    }

    fn strings(&self, root: &Node, key: &str) -> Vec<Spanned<String>> {
        let Some(node) = root.get(key) else {
            return Vec::new();
        };
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Str(s) => Some(Spanned::new(s.clone(), self.span(item))),
                    _ => {
                        self.wrong(key, item, "a list of strings");
                        None
                    }
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.wrong(key, node, "a list of strings");
                Vec::new()
            }
        }
    }
}

/// The span of the part of a JSON string literal after `prefix_len` characters of its
/// value, when the literal has no escapes before that point (else the whole literal).
fn value_part(literal: Span, raw: &str, prefix_chars: usize) -> Span {
    let inner = raw.strip_prefix('"').unwrap_or(raw);
    let head: String = inner.chars().take(prefix_chars).collect();
    if head.contains('\\') || head.chars().count() < prefix_chars {
        return literal;
    }
    let start = literal.start as usize + 1 + head.len();
    let end = (literal.end as usize).saturating_sub(1).max(start);
    Span::new(literal.file, start..end)
}

#[expect(clippy::too_many_lines, reason = "to be split")]
pub(crate) fn collect(ctx: &Ctx) -> Input<DockerDaemonConfig> {
    let path = DAEMON_JSON;
    let text = match ctx.read(InputKind::DockerDaemonConfig, path).or_input(path) {
        Ok(text) => text,
        Err(input) => return input,
    };
    let file = ctx.add_file(InputKind::DockerDaemonConfig, path, &text);
    let root = match tree::parse_json(&text) {
        Ok(root) => root,
        Err(e) => {
            let at = e.offset.map(|o| point(file, &text, o));
            ctx.syntax_error(
                InputKind::DockerDaemonConfig,
                path,
                "JSON",
                e.message.clone(),
                at,
            );
            return Input::Invalid {
                path: path.into(),
                reason: format!("JSON syntax error: {}", e.message),
                span: at,
            };
        }
    };
    let r = Reader { ctx, file };
    if !matches!(root.value, Value::Map(_)) {
        r.wrong("daemon.json", &root, "a JSON object");
        ctx.invalid(
            path,
            format!("the document is {}, not an object", root.type_name()),
        );
        return Input::Invalid {
            path: path.into(),
            reason: format!("the document is {}, not an object", root.type_name()),
            span: Some(r.span(&root)),
        };
    }

    let exec_opts = r.strings(&root, "exec-opts");
    // dockerd: the last `native.cgroupdriver=` entry wins; the key is case-insensitive.
    let cgroup_driver = exec_opts.iter().rev().find_map(|opt| {
        let (key, value) = opt.value.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("native.cgroupdriver") {
            return None;
        }
        let raw = text.get(opt.span.range()).unwrap_or("");
        let span = value_part(opt.span, raw, key.chars().count() + 1);
        Some(Spanned::new(value.trim().to_owned(), span))
    });

    let mut log_opts = Vec::new();
    if let Some(node) = root.get("log-opts") {
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    match &v.value {
                        Value::Str(s) => {
                            log_opts.push((k.text.clone(), Spanned::new(s.clone(), r.span(v))));
                        }
                        _ => r.wrong(&format!("log-opts.{}", k.text), v, "a string"),
                    }
                }
            }
            Value::Null => {}
            _ => r.wrong("log-opts", node, "an object of strings"),
        }
    }

    let mut runtimes = Vec::new();
    if let Some(node) = root.get("runtimes") {
        match &node.value {
            Value::Map(entries) => {
                for (k, _) in entries {
                    runtimes.push(Spanned::new(
                        k.text.clone(),
                        Span::new(file, k.range.clone()),
                    ));
                }
            }
            Value::Null => {}
            _ => r.wrong("runtimes", node, "an object"),
        }
    }

    let mut containerd_snapshotter = None;
    if let Some(features) = root.get("features") {
        match &features.value {
            Value::Map(_) => {
                if let Some(node) = features.get("containerd-snapshotter") {
                    match node.as_bool() {
                        Some(b) => containerd_snapshotter = Some(Spanned::new(b, r.span(node))),
                        None => r.wrong("features.containerd-snapshotter", node, "a boolean"),
                    }
                }
            }
            Value::Null => {}
            _ => r.wrong("features", features, "an object"),
        }
    }

    Input::Present(DockerDaemonConfig {
        insecure_registries: redacted(r.strings(&root, "insecure-registries")),
        registry_mirrors: redacted(r.strings(&root, "registry-mirrors")),
        log_driver: r.string(&root, "log-driver"),
        default_runtime: r.string(&root, "default-runtime"),
        data_root: r.string(&root, "data-root"),
        exec_opts,
        cgroup_driver,
        log_opts,
        runtimes,
        containerd_snapshotter,
    })
}

/// Registry URLs may carry credentials (`https://user:pass@mirror`); the model keeps them out.
fn redacted(values: Vec<Spanned<String>>) -> Vec<Spanned<String>> {
    values
        .into_iter()
        .map(|v| v.map(|s| super::containerd::redact_userinfo(&s)))
        .collect()
}

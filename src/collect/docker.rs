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

/// Reads `/etc/docker/daemon.json` as dockerd does.
pub(crate) fn collect(ctx: &Ctx) -> Input<DockerDaemonConfig> {
    let path = DAEMON_JSON;
    let text = match ctx.read(InputKind::DockerDaemonConfig, path).or_input(path) {
        Ok(text) => text,
        Err(input) => return input,
    };
    let file = ctx.add_file(InputKind::DockerDaemonConfig, path, &text);
    let root = match parse(ctx, file, &text) {
        Ok(root) => root,
        Err((reason, span)) => {
            return Input::Invalid {
                path: path.into(),
                reason,
                span,
            };
        }
    };
    let r = Reader { ctx, file };
    if !matches!(root.value, Value::Map(_)) {
        return r.not_an_object(&root);
    }
    // In this order, so that problems are reported in the order of the keys read.
    let exec_opts = r.strings(&root, "exec-opts");
    let cgroup_driver = cgroup_driver(&exec_opts, &text);
    let log_opts = r.log_opts(&root);
    let runtimes = r.runtime_names(&root);
    let containerd_snapshotter = r.containerd_snapshotter(&root);
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

/// The JSON document. A syntax error is recorded as an input problem and returned as why
/// the file is invalid, and where.
fn parse(ctx: &Ctx, file: FileId, text: &str) -> Result<Node, (String, Option<Span>)> {
    tree::parse_json(text).map_err(|e| {
        let at = e.offset.map(|o| point(file, text, o));
        let message = e.message;
        ctx.syntax_error(
            InputKind::DockerDaemonConfig,
            DAEMON_JSON,
            "JSON",
            message.clone(),
            at,
        );
        (format!("JSON syntax error: {message}"), at)
    })
}

/// The cgroup driver `exec-opts` selects: dockerd takes the last `native.cgroupdriver=`
/// entry; the key is case-insensitive.
fn cgroup_driver(exec_opts: &[Spanned<String>], text: &str) -> Option<Spanned<String>> {
    exec_opts.iter().rev().find_map(|opt| {
        let (key, value) = opt.value.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("native.cgroupdriver") {
            return None;
        }
        let raw = text.get(opt.span.range()).unwrap_or("");
        let span = value_part(opt.span, raw, key.chars().count() + 1);
        Some(Spanned::new(value.trim().to_owned(), span))
    })
}

impl Reader<'_> {
    /// A document that is not an object: dockerd refuses it.
    fn not_an_object(&self, root: &Node) -> Input<DockerDaemonConfig> {
        self.wrong("daemon.json", root, "a JSON object");
        let reason = format!("the document is {}, not an object", root.type_name());
        self.ctx.invalid(DAEMON_JSON, reason.clone());
        Input::Invalid {
            path: DAEMON_JSON.into(),
            reason,
            span: Some(self.span(root)),
        }
    }

    /// `log-opts`: an object of strings.
    fn log_opts(&self, root: &Node) -> Vec<(String, Spanned<String>)> {
        let mut log_opts = Vec::new();
        let Some(node) = root.get("log-opts") else {
            return log_opts;
        };
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    match &v.value {
                        Value::Str(s) => {
                            log_opts.push((k.text.clone(), Spanned::new(s.clone(), self.span(v))));
                        }
                        _ => self.wrong(&format!("log-opts.{}", k.text), v, "a string"),
                    }
                }
            }
            Value::Null => {}
            _ => self.wrong("log-opts", node, "an object of strings"),
        }
        log_opts
    }

    /// The names of `runtimes`.
    fn runtime_names(&self, root: &Node) -> Vec<Spanned<String>> {
        let Some(node) = root.get("runtimes") else {
            return Vec::new();
        };
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, _)| Spanned::new(k.text.clone(), Span::new(self.file, k.range.clone())))
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.wrong("runtimes", node, "an object");
                Vec::new()
            }
        }
    }

    /// `features.containerd-snapshotter`.
    fn containerd_snapshotter(&self, root: &Node) -> Option<Spanned<bool>> {
        let features = root.get("features")?;
        match &features.value {
            Value::Map(_) => {
                let node = features.get("containerd-snapshotter")?;
                let b = node.as_bool();
                if b.is_none() {
                    self.wrong("features.containerd-snapshotter", node, "a boolean");
                }
                b.map(|b| Spanned::new(b, self.span(node)))
            }
            Value::Null => None,
            _ => {
                self.wrong("features", features, "an object");
                None
            }
        }
    }
}

/// Registry URLs may carry credentials (`https://user:pass@mirror`); the model keeps them out.
fn redacted(values: Vec<Spanned<String>>) -> Vec<Spanned<String>> {
    values
        .into_iter()
        .map(|v| v.map(|s| super::containerd::redact_userinfo(&s)))
        .collect()
}

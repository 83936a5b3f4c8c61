//! `/etc/crictl.yaml`.
//!
//! crictl (cri-tools `pkg/common/file.go`) reads every top-level key as a scalar's text:
//! `runtime-endpoint` and `image-endpoint` as strings, `timeout` and `max-retries` with
//! `strconv.Atoi`, the switches with `strconv.ParseBool`; any other key fails with
//! `Config option '<key>' is not valid`. A file that fails to load is ignored unless
//! `--config` was given, and crictl falls back to probing its default endpoints.
//! Unknown keys and unparsable values are data for RA703 (crictl's problems are warnings,
//! so they are not reported as RA003 input problems).

use crate::model::crictl::{CrictlConfig, CrictlWrongType};
use crate::model::endpoint::Endpoint;
use crate::model::{FileId, Input, InputKind, Problem, Span, Spanned};

use super::kubelet::config::point;
use super::tree::{self, Node, Value};
use super::{Ctx, suggest};

pub(crate) const CRICTL_CONFIG: &str = "/etc/crictl.yaml";

/// Every key crictl knows (cri-tools HEAD).
pub(crate) const KEYS: &[&str] = &[
    "runtime-endpoint",
    "image-endpoint",
    "timeout",
    "debug",
    "pull-image-on-create",
    "disable-pull-on-run",
    "max-retries",
    "enable-streaming",
];

const IGNORED: &str = "crictl cannot load /etc/crictl.yaml, ignores it (unless run with --config, which then fails), and probes its default endpoints instead (`WARN runtime connect using default endpoints`).";

/// The scalar text crictl sees for a value (what yaml.v3 puts in `Node.Value`): the
/// unquoted text of a quoted scalar, else the plain scalar as written (`yes` stays `yes`,
/// whatever YAML 1.1 would make of it). None for a list or mapping.
fn scalar_text(node: &Node, source: &str) -> Option<String> {
    let raw = source.get(node.range.clone()).unwrap_or("").trim();
    match &node.value {
        Value::Seq(_) | Value::Map(_) => None,
        Value::Str(s) if raw.starts_with(['"', '\'']) => Some(s.clone()),
        Value::Str(s) if raw.is_empty() => Some(s.clone()),
        _ => Some(raw.to_owned()),
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.Atoi` (decimal, optional sign).
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Reads `/etc/crictl.yaml` as crictl does.
pub(crate) fn collect(ctx: &Ctx) -> Input<CrictlConfig> {
    let path = CRICTL_CONFIG;
    let text = match ctx.read(InputKind::CrictlConfig, path).or_input(path) {
        Ok(text) => text,
        Err(input) => return input,
    };
    let file = ctx.add_file(InputKind::CrictlConfig, path, &text);
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
    let document = Span::new(file, root.range.clone());
    if !matches!(root.value, Value::Map(_) | Value::Null) {
        return not_a_mapping(ctx, &root, document);
    }
    let mut config = empty(document);
    for (key, node) in root.entries() {
        let value_span = Span::new(file, node.range.clone());
        let entry = Entry {
            key: Spanned::new(key.text.clone(), Span::new(file, key.range.clone())),
            node,
            value: scalar_text(node, &text).map(|t| Spanned::new(t, value_span)),
            value_span,
        };
        entry.read_into(&mut config);
    }
    Input::Present(config)
}

/// The YAML document. A syntax error is recorded as an input problem and returned as why
/// the file is invalid, and where.
fn parse(ctx: &Ctx, file: FileId, text: &str) -> Result<Node, (String, Option<Span>)> {
    tree::parse_yaml(text).map_err(|e| {
        let at = e.offset.map(|o| point(file, text, o));
        let message = e.message;
        ctx.syntax_error(
            InputKind::CrictlConfig,
            CRICTL_CONFIG,
            "YAML",
            message.clone(),
            at,
        );
        (format!("YAML syntax error: {message}"), at)
    })
}

/// A document that is not a mapping of options: crictl ignores the file.
fn not_a_mapping(ctx: &Ctx, root: &Node, document: Span) -> Input<CrictlConfig> {
    let path = CRICTL_CONFIG;
    ctx.problem(
        InputKind::CrictlConfig,
        path,
        Problem::WrongType {
            key: "crictl.yaml".into(),
            expected: "a mapping of crictl options",
            found: root.type_name().to_owned(),
            span: document,
            consequence: IGNORED.into(),
        },
    );
    let reason = format!("the document is {}, not a mapping", root.type_name());
    ctx.invalid(path, reason.clone());
    Input::Invalid {
        path: path.into(),
        reason,
        span: Some(document),
    }
}

/// A config with no option set.
fn empty(document: Span) -> CrictlConfig {
    CrictlConfig {
        path: CRICTL_CONFIG.into(),
        runtime_endpoint: None,
        image_endpoint: None,
        timeout: None,
        debug: None,
        pull_image_on_create: None,
        disable_pull_on_run: None,
        max_retries: None,
        enable_streaming: None,
        unknown_keys: Vec::new(),
        wrong_types: Vec::new(),
        document,
    }
}

/// One top-level key of the file and its value as crictl sees it.
struct Entry<'n> {
    key: Spanned<String>,
    node: &'n Node,
    /// The scalar text (see [`scalar_text`]); None for a list or mapping.
    value: Option<Spanned<String>>,
    value_span: Span,
}

impl Entry<'_> {
    /// Sets the option this key names, or records why crictl would refuse it.
    fn read_into(&self, config: &mut CrictlConfig) {
        let text = self.value.as_ref().map(|v| v.value.as_str());
        let span = self.value_span;
        match self.key.value.as_str() {
            "runtime-endpoint" | "image-endpoint" => self.read_endpoint(config),
            "timeout" => match text.and_then(parse_int) {
                Some(_) => config.timeout = self.value.clone(),
                None => self.wrong("a whole number of seconds", config),
            },
            "max-retries" => match text.and_then(parse_int) {
                Some(n) => config.max_retries = Some(Spanned::new(n, span)),
                None => self.wrong("a whole number", config),
            },
            "debug" | "pull-image-on-create" | "disable-pull-on-run" | "enable-streaming" => {
                self.read_switch(config);
            }
            other => {
                let suggestion = suggest::closest(other, KEYS.iter().copied());
                config.unknown_keys.push((self.key.clone(), suggestion));
            }
        }
    }

    /// `runtime-endpoint` or `image-endpoint`: any scalar; an empty one sets nothing.
    fn read_endpoint(&self, config: &mut CrictlConfig) {
        let Some(value) = &self.value else {
            self.wrong("a string", config);
            return;
        };
        let endpoint =
            (!value.value.is_empty()).then(|| value.clone().map(|t| Endpoint::parse(&t)));
        if self.key.value == "runtime-endpoint" {
            config.runtime_endpoint = endpoint;
        } else {
            config.image_endpoint = endpoint;
        }
    }

    /// A switch, read with Go's `strconv.ParseBool`.
    fn read_switch(&self, config: &mut CrictlConfig) {
        let Some(b) = self.value.as_ref().and_then(|v| parse_bool(&v.value)) else {
            self.wrong("true or false", config);
            return;
        };
        let v = Some(Spanned::new(b, self.value_span));
        match self.key.value.as_str() {
            "debug" => config.debug = v,
            "pull-image-on-create" => config.pull_image_on_create = v,
            "disable-pull-on-run" => config.disable_pull_on_run = v,
            _ => config.enable_streaming = v,
        }
    }

    /// Records a value crictl cannot parse as `expected`.
    fn wrong(&self, expected: &'static str, config: &mut CrictlConfig) {
        let found = match &self.value {
            Some(t) if !t.value.is_empty() => t.value.clone(),
            _ => self.node.type_name().to_owned(),
        };
        config.wrong_types.push(CrictlWrongType {
            key: self.key.clone(),
            found: Spanned::new(found, self.value_span),
            expected,
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_parsers() {
        assert_eq!(super::parse_int("10"), Some(10));
        assert_eq!(super::parse_int("-1"), Some(-1));
        assert_eq!(super::parse_int("2s"), None);
        assert_eq!(super::parse_int(""), None);
        assert_eq!(super::parse_bool("True"), Some(true));
        assert_eq!(super::parse_bool("yes"), None);
    }
}

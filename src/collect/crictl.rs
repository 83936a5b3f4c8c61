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
use crate::model::{Input, InputKind, Problem, Span, Spanned};

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

#[expect(clippy::too_many_lines, reason = "to be split")]
pub(crate) fn collect(ctx: &Ctx) -> Input<CrictlConfig> {
    let path = CRICTL_CONFIG;
    let text = match ctx.read(InputKind::CrictlConfig, path).or_input(path) {
        Ok(text) => text,
        Err(input) => return input,
    };
    let file = ctx.add_file(InputKind::CrictlConfig, path, &text);
    let root = match tree::parse_yaml(&text) {
        Ok(root) => root,
        Err(e) => {
            let at = e.offset.map(|o| point(file, &text, o));
            ctx.syntax_error(InputKind::CrictlConfig, path, "YAML", e.message.clone(), at);
            return Input::Invalid {
                path: path.into(),
                reason: format!("YAML syntax error: {}", e.message),
                span: at,
            };
        }
    };
    let document = Span::new(file, root.range.clone());
    let mut config = CrictlConfig {
        path: path.into(),
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
    };
    match &root.value {
        Value::Map(_) | Value::Null => {}
        _ => {
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
            ctx.invalid(
                path,
                format!("the document is {}, not a mapping", root.type_name()),
            );
            return Input::Invalid {
                path: path.into(),
                reason: format!("the document is {}, not a mapping", root.type_name()),
                span: Some(document),
            };
        }
    }
    for (key, node) in root.entries() {
        let key_span = Span::new(file, key.range.clone());
        let value_span = Span::new(file, node.range.clone());
        let spanned_key = Spanned::new(key.text.clone(), key_span);
        let scalar = scalar_text(node, &text);
        let wrong = |expected: &'static str, config: &mut CrictlConfig| {
            let found = match &scalar {
                Some(t) if !t.is_empty() => t.clone(),
                _ => node.type_name().to_owned(),
            };
            config.wrong_types.push(CrictlWrongType {
                key: spanned_key.clone(),
                found: Spanned::new(found, value_span),
                expected,
            });
        };
        let as_bool = scalar.as_deref().and_then(parse_bool);
        match key.text.as_str() {
            "runtime-endpoint" | "image-endpoint" => match &scalar {
                Some(t) => {
                    let v = (!t.is_empty()).then(|| Spanned::new(t.clone(), value_span));
                    if key.text == "runtime-endpoint" {
                        config.runtime_endpoint = v;
                    } else {
                        config.image_endpoint = v;
                    }
                }
                None => wrong("a string", &mut config),
            },
            "timeout" => match scalar.as_deref().and_then(parse_int) {
                Some(_) => config.timeout = scalar.clone().map(|t| Spanned::new(t, value_span)),
                None => wrong("a whole number of seconds", &mut config),
            },
            "max-retries" => match scalar.as_deref().and_then(parse_int) {
                Some(n) => config.max_retries = Some(Spanned::new(n, value_span)),
                None => wrong("a whole number", &mut config),
            },
            "debug" | "pull-image-on-create" | "disable-pull-on-run" | "enable-streaming" => {
                match as_bool {
                    Some(b) => {
                        let v = Some(Spanned::new(b, value_span));
                        match key.text.as_str() {
                            "debug" => config.debug = v,
                            "pull-image-on-create" => config.pull_image_on_create = v,
                            "disable-pull-on-run" => config.disable_pull_on_run = v,
                            _ => config.enable_streaming = v,
                        }
                    }
                    None => wrong("true or false", &mut config),
                }
            }
            other => {
                let suggestion = suggest::closest(other, KEYS.iter().copied());
                config.unknown_keys.push((spanned_key.clone(), suggestion));
            }
        }
    }
    Input::Present(config)
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

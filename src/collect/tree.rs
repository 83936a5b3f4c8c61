//! A spanned document tree for YAML and JSON inputs (kubelet config, crictl.yaml,
//! daemon.json, the Node object). Collectors read typed fields out of it; every node keeps
//! its byte range so findings can point at it.

use std::fmt;
use std::ops::Range;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed value with its byte range in the source text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) range: Range<usize>,
    pub(crate) value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// Numbers keep their text (`2s` is a string, `2` a number).
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key (always text; YAML scalar keys like `3` become "3").
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Key {
    pub(crate) text: String,
    pub(crate) range: Range<usize>,
}

impl Node {
    /// The value under `key` of a mapping (last one wins, as in Go's decoders).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.text == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The type name used in "expected X, found Y" messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A syntax error with its byte offset when known.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) offset: Option<usize>,
}

// ---------------------------------------------------------------------------------------
// YAML

/// Parses one YAML document with limits against alias bombs and deep nesting.
pub(crate) fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 100_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = 16 * 1024 * 1024;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    // Keep every key: the tree's lookups take the last, as the kubelet's decoder does.
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
    let parsed: Result<serde_saphyr::Spanned<YamlValue>, _> =
        serde_saphyr::from_str_with_options(text, options);
    match parsed {
        Ok(root) => Ok(to_node(root, text)),
        Err(e) => {
            let offset = e.location().map(|l| location_offset(&l, text));
            Err(SyntaxError {
                message: first_line_of_yaml_error(&e.to_string()),
                offset,
            })
        }
    }
}

fn first_line_of_yaml_error(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 2 column 3: mapping values ..." -> keep only the message; position is reported
    // separately from the offset.
    match first.split_once(": ") {
        Some((pos, msg)) if pos.starts_with("line ") => msg.to_owned(),
        _ => first.to_owned(),
    }
}

fn location_offset(l: &serde_saphyr::Location, text: &str) -> usize {
    if let Some(b) = l.span().byte_offset() {
        return (b as usize).min(text.len());
    }
    // Fall back to line/column.
    let line = l.line().max(1) as usize;
    let col = l.column().max(1) as usize;
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .chars()
            .take(col - 1)
            .map(char::len_utf8)
            .sum::<usize>()
}

fn span_range(l: &serde_saphyr::Location, text: &str) -> Range<usize> {
    let s = l.span();
    match (s.byte_offset(), s.byte_len()) {
        (Some(o), Some(n)) => {
            let start = (o as usize).min(text.len());
            start..(start + n as usize).min(text.len())
        }
        _ => {
            let start = location_offset(l, text);
            start..start
        }
    }
}

enum YamlValue {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Seq(Vec<serde_saphyr::Spanned<YamlValue>>),
    Map(
        Vec<(
            serde_saphyr::Spanned<String>,
            serde_saphyr::Spanned<YamlValue>,
        )>,
    ),
}

fn to_node(v: serde_saphyr::Spanned<YamlValue>, text: &str) -> Node {
    let mut range = span_range(&v.referenced, text);
    let value = match v.value {
        YamlValue::Null => Value::Null,
        YamlValue::Bool(b) => Value::Bool(b),
        YamlValue::Number(n) => Value::Number(n),
        YamlValue::Str(s) => Value::Str(s),
        YamlValue::Seq(items) => Value::Seq(items.into_iter().map(|i| to_node(i, text)).collect()),
        YamlValue::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        range: span_range(&k.referenced, text),
                        text: k.value,
                    };
                    (key, to_node(v, text))
                })
                .collect(),
        ),
    };
    // Collections report only their opening token; widen to the children for frames.
    let last = match &value {
        Value::Seq(items) => items.last().map(|n| n.range.end),
        Value::Map(entries) => entries.last().map(|(_, n)| n.range.end),
        _ => None,
    };
    if let Some(end) = last {
        range.end = range.end.max(end);
    }
    Node { range, value }
}

impl<'de> Deserialize<'de> for YamlValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = YamlValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<YamlValue, E> {
        Ok(YamlValue::Null)
    }
    fn visit_none<E>(self) -> Result<YamlValue, E> {
        Ok(YamlValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<YamlValue, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
    fn visit_bool<E>(self, b: bool) -> Result<YamlValue, E> {
        Ok(YamlValue::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(n.to_string()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(n.to_string()))
    }
    fn visit_i128<E>(self, n: i128) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(n.to_string()))
    }
    fn visit_u128<E>(self, n: u128) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(n.to_string()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<YamlValue, E> {
        Ok(YamlValue::Number(n.to_string()))
    }
    fn visit_str<E>(self, s: &str) -> Result<YamlValue, E> {
        Ok(YamlValue::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<YamlValue, E> {
        Ok(YamlValue::Str(s))
    }
    fn visit_bytes<E>(self, b: &[u8]) -> Result<YamlValue, E> {
        Ok(YamlValue::Str(String::from_utf8_lossy(b).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<YamlValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(YamlValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<YamlValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<String>>()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(YamlValue::Map(entries))
    }
}

// ---------------------------------------------------------------------------------------
// JSON

/// Parses strict JSON (no comments, no trailing commas), as Docker and kubectl write it.
pub(crate) fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed =
        jsonc_parser::parse_to_ast(text, &jsonc_parser::CollectOptions::default(), &options)
            .map_err(|e| SyntaxError {
                message: e.kind().to_string(),
                offset: Some(e.range().start),
            })?;
    match parsed.value {
        Some(v) => Ok(json_node(&v)),
        None => Err(SyntaxError {
            message: "the file holds no JSON value".into(),
            offset: Some(0),
        }),
    }
}

fn json_node(v: &jsonc_parser::ast::Value) -> Node {
    use jsonc_parser::ast::Value as J;
    use jsonc_parser::common::Ranged;
    let r = v.range();
    let range = r.start..r.end;
    let value = match v {
        J::NullKeyword(_) => Value::Null,
        J::BooleanLit(b) => Value::Bool(b.value),
        J::NumberLit(n) => Value::Number(n.value.to_string()),
        J::StringLit(s) => Value::Str(s.value.to_string()),
        J::Array(a) => Value::Seq(a.elements.iter().map(json_node).collect()),
        J::Object(o) => Value::Map(
            o.properties
                .iter()
                .map(|p| {
                    let kr = p.name.range();
                    let key = Key {
                        text: p.name.as_str().to_owned(),
                        range: kr.start..kr.end,
                    };
                    (key, json_node(&p.value))
                })
                .collect(),
        ),
    };
    Node { range, value }
}

/// Parses JSON when the text starts like JSON (`{` or `[`), YAML otherwise.
pub(crate) fn parse_yaml_or_json(text: &str) -> Result<(Node, &'static str), SyntaxError> {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(text).map(|n| (n, "JSON"))
    } else {
        parse_yaml(text).map(|n| (n, "YAML"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entry (key and value) under `key`, as the last one wins.
    fn entry<'n>(node: &'n Node, key: &str) -> Option<(&'n Key, &'n Node)> {
        node.entries()
            .iter()
            .rev()
            .find(|(k, _)| k.text == key)
            .map(|(k, v)| (k, v))
    }

    #[test]
    fn yaml_keeps_byte_ranges_of_keys_and_values() {
        let text = "kind: X\n# é\ncgroupDriver: systemd\ngates:\n  A: true\n";
        let root = parse_yaml(text).unwrap();
        let (k, v) = entry(&root, "cgroupDriver").unwrap();
        assert_eq!(&text[k.range.clone()], "cgroupDriver");
        assert_eq!(&text[v.range.clone()], "systemd");
        assert_eq!(
            root.get("gates").unwrap().get("A").unwrap().as_bool(),
            Some(true)
        );
    }

    #[test]
    fn json_with_tabs_and_errors() {
        let text = "{\n\t\"exec-opts\": [\"native.cgroupdriver=systemd\"]\n}";
        let root = parse_json(text).unwrap();
        let item = &root.get("exec-opts").unwrap().items()[0];
        assert_eq!(&text[item.range.clone()], "\"native.cgroupdriver=systemd\"");
        let err = parse_json("{\"a\": 1\n \"b\": 2}").unwrap_err();
        assert!(err.offset.is_some(), "{err:?}");
        assert!(parse_json("{} {}").is_err());
        assert!(parse_json("{\"a\": 1,}").is_err());
    }

    #[test]
    fn yaml_limits() {
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (i, c) in "bcdefghi".chars().enumerate() {
            let prev = (b'a' + i as u8) as char;
            bomb.push_str(&format!("{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        assert!(parse_yaml(&bomb).is_err());
        assert!(parse_yaml(&"[".repeat(100_000)).is_err());
        assert!(parse_json(&"[".repeat(100_000)).is_err());
        assert_eq!(parse_yaml("").unwrap().value, Value::Null);
    }

    fn ranges_in_bounds(n: &Node, len: usize) -> bool {
        let own = n.range.start <= n.range.end && n.range.end <= len;
        own && match &n.value {
            Value::Seq(items) => items.iter().all(|i| ranges_in_bounds(i, len)),
            Value::Map(entries) => entries
                .iter()
                .all(|(k, v)| k.range.end <= len && ranges_in_bounds(v, len)),
            _ => true,
        }
    }

    proptest::proptest! {
        #[test]
        fn yaml_and_json_never_panic_and_stay_in_bounds(text in "\\PC{0,300}") {
            for parsed in [parse_yaml(&text), parse_json(&text), parse_yaml_or_json(&text).map(|(n, _)| n)] {
                match parsed {
                    Ok(node) => proptest::prop_assert!(ranges_in_bounds(&node, text.len())),
                    Err(e) => proptest::prop_assert!(e.offset.is_none_or(|o| o <= text.len())),
                }
            }
        }

        #[test]
        fn generated_mappings_keep_their_keys(
            entries in proptest::collection::vec(("[a-z][a-zA-Z0-9]{0,12}", "[a-zA-Z0-9./:_-]{0,20}"), 1..12)
        ) {
            let mut yaml = String::new();
            let mut json = Vec::new();
            for (k, v) in &entries {
                yaml.push_str(&format!("{k}: \"{v}\"\n"));
                json.push(format!("\"{k}\": \"{v}\""));
            }
            let json = format!("{{{}}}", json.join(","));
            for (root, text) in [(parse_yaml(&yaml), &yaml), (parse_json(&json), &json)] {
                let root = root.map_err(|e| proptest::test_runner::TestCaseError::fail(e.message))?;
                for (k, _) in &entries {
                    let (key, value) = entry(&root, k).ok_or_else(|| proptest::test_runner::TestCaseError::fail(format!("lost key {k}")))?;
                    proptest::prop_assert_eq!(&text[key.range.clone()].trim_matches('"'), k);
                    proptest::prop_assert!(ranges_in_bounds(value, text.len()));
                }
            }
        }
    }
}

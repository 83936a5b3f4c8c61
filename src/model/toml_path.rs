//! Dotted TOML key paths, kept as their segments: `plugins."io.containerd.grpc.v1.cri".registry`
//! is `["plugins", "io.containerd.grpc.v1.cri", "registry"]`, written out with quotes only
//! where a segment is not a bare key.

use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TomlPath(Vec<String>);

impl TomlPath {
    pub(crate) fn new(segments: Vec<String>) -> TomlPath {
        TomlPath(segments)
    }

    pub(crate) fn segments(&self) -> &[String] {
        &self.0
    }

    /// The key itself (the last segment).
    pub(crate) fn last(&self) -> Option<&str> {
        self.0.last().map(String::as_str)
    }

    /// Whether it lies strictly under `prefix`.
    pub(crate) fn is_under(&self, prefix: &TomlPath) -> bool {
        self.0.len() > prefix.0.len() && self.0.starts_with(&prefix.0)
    }
}

/// As written in a config: `plugins."io.containerd.grpc.v1.cri".registry`.
impl fmt::Display for TomlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&key(s))?;
        }
        Ok(())
    }
}

/// A TOML key as it must be written: bare when it can be, quoted (with escapes) otherwise.
pub(crate) fn key(segment: &str) -> String {
    let bare = !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        return segment.to_owned();
    }
    let mut out = String::from("\"");
    for c in segment.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> TomlPath {
        TomlPath::new(segments.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn written_with_quotes_only_where_needed() {
        let p = path(&[
            "plugins",
            "io.containerd.grpc.v1.cri",
            "containerd",
            "runtimes",
            "runc",
        ]);
        assert_eq!(
            p.to_string(),
            "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc"
        );
        assert_eq!(key("test-handler"), "test-handler");
        assert_eq!(key(""), "\"\"");
        assert_eq!(key("a\"b"), "\"a\\\"b\"");
        assert!(p.is_under(&path(&["plugins", "io.containerd.grpc.v1.cri"])));
        assert!(!p.is_under(&p));
        assert_eq!(p.last(), Some("runc"));
    }
}

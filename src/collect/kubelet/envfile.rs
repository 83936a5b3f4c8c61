//! Environment files (`EnvironmentFile=`: kubeadm-flags.env, /etc/default/kubelet,
//! /etc/sysconfig/kubelet) read exactly as systemd reads them.
//!
//! systemd.exec(5), EnvironmentFile=: newline-separated `KEY=value` assignments; empty
//! lines and lines starting with `#` or `;` are ignored; a line without `=` is ignored. The
//! state machine below follows systemd's `parse_env_file_internal()` (src/basic/env-file.c):
//! - an unquoted value keeps its interior whitespace, loses leading and trailing
//!   whitespace, and a backslash makes the next character literal (a backslash-newline
//!   joins lines);
//! - a single-quoted value is verbatim (no escapes) and may span lines;
//! - a double-quoted value may span lines; a backslash before `"`, `\`, `` ` `` or `$` is
//!   removed, before a newline joins lines, and before anything else is kept;
//! - after a closing quote, parsing continues in the same value: `"a" b` is `ab`;
//! - quotes inside an unquoted value are literal;
//! - the key keeps interior whitespace (so `export FOO=x` sets the invalid name
//!   `export FOO`, which systemd ignores with "Ignoring invalid environment assignment").
//!
//! A later assignment of the same key wins.

use crate::model::{FileId, Span};

use super::words::{SChar, is_env_name};

/// One `KEY=value` assignment of an environment file.
#[derive(Clone, Debug)]
pub(crate) struct Assignment {
    pub(crate) key: String,
    pub(crate) value: Vec<SChar>,
    /// From the key to the end of the value.
    pub(crate) span: Span,
    /// A quote left open at the end of the file: systemd takes everything after it.
    pub(crate) unterminated: Option<Span>,
}

impl Assignment {
    pub(crate) fn is_valid(&self) -> bool {
        is_env_name(&self.key)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    PreKey,
    Key,
    PreValue,
    Value,
    ValueEscape,
    SingleQuote,
    DoubleQuote,
    DoubleQuoteEscape,
    Comment,
}

struct Builder {
    file: FileId,
    key: String,
    key_start: usize,
    value: Vec<SChar>,
    /// Length of `value` before its trailing unquoted whitespace.
    trailing_ws_from: Option<usize>,
    /// End of the `=` and of the last quote read: the assignment reaches at least there.
    consumed_end: usize,
    quote_start: usize,
}

impl Builder {
    fn push(&mut self, ch: char, range: std::ops::Range<usize>) {
        self.value.push(SChar {
            ch,
            span: Some(Span::new(self.file, range)),
        });
    }

    fn finish(&mut self, chop: bool, unterminated: Option<Span>) -> Assignment {
        if chop && let Some(len) = self.trailing_ws_from.take() {
            self.value.truncate(len);
        }
        let value_end = self
            .value
            .iter()
            .rev()
            .find_map(|c| c.span)
            .map_or(0, |s| s.end as usize);
        let end = value_end.max(self.consumed_end);
        let a = Assignment {
            key: self.key.trim_end_matches(is_ws).to_owned(),
            value: std::mem::take(&mut self.value),
            span: Span::new(self.file, self.key_start..end),
            unterminated,
        };
        self.key.clear();
        self.trailing_ws_from = None;
        self.consumed_end = 0;
        a
    }
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_newline(c: char) -> bool {
    matches!(c, '\n' | '\r')
}

/// Every assignment of an environment file, valid or not, in file order.
#[expect(clippy::too_many_lines, reason = "to be split")]
pub(crate) fn parse(file: FileId, text: &str) -> Vec<Assignment> {
    let mut out = Vec::new();
    let mut state = State::PreKey;
    let mut b = Builder {
        file,
        key: String::new(),
        key_start: 0,
        value: Vec::new(),
        trailing_ws_from: None,
        consumed_end: 0,
        quote_start: 0,
    };
    // Byte offset where a backslash escape started.
    let mut escape_start = 0;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        match state {
            State::PreKey => {
                if c == '#' || c == ';' {
                    state = State::Comment;
                } else if !is_ws(c) {
                    state = State::Key;
                    b.key.clear();
                    b.key.push(c);
                    b.key_start = i;
                }
            }
            State::Key => {
                if is_newline(c) {
                    // A line without `=` is ignored.
                    state = State::PreKey;
                } else if c == '=' {
                    state = State::PreValue;
                    b.consumed_end = end;
                    b.trailing_ws_from = None;
                } else {
                    b.key.push(c);
                }
            }
            State::PreValue => {
                if is_newline(c) {
                    state = State::PreKey;
                    out.push(b.finish(false, None));
                } else if c == '\'' {
                    state = State::SingleQuote;
                    b.quote_start = i;
                    b.consumed_end = end;
                } else if c == '"' {
                    state = State::DoubleQuote;
                    b.quote_start = i;
                    b.consumed_end = end;
                } else if c == '\\' {
                    state = State::ValueEscape;
                    escape_start = i;
                } else if !is_ws(c) {
                    state = State::Value;
                    b.push(c, i..end);
                }
            }
            State::Value => {
                if is_newline(c) {
                    state = State::PreKey;
                    out.push(b.finish(true, None));
                } else if c == '\\' {
                    state = State::ValueEscape;
                    escape_start = i;
                    b.trailing_ws_from = None;
                } else {
                    if !is_ws(c) {
                        b.trailing_ws_from = None;
                    } else if b.trailing_ws_from.is_none() {
                        b.trailing_ws_from = Some(b.value.len());
                    }
                    b.push(c, i..end);
                }
            }
            State::ValueEscape => {
                state = State::Value;
                // An escaped newline is eaten entirely.
                if !is_newline(c) {
                    b.push(c, escape_start..end);
                }
            }
            State::SingleQuote => {
                if c == '\'' {
                    state = State::PreValue;
                    b.consumed_end = end;
                } else {
                    b.push(c, i..end);
                }
            }
            State::DoubleQuote => {
                if c == '"' {
                    state = State::PreValue;
                    b.consumed_end = end;
                } else if c == '\\' {
                    state = State::DoubleQuoteEscape;
                    escape_start = i;
                } else {
                    b.push(c, i..end);
                }
            }
            State::DoubleQuoteEscape => {
                state = State::DoubleQuote;
                if matches!(c, '"' | '\\' | '`' | '$') {
                    b.push(c, escape_start..end);
                } else if c != '\n' {
                    // Like a shell, other escapes keep their backslash.
                    b.push('\\', escape_start..i);
                    b.push(c, i..end);
                }
            }
            State::Comment => {
                if is_newline(c) {
                    state = State::PreKey;
                }
            }
        }
    }
    match state {
        State::PreValue | State::Value | State::ValueEscape => {
            out.push(b.finish(state == State::Value, None));
        }
        State::SingleQuote | State::DoubleQuote | State::DoubleQuoteEscape => {
            let open = Span::new(file, b.quote_start..b.quote_start + 1);
            out.push(b.finish(false, Some(open)));
        }
        State::PreKey | State::Key | State::Comment => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::kubelet::words::text;

    fn values(src: &str) -> Vec<(String, String)> {
        parse(FileId(0), src)
            .into_iter()
            .map(|a| (a.key, text(&a.value)))
            .collect()
    }

    #[test]
    fn kubeadm_flags_env() {
        let src = "#cat /var/lib/kubelet/kubeadm-flags.env\nKUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni\"\n";
        assert_eq!(
            values(src),
            [(
                "KUBELET_KUBEADM_ARGS".to_string(),
                "--cgroup-driver=systemd --network-plugin=cni".to_string()
            )]
        );
    }

    #[test]
    fn unquoted_values_keep_interior_whitespace_and_quotes() {
        let src = "A=  x  y  \nB=--labels=${node_labels} --x='a'\nC=\"q\"  tail  \nD\n";
        assert_eq!(
            values(src),
            [
                ("A".into(), "x  y".into()),
                ("B".into(), "--labels=${node_labels} --x='a'".into()),
                ("C".into(), "qtail".into()),
            ]
        );
    }

    #[test]
    fn escapes_and_continuations() {
        let src = "A=a\\\nb\nB=\"x\\\"y\\n\\$z\"\nC='no\\escape'\n";
        assert_eq!(
            values(src),
            [
                ("A".into(), "ab".into()),
                ("B".into(), "x\"y\\n$z".into()),
                ("C".into(), "no\\escape".into()),
            ]
        );
    }

    #[test]
    fn no_trailing_newline_and_unterminated_quote() {
        let a = parse(FileId(0), "K=\"--a=b");
        assert_eq!(text(&a[0].value), "--a=b");
        assert!(a[0].unterminated.is_some());
        let a = parse(FileId(0), "K=v");
        assert_eq!(text(&a[0].value), "v");
        assert!(a[0].unterminated.is_none());
    }

    #[test]
    fn value_spans_point_inside_the_quotes() {
        let src = "K=\"--x=1\"   \n";
        let a = &parse(FileId(0), src)[0];
        let first = a.value[0].span.unwrap();
        let last = a.value.last().unwrap().span.unwrap();
        assert_eq!(&src[first.start as usize..last.end as usize], "--x=1");
        assert_eq!(&src[a.span.range()], "K=\"--x=1\"");
    }

    #[test]
    fn invalid_keys_are_kept_but_marked() {
        let a = parse(FileId(0), "export FOO=1\n");
        assert_eq!(a[0].key, "export FOO");
        assert!(!a[0].is_valid());
    }
}

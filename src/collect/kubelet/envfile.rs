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
pub(crate) fn parse(file: FileId, text: &str) -> Vec<Assignment> {
    let mut p = Parser {
        state: State::PreKey,
        b: Builder {
            file,
            key: String::new(),
            key_start: 0,
            value: Vec::new(),
            trailing_ws_from: None,
            consumed_end: 0,
            quote_start: 0,
        },
        escape_start: 0,
        out: Vec::new(),
    };
    for (i, c) in text.char_indices() {
        p.step(i, c);
    }
    p.end_of_file()
}

/// The state machine: each method takes the character at `i` (ending at `end`) in its
/// state and returns the next state.
struct Parser {
    state: State,
    b: Builder,
    /// Byte offset where a backslash escape started.
    escape_start: usize,
    out: Vec<Assignment>,
}

impl Parser {
    fn step(&mut self, i: usize, c: char) {
        let end = i + c.len_utf8();
        self.state = match self.state {
            State::PreKey => self.pre_key(i, c),
            State::Key => self.key(c, end),
            State::PreValue => self.pre_value(i, c, end),
            State::Value => self.value(i, c, end),
            State::ValueEscape => self.value_escape(c, end),
            State::SingleQuote => self.single_quote(i, c, end),
            State::DoubleQuote => self.double_quote(i, c, end),
            State::DoubleQuoteEscape => self.double_quote_escape(i, c, end),
            State::Comment if is_newline(c) => State::PreKey,
            State::Comment => State::Comment,
        };
    }

    fn pre_key(&mut self, i: usize, c: char) -> State {
        if c == '#' || c == ';' {
            State::Comment
        } else if is_ws(c) {
            State::PreKey
        } else {
            self.b.key.clear();
            self.b.key.push(c);
            self.b.key_start = i;
            State::Key
        }
    }

    fn key(&mut self, c: char, end: usize) -> State {
        if is_newline(c) {
            // A line without `=` is ignored.
            State::PreKey
        } else if c == '=' {
            self.b.consumed_end = end;
            self.b.trailing_ws_from = None;
            State::PreValue
        } else {
            self.b.key.push(c);
            State::Key
        }
    }

    /// After `=` or a closing quote: leading whitespace is dropped.
    fn pre_value(&mut self, i: usize, c: char, end: usize) -> State {
        if is_newline(c) {
            self.out.push(self.b.finish(false, None));
            State::PreKey
        } else if c == '\'' || c == '"' {
            self.b.quote_start = i;
            self.b.consumed_end = end;
            if c == '\'' {
                State::SingleQuote
            } else {
                State::DoubleQuote
            }
        } else if c == '\\' {
            self.escape_start = i;
            State::ValueEscape
        } else if is_ws(c) {
            State::PreValue
        } else {
            self.b.push(c, i..end);
            State::Value
        }
    }

    /// An unquoted value: trailing whitespace is tracked so that the end of the line chops it.
    fn value(&mut self, i: usize, c: char, end: usize) -> State {
        if is_newline(c) {
            self.out.push(self.b.finish(true, None));
            return State::PreKey;
        }
        if c == '\\' {
            self.escape_start = i;
            self.b.trailing_ws_from = None;
            return State::ValueEscape;
        }
        if !is_ws(c) {
            self.b.trailing_ws_from = None;
        } else if self.b.trailing_ws_from.is_none() {
            self.b.trailing_ws_from = Some(self.b.value.len());
        }
        self.b.push(c, i..end);
        State::Value
    }

    fn value_escape(&mut self, c: char, end: usize) -> State {
        // An escaped newline is eaten entirely.
        if !is_newline(c) {
            self.b.push(c, self.escape_start..end);
        }
        State::Value
    }

    fn single_quote(&mut self, i: usize, c: char, end: usize) -> State {
        if c == '\'' {
            self.b.consumed_end = end;
            State::PreValue
        } else {
            self.b.push(c, i..end);
            State::SingleQuote
        }
    }

    fn double_quote(&mut self, i: usize, c: char, end: usize) -> State {
        if c == '"' {
            self.b.consumed_end = end;
            State::PreValue
        } else if c == '\\' {
            self.escape_start = i;
            State::DoubleQuoteEscape
        } else {
            self.b.push(c, i..end);
            State::DoubleQuote
        }
    }

    fn double_quote_escape(&mut self, i: usize, c: char, end: usize) -> State {
        if matches!(c, '"' | '\\' | '`' | '$') {
            self.b.push(c, self.escape_start..end);
        } else if c != '\n' {
            // Like a shell, other escapes keep their backslash.
            self.b.push('\\', self.escape_start..i);
            self.b.push(c, i..end);
        }
        State::DoubleQuote
    }

    /// The assignment the file ends in, if any: a quote left open takes the rest of the file.
    fn end_of_file(mut self) -> Vec<Assignment> {
        match self.state {
            State::PreValue | State::Value | State::ValueEscape => {
                let chop = self.state == State::Value;
                self.out.push(self.b.finish(chop, None));
            }
            State::SingleQuote | State::DoubleQuote | State::DoubleQuoteEscape => {
                let start = self.b.quote_start;
                let open = Span::new(self.b.file, start..start + 1);
                self.out.push(self.b.finish(false, Some(open)));
            }
            State::PreKey | State::Key | State::Comment => {}
        }
        self.out
    }
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

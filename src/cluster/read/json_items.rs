//! Finds the objects in a stream of JSON text without parsing them: the elements of a List's
//! `items` (as `kubectl get -o json` prints it), the elements of a top-level array, or a
//! whole top-level object that is not a List. Each comes out as a byte range with the line it
//! starts on, so that objects can be parsed on other threads and only one at a time needs
//! to be held in memory here.

/// One object's bytes in the buffer given to [`Splitter::scan`], and its 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ItemRange {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: usize,
}

/// Where the scanner is in the document's structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

#[derive(Debug)]
pub(crate) struct Splitter {
    /// The open objects and arrays, outermost first.
    stack: Vec<Container>,
    in_string: bool,
    escaped: bool,
    line: usize,
    /// Start of the string being read at depth 1 (a key of the top-level object), relative
    /// to the buffer scanned.
    key_start: Option<usize>,
    /// The last complete string at depth 1 was `"items"`.
    last_key_is_items: bool,
    /// The top-level object turned out to be a List: its `items` array is at depth 2.
    list_items_open: bool,
    /// The object being cut out: where it starts and on which line.
    item: Option<(usize, usize)>,
    /// The depth at which items start (1 for a top-level array, 2 for a List's items).
    item_depth: Option<usize>,
    /// A top-level object that may be a whole object rather than a List.
    top_object: Option<(usize, usize)>,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            stack: Vec::with_capacity(64),
            in_string: false,
            escaped: false,
            line: 1,
            key_start: None,
            last_key_is_items: false,
            list_items_open: false,
            item: None,
            item_depth: None,
            top_object: None,
        }
    }
}

/// What a scan found that is not an object.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Text outside any value that is not white space (a line of an error message, HTML).
    NotJson { line: usize },
    /// A closing bracket that matches nothing.
    Unbalanced { line: usize },
}

impl Splitter {
    /// Scans `buf[from..]`, pushing the complete objects found. Returns where the next scan
    /// must keep the buffer from: the start of an object not complete yet, or `buf.len()`.
    /// The caller drops `buf[..keep]` and passes the rest, with more text appended, again
    /// (positions inside the splitter are shifted by [`Splitter::shift`]).
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        from: usize,
        out: &mut Vec<ItemRange>,
    ) -> Result<usize, Shape> {
        let mut i = from;
        while i < buf.len() {
            if self.in_string {
                // The previous read ended on a backslash: this byte is the escaped one.
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                // Most bytes are inside strings: jump to the next quote or backslash.
                let Some(at) = memchr::memchr2(b'"', b'\\', &buf[i..]) else {
                    break;
                };
                i += at;
                if buf[i] == b'\\' {
                    // The escaped byte may be the next quote.
                    if i + 1 < buf.len() {
                        i += 2;
                    } else {
                        self.escaped = true;
                        i += 1;
                    }
                    continue;
                }
                self.in_string = false;
                if let Some(start) = self.key_start.take() {
                    self.last_key_is_items = &buf[start..i] == b"items";
                }
                i += 1;
                continue;
            }
            let b = buf[i];
            match b {
                b'"' => {
                    self.in_string = true;
                    if self.stack.len() == 1 && self.stack[0] == Container::Object {
                        self.key_start = Some(i + 1);
                    }
                }
                b'{' | b'[' => self.open(b, i),
                b'}' | b']' => self
                    .close(i, out)
                    .ok_or(Shape::Unbalanced { line: self.line })?,
                b'\n' => {
                    self.line += 1;
                    // Indentation is most of an indented file outside strings: skip it whole.
                    i += leading_spaces(&buf[i + 1..]);
                }
                b' ' | b'\t' | b'\r' | b',' | b':' => {}
                _ if self.stack.is_empty() => return Err(Shape::NotJson { line: self.line }),
                _ => {
                    // A number, true, false or null: nothing inside them matters.
                    if self.stack.len() == 1 && b != b'-' && !b.is_ascii_digit() {
                        self.last_key_is_items = false;
                    }
                }
            }
            i += 1;
        }
        let keep = [
            self.item.map(|(s, _)| s),
            self.top_object.map(|(s, _)| s),
            self.key_start,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(buf.len());
        Ok(keep)
    }

    /// Positions are relative to the buffer: after the caller drops `n` bytes from its front.
    pub(crate) fn shift(&mut self, n: usize) {
        for pos in [&mut self.item, &mut self.top_object].into_iter().flatten() {
            pos.0 -= n;
        }
        if let Some(k) = &mut self.key_start {
            *k -= n;
        }
    }

    /// Whether the text ended inside a value.
    pub(crate) fn unfinished(&self) -> bool {
        !self.stack.is_empty() || self.in_string
    }

    pub(crate) fn line(&self) -> usize {
        self.line
    }

    fn open(&mut self, b: u8, i: usize) {
        let depth = self.stack.len();
        let kind = if b == b'{' {
            Container::Object
        } else {
            Container::Array
        };
        if depth == 0 {
            match kind {
                Container::Object => self.top_object = Some((i, self.line)),
                Container::Array => self.item_depth = Some(1),
            }
        } else if depth == 1
            && kind == Container::Array
            && self.stack[0] == Container::Object
            && self.last_key_is_items
        {
            // A List: its items are the objects; the List itself need not be kept.
            self.list_items_open = true;
            self.item_depth = Some(2);
            self.top_object = None;
        } else if Some(depth) == self.item_depth && kind == Container::Object {
            self.item = Some((i, self.line));
        }
        if depth == 1 {
            self.last_key_is_items = false;
        }
        self.stack.push(kind);
    }

    fn close(&mut self, i: usize, out: &mut Vec<ItemRange>) -> Option<()> {
        self.stack.pop()?;
        let depth = self.stack.len();
        if Some(depth) == self.item_depth
            && let Some((start, line)) = self.item.take()
        {
            out.push(ItemRange {
                start,
                end: i + 1,
                line,
            });
        }
        if self.list_items_open && depth == 1 {
            self.list_items_open = false;
            self.item_depth = None;
        }
        if depth == 0 {
            if let Some((start, line)) = self.top_object.take() {
                out.push(ItemRange {
                    start,
                    end: i + 1,
                    line,
                });
            }
            self.item_depth = None;
        }
        Some(())
    }
}

/// How many bytes at the start of `s` are spaces, eight at a time while it can.
fn leading_spaces(s: &[u8]) -> usize {
    const EIGHT_SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    let mut n = 0;
    while let Some(chunk) = s.get(n..n + 8) {
        if chunk != EIGHT_SPACES.to_ne_bytes() {
            break;
        }
        n += 8;
    }
    while s.get(n) == Some(&b' ') {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let mut s = Splitter::default();
        let mut out = Vec::new();
        s.scan(text.as_bytes(), 0, &mut out).expect("json");
        assert!(!s.unfinished());
        out.iter().map(|r| &text[r.start..r.end]).collect()
    }

    /// Every cut of the text into two reads gives the same objects.
    fn split_in_two_reads(text: &str) -> Vec<Vec<String>> {
        (0..=text.len())
            .map(|cut| {
                let mut s = Splitter::default();
                let mut out = Vec::new();
                let mut buf = text.as_bytes()[..cut].to_vec();
                let keep = s.scan(&buf, 0, &mut out).expect("json");
                let mut found: Vec<String> = out
                    .drain(..)
                    .map(|r| String::from_utf8(buf[r.start..r.end].to_vec()).expect("utf8"))
                    .collect();
                let scanned = buf.len() - keep;
                buf.drain(..keep);
                s.shift(keep);
                buf.extend_from_slice(&text.as_bytes()[cut..]);
                s.scan(&buf, scanned, &mut out).expect("json");
                found.extend(
                    out.iter()
                        .map(|r| String::from_utf8(buf[r.start..r.end].to_vec()).expect("utf8")),
                );
                found
            })
            .collect()
    }

    #[test]
    fn a_list_gives_its_items_and_not_itself() {
        let text = r#"{"apiVersion":"v1","items":[{"kind":"Node","metadata":{"name":"a"}},{"kind":"Pod","spec":{"x":[1,{"y":"]}"}]}}],"kind":"List","metadata":{"resourceVersion":""}}"#;
        assert_eq!(
            split(text),
            vec![
                r#"{"kind":"Node","metadata":{"name":"a"}}"#,
                r#"{"kind":"Pod","spec":{"x":[1,{"y":"]}"}]}}"#
            ]
        );
    }

    #[test]
    fn a_single_object_an_array_and_a_stream_of_documents() {
        assert_eq!(
            split(r#"{"kind":"Pod","items":3}"#),
            vec![r#"{"kind":"Pod","items":3}"#]
        );
        assert_eq!(
            split(r#"[{"a":1},{"b":2}]"#),
            vec![r#"{"a":1}"#, r#"{"b":2}"#]
        );
        assert_eq!(
            split("{\"kind\":\"Node\"}\n{\"kind\":\"Pod\"}\n"),
            vec![r#"{"kind":"Node"}"#, r#"{"kind":"Pod"}"#]
        );
    }

    #[test]
    fn an_items_value_deeper_down_or_in_a_string_does_not_make_a_list() {
        let text = r#"{"kind":"Pod","metadata":{"items":[{"a":1}]},"x":"items","y":[{"b":2}]}"#;
        assert_eq!(split(text), vec![text]);
    }

    #[test]
    fn escaped_quotes_and_backslashes_stay_inside_strings() {
        let text = r#"{"items":[{"a":"x\"}\\"},{"b":"\\\""}]}"#;
        assert_eq!(split(text), vec![r#"{"a":"x\"}\\"}"#, r#"{"b":"\\\""}"#]);
    }

    #[test]
    fn lines_are_counted_to_each_object() {
        let text = "{\n  \"items\": [\n    {\"a\": 1},\n\n    {\"b\": 2}\n  ]\n}\n";
        let mut s = Splitter::default();
        let mut out = Vec::new();
        s.scan(text.as_bytes(), 0, &mut out).expect("json");
        assert_eq!(out.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 5]);
    }

    #[test]
    fn any_cut_between_two_reads_gives_the_same_objects() {
        let text = r#"{"apiVersion":"v1","items":[{"a":"q\"}\n\\"},{"b":[1,2]}],"kind":"List"}"#;
        for found in split_in_two_reads(text) {
            assert_eq!(found, vec![r#"{"a":"q\"}\n\\"}"#, r#"{"b":[1,2]}"#]);
        }
    }

    #[test]
    fn html_and_stray_brackets_are_not_json() {
        let mut out = Vec::new();
        assert_eq!(
            Splitter::default().scan(b"<html>", 0, &mut out),
            Err(Shape::NotJson { line: 1 })
        );
        assert_eq!(
            Splitter::default().scan(b"{}\n}", 0, &mut out),
            Err(Shape::Unbalanced { line: 2 })
        );
    }
}

//! Text that remembers where each character was read, and systemd's word splitting.
//!
//! A kubelet flag often travels through two layers of quoting before it reaches the
//! kubelet (an environment file, then `ExecStart=`'s `$VAR` splitting). Every character
//! keeps the byte range it was read from, so a flag found after both layers still points
//! at the exact bytes in the file a user must edit.

use std::ops::Range;

use crate::model::{FileId, Span};

/// One character of a value and the source bytes it stands for (an escape sequence
/// stands for all its bytes). `span` is None for text the audit supplies itself (the
/// assumed kubeadm drop-in).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SChar {
    pub(crate) ch: char,
    pub(crate) span: Option<Span>,
}

/// Spanned characters of `text`, which starts at byte `base` of `file`.
pub(crate) fn spanned(file: FileId, text: &str, base: usize) -> Vec<SChar> {
    text.char_indices()
        .map(|(i, ch)| SChar {
            ch,
            span: Some(Span::new(file, base + i..base + i + ch.len_utf8())),
        })
        .collect()
}

/// Characters with no source (supplied by the audit).
pub(crate) fn unspanned(text: &str) -> Vec<SChar> {
    text.chars().map(|ch| SChar { ch, span: None }).collect()
}

pub(crate) fn text(chars: &[SChar]) -> String {
    chars.iter().map(|c| c.ch).collect()
}

/// The smallest span covering every character read from the file of the first spanned
/// character.
pub(crate) fn covering(chars: &[SChar]) -> Option<Span> {
    let first = chars.iter().find_map(|c| c.span)?;
    let mut start = first.start;
    let mut end = first.end;
    for s in chars.iter().filter_map(|c| c.span) {
        if s.file == first.file {
            start = start.min(s.start);
            end = end.max(s.end);
        }
    }
    Some(Span {
        file: first.file,
        start,
        end,
    })
}

/// A character made of several source characters (an escape sequence).
fn merged(ch: char, parts: &[SChar]) -> SChar {
    SChar {
        ch,
        span: covering(parts),
    }
}

pub(crate) const WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// A word split out of a text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Word {
    /// The word after unquoting and unescaping.
    pub(crate) chars: Vec<SChar>,
    /// For each character of `chars`, the index in the input of the source character.
    pub(crate) source_index: Vec<usize>,
    /// Input indices the word was read from, quotes included.
    pub(crate) consumed: Range<usize>,
}

impl Word {
    pub(crate) fn text(&self) -> String {
        text(&self.chars)
    }
}

/// How [`split`] treats backslashes and quotes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SplitRules {
    /// C escapes (`\n`, `\x41`, ...), as in unit files (`EXTRACT_CUNESCAPE`). Without it a
    /// backslash makes the next character literal.
    pub(crate) c_escapes: bool,
    /// An unterminated quote ends the word instead of being an error (`EXTRACT_RELAX`).
    pub(crate) relax: bool,
}

/// Quoting systemd rejects.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SplitError {
    pub(crate) message: String,
    /// Input index of the offending character.
    pub(crate) at: usize,
}

/// Splits `input` into words the way systemd's `extract_first_word()` does with
/// `EXTRACT_UNQUOTE`: whitespace separates words, single and double quotes group (anywhere
/// inside a word, as in a shell) and are removed, a backslash escapes the next character.
pub(crate) fn split(input: &[SChar], rules: SplitRules) -> Result<Vec<Word>, SplitError> {
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while input.get(i).is_some_and(|c| WHITESPACE.contains(&c.ch)) {
            i += 1;
        }
        if i >= input.len() {
            return Ok(words);
        }
        let start = i;
        let mut word = Word {
            chars: Vec::new(),
            source_index: Vec::new(),
            consumed: start..start,
        };
        let mut quote: Option<char> = None;
        while let Some(c) = input.get(i) {
            match (quote, c.ch) {
                (None, ch) if WHITESPACE.contains(&ch) => break,
                (None, '\'' | '"') => {
                    quote = Some(c.ch);
                    i += 1;
                }
                (Some(q), ch) if ch == q => {
                    quote = None;
                    i += 1;
                }
                (_, '\\') => {
                    let Some(next) = input.get(i + 1) else {
                        if rules.relax {
                            i += 1;
                            break;
                        }
                        return Err(SplitError {
                            message: "a trailing backslash escapes nothing".into(),
                            at: i,
                        });
                    };
                    if rules.c_escapes {
                        let (ch, used) = c_escape(&input[i + 1..]);
                        match ch {
                            Some(ch) => {
                                word.chars.push(merged(ch, &input[i..i + 1 + used]));
                                word.source_index.push(i + 1);
                            }
                            None => {
                                // systemd retries with EXTRACT_CUNESCAPE_RELAX and keeps an
                                // unknown escape verbatim ("Ignoring unknown escape sequences").
                                word.chars.push(*c);
                                word.source_index.push(i);
                                word.chars.push(*next);
                                word.source_index.push(i + 1);
                            }
                        }
                        i += 1 + used;
                    } else {
                        word.chars.push(merged(next.ch, &input[i..i + 2]));
                        word.source_index.push(i + 1);
                        i += 2;
                    }
                }
                _ => {
                    word.chars.push(*c);
                    word.source_index.push(i);
                    i += 1;
                }
            }
        }
        if let Some(q) = quote
            && !rules.relax
        {
            return Err(SplitError {
                message: format!("unbalanced quoting: the {q} opened here is never closed"),
                at: start,
            });
        }
        word.consumed = start..i;
        words.push(word);
    }
}

/// One C escape after a backslash: the character and how many input characters it used
/// (at least 1). None for an escape systemd does not know.
fn c_escape(rest: &[SChar]) -> (Option<char>, usize) {
    let Some(first) = rest.first() else {
        return (None, 0);
    };
    let simple = match first.ch {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        's' => Some(' '),
        '\\' | '"' | '\'' => Some(first.ch),
        _ => None,
    };
    if simple.is_some() {
        return (simple, 1);
    }
    let hex = |n: usize| -> Option<u32> {
        let digits: String = rest.get(1..=n)?.iter().map(|c| c.ch).collect();
        if digits.len() != n || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(&digits, 16).ok()
    };
    let code = match first.ch {
        'x' => hex(2).map(|v| (v, 3)),
        'u' => hex(4).map(|v| (v, 5)),
        'U' => hex(8).map(|v| (v, 9)),
        '0'..='7' => {
            let digits: String = rest.iter().take(3).map(|c| c.ch).collect();
            if digits.len() == 3 && digits.chars().all(|c| ('0'..='7').contains(&c)) {
                u32::from_str_radix(&digits, 8).ok().map(|v| (v, 3))
            } else {
                None
            }
        }
        _ => None,
    };
    match code {
        Some((v, used)) => match char::from_u32(v).filter(|&c| c != '\0') {
            Some(c) => (Some(c), used),
            None => (None, 1),
        },
        None => (None, 1),
    }
}

/// Whether `name` is a valid environment variable name for systemd (`env_name_is_valid`):
/// letters, digits and underscores, not starting with a digit.
pub(crate) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str, rules: SplitRules) -> Vec<String> {
        split(&spanned(FileId(0), s, 0), rules)
            .unwrap()
            .iter()
            .map(Word::text)
            .collect()
    }

    const RELAX: SplitRules = SplitRules {
        c_escapes: false,
        relax: true,
    };
    const UNIT: SplitRules = SplitRules {
        c_escapes: true,
        relax: false,
    };

    #[test]
    fn quotes_group_anywhere_and_are_removed() {
        assert_eq!(
            words("--a='/x y' --b=\"q\"r  c", RELAX),
            ["--a=/x y", "--b=qr", "c"]
        );
        assert_eq!(words("--e=''", RELAX), ["--e="]);
        assert_eq!(words("  ", RELAX), Vec::<String>::new());
    }

    #[test]
    fn escapes_differ_between_unit_files_and_variables() {
        assert_eq!(words(r"a\nb", RELAX), ["anb"]);
        assert_eq!(words(r"a\nb", UNIT), ["a\nb"]);
        assert_eq!(words(r"a\x41b \q", UNIT), ["aAb", r"\q"]);
        assert_eq!(words(r"a\ b", RELAX), ["a b"]);
    }

    #[test]
    fn unbalanced_quotes() {
        assert_eq!(words("'abc", RELAX), ["abc"]);
        let err = split(&spanned(FileId(0), "x 'abc", 0), UNIT).unwrap_err();
        assert_eq!(err.at, 2);
    }

    #[test]
    fn spans_cover_quotes_and_escapes() {
        let src = "--x='a b' \\x41";
        let input = spanned(FileId(0), src, 10);
        let w = split(&input, UNIT).unwrap();
        let span = covering(&input[w[0].consumed.clone()]).unwrap();
        assert_eq!(span.range(), 10..19);
        let a = w[1].chars[0];
        assert_eq!(a.ch, 'A');
        assert_eq!(a.span.unwrap().range(), 20..24);
    }

    #[test]
    fn env_names() {
        assert!(is_env_name("KUBELET_EXTRA_ARGS"));
        assert!(is_env_name("_x1"));
        assert!(!is_env_name("1X"));
        assert!(!is_env_name("export FOO"));
        assert!(!is_env_name(""));
    }
}

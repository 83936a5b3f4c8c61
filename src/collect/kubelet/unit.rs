//! systemd unit files and drop-ins of `kubelet.service`, as far as they shape the kubelet's
//! command line: `Environment=`, `EnvironmentFile=` and `ExecStart=` in `[Service]`.
//!
//! Syntax (systemd.syntax(7)): `[Section]` headers, `Key=value` lines, empty lines and
//! lines starting with `#` or `;` ignored, and "lines ending in a backslash are
//! concatenated with the following line while reading and the backslash is replaced by a
//! space character" (comment lines inside such a continuation are skipped).

use crate::model::{FileId, Span};

use super::words::{SChar, SplitError, SplitRules, WHITESPACE, Word, covering, spanned, split};

/// One `Key=value` setting of a unit file.
#[derive(Clone, Debug)]
pub(crate) struct Setting {
    pub(crate) section: String,
    pub(crate) key: String,
    /// The value, leading and trailing whitespace removed, continuations joined.
    pub(crate) value: Vec<SChar>,
    /// The whole logical line.
    pub(crate) span: Span,
}

/// Every setting of a unit file, in order.
pub(crate) fn parse(file: FileId, text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut logical: Vec<SChar> = Vec::new();
    let mut continuing = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let base = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if continuing && line.trim_start().starts_with(['#', ';']) {
            continue;
        }
        let chars = spanned(file, line, base);
        if ends_with_unescaped_backslash(line) {
            // The backslash becomes a space and the next line is appended.
            let (last, head) = chars
                .split_last()
                .map_or((None, &chars[..]), |(l, h)| (Some(*l), h));
            logical.extend_from_slice(head);
            logical.push(SChar {
                ch: ' ',
                span: last.and_then(|l| l.span),
            });
            continuing = true;
            continue;
        }
        logical.extend(chars);
        continuing = false;
        if let Some(setting) = setting(&std::mem::take(&mut logical), &mut section) {
            out.push(setting);
        }
    }
    if !logical.is_empty()
        && let Some(setting) = setting(&logical, &mut section)
    {
        out.push(setting);
    }
    out
}

fn ends_with_unescaped_backslash(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn setting(line: &[SChar], section: &mut String) -> Option<Setting> {
    let line = trim(line);
    let first = line.first()?.ch;
    if first == '#' || first == ';' {
        return None;
    }
    let text: String = line.iter().map(|c| c.ch).collect();
    if first == '[' {
        if let Some(name) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            *section = name.to_owned();
        }
        return None;
    }
    // A line without `=` is an error systemd logs and skips.
    let eq = line.iter().position(|c| c.ch == '=')?;
    let key: String = trim(&line[..eq]).iter().map(|c| c.ch).collect();
    Some(Setting {
        section: section.clone(),
        key,
        value: trim(&line[eq + 1..]).to_vec(),
        span: covering(line)?,
    })
}

fn trim(chars: &[SChar]) -> &[SChar] {
    let start = chars
        .iter()
        .position(|c| !WHITESPACE.contains(&c.ch))
        .unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|c| !WHITESPACE.contains(&c.ch))
        .map_or(start, |e| e + 1);
    &chars[start..end.max(start)]
}

/// An `ExecStart=` command line split into words.
#[derive(Clone, Debug)]
pub(crate) struct Command {
    /// The program and its arguments, unquoted and unescaped, `$VAR` not yet expanded.
    pub(crate) words: Vec<Word>,
    /// The characters the words were split from (for spans of the raw words).
    pub(crate) input: Vec<SChar>,
}

#[cfg(test)]
impl Command {
    /// The source span of word `i` as written (quotes included).
    pub(crate) fn word_span(&self, i: usize) -> Option<Span> {
        let w = self.words.get(i)?;
        covering(self.input.get(w.consumed.clone())?)
    }
}

/// Parses an `ExecStart=` value (systemd.service(5), "Command lines"): optional special
/// prefixes (`@-:+!|`), then words unquoted with C escapes. Unbalanced quoting makes
/// systemd ignore the whole setting ("Unbalanced quoting, ignoring").
pub(crate) fn command(value: &[SChar]) -> Result<Command, SplitError> {
    let skip = value
        .iter()
        .take_while(|c| matches!(c.ch, '@' | '-' | ':' | '+' | '!' | '|'))
        .count();
    let input = value[skip..].to_vec();
    let words = split(
        &input,
        SplitRules {
            c_escapes: true,
            relax: false,
        },
    )?;
    Ok(Command { words, input })
}

/// A variable assignment of `Environment=`: name, value, and the span of the whole word.
pub(crate) type Assignment = (String, Vec<SChar>, Option<Span>);

/// Parses an `Environment=` value: a list of `NAME=value` words, quoted as in unit files.
/// Returns the valid assignments; invalid words are ignored by systemd ("Invalid
/// environment assignment, ignoring").
pub(crate) fn environment(value: &[SChar]) -> Result<Vec<Assignment>, SplitError> {
    let words = split(
        value,
        SplitRules {
            c_escapes: true,
            relax: false,
        },
    )?;
    Ok(words
        .into_iter()
        .filter_map(|w| {
            let eq = w.chars.iter().position(|c| c.ch == '=')?;
            let name: String = w.chars[..eq].iter().map(|c| c.ch).collect();
            if !super::words::is_env_name(&name) {
                return None;
            }
            let span = covering(value.get(w.consumed.clone())?);
            Some((name, w.chars[eq + 1..].to_vec(), span))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::kubelet::words::text;

    const DROPIN: &str = "# Note\n[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS \\\n  $KUBELET_KUBEADM_ARGS\n";

    #[test]
    fn settings_and_continuations() {
        let s = parse(FileId(0), DROPIN);
        let keys: Vec<(&str, String)> =
            s.iter().map(|s| (s.key.as_str(), text(&s.value))).collect();
        assert_eq!(keys[0].0, "Environment");
        assert_eq!(
            keys[1],
            (
                "EnvironmentFile",
                "-/var/lib/kubelet/kubeadm-flags.env".into()
            )
        );
        assert_eq!(keys[2], ("ExecStart", String::new()));
        assert_eq!(
            keys[3],
            (
                "ExecStart",
                "/usr/bin/kubelet $KUBELET_CONFIG_ARGS    $KUBELET_KUBEADM_ARGS".into()
            )
        );
        assert!(s.iter().all(|s| s.section == "Service"));
        let cmd = command(&s[3].value).unwrap();
        let words: Vec<String> = cmd.words.iter().map(Word::text).collect();
        assert_eq!(
            words,
            [
                "/usr/bin/kubelet",
                "$KUBELET_CONFIG_ARGS",
                "$KUBELET_KUBEADM_ARGS"
            ]
        );
        let span = cmd.word_span(2).unwrap();
        assert_eq!(&DROPIN[span.range()], "$KUBELET_KUBEADM_ARGS");
    }

    #[test]
    fn environment_assignments() {
        let s = parse(
            FileId(0),
            "[Service]\nEnvironment=\"A=x y\" B=z bad \"C=$w 5\"\n",
        );
        let env = environment(&s[0].value).unwrap();
        let got: Vec<(String, String)> = env.into_iter().map(|(k, v, _)| (k, text(&v))).collect();
        assert_eq!(
            got,
            [
                ("A".into(), "x y".into()),
                ("B".into(), "z".into()),
                ("C".into(), "$w 5".into())
            ]
        );
    }

    #[test]
    fn unbalanced_exec_start_is_an_error() {
        let s = parse(FileId(0), "[Service]\nExecStart=/usr/bin/kubelet \"--x\n");
        assert!(command(&s[0].value).is_err());
    }
}

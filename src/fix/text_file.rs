//! Applies the line-level ops: words removed from env files and drop-ins, top-level keys of
//! a flat YAML file set. Everything else on the lines stays as written.

use super::edit::Op;

/// The text with `ops` applied, or why they cannot be.
pub(crate) fn apply(text: &str, ops: &[&Op]) -> Result<String, String> {
    let mut out = text.to_owned();
    // Words by their place in the file as read, last first, so earlier ranges stay valid.
    let mut words: Vec<(usize, std::ops::Range<usize>, &str, Edit<'_>)> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            Op::RemoveWord { range, word } => Some((i, range.clone(), word.as_str(), Edit::Remove)),
            Op::ReplaceWord { range, word, with } => {
                Some((i, range.clone(), word.as_str(), Edit::Replace(with)))
            }
            Op::InsertWord { at, word } => Some((i, *at..*at, "", Edit::Insert(word))),
            _ => None,
        })
        .collect();
    // Last first; at one place, insertions after the edit of the word there, the later one
    // first so that they end up in the order they were asked for.
    words.sort_by_key(|(i, r, _, e)| {
        (
            std::cmp::Reverse(r.start),
            matches!(e, Edit::Insert(_)),
            std::cmp::Reverse(*i),
        )
    });
    for (_, range, word, edit) in words {
        if out.get(range.clone()) != Some(word) {
            return Err(format!("`{word}` is no longer where it was read"));
        }
        match edit {
            Edit::Remove => out.replace_range(with_blank(&out, range), ""),
            Edit::Replace(new) => out.replace_range(range, &in_quotes_of(word, new)),
            Edit::Insert(new) => {
                let opens_value = out[..range.start].ends_with(['"', '\'', '=']);
                let text = if opens_value {
                    format!("{new} ")
                } else {
                    format!(" {new}")
                };
                let text = if opens_value && out[range.start..].starts_with(['"', '\'']) {
                    new.to_owned()
                } else {
                    text
                };
                out.insert_str(range.start, &text);
            }
        }
    }
    for op in ops {
        match op {
            Op::Create { text } if out.is_empty() => out.clone_from(text),
            Op::Create { .. } => return Err("the file already exists".into()),
            Op::YamlSet { key, value } => out = yaml_set(&out, key, value),
            Op::RemoveWord { .. } | Op::ReplaceWord { .. } | Op::InsertWord { .. } => {}
            _ => return Err("not a line edit".into()),
        }
    }
    Ok(out)
}

/// What becomes of a word.
enum Edit<'a> {
    Remove,
    Replace(&'a str),
    Insert(&'a str),
}

/// `new` in the quotes `old` is written in, if any.
fn in_quotes_of(old: &str, new: &str) -> String {
    match old.chars().next() {
        Some(q @ ('"' | '\'')) if old.len() > 1 && old.ends_with(q) => format!("{q}{new}{q}"),
        _ => new.to_owned(),
    }
}

/// The word's range widened by the blanks before it, or after it when it starts its line.
fn with_blank(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let before = text[..range.start]
        .bytes()
        .rev()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    if before > 0 {
        return range.start - before..range.end;
    }
    let after = text[range.end..]
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    range.start..range.end + after
}

/// Sets `key: value` at the top level: the first line that writes the key gets the new value
/// (a comment after it is kept); without one, the key is appended.
fn yaml_set(text: &str, key: &str, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let written = lines.iter().position(|l| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    });
    match written {
        Some(i) => {
            let comment = lines[i]
                .find(" #")
                .map(|at| lines[i][at..].to_owned())
                .unwrap_or_default();
            lines[i] = format!("{key}: {value}{comment}");
        }
        None => lines.push(format!("{key}: {value}")),
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The 1-based line a YAML key is written on.
pub(crate) fn yaml_line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_goes_with_the_blank_before_it() {
        let text = "KUBELET_KUBEADM_ARGS=\"--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.6\"\n";
        let start = text.find("--network").expect("there");
        let op = Op::RemoveWord {
            range: start..start + "--network-plugin=cni".len(),
            word: "--network-plugin=cni".into(),
        };
        assert_eq!(
            apply(text, &[&op]).expect("applies"),
            "KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=k8s.gcr.io/pause:3.6\"\n"
        );
    }

    #[test]
    fn flags_are_added_inside_the_quotes() {
        let text = "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd\"\n";
        let at = text.rfind('"').expect("quote");
        let op = Op::InsertWord {
            at,
            word: "--container-runtime=remote".into(),
        };
        assert_eq!(
            apply(text, &[&op]).expect("applies"),
            "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --container-runtime=remote\"\n"
        );
        let empty = "KUBELET_KUBEADM_ARGS=\"\"\n";
        let op = Op::InsertWord {
            at: empty.rfind('"').expect("quote"),
            word: "--a=b".into(),
        };
        assert_eq!(
            apply(empty, &[&op]).expect("applies"),
            "KUBELET_KUBEADM_ARGS=\"--a=b\"\n"
        );
    }

    #[test]
    fn a_moved_word_is_refused() {
        let op = Op::RemoveWord {
            range: 0..5,
            word: "--abc".into(),
        };
        assert!(apply("--xyz", &[&op]).is_err());
    }

    #[test]
    fn yaml_keys_are_replaced_or_appended() {
        let text = "runtime-endpoint: unix:///var/run/dockershim.sock # old\ntimeout: 2\n";
        let ops = [
            Op::YamlSet {
                key: "runtime-endpoint".into(),
                value: "unix:///run/containerd/containerd.sock".into(),
            },
            Op::YamlSet {
                key: "image-endpoint".into(),
                value: "unix:///run/containerd/containerd.sock".into(),
            },
        ];
        let refs: Vec<&Op> = ops.iter().collect();
        assert_eq!(
            apply(text, &refs).expect("applies"),
            "runtime-endpoint: unix:///run/containerd/containerd.sock # old\ntimeout: 2\nimage-endpoint: unix:///run/containerd/containerd.sock\n"
        );
    }
}

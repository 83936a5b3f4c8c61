//! YAML input: documents separated by `---` lines, each a Kubernetes object or a List of
//! them. Each document is parsed on its own, so that a broken one costs only itself.

use crate::cluster::facts::{Gathered, ReadAt, ReadProblem};
use crate::cluster::objects::Object;

pub(super) fn read(text: &str, input: usize, into: &mut Gathered) -> Result<(), String> {
    for (line, doc) in documents(text) {
        if doc.trim().is_empty()
            || doc
                .lines()
                .all(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        {
            continue;
        }
        let at = ReadAt { input, line };
        match serde_saphyr::from_str_with_options::<Object<'_>>(doc, options()) {
            // A List's items are added one by one.
            Ok(object) => into.add(&object, at),
            Err(e) => into.problems.push(ReadProblem {
                at,
                message: format!(
                    "a YAML document that is not a Kubernetes object: {}; skipped",
                    e.to_string().lines().next().unwrap_or("")
                ),
            }),
        }
    }
    Ok(())
}

/// Each document with the 1-based line it starts on.
fn documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") || bare == "..." {
            docs.push((start_line, &text[start..offset]));
            // `--- {kind: Node, ...}`: the document starts on the marker's line.
            let inline = bare.strip_prefix("--- ").map(str::trim_start);
            match inline {
                Some(rest) if !rest.is_empty() && !rest.starts_with('#') => {
                    start = offset + (line.len() - line.trim_start_matches("--- ").len());
                    start_line = i + 1;
                }
                _ => {
                    start = offset + line.len();
                    start_line = i + 2;
                }
            }
        }
        offset += line.len();
    }
    docs.push((start_line, &text[start..]));
    docs
}

/// Generous for lists of thousands of objects, still bounded against alias bombs.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = None;
    budget.max_events = 100_000_000;
    budget.max_nodes = 50_000_000;
    budget.max_total_scalar_bytes = 1 << 30;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_list_items_and_a_broken_document() {
        let text = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n---\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: p, namespace: x}\n---\n: : [\n---\n# only a comment\n";
        let mut g = Gathered::default();
        read(text, 0, &mut g).expect("read");
        assert_eq!(g.nodes.len(), 1);
        assert_eq!(g.pods, 1);
        assert_eq!(g.problems.len(), 1);
        assert_eq!(g.problems[0].at.line, 11);
    }
}

//! YAML input: documents separated by `---` lines, each a Kubernetes object or a List of
//! them. Each document is parsed on its own, so that a broken one costs only itself; a List's
//! items are read one by one, each with its own line, so that a malformed item costs only
//! itself too.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

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
        // The fast way first: a List as kubectl prints it, cut into items parsed on every core.
        if let Some(items) = block_list_items(doc)
            && let Some(gathered) = read_items_in_parallel(&items, at)
        {
            into.merge(gathered);
            continue;
        }
        let read = if is_list(doc) {
            let list = ListItems { into, at };
            serde_saphyr::with_deserializer_from_str_with_options(doc, options(), |de| {
                ListDocument(list).deserialize(de)
            })
        } else {
            serde_saphyr::from_str_with_options::<Object<'_>>(doc, options())
                .map(|object| into.add(&object, at))
        };
        match read {
            Ok(()) => {}
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

/// A List as `kubectl get -o yaml` prints it: a top-level `items:` whose items start with `- `
/// in column 0. Each item's text (`- apiVersion: v1\n  kind: Pod\n...`, itself a one-item
/// YAML sequence) and the 0-based line it starts on in `doc`. None when the document is not
/// shaped so (no `items:`, items indented or in flow style, two `items:` keys): it is then
/// read whole.
fn block_list_items(doc: &str) -> Option<Vec<(usize, &str)>> {
    let mut items = Vec::new();
    let mut seen_items_key = false;
    let mut in_items = false;
    // The item being cut: its line and where it starts.
    let mut current: Option<(usize, usize)> = None;
    let mut offset = 0;
    for (i, line) in doc.split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        let blank_or_comment = bare.trim_start().is_empty() || bare.trim_start().starts_with('#');
        if in_items {
            if bare == "-" || line.starts_with("- ") {
                if let Some((l, start)) = current.replace((i, offset)) {
                    items.push((l, &doc[start..offset]));
                }
            } else if !line.starts_with([' ', '\t']) && !blank_or_comment {
                // The next top-level key (`kind: List`) ends the items; a second `items`
                // is left to the YAML parser to refuse.
                if bare == "items:" {
                    return None;
                }
                if let Some((l, start)) = current.take() {
                    items.push((l, &doc[start..offset]));
                }
                in_items = false;
            } else if current.is_none() && !blank_or_comment {
                // Items indented under `items:`: not kubectl's shape.
                return None;
            }
        } else if bare == "items:" {
            if seen_items_key {
                return None;
            }
            seen_items_key = true;
            in_items = true;
        }
        offset += line.len();
    }
    if let Some((l, start)) = current {
        items.push((l, &doc[start..]));
    }
    seen_items_key.then_some(items)
}

/// Parses the items on every core, each as a one-item sequence. None when an item does not
/// parse: the document is then read whole, which tells a syntax error (the document's) from
/// an item of the wrong shape (that item's), and follows aliases across items.
fn read_items_in_parallel(items: &[(usize, &str)], at: ReadAt) -> Option<Gathered> {
    use rayon::prelude::*;
    items
        .par_iter()
        .try_fold(Gathered::default, |mut gathered, (line, text)| {
            let [object]: [Object<'_>; 1] =
                serde_saphyr::from_str_with_options(text, options()).ok()?;
            let at = ReadAt {
                input: at.input,
                line: at.line + line,
            };
            gathered.add(&object, at);
            Some(gathered)
        })
        .try_reduce(Gathered::default, |mut all, part| {
            all.merge(part);
            Some(all)
        })
}

/// A document whose top-level mapping has `items` in block style, as `kubectl get -o yaml`
/// prints a List. Others (a flow-style List among them) are read whole.
fn is_list(doc: &str) -> bool {
    doc.lines().any(|l| l.starts_with("items:"))
}

/// Where a List's items go, and where its document starts.
struct ListItems<'g> {
    into: &'g mut Gathered,
    at: ReadAt,
}

/// A List document: its `items` are read as they come; its other keys are skipped.
struct ListDocument<'g>(ListItems<'g>);

impl<'de> DeserializeSeed<'de> for ListDocument<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ListDocument<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping with `items`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ListItems { into, at } = self.0;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "items" {
                map.next_value_seed(ListItems {
                    into: &mut *into,
                    at,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for ListItems<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListItems<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence of Kubernetes objects")
    }

    /// Each item is held as a generic value only while it is turned into an [`Object`]: a
    /// wrong type in one (`containers: 5`) is that item's problem, not the document's.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Spanned<serde_json::Value>>()? {
            let line = usize::try_from(item.referenced.line()).unwrap_or(0);
            let at = ReadAt {
                input: self.at.input,
                line: self.at.line + line.saturating_sub(1),
            };
            match Object::deserialize(&item.value) {
                Ok(object) => self.into.add(&object, at),
                Err(e) => self.into.problems.push(ReadProblem {
                    at,
                    message: format!("an object that is not a Kubernetes object: {e}; skipped"),
                }),
            }
        }
        Ok(())
    }
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

    /// As `kubectl get nodes,pods -A -o yaml` prints it: each item keeps its own line, and a
    /// malformed item is skipped alone.
    #[test]
    fn list_items_keep_their_lines_and_a_malformed_one_costs_only_itself() {
        let text = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: n1
- apiVersion: v1
  kind: Pod
  metadata:
    name: broken
    namespace: x
  spec:
    containers: 5
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
    namespace: x
  spec:
    nodeName: n1
    volumes:
    - name: sock
      hostPath:
        path: /var/run/docker.sock
    containers: []
kind: List
metadata:
  resourceVersion: \"\"
";
        let mut g = Gathered::default();
        read(text, 0, &mut g).expect("read");
        assert_eq!(g.nodes.len(), 1);
        assert_eq!(g.nodes[0].at.line, 3);
        assert_eq!(g.pods, 1);
        assert_eq!(g.hits.len(), 1);
        assert_eq!(g.hits[0].at.line, 14);
        assert_eq!(g.problems.len(), 1, "{:?}", g.problems);
        assert_eq!(g.problems[0].at.line, 7);
        assert!(
            g.problems[0].message.contains("sequence"),
            "{}",
            g.problems[0].message
        );
    }

    /// A List in the second document: its items' lines count from the file's start.
    #[test]
    fn list_item_lines_count_from_the_file_not_the_document() {
        let text = "kind: Node\nmetadata: {name: a}\n---\nkind: List\nitems:\n- kind: Node\n  metadata: {name: b}\n";
        let mut g = Gathered::default();
        read(text, 0, &mut g).expect("read");
        let lines: Vec<usize> = g.nodes.iter().map(|n| n.at.line).collect();
        assert_eq!(lines, [1, 6]);
    }

    /// kubectl's shape is cut into items at the `- ` lines in column 0, comments and blank
    /// lines kept with their item; other shapes are left to the whole-document reading.
    #[test]
    fn block_lists_are_cut_into_items_and_other_shapes_are_not() {
        let text = "apiVersion: v1\nitems:\n- kind: Node\n  metadata:\n    name: a\n# between\n\n- kind: Pod\n  spec:\n    containers:\n    - name: c\nkind: List\n";
        let items = block_list_items(text).expect("kubectl's shape");
        let lines: Vec<usize> = items.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 7]);
        assert!(items[0].1.ends_with("# between\n\n"), "{:?}", items[0].1);
        assert!(items[1].1.ends_with("    - name: c\n"), "{:?}", items[1].1);
        assert_eq!(block_list_items("kind: Node\nmetadata: {name: a}\n"), None);
        assert_eq!(block_list_items("items: []\nkind: List\n"), None);
        assert_eq!(
            block_list_items("items:\n  - kind: Node\n    metadata: {name: a}\n"),
            None
        );
        assert_eq!(
            block_list_items("items:\n- kind: Node\nitems:\n- kind: Pod\n"),
            None
        );
    }

    /// The items of kubectl's shape are read on every core with their own lines, as the
    /// whole-document reading reads them.
    #[test]
    fn the_parallel_reading_agrees_with_the_whole_document() {
        let mut text = String::from("apiVersion: v1\nitems:\n");
        for i in 0..200 {
            text.push_str(&format!(
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: x\n  spec:\n    nodeName: n{i}\n    volumes:\n    - name: s\n      hostPath:\n        path: /var/run/docker.sock\n"
            ));
        }
        text.push_str("kind: List\n");
        let items = block_list_items(&text).expect("kubectl's shape");
        let at = ReadAt { input: 0, line: 1 };
        let fast = read_items_in_parallel(&items, at).expect("every item parses");
        let mut whole = Gathered::default();
        serde_saphyr::with_deserializer_from_str_with_options(&text, options(), |de| {
            ListDocument(ListItems {
                into: &mut whole,
                at,
            })
            .deserialize(de)
        })
        .expect("whole");
        assert_eq!(fast.pods, 200);
        let lines = |g: &Gathered| -> Vec<(String, usize)> {
            let mut l: Vec<_> = g.hits.iter().map(|h| (h.name.clone(), h.at.line)).collect();
            l.sort();
            l
        };
        assert_eq!(lines(&fast), lines(&whole));
        assert!(lines(&fast).contains(&("p0".to_owned(), 3)));
    }

    /// An alias to an anchor of another item defeats the items' own parsing: the document is
    /// then read whole, and the alias followed.
    #[test]
    fn an_alias_across_items_is_read_whole() {
        let text = "items:\n- kind: Node\n  metadata: &m {name: a}\n- kind: Node\n  metadata: *m\nkind: List\n";
        assert!(block_list_items(text).is_some());
        let mut g = Gathered::default();
        read(text, 0, &mut g).expect("read");
        assert_eq!(g.nodes.len(), 2, "{:?}", g.problems);
        assert!(g.problems.is_empty());
    }

    /// A syntax error after some items keeps the items read before it.
    #[test]
    fn a_list_cut_short_keeps_the_items_before_the_break() {
        let text =
            "items:\n- kind: Node\n  metadata: {name: a}\n- kind: Node\n  metadata: {name: [\n";
        let mut g = Gathered::default();
        read(text, 0, &mut g).expect("read");
        assert_eq!(g.nodes.len(), 1);
        assert_eq!(g.problems.len(), 1);
    }
}

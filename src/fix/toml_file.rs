//! Applies TOML ops with toml_edit, which keeps every comment, blank line and layout choice
//! of the parts of the file it does not change.

use toml_edit::{Array, DocumentMut, Item, Table, TableLike, Value};

use super::edit::{Op, Scalar};
use crate::model::containerd::CriLayout;
use crate::model::toml_path::TomlPath;
use crate::release::containerd::CRI_GRPC_ID;
use crate::rules::containerd::layouts::translate_segments;

/// The text with `ops` applied in order, or why they cannot be.
pub(crate) fn apply(text: &str, ops: &[&Op]) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("does not parse as TOML: {}", e.message()))?;
    for op in ops {
        apply_one(&mut doc, op, text)?;
    }
    Ok(doc.to_string())
}

fn apply_one(doc: &mut DocumentMut, op: &Op, text: &str) -> Result<(), String> {
    match op {
        Op::TomlSet { path, value } => {
            let (parent, key) = split(path)?;
            // A key in a new table is indented like the keys of the table above it.
            let indent = key_indent(doc, parent).unwrap_or_else(|| fallback_indent(text));
            let table = table_at(doc.as_table_mut(), parent, true)?
                .ok_or_else(|| format!("cannot create {path}"))?;
            set(table, key, value, &indent);
            Ok(())
        }
        Op::TomlRemove { path } => {
            let (parent, key) = split(path)?;
            if let Some(table) = table_at(doc.as_table_mut(), parent, false)? {
                table.remove(key);
            }
            Ok(())
        }
        Op::TomlRename { table, from, to } => {
            let Some(parent) = table_at(doc.as_table_mut(), table.segments(), false)? else {
                return Ok(());
            };
            if parent.contains_key(to) {
                return Err(format!("{table} has both `{from}` and `{to}`"));
            }
            if let Some(item) = parent.remove(from) {
                parent.insert(to, item);
            }
            Ok(())
        }
        Op::TomlCriToVersion3 { drop } => cri_to_version_3(doc, text, drop),
        Op::TomlAddItem { path, item } => {
            let (parent, key) = split(path)?;
            let table = table_at(doc.as_table_mut(), parent, true)?
                .ok_or_else(|| format!("cannot create {path}"))?;
            match table.get_mut(key) {
                None => {
                    table.insert(
                        key,
                        Item::Value(Value::Array(Array::from_iter([item.as_str()]))),
                    );
                }
                Some(existing) => {
                    let array = existing
                        .as_array_mut()
                        .ok_or_else(|| format!("`{path}` is not an array"))?;
                    if !array.iter().any(|v| v.as_str() == Some(item)) {
                        array.push(item.as_str());
                    }
                }
            }
            Ok(())
        }
        Op::TomlRemoveItem { path, item } => {
            if let Some(array) = array_at(doc, path)? {
                array.retain(|v| v.as_str() != Some(item));
                if array.is_empty() {
                    // No trailing comma or blank lines left inside `[]`.
                    array.set_trailing("");
                    array.set_trailing_comma(false);
                }
            }
            Ok(())
        }
        Op::TomlReplaceItem { path, item, with } => {
            if let Some(array) = array_at(doc, path)? {
                for v in array.iter_mut() {
                    if v.as_str() == Some(item) {
                        let decor = v.decor().clone();
                        *v = Value::from(with.as_str());
                        *v.decor_mut() = decor;
                    }
                }
            }
            Ok(())
        }
        Op::RemoveWord { .. }
        | Op::ReplaceWord { .. }
        | Op::InsertWord { .. }
        | Op::YamlSet { .. }
        | Op::Create { .. } => Err("not a TOML edit".into()),
    }
}

fn split(path: &TomlPath) -> Result<(&[String], &str), String> {
    match path.segments().split_last() {
        Some((key, parent)) => Ok((parent, key)),
        None => Err("empty TOML path".into()),
    }
}

/// The table at `path`; with `create`, missing tables are made (implicit ones along the way,
/// so only the last gets a header of its own).
fn table_at<'d>(
    root: &'d mut Table,
    path: &[String],
    create: bool,
) -> Result<Option<&'d mut dyn TableLike>, String> {
    let mut here: &mut dyn TableLike = root;
    for (i, segment) in path.iter().enumerate() {
        if here.get(segment).is_none() {
            if !create {
                return Ok(None);
            }
            let mut table = Table::new();
            table.set_implicit(i + 1 < path.len());
            here.insert(segment, Item::Table(table));
        }
        let item = here.get_mut(segment).expect("just checked or inserted");
        here = item.as_table_like_mut().ok_or_else(|| {
            format!(
                "`{}` is a value, not a table",
                TomlPath::new(path[..=i].to_vec())
            )
        })?;
    }
    Ok(Some(here))
}

/// A version 2 file's CRI table split over the version 3 plugins: each setting (and each
/// table written empty, which still defines something, like a runtime) goes where
/// `translate_segments` puts it. Comments inside the old table do not survive, as with
/// `containerd config migrate`.
fn cri_to_version_3(doc: &mut DocumentMut, text: &str, drop: &[TomlPath]) -> Result<(), String> {
    let Some(plugins) = doc.get_mut("plugins").and_then(Item::as_table_like_mut) else {
        return Ok(());
    };
    let Some(cri) = plugins.remove(CRI_GRPC_ID) else {
        return Ok(());
    };
    let mut leaves = Vec::new();
    leaves_of(&cri, &mut Vec::new(), &mut leaves)?;
    let indent = fallback_indent(text);
    for (below, value) in leaves {
        // A version 2 `cni.bin_dir` is read as the one entry of `bin_dirs` (seen with 2.1.9:
        // `config dump` shows `bin_dirs = [<bin_dir>]`, `bin_dir = ''`).
        let (below, value) = match (below.as_slice(), value) {
            ([cni, key], Some(v)) if cni == "cni" && key == "bin_dir" => {
                if v.as_str().is_some_and(str::is_empty) {
                    continue;
                }
                let dirs = Value::Array(Array::from_iter([v]));
                (vec![cni.clone(), "bin_dirs".to_owned()], Some(dirs))
            }
            (_, value) => (below, value),
        };
        let path: Vec<String> = ["plugins", CRI_GRPC_ID]
            .into_iter()
            .map(str::to_owned)
            .chain(below)
            .collect();
        if drop.iter().any(|d| path.starts_with(d.segments())) {
            continue;
        }
        let target = translate_segments(&path, CriLayout::V3)
            .ok_or_else(|| format!("no version 3 place for {}", TomlPath::new(path.clone())))?;
        let (key, parent) = target.split_last().ok_or("empty path")?;
        let table = table_at(doc.as_table_mut(), parent, true)?
            .ok_or_else(|| format!("cannot create {}", TomlPath::new(target.clone())))?;
        match value {
            Some(mut value) => {
                value.decor_mut().clear();
                value.decor_mut().set_prefix(" ");
                table.insert(key, Item::Value(value));
                if let Some(mut k) = table.key_mut(key) {
                    k.leaf_decor_mut().set_prefix(indent.as_str());
                }
            }
            None => {
                if table.get(key).is_none() {
                    table.insert(key, Item::Table(Table::new()));
                }
            }
        }
    }
    Ok(())
}

/// Every value under `item` with its path, and every table written empty (None).
fn leaves_of(
    item: &Item,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Option<Value>)>,
) -> Result<(), String> {
    match item {
        Item::Table(t) => {
            if t.is_empty() {
                out.push((path.clone(), None));
            }
            for (k, v) in t {
                path.push(k.to_owned());
                leaves_of(v, path, out)?;
                path.pop();
            }
            Ok(())
        }
        Item::Value(v) => {
            out.push((path.clone(), Some(v.clone())));
            Ok(())
        }
        Item::ArrayOfTables(_) => Err(format!(
            "`{}` is an array of tables, which has no version 3 place",
            TomlPath::new(path.clone())
        )),
        Item::None => Ok(()),
    }
}

/// The indentation of the keys of the nearest table on `path` that has keys written in it.
fn key_indent(doc: &DocumentMut, path: &[String]) -> Option<String> {
    let mut here: &dyn TableLike = doc.as_table();
    let mut indent = None;
    for segment in path {
        let Some(next) = here.get(segment).and_then(Item::as_table_like) else {
            break;
        };
        here = next;
        if let Some(prefix) = here
            .iter()
            .filter(|(_, item)| item.is_value())
            .find_map(|(k, _)| {
                here.key(k)?
                    .leaf_decor()
                    .prefix()?
                    .as_str()
                    .map(str::to_owned)
            })
        {
            indent = Some(prefix.rsplit('\n').next().unwrap_or_default().to_owned());
        }
    }
    indent
}

/// The indentation of the first key written inside a table, for a key whose tables are all
/// new: the file's own habit.
fn fallback_indent(text: &str) -> String {
    text.lines()
        .skip_while(|l| !l.trim_start().starts_with('['))
        .find(|l| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('[') && !t.starts_with('#') && t.contains('=')
        })
        .map(|l| l[..l.len() - l.trim_start().len()].to_owned())
        .unwrap_or_default()
}

/// Sets `key`, keeping the spacing and comment around an existing value; a new key gets
/// `indent`.
fn set(table: &mut dyn TableLike, key: &str, value: &Scalar, indent: &str) {
    let new = match value {
        Scalar::Bool(b) => Value::from(*b),
        Scalar::Int(i) => Value::from(*i),
        Scalar::Str(s) => Value::from(s.as_str()),
    };
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = new;
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, Item::Value(new));
            if let Some(mut k) = table.key_mut(key) {
                k.leaf_decor_mut().set_prefix(indent);
            }
        }
    }
}

fn array_at<'d>(
    doc: &'d mut DocumentMut,
    path: &TomlPath,
) -> Result<Option<&'d mut Array>, String> {
    let (parent, key) = split(path)?;
    let Some(table) = table_at(doc.as_table_mut(), parent, false)? else {
        return Ok(None);
    };
    match table.get_mut(key) {
        None => Ok(None),
        Some(item) => item
            .as_array_mut()
            .map(Some)
            .ok_or_else(|| format!("`{path}` is not an array")),
    }
}

/// The 1-based line where `path` (and, for an array, its `item`) is written in `text`, for
/// telling which hunk of a diff an op made.
pub(crate) fn line_of(text: &str, path: &TomlPath, item: Option<&str>) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let (parent, key) = split(path).ok()?;
    let mut here: &dyn TableLike = doc.as_table();
    for segment in parent {
        here = here.get(segment)?.as_table_like()?;
    }
    let (k, value) = here.get_key_value(key)?;
    let offset = match (item, value.as_array()) {
        (Some(item), Some(array)) => array
            .iter()
            .find(|v| v.as_str() == Some(item))
            .and_then(Value::span)
            .map(|r| r.start),
        _ => None,
    }
    .or_else(|| k.span().map(|r| r.start))?;
    Some(text[..offset.min(text.len())].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> TomlPath {
        TomlPath::new(p.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn setting_a_key_in_a_missing_table_writes_one_header() {
        let text = "version = 2\n# keep me\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n";
        let op = Op::TomlSet {
            path: path(&[
                "plugins",
                "io.containerd.grpc.v1.cri",
                "containerd",
                "runtimes",
                "runc",
                "options",
                "SystemdCgroup",
            ]),
            value: Scalar::Bool(true),
        };
        let out = apply(text, &[&op]).expect("applies");
        assert_eq!(
            out,
            "version = 2\n# keep me\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n"
        );
    }

    #[test]
    fn setting_an_existing_key_keeps_its_comment() {
        let text = "[a]\n  SystemdCgroup = false # was false\n";
        let op = Op::TomlSet {
            path: path(&["a", "SystemdCgroup"]),
            value: Scalar::Bool(true),
        };
        assert_eq!(
            apply(text, &[&op]).expect("applies"),
            "[a]\n  SystemdCgroup = true # was false\n"
        );
    }

    #[test]
    fn removing_the_last_item_leaves_an_empty_array() {
        let text = "disabled_plugins = [\"cri\"]\n";
        let op = Op::TomlRemoveItem {
            path: path(&["disabled_plugins"]),
            item: "cri".into(),
        };
        assert_eq!(
            apply(text, &[&op]).expect("applies"),
            "disabled_plugins = []\n"
        );
    }

    #[test]
    fn renaming_a_plugin_table_renames_every_header_under_it() {
        let text = "# cri\n[plugins.cri]\n  sandbox_image = \"p\"\n[plugins.cri.containerd]\n  snapshotter = \"overlayfs\"\n";
        let op = Op::TomlRename {
            table: path(&["plugins"]),
            from: "cri".into(),
            to: "io.containerd.grpc.v1.cri".into(),
        };
        assert_eq!(
            apply(text, &[&op]).expect("applies"),
            "# cri\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"p\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  snapshotter = \"overlayfs\"\n"
        );
    }

    #[test]
    fn a_value_in_the_way_is_an_error_not_a_panic() {
        let op = Op::TomlSet {
            path: path(&["a", "b", "c"]),
            value: Scalar::Bool(true),
        };
        let err = apply("a = 1\n", &[&op]).expect_err("a is a value");
        assert!(err.contains("`a` is a value"), "{err}");
    }

    #[test]
    fn lines_of_keys_and_items() {
        let text = "version = 2\ndisabled_plugins = [\n  \"aufs\",\n  \"cri\",\n]\n";
        assert_eq!(line_of(text, &path(&["version"]), None), Some(1));
        assert_eq!(
            line_of(text, &path(&["disabled_plugins"]), Some("cri")),
            Some(4)
        );
    }
}

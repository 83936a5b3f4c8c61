//! What a fix changes in one file, said as the file's own structure (a TOML key, a flag's
//! span, a YAML key) so that it applies to the file's text however it is formatted.

use std::ops::Range;

use crate::model::toml_path::TomlPath;

/// A scalar a fix writes into a TOML file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Bool(bool),
    Int(i64),
    Str(String),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// One change to a file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    /// Set a TOML key, creating the tables on its path that are missing.
    TomlSet { path: TomlPath, value: Scalar },
    /// Remove a TOML key or table.
    TomlRemove { path: TomlPath },
    /// Rename the key `from` of the table at `table` to `to`, its contents and their headers
    /// kept (`[plugins.cri.containerd]` becomes `[plugins."io.containerd.grpc.v1.cri".containerd]`).
    TomlRename {
        table: TomlPath,
        from: String,
        to: String,
    },
    /// Move every setting of a version 2 file's `io.containerd.grpc.v1.cri` table to where a
    /// version 3 file has it (the runtime, images and server plugins), as containerd 2.x
    /// converts it when it loads the file; the keys in `drop`, which the release ignores, are
    /// left out, as `containerd config migrate` leaves them out.
    TomlCriToVersion3 { drop: Vec<TomlPath> },
    /// Append a string to a TOML array of strings, creating the array when it is missing.
    TomlAddItem { path: TomlPath, item: String },
    /// Remove a string from a TOML array of strings.
    TomlRemoveItem { path: TomlPath, item: String },
    /// Replace a string of a TOML array of strings.
    TomlReplaceItem {
        path: TomlPath,
        item: String,
        with: String,
    },
    /// Remove a word (a flag and its value) from a line-based file, with the blank before
    /// it; the range is the word's bytes in the file as read.
    RemoveWord { range: Range<usize>, word: String },
    /// Replace a value written at `range` (a flag's value, a YAML scalar) by `with`, in the
    /// quotes the old value had.
    ReplaceWord {
        range: Range<usize>,
        word: String,
        with: String,
    },
    /// Insert a word (a flag) at a byte offset of a line-based file, with a blank before it
    /// unless it opens a quoted value.
    InsertWord { at: usize, word: String },
    /// Write a file that does not exist yet.
    Create { text: String },
    /// Set a top-level `key: value` of a flat YAML file, replacing the value where the key is
    /// written and appending the key where it is not.
    YamlSet { key: String, value: String },
}

impl Op {
    /// Whether the op edits TOML.
    pub(crate) fn is_toml(&self) -> bool {
        matches!(
            self,
            Op::TomlSet { .. }
                | Op::TomlRemove { .. }
                | Op::TomlRename { .. }
                | Op::TomlCriToVersion3 { .. }
                | Op::TomlAddItem { .. }
                | Op::TomlRemoveItem { .. }
                | Op::TomlReplaceItem { .. }
        )
    }

    /// What the op does, in a few words (`set SystemdCgroup = true`).
    pub(crate) fn describe(&self) -> String {
        match self {
            Op::TomlSet { path, value } => format!("set {path} = {value}"),
            Op::TomlRemove { path } => format!("remove {path}"),
            Op::TomlRename { table, from, to } => format!("rename {table}.{from} to {to}"),
            Op::TomlCriToVersion3 { .. } => {
                "move the CRI settings to their version 3 plugins".into()
            }
            Op::TomlAddItem { path, item } => format!("add {item:?} to {path}"),
            Op::TomlRemoveItem { path, item } => format!("remove {item:?} from {path}"),
            Op::TomlReplaceItem { path, item, with } => {
                format!("replace {item:?} with {with:?} in {path}")
            }
            Op::RemoveWord { word, .. } => format!("remove {word}"),
            Op::ReplaceWord { word, with, .. } => format!("replace {word} with {with}"),
            Op::YamlSet { key, value } => format!("set {key}: {value}"),
            Op::Create { .. } => "create the file".into(),
            Op::InsertWord { word, .. } => format!("add {word}"),
        }
    }

    /// Whether two ops touch the same key and disagree; the file is then left alone.
    pub(crate) fn conflicts_with(&self, other: &Op) -> bool {
        match (self, other) {
            (Op::TomlSet { path: a, value: x }, Op::TomlSet { path: b, value: y }) => {
                a == b && x != y
            }
            (Op::TomlSet { path: a, .. }, Op::TomlRemove { path: b })
            | (Op::TomlRemove { path: b }, Op::TomlSet { path: a, .. }) => a == b || a.is_under(b),
            (Op::YamlSet { key: a, value: x }, Op::YamlSet { key: b, value: y }) => {
                a == b && x != y
            }
            (
                Op::ReplaceWord {
                    range: a, with: x, ..
                },
                Op::ReplaceWord {
                    range: b, with: y, ..
                },
            ) => a == b && x != y,
            (Op::ReplaceWord { range: a, .. }, Op::RemoveWord { range: b, .. })
            | (Op::RemoveWord { range: b, .. }, Op::ReplaceWord { range: a, .. }) => {
                a.start < b.end && b.start < a.end
            }
            (Op::Create { text: x }, Op::Create { text: y }) => x != y,
            _ => false,
        }
    }
}

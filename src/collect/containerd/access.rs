//! Typed, spanned reads from a parsed TOML table. Values of the wrong type read as absent
//! here; the key inventory reports them (RA003).
//!
//! A table can be layered: the same table from several files, merged key by key with the
//! later file winning (containerd 2.x merges imported plugin tables so). Each value keeps the
//! span of the file that set it.

use toml::de::{DeTable, DeValue};

use crate::model::{FileId, Span, Spanned};

/// The files one layered table merges at most; more imports of one plugin table than this
/// keep the latest ones.
const MAX_LAYERS: usize = 6;

/// One file's part of a table.
#[derive(Clone, Copy)]
struct Layer<'a> {
    table: &'a DeTable<'a>,
    file: FileId,
}

/// A table of one file, or of several merged key by key (later layers win).
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    /// Earliest first.
    layers: [Option<Layer<'a>>; MAX_LAYERS],
    /// Span of the key that named this table (its header), when it has one: the latest.
    pub(crate) key: Option<Span>,
}

type Value<'a> = &'a toml::Spanned<DeValue<'a>>;

impl<'a> Table<'a> {
    pub(crate) fn new(table: &'a DeTable<'a>, file: FileId) -> Self {
        let mut layers = [None; MAX_LAYERS];
        layers[0] = Some(Layer { table, file });
        Table { layers, key: None }
    }

    /// This table with `later` merged over it, key by key.
    pub(crate) fn under(self, later: Table<'a>) -> Table<'a> {
        let mut out = self;
        for layer in later.present() {
            out.push(layer);
        }
        out.key = later.key.or(self.key);
        out
    }

    fn push(&mut self, layer: Layer<'a>) {
        if let Some(free) = self.layers.iter_mut().find(|l| l.is_none()) {
            *free = Some(layer);
        } else {
            // Full: the earliest layer gives way.
            self.layers.rotate_left(1);
            self.layers[MAX_LAYERS - 1] = Some(layer);
        }
    }

    fn present(&self) -> impl DoubleEndedIterator<Item = Layer<'a>> + '_ {
        self.layers.iter().flatten().copied()
    }

    /// The key span and value of the field `key`, and the file that set it, from the latest
    /// layer that has it. containerd's TOML decoder matches struct fields case-insensitively
    /// (`SANDBOX_IMAGE` sets `sandbox_image`, seen with 1.6.20), so an exact match is
    /// preferred and any other casing accepted.
    fn entry(&self, key: &str) -> Option<(Span, Value<'a>, FileId)> {
        self.present().rev().find_map(|layer| {
            layer
                .table
                .get_key_value(key)
                .or_else(|| {
                    layer
                        .table
                        .iter()
                        .find(|(k, _)| k.get_ref().eq_ignore_ascii_case(key))
                })
                .map(|(k, v)| (Span::new(layer.file, k.span()), v, layer.file))
        })
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The sub-table `key`, layered over every file that has it.
    pub(crate) fn table(&self, key: &str) -> Option<Table<'a>> {
        let mut out: Option<Table<'a>> = None;
        for layer in self.present() {
            let Some((k, v)) = layer.table.get_key_value(key).or_else(|| {
                layer
                    .table
                    .iter()
                    .find(|(k, _)| k.get_ref().eq_ignore_ascii_case(key))
            }) else {
                continue;
            };
            let DeValue::Table(t) = v.get_ref() else {
                // A later non-table value replaces what came before.
                out = None;
                continue;
            };
            let mut sub = Table::new(t, layer.file);
            sub.key = Some(Span::new(layer.file, k.span()));
            out = Some(match out {
                Some(earlier) => earlier.under(sub),
                None => sub,
            });
        }
        out
    }

    /// Follows a path of table keys.
    pub(crate) fn path(&self, keys: &[&str]) -> Option<Table<'a>> {
        keys.iter().try_fold(*self, |t, k| t.table(k))
    }

    pub(crate) fn str(&self, key: &str) -> Option<Spanned<String>> {
        let (_, v, file) = self.entry(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(s.to_string(), Span::new(file, v.span()))),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Option<Spanned<bool>> {
        let (_, v, file) = self.entry(key)?;
        v.get_ref()
            .as_bool()
            .map(|b| Spanned::new(b, Span::new(file, v.span())))
    }

    pub(crate) fn int(&self, key: &str) -> Option<Spanned<i64>> {
        let (_, v, file) = self.entry(key)?;
        let DeValue::Integer(i) = v.get_ref() else {
            return None;
        };
        i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| Spanned::new(n, Span::new(file, v.span())))
    }

    /// The strings of an array (non-string items are skipped).
    pub(crate) fn strings(&self, key: &str) -> Option<Vec<Spanned<String>>> {
        let (_, v, file) = self.entry(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|i| match i.get_ref() {
                    DeValue::String(s) => {
                        Some(Spanned::new(s.to_string(), Span::new(file, i.span())))
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    /// The span of a value.
    pub(crate) fn value_span(&self, key: &str) -> Option<Span> {
        self.entry(key)
            .map(|(_, v, file)| Span::new(file, v.span()))
    }

    /// Sub-tables with their names: in source order within a file, a name first seen in a
    /// later layer after those of the earlier ones.
    pub(crate) fn tables(&self) -> Vec<(Spanned<String>, Table<'a>)> {
        let mut names: Vec<String> = Vec::new();
        for layer in self.present() {
            let mut here: Vec<(&toml::Spanned<toml::de::DeString<'a>>, Value<'a>)> = layer
                .table
                .iter()
                .filter(|(_, v)| matches!(v.get_ref(), DeValue::Table(_)))
                .collect();
            here.sort_by_key(|(k, _)| k.span().start);
            for (k, _) in here {
                let name = k.get_ref().to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
            .into_iter()
            .filter_map(|name| {
                let t = self.table(&name)?;
                let key = t.key?;
                Some((Spanned::new(name, key), t))
            })
            .collect()
    }
}

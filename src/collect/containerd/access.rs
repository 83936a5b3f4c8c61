//! Typed, spanned reads from a parsed TOML table. Values of the wrong type read as absent
//! here; the key inventory reports them (RA003).

use toml::de::{DeTable, DeValue};

use crate::model::{FileId, Span, Spanned};

/// A table of one file.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    pub(crate) table: &'a DeTable<'a>,
    pub(crate) file: FileId,
    /// Span of the key that named this table (its header), when it has one.
    pub(crate) key: Option<Span>,
}

type Value<'a> = &'a toml::Spanned<DeValue<'a>>;

impl<'a> Table<'a> {
    pub(crate) fn new(table: &'a DeTable<'a>, file: FileId) -> Self {
        Table {
            table,
            file,
            key: None,
        }
    }

    pub(crate) fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    /// The key span and value of the field `key`. containerd's TOML decoder matches struct
    /// fields case-insensitively (`SANDBOX_IMAGE` sets `sandbox_image`, seen with 1.6.20), so
    /// an exact match is preferred and any other casing accepted.
    pub(crate) fn entry(&self, key: &str) -> Option<(Span, Value<'a>)> {
        self.table
            .get_key_value(key)
            .or_else(|| {
                self.table
                    .iter()
                    .find(|(k, _)| k.get_ref().eq_ignore_ascii_case(key))
            })
            .map(|(k, v)| (self.span(k.span()), v))
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    pub(crate) fn table(&self, key: &str) -> Option<Table<'a>> {
        let (k, v) = self.entry(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Table {
                table: t,
                file: self.file,
                key: Some(k),
            }),
            _ => None,
        }
    }

    /// Follows a path of table keys.
    pub(crate) fn path(&self, keys: &[&str]) -> Option<Table<'a>> {
        keys.iter().try_fold(*self, |t, k| t.table(k))
    }

    pub(crate) fn str(&self, key: &str) -> Option<Spanned<String>> {
        let (_, v) = self.entry(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(s.to_string(), self.span(v.span()))),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Option<Spanned<bool>> {
        let (_, v) = self.entry(key)?;
        v.get_ref()
            .as_bool()
            .map(|b| Spanned::new(b, self.span(v.span())))
    }

    pub(crate) fn int(&self, key: &str) -> Option<Spanned<i64>> {
        let (_, v) = self.entry(key)?;
        let DeValue::Integer(i) = v.get_ref() else {
            return None;
        };
        i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| Spanned::new(n, self.span(v.span())))
    }

    /// The strings of an array (non-string items are skipped).
    pub(crate) fn strings(&self, key: &str) -> Option<Vec<Spanned<String>>> {
        let (_, v) = self.entry(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|i| match i.get_ref() {
                    DeValue::String(s) => Some(Spanned::new(s.to_string(), self.span(i.span()))),
                    _ => None,
                })
                .collect(),
        )
    }

    /// The span of a value.
    pub(crate) fn value_span(&self, key: &str) -> Option<Span> {
        self.entry(key).map(|(_, v)| self.span(v.span()))
    }

    /// Sub-tables in source order, with their names.
    pub(crate) fn tables(&self) -> Vec<(Spanned<String>, Table<'a>)> {
        let mut out: Vec<(Spanned<String>, Table<'a>)> = self
            .table
            .iter()
            .filter_map(|(k, v)| match v.get_ref() {
                DeValue::Table(t) => {
                    let key = self.span(k.span());
                    Some((
                        Spanned::new(k.get_ref().to_string(), key),
                        Table {
                            table: t,
                            file: self.file,
                            key: Some(key),
                        },
                    ))
                }
                _ => None,
            })
            .collect();
        out.sort_by_key(|(k, _)| k.span.start);
        out
    }
}

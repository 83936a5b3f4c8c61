//! The words the schema tables are written in: a key's type, the releases that read it, a
//! plugin's table; and how containerd matches a key to a field.

use crate::model::containerd::RemovedOption;
use crate::release::{ContainerdRelease, ReleaseNumber};

/// The type containerd decodes a value into.
#[derive(Debug)]
pub(crate) enum Ty {
    Bool,
    Int,
    Str,
    StrList,
    /// A Go duration string (`"10s"`, `"1m30s"`).
    Duration,
    /// A table with known keys.
    Table(&'static [Field]),
    /// A table with arbitrary keys (runtime names, registry hosts), each value of this type.
    Map(&'static Ty),
    /// Anything (opaque to containerd's loader, e.g. options of a non-runc runtime).
    Any,
}

impl Ty {
    /// How a finding names the expected type ("a boolean", "a list of strings", ...).
    pub(crate) fn expected(&self) -> &'static str {
        match self {
            Ty::Bool => "a boolean",
            Ty::Int => "an integer",
            Ty::Str => "a string",
            Ty::StrList => "a list of strings",
            Ty::Duration => "a duration string such as \"10s\"",
            Ty::Table(_) | Ty::Map(_) => "a table",
            Ty::Any => "any value",
        }
    }
}

/// One key containerd reads.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) key: &'static str,
    pub(crate) ty: Ty,
    /// First release that reads it (None: every release of the layout).
    pub(crate) since: Option<ReleaseNumber>,
    /// First release that no longer reads it (None: still read).
    pub(crate) until: Option<ReleaseNumber>,
    /// Deprecation or removal details (CTD-CFG-007).
    pub(crate) deprecated: Option<&'static RemovedOption>,
}

impl Field {
    pub(super) const fn new(key: &'static str, ty: Ty) -> Field {
        Field {
            key,
            ty,
            since: None,
            until: None,
            deprecated: None,
        }
    }

    pub(super) const fn since(mut self, v: ReleaseNumber) -> Field {
        self.since = Some(v);
        self
    }

    pub(super) const fn until(mut self, v: ReleaseNumber) -> Field {
        self.until = Some(v);
        self
    }

    pub(super) const fn deprecated(mut self, r: &'static RemovedOption) -> Field {
        self.deprecated = Some(r);
        self
    }

    /// Whether `release` reads this key (true when the release is unknown).
    pub(crate) fn available_in(&self, release: &ContainerdRelease) -> bool {
        release.within(self.since, self.until)
    }
}

/// A plugin's config table.
#[derive(Debug)]
pub(crate) struct PluginSchema {
    pub(crate) id: &'static str,
    pub(crate) fields: &'static [Field],
}

/// A built-in plugin id and the releases that register it.
#[derive(Debug)]
pub(crate) struct PluginId {
    pub(crate) id: &'static str,
    pub(crate) since: Option<ReleaseNumber>,
    pub(crate) until: Option<ReleaseNumber>,
}

/// The field of `fields` that containerd decodes `key` into: the exact key, else a
/// case-insensitive match (see the module doc).
pub(crate) fn find_field<'f>(fields: &'f [Field], key: &str) -> Option<&'f Field> {
    fields
        .iter()
        .find(|f| f.key == key)
        .or_else(|| fields.iter().find(|f| f.key.eq_ignore_ascii_case(key)))
}

// The releases the tables of the submodules name in `since` and `until`.

const fn v(major: u64, minor: u64, patch: u64) -> ReleaseNumber {
    ReleaseNumber(major, minor, patch)
}

pub(super) const V1_7: ReleaseNumber = v(1, 7, 0);
pub(super) const V2_0: ReleaseNumber = v(2, 0, 0);
pub(super) const V2_1: ReleaseNumber = v(2, 1, 0);
pub(super) const V2_3: ReleaseNumber = v(2, 3, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::config_schema::{runc_options, v2_cri_fields};

    #[test]
    fn field_lookup_falls_back_to_case_insensitive() {
        assert_eq!(
            find_field(runc_options(), "systemdcgroup").map(|f| f.key),
            Some("SystemdCgroup")
        );
        assert_eq!(
            find_field(v2_cri_fields(), "SANDBOX_IMAGE").map(|f| f.key),
            Some("sandbox_image")
        );
        assert!(find_field(runc_options(), "SystemCgroup").is_none());
    }
}

/// Checks the submodules' tests share: every table reachable from a root.
#[cfg(test)]
pub(super) mod checks {
    use super::{Field, Ty};

    /// The tables nested in `fields` (a table field, or a map of tables).
    fn nested(fields: &'static [Field]) -> impl Iterator<Item = &'static [Field]> {
        fields.iter().filter_map(|f| match &f.ty {
            Ty::Table(fs) | Ty::Map(Ty::Table(fs)) => Some(*fs),
            _ => None,
        })
    }

    /// `root` and every table nested in it, each once (tables are shared, e.g. a runtime's).
    pub(crate) fn tables(root: &'static [Field]) -> Vec<&'static [Field]> {
        let mut out: Vec<&'static [Field]> = vec![root];
        let mut next = 0;
        while let Some(&fields) = out.get(next) {
            for inner in nested(fields) {
                if !out.iter().any(|seen| std::ptr::eq(*seen, inner)) {
                    out.push(inner);
                }
            }
            next += 1;
        }
        out
    }

    fn keys(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.key).collect()
    }

    /// No table under `root` names a key twice.
    pub(crate) fn no_duplicate_keys(root: &'static [Field]) {
        for fields in tables(root) {
            let mut names = keys(fields);
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "duplicate key in {:?}", keys(fields));
        }
    }

    /// Every key of `fields` is read from a release before the one that drops it.
    pub(crate) fn ranges_ordered(fields: &[Field]) {
        for f in fields {
            if let (Some(s), Some(u)) = (f.since, f.until) {
                assert!(s < u, "{}: since {s} not before until {u}", f.key);
            }
        }
    }
}

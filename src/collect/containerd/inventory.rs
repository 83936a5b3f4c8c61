//! The key inventory: every key of a containerd config file, judged against the schema of
//! the effective config version and the containerd release at hand.
//!
//! One entry per key present, recursively, in source order. Opaque subtrees (other plugins'
//! tables, options of non-runc runtimes, `Ty::Any`) are recorded by their top key only.
//! Tables that containerd ignores as a whole (another layout's CRI tables, tables the release
//! does not read, removed tables) are recorded with all their keys, each carrying the table's
//! verdict, so that rules can still find a `SystemdCgroup` inside them.

use crate::model::toml_path::TomlPath;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::collect::suggest::closest;
use crate::model::containerd::{CriLayout, KeyEntry, KeyStatus};
use crate::model::{FileId, Span};

use crate::release::{ContainerdRelease, ReleaseNumber};

use crate::release::config_schema::{self as schema, Field, Ty};

/// Deeper nesting than any containerd table; beyond it keys are not recorded.
const MAX_DEPTH: usize = 48;

/// Walks one parsed file. `config_version` is the effective (merged) `version`; `release` is
/// the containerd release the audit evaluates for (unknown: judge by layout only).
pub(crate) fn inventory(
    doc: &DeTable<'_>,
    file: FileId,
    config_version: i64,
    release: &ContainerdRelease,
) -> Vec<KeyEntry> {
    let mut walker = Walker {
        file,
        config_version,
        layout: CriLayout::for_version(config_version),
        release,
        out: Vec::new(),
        cri_patterns: None,
    };
    walker.top(doc);
    let mut out = walker.out;
    out.sort_by_key(|e| (e.key.start, e.key.end));
    out
}

type Key<'a> = Spanned<DeString<'a>>;
type Val<'a> = Spanned<DeValue<'a>>;

/// Where a table sits, for the "did you mean this other place" search.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// A top-level table (`[grpc]`, `[debug]`, ...).
    Top,
    /// Inside a CRI plugin table of the file's layout.
    Cri,
    /// The server-only `io.containerd.grpc.v1.cri` of a version 3/4 file.
    CriServer,
}

/// A segment of a schema path: a literal key or any name of a map (runtime, host).
#[derive(Clone, Copy)]
enum Seg {
    Lit(&'static str),
    Any,
}

struct Walker<'r> {
    file: FileId,
    config_version: i64,
    layout: CriLayout,
    release: &'r ContainerdRelease,
    out: Vec<KeyEntry>,
    /// Every key path of the layout's CRI tables, built on first use.
    cri_patterns: Option<Vec<Vec<Seg>>>,
}

impl Walker<'_> {
    fn push(&mut self, path: &[String], key: &Key<'_>, value: &Val<'_>, status: KeyStatus) {
        self.out.push(KeyEntry {
            path: TomlPath::new(path.to_vec()),
            key: Span::new(self.file, key.span()),
            value: Span::new(self.file, value.span()),
            zero_value: super::zero_value::is_zero(value.get_ref()),
            status,
        });
    }

    fn top(&mut self, doc: &DeTable<'_>) {
        let fields = schema::top_level(self.config_version);
        let mut path = Vec::with_capacity(8);
        for (k, v) in doc {
            let name = k.get_ref().as_ref();
            path.push(name.to_owned());
            match schema::find_field(fields, name) {
                Some(f) if f.key == schema::PLUGINS_KEY => self.plugins(&mut path, k, v),
                Some(f) => self.field(f, &mut path, k, v, Place::Top, 1),
                None => self.unknown_top(fields, &mut path, k, v),
            }
            path.pop();
        }
    }

    /// A top-level key the version does not know. In a version-4 file the server tables
    /// moved into plugins: those are misplaced, with their new place.
    fn unknown_top(&mut self, fields: &[Field], path: &mut Vec<String>, k: &Key, v: &Val) {
        let name = k.get_ref().as_ref();
        if self.config_version >= 4
            && let Some(old) = schema::pre_v4_table(name)
        {
            let should_be = moved_v4(name, "").unwrap_or_else(|| "plugins".to_owned());
            self.push(path, k, v, KeyStatus::Misplaced { should_be });
            if let Some(t) = v.get_ref().as_table() {
                for (ck, cv) in t {
                    let child = ck.get_ref().as_ref();
                    path.push(child.to_owned());
                    let status = match moved_v4(name, child) {
                        Some(should_be) => KeyStatus::Misplaced { should_be },
                        None => unknown(old, child),
                    };
                    self.push(path, ck, cv, status);
                    path.pop();
                }
            }
            return;
        }
        self.push(path, k, v, unknown(fields, name));
    }

    /// `[plugins]`: CRI tables of the layout, other layouts' tables, opaque built-ins.
    fn plugins(&mut self, path: &mut Vec<String>, k: &Key, v: &Val) {
        let Some(t) = v.get_ref().as_table() else {
            let expected = Ty::Table(&[]).expected();
            self.push(path, k, v, KeyStatus::WrongType { expected });
            return;
        };
        self.push(path, k, v, KeyStatus::Known);
        for (ik, iv) in t {
            let id = ik.get_ref().as_ref();
            path.push(id.to_owned());
            self.plugin(path, id, ik, iv);
            path.pop();
        }
    }

    fn plugin(&mut self, path: &mut Vec<String>, id: &str, k: &Key, v: &Val) {
        let layout = self.layout;
        if let Some(p) = schema::cri_plugins(layout).iter().find(|p| p.id == id) {
            let since = schema::cri_plugin_since(layout);
            if let Some(reason) = self.unavailable(id, since, None) {
                let status = KeyStatus::Ignored { reason };
                self.push(path, k, v, status.clone());
                self.inherit(path, v, &status, 2);
                return;
            }
            let Some(t) = v.get_ref().as_table() else {
                let expected = Ty::Table(&[]).expected();
                self.push(path, k, v, KeyStatus::WrongType { expected });
                return;
            };
            self.push(path, k, v, KeyStatus::Known);
            let place = if layout == CriLayout::V3 && id == schema::CRI_GRPC_ID {
                Place::CriServer
            } else {
                Place::Cri
            };
            self.table(p.fields, t, path, place, 2);
            return;
        }
        if let Some(belongs_to) = foreign_plugin(layout, id) {
            let status = KeyStatus::WrongSchema { belongs_to };
            self.push(path, k, v, status.clone());
            self.inherit(path, v, &status, 2);
            return;
        }
        if let Some(p) = schema::other_plugins(layout).iter().find(|p| p.id == id) {
            let status = match self.unavailable(id, p.since, p.until) {
                Some(reason) => KeyStatus::Ignored { reason },
                None if v.get_ref().as_table().is_none() => KeyStatus::WrongType {
                    expected: Ty::Table(&[]).expected(),
                },
                None => KeyStatus::Known,
            };
            self.push(path, k, v, status);
            return;
        }
        let candidates = schema::cri_plugins(layout)
            .iter()
            .map(|p| p.id)
            .chain(schema::other_plugin_ids(layout).iter().copied());
        let suggestion = closest(id, candidates).map(str::to_owned);
        self.push(path, k, v, KeyStatus::Unknown { suggestion });
    }

    /// The keys of one table with known fields.
    fn table(
        &mut self,
        fields: &'static [Field],
        t: &DeTable<'_>,
        path: &mut Vec<String>,
        place: Place,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        // The options of a runtime are runc options only for runc-based shims.
        let runc_options = schema::is_runtime_table(fields) && {
            let runtime_type = t
                .iter()
                .find(|(k, _)| {
                    k.get_ref()
                        .as_ref()
                        .eq_ignore_ascii_case(schema::RUNTIME_TYPE_KEY)
                })
                .map(|(_, v)| v.get_ref().as_str());
            match runtime_type {
                None => true,
                Some(Some(s)) => schema::takes_runc_options(Some(s)),
                Some(None) => false,
            }
        };
        for (k, v) in t {
            let name = k.get_ref().as_ref();
            path.push(name.to_owned());
            match schema::find_field(fields, name) {
                Some(f) if runc_options && f.key == schema::RUNTIME_OPTIONS_KEY => {
                    self.runc_options(f, path, k, v, depth + 1);
                }
                Some(f) => self.field(f, path, k, v, place, depth + 1),
                None => self.unknown_in_table(fields, path, k, v, place),
            }
            path.pop();
        }
    }

    fn unknown_in_table(
        &mut self,
        fields: &[Field],
        path: &mut Vec<String>,
        k: &Key,
        v: &Val,
        place: Place,
    ) {
        let name = k.get_ref().as_ref();
        // A v2 runtime/image key under the server-only table of a v3 file.
        if place == Place::CriServer && schema::find_field(schema::v2_cri_fields(), name).is_some()
        {
            let status = KeyStatus::WrongSchema {
                belongs_to: CriLayout::V2,
            };
            self.push(path, k, v, status.clone());
            self.inherit(path, v, &status, path.len());
            return;
        }
        let moved = match place {
            Place::Top if self.config_version >= 4 => match path.as_slice() {
                [table, key] => moved_v4(table, key),
                _ => None,
            },
            Place::Cri | Place::CriServer => self.misplaced_in_cri(path),
            Place::Top => None,
        };
        let status = match moved {
            Some(should_be) => KeyStatus::Misplaced { should_be },
            None => unknown(fields, name),
        };
        self.push(path, k, v, status);
    }

    /// A known key: its verdict, then its children.
    fn field(
        &mut self,
        f: &'static Field,
        path: &mut Vec<String>,
        k: &Key,
        v: &Val,
        place: Place,
        depth: usize,
    ) {
        let status = self.judge(f, v);
        self.push(path, k, v, status.clone());
        if let Some(inherited) = self.inherited(f, &status) {
            self.inherit(path, v, &inherited, depth);
            return;
        }
        if matches!(status, KeyStatus::WrongType { .. }) {
            return;
        }
        let Some(t) = v.get_ref().as_table() else {
            return;
        };
        match &f.ty {
            Ty::Table(fields) => self.table(fields, t, path, place, depth),
            Ty::Map(inner) => {
                if depth > MAX_DEPTH {
                    return;
                }
                for (ek, ev) in t {
                    path.push(ek.get_ref().as_ref().to_owned());
                    let status = if fits(inner, ev.get_ref()) {
                        KeyStatus::Known
                    } else {
                        KeyStatus::WrongType {
                            expected: inner.expected(),
                        }
                    };
                    let fits = status == KeyStatus::Known;
                    self.push(path, ek, ev, status);
                    if fits && let (Ty::Table(fields), Some(et)) = (inner, ev.get_ref().as_table())
                    {
                        self.table(fields, et, path, place, depth + 1);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// `options` of a runc-based runtime.
    fn runc_options(
        &mut self,
        f: &'static Field,
        path: &mut Vec<String>,
        k: &Key,
        v: &Val,
        depth: usize,
    ) {
        let Some(t) = v.get_ref().as_table() else {
            let expected = Ty::Table(&[]).expected();
            self.push(path, k, v, KeyStatus::WrongType { expected });
            return;
        };
        let status = self.judge(f, v);
        self.push(path, k, v, status.clone());
        if let Some(inherited) = self.inherited(f, &status) {
            self.inherit(path, v, &inherited, depth);
            return;
        }
        self.table(schema::runc_options(), t, path, Place::Cri, depth);
    }

    fn judge(&self, f: &Field, v: &Val) -> KeyStatus {
        if let Some(removed) = f.deprecated
            && self.release.has_deprecated(removed)
        {
            return KeyStatus::Removed(removed.clone());
        }
        if let Some(reason) = self.unavailable(f.key, f.since, f.until) {
            return KeyStatus::Ignored { reason };
        }
        if !fits(&f.ty, v.get_ref()) {
            return KeyStatus::WrongType {
                expected: f.ty.expected(),
            };
        }
        KeyStatus::Known
    }

    /// The verdict a table passes to its keys: containerd ignores the whole table when the
    /// release does not read it, or no longer reads a removed table.
    fn inherited(&self, f: &Field, status: &KeyStatus) -> Option<KeyStatus> {
        match status {
            KeyStatus::Ignored { .. } => Some(status.clone()),
            KeyStatus::Removed(_) => {
                let gone = f.until.is_some() && !self.release.within(None, f.until);
                gone.then(|| status.clone())
            }
            _ => None,
        }
    }

    /// Records every key below `v` with `status`.
    fn inherit(&mut self, path: &mut Vec<String>, v: &Val, status: &KeyStatus, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(t) = v.get_ref().as_table() else {
            return;
        };
        for (k, cv) in t {
            path.push(k.get_ref().as_ref().to_owned());
            self.push(path, k, cv, status.clone());
            self.inherit(path, cv, status, depth + 1);
            path.pop();
        }
    }

    /// Why `release` does not read a key or plugin, if it does not.
    fn unavailable(
        &self,
        what: &str,
        since: Option<ReleaseNumber>,
        until: Option<ReleaseNumber>,
    ) -> Option<String> {
        let release = self.release;
        if let Some(since) = since
            && !release.within(Some(since), None)
        {
            return Some(format!(
                "`{what}` is read from containerd {since} on; this is {}",
                release.label()
            ));
        }
        if let Some(until) = until
            && !release.within(None, Some(until))
        {
            return Some(format!(
                "`{what}` is no longer read since containerd {until}; this is {}",
                release.label()
            ));
        }
        None
    }

    /// The nearest place of the layout's CRI tables where the last key of `path` is a known
    /// key, written out with the names (runtime, host) of `path`.
    fn misplaced_in_cri(&mut self, path: &[String]) -> Option<String> {
        let (key, parent) = path.split_last()?;
        let release = self.release;
        let layout = self.layout;
        let patterns = self
            .cri_patterns
            .get_or_insert_with(|| cri_patterns(layout, release));
        let mut best: Option<(usize, usize, &Vec<Seg>)> = None;
        for pattern in patterns.iter() {
            let Some((Seg::Lit(last), pattern_parent)) = pattern.split_last() else {
                continue;
            };
            if !last.eq_ignore_ascii_case(key) {
                continue;
            }
            let shared = parent
                .iter()
                .zip(pattern_parent)
                .take_while(|(p, s)| match s {
                    Seg::Any => true,
                    Seg::Lit(l) => l == p,
                })
                .count();
            let rest = pattern_parent.get(shared..).unwrap_or_default();
            // Same table (the key is known there) or a place that needs a name we lack.
            if shared == parent.len() && rest.is_empty() {
                continue;
            }
            if shared == 0 || rest.iter().any(|s| matches!(s, Seg::Any)) {
                continue;
            }
            let better = match best {
                None => true,
                Some((s, len, _)) => shared > s || (shared == s && pattern.len() < len),
            };
            if better {
                best = Some((shared, pattern.len(), pattern));
            }
        }
        let (shared, _, pattern) = best?;
        let mut segments: Vec<String> = parent.iter().take(shared).cloned().collect();
        for s in pattern.iter().skip(shared) {
            if let Seg::Lit(l) = s {
                segments.push((*l).to_owned());
            }
        }
        Some(TomlPath::new(segments).to_string())
    }
}

fn unknown(fields: &[Field], name: &str) -> KeyStatus {
    let suggestion = closest(name, fields.iter().map(|f| f.key)).map(str::to_owned);
    KeyStatus::Unknown { suggestion }
}

fn moved_v4(table: &str, key: &str) -> Option<String> {
    schema::v4_moved_keys()
        .iter()
        .find(|(t, k, _)| *t == table && *k == key)
        .map(|(_, _, to)| (*to).to_owned())
}

/// The layout a plugin table belongs to when it is a CRI or built-in table of another layout.
fn foreign_plugin(layout: CriLayout, id: &str) -> Option<CriLayout> {
    let is_v3_cri = id == schema::CRI_RUNTIME_ID || id == schema::CRI_IMAGES_ID;
    match layout {
        CriLayout::V1 if id == schema::CRI_GRPC_ID => Some(CriLayout::V2),
        CriLayout::V1 if is_v3_cri => Some(CriLayout::V3),
        CriLayout::V1 if schema::other_plugin_ids(CriLayout::V2).contains(&id) => {
            Some(CriLayout::V2)
        }
        CriLayout::V2 if is_v3_cri => Some(CriLayout::V3),
        CriLayout::V2 | CriLayout::V3
            if id == schema::CRI_V1_ID || schema::other_plugin_ids(CriLayout::V1).contains(&id) =>
        {
            Some(CriLayout::V1)
        }
        _ => None,
    }
}

/// Whether a value fits the type containerd decodes it into (its TOML decoder does not
/// coerce: a string is not a boolean, a string is not a list).
fn fits(ty: &Ty, v: &DeValue<'_>) -> bool {
    match (ty, v) {
        (Ty::Any, _) => true,
        (Ty::Bool, DeValue::Boolean(_)) => true,
        (Ty::Int, DeValue::Integer(_)) => true,
        (Ty::Str | Ty::Duration, DeValue::String(_)) => true,
        (Ty::StrList, DeValue::Array(items)) => items
            .iter()
            .all(|i| matches!(i.get_ref(), DeValue::String(_))),
        (Ty::Table(_) | Ty::Map(_), DeValue::Table(_)) => true,
        _ => false,
    }
}

/// Every key path of the layout's CRI tables (runc options under each runtime), skipping keys
/// the release does not read and deprecated keys: they are no place to move a key to.
fn cri_patterns(layout: CriLayout, release: &ContainerdRelease) -> Vec<Vec<Seg>> {
    fn walk(
        fields: &'static [Field],
        prefix: &mut Vec<Seg>,
        release: &ContainerdRelease,
        out: &mut Vec<Vec<Seg>>,
    ) {
        if prefix.len() > 16 {
            return;
        }
        for f in fields {
            let removed = f.deprecated.is_some_and(|r| release.has_deprecated(r));
            if removed || !f.available_in(release) {
                continue;
            }
            prefix.push(Seg::Lit(f.key));
            out.push(prefix.clone());
            match &f.ty {
                Ty::Table(inner) => walk(inner, prefix, release, out),
                Ty::Map(Ty::Table(inner)) => {
                    prefix.push(Seg::Any);
                    walk(inner, prefix, release, out);
                    prefix.pop();
                }
                Ty::Any
                    if schema::is_runtime_table(fields) && f.key == schema::RUNTIME_OPTIONS_KEY =>
                {
                    walk(schema::runc_options(), prefix, release, out);
                }
                _ => {}
            }
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    for p in schema::cri_plugins(layout) {
        let mut prefix = vec![Seg::Lit(schema::PLUGINS_KEY), Seg::Lit(p.id)];
        walk(p.fields, &mut prefix, release, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use proptest::prelude::*;
    use toml::de::DeTable;

    use super::*;
    use crate::model::containerd::RemovedOption;
    use crate::release::config_schema::removed;

    const R1_6_20: Option<&str> = Some("1.6.20");
    const R1_7_0: Option<&str> = Some("1.7.0");
    const R2_0_0: Option<&str> = Some("2.0.0");
    const R2_3_0: Option<&str> = Some("2.3.0");

    const CRI: &str = "plugins.\"io.containerd.grpc.v1.cri\"";
    const RUNC: &str = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc";

    /// The inventory for a release given as `--containerd-version` (None: unknown).
    fn inv(text: &str, version: i64, release: Option<&str>) -> Vec<KeyEntry> {
        let doc = DeTable::parse(text).expect("test input is valid TOML");
        let release = release.map_or_else(ContainerdRelease::default, ContainerdRelease::target);
        inventory(doc.get_ref(), FileId(0), version, &release)
    }

    fn status<'e>(entries: &'e [KeyEntry], path: &str) -> &'e KeyStatus {
        match entries.iter().find(|e| e.path.to_string() == path) {
            Some(e) => &e.status,
            None => panic!(
                "no entry {path}; have:\n{}",
                entries
                    .iter()
                    .map(|e| e.path.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    /// Paths whose status is not Known, with the status.
    fn not_known(entries: &[KeyEntry]) -> BTreeMap<String, KeyStatus> {
        entries
            .iter()
            .filter(|e| !e.status.is_known())
            .map(|e| (e.path.to_string(), e.status.clone()))
            .collect()
    }

    fn removed(option: &RemovedOption) -> KeyStatus {
        KeyStatus::Removed((*option).clone())
    }

    fn unknown(suggestion: Option<&str>) -> KeyStatus {
        KeyStatus::Unknown {
            suggestion: suggestion.map(str::to_owned),
        }
    }

    fn misplaced(should_be: &str) -> KeyStatus {
        KeyStatus::Misplaced {
            should_be: should_be.to_owned(),
        }
    }

    fn expect_removed(entries: &[KeyEntry], expected: &[(&str, &'static RemovedOption)]) {
        let want: BTreeMap<String, KeyStatus> = expected
            .iter()
            .map(|(p, o)| ((*p).to_owned(), removed(o)))
            .collect();
        assert_eq!(not_known(entries), want);
    }

    // -- the installed containerd 1.6.20 ------------------------------------------------------

    fn config_default_1_6_20() -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/containerd-1.6.20-config-default.toml");
        std::fs::read_to_string(path).expect("captured `containerd config default` output")
    }

    #[test]
    fn every_key_of_the_1_6_20_default_config_is_known() {
        let text = config_default_1_6_20();
        let entries = inv(&text, 2, R1_6_20);
        assert!(entries.len() > 150, "only {} keys", entries.len());
        let dr = format!("{CRI}.containerd.default_runtime");
        let uw = format!("{CRI}.containerd.untrusted_workload_runtime");
        let reg = format!("{CRI}.registry");
        expect_removed(
            &entries,
            &[
                (&format!("{CRI}.systemd_cgroup"), &removed::SYSTEMD_CGROUP),
                (&dr, &removed::DEFAULT_RUNTIME),
                (&format!("{dr}.runtime_engine"), &removed::RUNTIME_ENGINE),
                (&format!("{dr}.runtime_root"), &removed::RUNTIME_ROOT),
                (&format!("{RUNC}.runtime_engine"), &removed::RUNTIME_ENGINE),
                (&format!("{RUNC}.runtime_root"), &removed::RUNTIME_ROOT),
                (&uw, &removed::UNTRUSTED_WORKLOAD_RUNTIME),
                (&format!("{uw}.runtime_engine"), &removed::RUNTIME_ENGINE),
                (&format!("{uw}.runtime_root"), &removed::RUNTIME_ROOT),
                (&format!("{reg}.auths"), &removed::REGISTRY_AUTHS),
                (&format!("{reg}.configs"), &removed::REGISTRY_CONFIGS),
                (&format!("{reg}.mirrors"), &removed::REGISTRY_MIRRORS),
            ],
        );
        // Spans point at the key and its value.
        let sc = entries
            .iter()
            .find(|e| e.path.to_string() == format!("{RUNC}.options.SystemdCgroup"))
            .expect("SystemdCgroup of the runc runtime");
        assert_eq!(&text[sc.key.range()], "SystemdCgroup");
        assert_eq!(&text[sc.value.range()], "false");
        // CriuPath is deprecated from 1.7 only.
        assert_eq!(
            status(&entries, &format!("{RUNC}.options.CriuPath")),
            &KeyStatus::Known
        );
        // Source order.
        assert!(entries.windows(2).all(|w| w[0].key.start <= w[1].key.start));
        assert_eq!(
            entries.first().map(|e| e.path.to_string()).as_deref(),
            Some("disabled_plugins")
        );
    }

    #[test]
    fn the_1_6_20_default_config_on_2_0_reports_what_2_0_dropped() {
        let entries = inv(&config_default_1_6_20(), 2, R2_0_0);
        let dr = format!("{CRI}.containerd.default_runtime");
        assert_eq!(status(&entries, &dr), &removed(&removed::DEFAULT_RUNTIME));
        // The whole removed table is gone: its keys carry its verdict.
        assert_eq!(
            status(&entries, &format!("{dr}.base_runtime_spec")),
            &removed(&removed::DEFAULT_RUNTIME)
        );
        assert_eq!(
            status(&entries, &format!("{RUNC}.options.CriuPath")),
            &removed(&removed::CRIU_PATH)
        );
        assert_eq!(
            status(&entries, &format!("{CRI}.disable_cgroup")),
            &removed(&removed::DISABLE_CGROUP)
        );
        assert_eq!(
            status(&entries, "plugins.\"io.containerd.runtime.v1.linux\""),
            &KeyStatus::Ignored {
                reason: "`io.containerd.runtime.v1.linux` is no longer read since containerd \
                         2.0.0; this is containerd 2.0.0"
                    .to_owned()
            }
        );
    }

    // -- focused cases -----------------------------------------------------------------------

    #[test]
    fn typos_get_suggestions() {
        let entries = inv(
            r#"
version = 2
[plugin."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
  endpoint = ["https://mirror.example"]
[plugins."io.containerd.grpc.v1.crl"]
  sandbox_image = "x"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_imag = "registry.k8s.io/pause:3.9"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemCgroup = true
"#,
            2,
            R1_6_20,
        );
        let want: BTreeMap<String, KeyStatus> = [
            ("plugin".to_owned(), unknown(Some("plugins"))),
            (
                "plugins.\"io.containerd.grpc.v1.crl\"".to_owned(),
                unknown(Some("io.containerd.grpc.v1.cri")),
            ),
            (
                format!("{CRI}.sandbox_imag"),
                unknown(Some("sandbox_image")),
            ),
            (
                format!("{RUNC}.options.SystemCgroup"),
                unknown(Some("SystemdCgroup")),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(not_known(&entries), want);
        // An unknown table is recorded by its key only.
        assert!(
            !entries
                .iter()
                .any(|e| e.path.to_string().starts_with("plugin."))
        );
    }

    #[test]
    fn keys_match_case_insensitively_like_containerd() {
        let entries = inv(
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  systemdcgroup = true\n",
            2,
            R1_6_20,
        );
        assert_eq!(
            status(&entries, &format!("{RUNC}.options.systemdcgroup")),
            &KeyStatus::Known
        );
    }

    #[test]
    fn systemd_cgroup_directly_under_the_runtime_is_misplaced() {
        for (version, runtime) in [
            (2, RUNC.to_owned()),
            (
                3,
                "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc".to_owned(),
            ),
        ] {
            let id = if version == 2 {
                "io.containerd.grpc.v1.cri"
            } else {
                "io.containerd.cri.v1.runtime"
            };
            let text = format!(
                "version = {version}\n[plugins.\"{id}\".containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n  SystemdCgroup = true\n"
            );
            let entries = inv(&text, version, None);
            assert_eq!(
                status(&entries, &format!("{runtime}.SystemdCgroup")),
                &misplaced(&format!("{runtime}.options.SystemdCgroup"))
            );
        }
    }

    #[test]
    fn v2_snapshotter_place_in_a_v3_file_points_to_the_images_plugin() {
        let entries = inv(
            "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd]\n  snapshotter = \"overlayfs\"\n",
            3,
            R2_0_0,
        );
        assert_eq!(
            status(
                &entries,
                "plugins.\"io.containerd.cri.v1.runtime\".containerd.snapshotter"
            ),
            &misplaced("plugins.\"io.containerd.cri.v1.images\".snapshotter")
        );
    }

    #[test]
    fn v3_tables_in_a_v2_file_are_another_schema() {
        let entries = inv(
            r#"
version = 2
[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
"#,
            2,
            R1_6_20,
        );
        let v3 = KeyStatus::WrongSchema {
            belongs_to: CriLayout::V3,
        };
        let base = "plugins.\"io.containerd.cri.v1.runtime\"";
        for suffix in [
            "",
            ".containerd",
            ".containerd.runtimes",
            ".containerd.runtimes.runc",
            ".containerd.runtimes.runc.options",
            ".containerd.runtimes.runc.options.SystemdCgroup",
        ] {
            assert_eq!(
                status(&entries, &format!("{base}{suffix}")),
                &v3,
                "{suffix}"
            );
        }
        assert_eq!(
            status(&entries, &format!("{RUNC}.options.SystemdCgroup")),
            &KeyStatus::Known
        );
    }

    #[test]
    fn v2_keys_under_the_server_table_of_a_v3_file_are_another_schema() {
        let entries = inv(
            r#"
version = 3
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_port = "10010"
  sandbox_image = "registry.k8s.io/pause:3.10"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true
"#,
            3,
            R2_0_0,
        );
        let v2 = KeyStatus::WrongSchema {
            belongs_to: CriLayout::V2,
        };
        assert_eq!(status(&entries, CRI), &KeyStatus::Known);
        assert_eq!(
            status(&entries, &format!("{CRI}.stream_server_port")),
            &KeyStatus::Known
        );
        assert_eq!(status(&entries, &format!("{CRI}.sandbox_image")), &v2);
        assert_eq!(status(&entries, &format!("{CRI}.containerd")), &v2);
        assert_eq!(
            status(&entries, &format!("{RUNC}.options.SystemdCgroup")),
            &v2
        );
    }

    #[test]
    fn short_and_qualified_plugin_ids_follow_the_version() {
        // Short ids belong to version 1.
        let entries = inv(
            "version = 2\n[plugins.cri.containerd]\n  snapshotter = \"overlayfs\"\n[plugins.cgroups]\n  no_prometheus = true\n",
            2,
            R1_6_20,
        );
        let v1 = KeyStatus::WrongSchema {
            belongs_to: CriLayout::V1,
        };
        assert_eq!(status(&entries, "plugins.cri"), &v1);
        assert_eq!(status(&entries, "plugins.cri.containerd.snapshotter"), &v1);
        assert_eq!(status(&entries, "plugins.cgroups"), &v1);

        // A version-1 file reads short ids; qualified ones are version 2's.
        let entries = inv(
            r#"
[plugins.cri.containerd.runtimes.runc.options]
  SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
[plugins.scheduler]
  pause_threshold = 0.02
"#,
            1,
            R1_6_20,
        );
        assert_eq!(
            status(
                &entries,
                "plugins.cri.containerd.runtimes.runc.options.SystemdCgroup"
            ),
            &KeyStatus::Known
        );
        assert_eq!(
            status(&entries, &format!("{RUNC}.options.SystemdCgroup")),
            &KeyStatus::WrongSchema {
                belongs_to: CriLayout::V2
            }
        );
        assert_eq!(status(&entries, "plugins.scheduler"), &KeyStatus::Known);
        // Opaque: only the plugin's key.
        assert!(
            !entries
                .iter()
                .any(|e| e.path.to_string() == "plugins.scheduler.pause_threshold")
        );
    }

    #[test]
    fn removed_options_are_reported_with_their_table_entry() {
        let text = r#"
version = 2
[plugins."io.containerd.grpc.v1.cri"]
  systemd_cgroup = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.default_runtime]
      runtime_type = "io.containerd.runtime.v1.linux"
    [plugins."io.containerd.grpc.v1.cri".containerd.untrusted_workload_runtime]
      runtime_type = "io.containerd.runsc.v1"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v1"
      runtime_engine = "/usr/bin/runc"
"#;
        let entries = inv(text, 2, R1_7_0);
        let dr = format!("{CRI}.containerd.default_runtime");
        let uw = format!("{CRI}.containerd.untrusted_workload_runtime");
        expect_removed(
            &entries,
            &[
                (&format!("{CRI}.systemd_cgroup"), &removed::SYSTEMD_CGROUP),
                (&dr, &removed::DEFAULT_RUNTIME),
                (&uw, &removed::UNTRUSTED_WORKLOAD_RUNTIME),
                (&format!("{RUNC}.runtime_engine"), &removed::RUNTIME_ENGINE),
            ],
        );
        // runc.v1 is a value: the key itself is known; the normalizer judges the value.
        assert_eq!(
            status(&entries, &format!("{RUNC}.runtime_type")),
            &KeyStatus::Known
        );
        // On 2.0 the removed tables take their keys with them.
        let entries = inv(text, 2, R2_0_0);
        assert_eq!(
            status(&entries, &format!("{dr}.runtime_type")),
            &removed(&removed::DEFAULT_RUNTIME)
        );
    }

    #[test]
    fn values_of_the_wrong_type() {
        let entries = inv(
            r#"
version = 2
disabled_plugins = "cri"
oom_score = "-999"
[plugins."io.containerd.grpc.v1.cri"]
  stream_idle_timeout = 4
  cdi_spec_dirs = ["/etc/cdi", 1]
  [[plugins."io.containerd.grpc.v1.cri".registry.mirrors]]
    endpoint = ["https://mirror.example"]
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = "true"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
    runtime_type = "io.containerd.kata.v2"
    options = "opaque but not a table"
  [plugins."io.containerd.grpc.v1.cri".registry.headers]
    X-Meta = "not a list"
"#,
            2,
            R1_7_0,
        );
        let wrong = |expected| KeyStatus::WrongType { expected };
        let want: BTreeMap<String, KeyStatus> = [
            ("disabled_plugins".to_owned(), wrong("a list of strings")),
            ("oom_score".to_owned(), wrong("an integer")),
            (
                format!("{CRI}.stream_idle_timeout"),
                wrong("a duration string such as \"10s\""),
            ),
            (format!("{CRI}.cdi_spec_dirs"), wrong("a list of strings")),
            // Deprecated and an array of tables: the deprecation is the verdict.
            (
                format!("{CRI}.registry.mirrors"),
                removed(&removed::REGISTRY_MIRRORS),
            ),
            (format!("{RUNC}.options.SystemdCgroup"), wrong("a boolean")),
            (
                format!("{CRI}.registry.headers.X-Meta"),
                wrong("a list of strings"),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(not_known(&entries), want);

        let entries = inv(
            "version = 2\n[[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes]]\n  runtime_type = \"x\"\n",
            2,
            R1_7_0,
        );
        assert_eq!(
            status(&entries, &format!("{CRI}.containerd.runtimes")),
            &wrong("a table")
        );
    }

    #[test]
    fn keys_the_release_does_not_read_are_ignored() {
        let text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n  snapshotter = \"devmapper\"\n";
        let entries = inv(text, 2, R1_6_20);
        assert_eq!(
            status(&entries, &format!("{RUNC}.snapshotter")),
            &KeyStatus::Ignored {
                reason: "`snapshotter` is read from containerd 1.7.0 on; this is containerd 1.6.20"
                    .to_owned()
            }
        );
        // Unknown release: availability is not judged.
        assert!(not_known(&inv(text, 2, None)).is_empty());
        assert!(not_known(&inv(text, 2, R1_7_0)).is_empty());

        // A version-3 file on 1.x: the split CRI tables do not exist there.
        let entries = inv(
            "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = true\n",
            3,
            R1_6_20,
        );
        let ignored = KeyStatus::Ignored {
            reason: "`io.containerd.cri.v1.runtime` is read from containerd 2.0.0 on; this is containerd 1.6.20".to_owned(),
        };
        assert_eq!(
            status(&entries, "plugins.\"io.containerd.cri.v1.runtime\""),
            &ignored
        );
        assert_eq!(
            status(
                &entries,
                "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc.options.SystemdCgroup"
            ),
            &ignored
        );
    }

    #[test]
    fn version_4_moves_the_server_tables_into_plugins() {
        let text = r#"
version = 4
[grpc]
  address = "/run/k8s/containerd.sock"
  tcp_address = "127.0.0.1:7777"
[debug]
  level = "debug"
  address = "/run/containerd/debug.sock"
[metrics]
  grpc_histogram = true
[plugins.'io.containerd.server.v1.grpc']
  address = "/run/containerd/containerd.sock"
"#;
        let entries = inv(text, 4, R2_3_0);
        let server = "plugins.\"io.containerd.server.v1";
        let want: BTreeMap<String, KeyStatus> = [
            ("grpc".to_owned(), misplaced(&format!("{server}.grpc\""))),
            (
                "grpc.address".to_owned(),
                misplaced(&format!("{server}.grpc\".address")),
            ),
            (
                "grpc.tcp_address".to_owned(),
                misplaced(&format!("{server}.grpc-tcp\".address")),
            ),
            (
                "debug.address".to_owned(),
                misplaced(&format!("{server}.debug\".address")),
            ),
            (
                "metrics".to_owned(),
                misplaced(&format!("{server}.metrics\"")),
            ),
            (
                "metrics.grpc_histogram".to_owned(),
                misplaced("plugins.\"io.containerd.metrics.v1.grpc-prometheus\".grpc_histogram"),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(not_known(&entries), want);
        assert_eq!(status(&entries, "debug.level"), &KeyStatus::Known);

        // The same file as version 3 on 2.2: [grpc] is read, the server plugins do not exist.
        let entries = inv(text, 3, Some("2.2.1"));
        assert_eq!(status(&entries, "grpc.address"), &KeyStatus::Known);
        assert!(matches!(
            status(&entries, &format!("{server}.grpc\"")),
            KeyStatus::Ignored { .. }
        ));
    }

    #[test]
    fn options_of_other_shims_are_opaque() {
        let entries = inv(
            r#"
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.gvisor]
  runtime_type = "io.containerd.runsc.v1"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.gvisor.options]
    TypeUrl = "io.containerd.runsc.v1.options"
    ConfigPath = "/etc/containerd/runsc.toml"
"#,
            2,
            R1_7_0,
        );
        let options = format!("{CRI}.containerd.runtimes.gvisor.options");
        assert_eq!(status(&entries, &options), &KeyStatus::Known);
        assert!(
            !entries
                .iter()
                .any(|e| e.path.to_string().starts_with(&format!("{options}.")))
        );
    }

    #[test]
    fn paths_quote_keys_that_are_not_bare() {
        let entries = inv(
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"my \\\"odd\\\" host\"]\n  endpoint = []\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"\"]\n",
            2,
            None,
        );
        assert!(
            entries.iter().any(|e| e.path.to_string()
                == format!("{CRI}.registry.mirrors.\"my \\\"odd\\\" host\".endpoint")),
            "{:?}",
            entries.iter().map(|e| &e.path).collect::<Vec<_>>()
        );
        assert!(
            entries
                .iter()
                .any(|e| e.path.to_string() == format!("{CRI}.registry.mirrors.\"\""))
        );
    }

    #[test]
    fn empty_and_degenerate_documents() {
        assert!(inv("", 1, None).is_empty());
        let entries = inv("plugins = []\nversion = \"2\"\n", 2, R1_6_20);
        assert_eq!(
            status(&entries, "plugins"),
            &KeyStatus::WrongType {
                expected: "a table"
            }
        );
        assert_eq!(
            status(&entries, "version"),
            &KeyStatus::WrongType {
                expected: "an integer"
            }
        );
        // Deep nesting under an ignored table stays bounded.
        let deep = format!(
            "version = 2\n[plugins.\"io.containerd.cri.v1.images\".{}]\n",
            vec!["a"; 60].join(".")
        );
        let entries = inv(&deep, 2, None);
        assert!(entries.len() <= MAX_DEPTH + 2, "{}", entries.len());
    }

    // -- never panics ------------------------------------------------------------------------

    fn key_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "version", "plugins", "plugin", "grpc", "debug", "address", "disabled_plugins",
                "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime",
                "io.containerd.cri.v1.images", "cri", "containerd", "runtimes", "runc",
                "options", "SystemdCgroup", "runtime_type", "registry", "mirrors", "configs",
                "tls", "default_runtime", "sandbox_image", "pinned_images", "cni", "",
                "io.containerd.server.v1.grpc", "proxy_plugins", "timeouts",
            ])
            .prop_map(str::to_owned),
            1 => "\\PC{0,12}",
        ]
    }

    fn value_strategy() -> impl Strategy<Value = toml::Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(toml::Value::Boolean),
            any::<i64>().prop_map(toml::Value::Integer),
            "\\PC{0,10}".prop_map(toml::Value::String),
            prop::sample::select(vec!["io.containerd.runc.v2", "io.containerd.runsc.v1"])
                .prop_map(|s| toml::Value::String(s.to_owned())),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(toml::Value::Array),
                prop::collection::btree_map(key_strategy(), inner, 0..6)
                    .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn inventory_never_panics(
            doc in prop::collection::btree_map(key_strategy(), value_strategy(), 0..8),
            version in -1i64..6,
            release in prop::option::of((0u64..4, 0u64..5, 0u64..40)),
        ) {
            let table: toml::Table = doc.into_iter().collect();
            let Ok(text) = toml::to_string(&table) else {
                return Ok(());
            };
            let parsed = DeTable::parse(&text);
            prop_assume!(parsed.is_ok());
            let Ok(parsed) = parsed else { return Ok(()) };
            let release = release.map_or_else(ContainerdRelease::default, |(a, b, c)| {
                ContainerdRelease::target(&format!("{a}.{b}.{c}"))
            });
            let entries = inventory(parsed.get_ref(), FileId(3), version, &release);
            for e in &entries {
                prop_assert!(e.key.range().end <= text.len());
                prop_assert!(e.value.range().end <= text.len());
                prop_assert_eq!(e.key.file, FileId(3));
            }
        }
    }
}

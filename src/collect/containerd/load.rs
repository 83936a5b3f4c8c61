//! Reading config.toml and its `imports` the way containerd's `LoadConfig` does: a queue of
//! paths, each loaded once (a cycle is skipped silently), imports resolved after the file that
//! names them. A pattern with `*` is a glob used as written — a relative glob resolves
//! against containerd's working directory (`/` under systemd), not the importing file's
//! directory; any other relative path is joined to the importing file's directory. A missing
//! plain path stops containerd; a glob without matches does not (seen with containerd 1.6.20).

use std::collections::VecDeque;

use toml::de::{DeTable, DeValue};

use crate::collect::fs::{clean_host, host_dir};
use crate::collect::{Ctx, Read};
use crate::model::{FileId, InputKind, Span, Spanned};

/// One file that parsed. The text is kept so the normalizer can parse it again with tables
/// that borrow it (cheaper than copying every key and value into owned strings).
pub(crate) struct LoadedFile {
    pub(crate) path: String,
    pub(crate) file: FileId,
    pub(crate) text: String,
    pub(crate) imported_by: Option<Span>,
}

impl LoadedFile {
    /// The parsed document (it parsed once already, so this does not fail in practice).
    pub(crate) fn doc(&self) -> Option<DeTable<'_>> {
        DeTable::parse(&self.text)
            .ok()
            .map(toml::Spanned::into_inner)
    }
}

/// Why containerd would stop while loading its files.
#[derive(Clone, Debug)]
pub(crate) struct LoadFailure {
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
}

/// The state of the main file.
pub(crate) enum Main {
    Absent,
    Unreadable(String),
    Invalid { reason: String, span: Option<Span> },
    Read,
}

/// Everything read for containerd.
pub(crate) struct Loaded {
    pub(crate) path: String,
    pub(crate) main: Main,
    /// Files that parsed, in load order (main first).
    pub(crate) files: Vec<LoadedFile>,
    /// The first problem that stops containerd while loading (an import missing, unreadable
    /// or broken).
    pub(crate) failure: Option<LoadFailure>,
}

/// Upper bound on files loaded through imports (containerd has none; a glob over a huge
/// directory must not make the audit unbounded).
const MAX_FILES: usize = 256;

pub(crate) fn load(ctx: &Ctx, path: &str) -> Loaded {
    let mut loaded = Loaded {
        path: path.to_owned(),
        main: Main::Read,
        files: Vec::new(),
        failure: None,
    };
    let mut pending: VecDeque<(String, Option<Span>)> = VecDeque::from([(path.to_owned(), None)]);
    let mut seen: Vec<String> = Vec::new();
    while let Some((current, imported_by)) = pending.pop_front() {
        if seen.contains(&current) {
            continue;
        }
        if seen.len() >= MAX_FILES {
            loaded.failure.get_or_insert(LoadFailure {
                message: format!(
                    "more than {MAX_FILES} config files through imports; the rest were not read"
                ),
                span: imported_by,
            });
            break;
        }
        seen.push(current.clone());
        let is_main = imported_by.is_none();
        let text = match ctx.read(InputKind::ContainerdConfig, &current) {
            Read::Text(t) => t,
            Read::Absent => {
                if is_main {
                    loaded.main = Main::Absent;
                } else {
                    loaded.failure.get_or_insert(LoadFailure {
                        message: format!("failed to load TOML: {current}: open {current}: no such file or directory"),
                        span: imported_by,
                    });
                }
                continue;
            }
            Read::Unreadable(reason) => {
                if is_main {
                    loaded.main = Main::Unreadable(reason);
                } else {
                    loaded.failure.get_or_insert(LoadFailure {
                        message: format!("failed to load TOML: {current}: {reason}"),
                        span: imported_by,
                    });
                }
                continue;
            }
        };
        let file = ctx.add_file(InputKind::ContainerdConfig, &current, &text);
        let doc = match DeTable::parse(&text) {
            Ok(doc) => doc.into_inner(),
            Err(e) => {
                let span = e.span().map(|r| Span::new(file, r));
                let message = e.message().trim().to_owned();
                ctx.syntax_error(
                    InputKind::ContainerdConfig,
                    &current,
                    "TOML",
                    message.clone(),
                    span,
                );
                if is_main {
                    loaded.main = Main::Invalid {
                        reason: format!("TOML syntax error: {message}"),
                        span,
                    };
                } else {
                    loaded.failure.get_or_insert(LoadFailure {
                        message: format!("failed to load TOML: {current}: {message}"),
                        span: span.or(imported_by),
                    });
                }
                continue;
            }
        };
        for entry in import_entries(&doc, file) {
            // A file already loaded or queued is skipped silently, as containerd does.
            for p in resolve(ctx, &current, &entry.value) {
                if !seen.contains(&p) && !pending.iter().any(|(q, _)| *q == p) {
                    pending.push_back((p, Some(entry.span)));
                }
            }
        }
        drop(doc);
        loaded.files.push(LoadedFile {
            path: current,
            file,
            text,
            imported_by,
        });
    }
    loaded
}

/// The `imports` strings of a file (non-strings are left to the type check).
fn import_entries(doc: &DeTable<'_>, file: FileId) -> Vec<Spanned<String>> {
    let Some(value) = doc.get("imports") else {
        return Vec::new();
    };
    match value.get_ref() {
        DeValue::Array(items) => items
            .iter()
            .filter_map(|i| match i.get_ref() {
                DeValue::String(s) => Some(Spanned::new(s.to_string(), Span::new(file, i.span()))),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Host paths an import resolves to, in containerd's order.
fn resolve(ctx: &Ctx, parent: &str, pattern: &str) -> Vec<String> {
    if pattern.contains('*') {
        // filepath.Glob on the pattern as written: relative to containerd's working
        // directory, which is `/` under systemd.
        let absolute = if pattern.starts_with('/') {
            pattern.to_owned()
        } else {
            format!("/{pattern}")
        };
        ctx.fs.glob(&clean_host(&absolute))
    } else {
        let joined = if pattern.starts_with('/') {
            pattern.to_owned()
        } else {
            format!("{}/{pattern}", host_dir(parent))
        };
        vec![clean_host(&joined)]
    }
}

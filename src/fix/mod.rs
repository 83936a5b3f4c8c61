//! `runtime-audit fix`: the edits that resolve the audit's findings, planned from the same
//! snapshot the rules read, shown as a diff and written only with `--write`.
//!
//! A fixer per rule (`fixers/`) turns a finding into ops on one file, said in the file's own
//! structure (a TOML key, a flag's span, a YAML key). The ops of every fix on a file are
//! applied together to the file as it is on disk, which must still be the file the audit read;
//! a file whose fixes conflict, that does not parse afterwards, or that cannot be edited
//! safely is left alone and its findings are reported as manual.

mod diff;
mod edit;
mod fixers;
pub(crate) mod report;
mod text_file;
mod toml_file;
pub(crate) mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::{Finding, Location};
use crate::model::{InputKind, NodeSnapshot};
use crate::vocabulary::{CaseMeta, RuleMeta, Severity};

pub(crate) use edit::Op;

/// A fix: one finding resolved by ops on one file.
#[derive(Clone, Debug)]
pub(crate) struct Fix {
    pub(crate) rule: &'static RuleMeta,
    pub(crate) case: &'static CaseMeta,
    pub(crate) severity: Severity,
    /// The file, as the node names it (`/etc/containerd/config.toml`).
    pub(crate) file: String,
    /// Where the finding points, `file:line`.
    pub(crate) finding_at: String,
    /// The finding's logical key (TOML path, flag), which names it across edits.
    pub(crate) finding_key: Option<String>,
    /// What the fix does, in a sentence.
    pub(crate) summary: String,
    pub(crate) ops: Vec<Op>,
}

/// A finding the fix leaves to a person, and why.
#[derive(Clone, Debug)]
pub(crate) struct Manual {
    pub(crate) rule: &'static RuleMeta,
    pub(crate) case: &'static CaseMeta,
    pub(crate) severity: Severity,
    pub(crate) at: String,
    pub(crate) reason: String,
}

/// What a fixer makes of a finding.
pub(crate) enum Proposal {
    Fix(Fix),
    /// Fixes of several files that only make sense together (a config.toml edit and the
    /// hosts.toml files it points at): all are made, or none.
    Together(Vec<Fix>),
    Manual(Manual),
}

/// One file's edit: every fix on it applied together.
#[derive(Clone, Debug)]
pub(crate) struct FileChange {
    /// As the node names it.
    pub(crate) host_path: String,
    /// Where it is on this machine (under `--root`).
    pub(crate) disk_path: PathBuf,
    /// The file as read for the edit; None for a file the fix creates.
    pub(crate) original: Option<String>,
    pub(crate) edited: String,
    /// The same before and after with secret values masked: what a diff may show.
    pub(crate) shown_before: String,
    pub(crate) shown_after: String,
    pub(crate) fixes: Vec<Fix>,
}

/// Everything `fix` would do on the node.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) changes: Vec<FileChange>,
    pub(crate) manual: Vec<Manual>,
    /// Findings no fixer handles: the audit's fix text is the way.
    pub(crate) unfixed: Vec<Manual>,
    /// Fixes that wait for this round's (a version rewrite after the file's other fixes):
    /// the next round of `--write` makes them.
    pub(crate) later: Vec<Manual>,
}

impl Plan {
    pub(crate) fn fix_count(&self) -> usize {
        self.changes.iter().map(|c| c.fixes.len()).sum()
    }

    /// Whether anything at or above `threshold` is left to a person.
    pub(crate) fn leaves_manual(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| {
            self.manual
                .iter()
                .chain(&self.unfixed)
                .any(|m| m.severity >= t)
        })
    }
}

/// Plans the fixes of `findings` on the node read under `root`.
pub(crate) fn plan(snap: &NodeSnapshot, findings: &[Finding], root: &Path) -> Plan {
    let mut plan = Plan::default();
    let mut by_file: BTreeMap<String, Vec<Fix>> = BTreeMap::new();
    // Fixes that stand or fall together, by the finding that asked for them.
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    for finding in findings {
        match fixers::propose(snap, finding) {
            Some(Proposal::Fix(fix)) => by_file.entry(fix.file.clone()).or_default().push(fix),
            Some(Proposal::Together(fixes)) => {
                groups.push(
                    fixes
                        .iter()
                        .map(|f| (f.file.clone(), f.summary.clone()))
                        .collect(),
                );
                for fix in fixes {
                    by_file.entry(fix.file.clone()).or_default().push(fix);
                }
            }
            Some(Proposal::Manual(m)) => plan.manual.push(m),
            None => plan.unfixed.push(Manual {
                rule: finding.rule,
                case: finding.case,
                severity: finding.severity,
                at: location_words(snap, &finding.location),
                reason: "no automatic fix: follow the finding's fix".into(),
            }),
        }
    }
    defer_rewrites(&mut by_file, &mut plan);
    // A file left alone takes the other files of its groups with it; that can leave another
    // file alone in turn, hence the loop.
    loop {
        let mut refused: Vec<(String, String)> = Vec::new();
        let mut changes = Vec::new();
        for (host_path, fixes) in &by_file {
            match change(snap, root, host_path, fixes) {
                Ok(c) => changes.extend(c),
                Err(reason) => refused.push((host_path.clone(), reason)),
            }
        }
        let dropped: Vec<&Vec<(String, String)>> = groups
            .iter()
            .filter(|g| g.iter().any(|(f, _)| refused.iter().any(|(r, _)| r == f)))
            .collect();
        let in_dropped = |file: &str, summary: &str| {
            dropped
                .iter()
                .any(|g| g.iter().any(|(f, s)| f == file && s == summary))
        };
        let mut removed_any = false;
        for (host_path, fixes) in &mut by_file {
            if refused.iter().any(|(r, _)| r == host_path) {
                continue;
            }
            let before = fixes.len();
            fixes.retain(|f| {
                let keep = !in_dropped(&f.file, &f.summary);
                if !keep {
                    plan.manual.push(Manual {
                        rule: f.rule,
                        case: f.case,
                        severity: f.severity,
                        at: f.finding_at.clone(),
                        reason: format!(
                            "{host_path} is left alone: a file its fix needs cannot be written"
                        ),
                    });
                }
                keep
            });
            removed_any |= fixes.len() != before;
        }
        if removed_any {
            continue;
        }
        for (host_path, reason) in refused {
            let fixes = by_file.remove(&host_path).unwrap_or_default();
            plan.manual.extend(fixes.iter().map(|f| Manual {
                rule: f.rule,
                case: f.case,
                severity: f.severity,
                at: f.finding_at.clone(),
                reason: format!("{host_path} is left alone: {reason}"),
            }));
        }
        plan.changes = changes;
        break;
    }
    plan
}

/// A file to be rewritten for another config version (`version` set, tables renamed) takes
/// its other fixes first: they are planned for the layout it has, and the rewrite then moves
/// what they wrote with the rest. The rewrite waits for the next round of `--write`.
fn defer_rewrites(by_file: &mut BTreeMap<String, Vec<Fix>>, plan: &mut Plan) {
    let rewrites = |f: &Fix| {
        f.ops.iter().any(|op| match op {
            Op::TomlRename { .. } | Op::TomlCriToVersion3 { .. } => true,
            Op::TomlSet { path, .. } => path.segments() == ["version"],
            _ => false,
        })
    };
    for fixes in by_file.values_mut() {
        if fixes.iter().all(rewrites) {
            continue;
        }
        fixes.retain(|f| {
            if !rewrites(f) {
                return true;
            }
            plan.later.push(Manual {
                rule: f.rule,
                case: f.case,
                severity: f.severity,
                at: f.finding_at.clone(),
                reason: f.summary.clone(),
            });
            false
        });
    }
}

/// `file:line` of a finding's location.
pub(crate) fn location_words(snap: &NodeSnapshot, location: &Location) -> String {
    match location {
        Location::Span(span) => {
            let p = snap.sources.position(*span);
            format!("{}:{}", snap.sources.get(span.file).host_path, p.line)
        }
        Location::Path(path) => path.clone(),
        Location::Object(o) => o.shown.clone(),
    }
}

/// The file with every fix on it applied; None when nothing changes.
fn change(
    snap: &NodeSnapshot,
    root: &Path,
    host_path: &str,
    fixes: &[Fix],
) -> Result<Option<FileChange>, String> {
    if fixes.is_empty() {
        return Ok(None);
    }
    let mut ops: Vec<&Op> = Vec::new();
    for fix in fixes {
        for op in &fix.ops {
            if let Some(other) = ops.iter().find(|o| o.conflicts_with(op)) {
                return Err(format!(
                    "two fixes disagree ({} and {}): edit it by hand",
                    other.describe(),
                    op.describe()
                ));
            }
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
    }
    let disk_path = write::inside_root(root, host_path)?;
    let original = write::read_for_edit(&disk_path)?;
    let read = snap
        .sources
        .iter()
        .find(|(_, f)| f.host_path == host_path)
        .map(|(_, f)| f);
    // The masked text the audit read is what a diff may show; the file on disk must still
    // be that file.
    let shown_before = match (&original, read) {
        (Some(now), Some(read)) => {
            if !same_but_masked(now, read.text()) {
                return Err("it changed since the audit read it".into());
            }
            read.text().to_owned()
        }
        (Some(_), None) => return Err("the audit did not read it".into()),
        (None, _) => String::new(),
    };
    if let Some(mark) = original
        .as_deref()
        .and_then(|t| ["${", "{{"].into_iter().find(|m| t.contains(m)))
    {
        return Err(format!(
            "it holds template placeholders (`{mark}`): fix the template it is made from"
        ));
    }
    let toml = ops.iter().all(|op| op.is_toml());
    if !toml && ops.iter().any(|op| op.is_toml()) {
        return Err("fixes of different kinds on one file".into());
    }
    let apply = |text: &str| {
        if toml {
            toml_file::apply(text, &ops)
        } else {
            text_file::apply(text, &ops)
        }
    };
    let edited = apply(original.as_deref().unwrap_or(""))?;
    let shown_after = apply(&shown_before)?;
    still_parses(read.map(|f| f.kind), host_path, toml, &edited)?;
    if original.as_deref() == Some(edited.as_str()) {
        return Ok(None);
    }
    Ok(Some(FileChange {
        host_path: host_path.to_owned(),
        disk_path,
        original,
        edited,
        shown_before,
        shown_after,
        fixes: fixes.to_vec(),
    }))
}

/// Whether `masked` is `raw` with some bytes replaced by `*` (the audit masks secrets byte
/// for byte).
fn same_but_masked(raw: &str, masked: &str) -> bool {
    raw.len() == masked.len()
        && raw
            .bytes()
            .zip(masked.bytes())
            .all(|(r, m)| r == m || m == b'*')
}

/// A fix never leaves a file that does not parse.
fn still_parses(
    kind: Option<InputKind>,
    host_path: &str,
    toml: bool,
    text: &str,
) -> Result<(), String> {
    if toml || (kind.is_none() && host_path.ends_with(".toml")) {
        return text
            .parse::<toml_edit::DocumentMut>()
            .map(drop)
            .map_err(|e| format!("the fixed file would not parse: {}", e.message()));
    }
    let yaml = match kind {
        Some(k) => matches!(k, InputKind::CrictlConfig | InputKind::KubeletConfig),
        None => host_path.ends_with(".yaml"),
    };
    if yaml {
        crate::collect::tree::parse_yaml(text)
            .map(drop)
            .map_err(|e| format!("the fixed file would not parse: {}", e.message))?;
    }
    Ok(())
}

//! How the containerd rules name the config in their findings: its `version`, its files and
//! lines, and the text at a span.

use crate::model::containerd::ContainerdConfig;
use crate::model::{NodeSnapshot, Span};

/// "version 2" / "version 1 (no `version` key)".
pub(crate) fn version_label(cfg: &ContainerdConfig) -> String {
    if cfg.version.is_explicit() {
        format!("version {}", cfg.version.value)
    } else {
        "version 1 (no `version` key)".to_string()
    }
}

/// The host path of the file a span points into.
pub(crate) fn file_of(snap: &NodeSnapshot, span: Span) -> &str {
    &snap.sources.get(span.file).host_path
}

/// "/etc/containerd/config.toml:12".
pub(crate) fn at_line(snap: &NodeSnapshot, span: Span) -> String {
    format!(
        "{}:{}",
        file_of(snap, span),
        snap.sources.position(span).line
    )
}

/// The text of a span (masked where it held a secret).
pub(crate) fn snippet(snap: &NodeSnapshot, span: Span) -> &str {
    snap.sources
        .get(span.file)
        .text()
        .get(span.range())
        .unwrap_or("")
}

//! Source files read from the node, and byte spans into them.
//!
//! Every value a rule can point at carries a [`Span`]: the file it came from and a byte range.
//! The report turns spans into line/column and quotes the line, so it never needs the
//! filesystem. Secrets are masked in the stored text before anything can quote it.

use std::cell::RefCell;
use std::ops::Range;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span {
            file,
            start: clamp_u32(range.start),
            end: clamp_u32(range.end.max(range.start)),
        }
    }

    pub(crate) fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A value together with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

impl<T> Spanned<T> {
    pub(crate) fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }
}

/// What kind of node input a file is; used in messages, JSON and to tell which rules an
/// unreadable file blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    ContainerdConfig,
    HostsToml,
    KubeletFlags,
    KubeletSystemdDropIn,
    KubeletConfig,
    CrictlConfig,
    DockerDaemonConfig,
    NodeObject,
    Policy,
    HostFacts,
    RuntimeSocket,
    StaticPodManifest,
    /// Nodes, pods and their owners, from files or the Kubernetes API (cluster rules).
    KubernetesObjects,
    /// The Kubernetes API in the node audit: the connection, and the running kubelet's
    /// configuration (configz) read through it.
    KubernetesApi,
}

impl InputKind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            InputKind::ContainerdConfig => "containerd config",
            InputKind::HostsToml => "registry hosts.toml",
            InputKind::KubeletFlags => "kubelet flags file",
            InputKind::KubeletSystemdDropIn => "kubelet systemd drop-in",
            InputKind::KubeletConfig => "kubelet config file",
            InputKind::CrictlConfig => "crictl config",
            InputKind::DockerDaemonConfig => "Docker daemon.json",
            InputKind::NodeObject => "Node object",
            InputKind::Policy => "runtime-audit policy",
            InputKind::HostFacts => "host facts",
            InputKind::RuntimeSocket => "runtime socket",
            InputKind::StaticPodManifest => "static pod manifest",
            InputKind::KubernetesObjects => "Kubernetes objects",
            InputKind::KubernetesApi => "Kubernetes API",
        }
    }
}

/// One file as read from the node.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the node sees it (`/etc/containerd/config.toml`), whatever `--root` is.
    pub host_path: String,
    pub(crate) kind: InputKind,
    /// The text, with secret values masked (same byte length, so spans stay valid).
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Creates a source file; `secrets` are byte ranges whose bytes are replaced by `*`
    /// before the text is stored, so no output can ever quote them.
    pub fn new(host_path: String, kind: InputKind, text: &str, secrets: &[Range<usize>]) -> Self {
        let text = mask(text, secrets);
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            host_path,
            kind,
            text,
            line_starts,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and 1-based column (in Unicode scalar values) of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub(crate) fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    pub(crate) fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn mask(text: &str, secrets: &[Range<usize>]) -> String {
    if secrets.is_empty() {
        return text.to_owned();
    }
    let mut bytes = text.as_bytes().to_vec();
    for r in secrets {
        let end = r.end.min(bytes.len());
        for b in bytes.get_mut(r.start.min(end)..end).into_iter().flatten() {
            // Keep line structure so spans and line numbers stay valid.
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    // Masking may have cut through a multi-byte character; repair lossily.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// All files read during collection. Collectors run in parallel and register files
/// through a [`SourceMapBuilder`]; ids are only handles, output order never depends on them.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Resolved start/end positions of a span.
    pub(crate) fn position(&self, span: Span) -> SpanPosition {
        let file = self.get(span.file);
        let (line, column) = file.line_col(span.start as usize);
        let (end_line, end_column) = file.line_col(span.end as usize);
        SpanPosition {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// Line and column (1-based, columns in Unicode scalar values) of both ends of a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct SpanPosition {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) end_line: usize,
    pub(crate) end_column: usize,
}

/// Registers files as the collectors read them, one after another.
#[derive(Debug, Default)]
pub struct SourceMapBuilder {
    files: RefCell<Vec<SourceFile>>,
}

impl SourceMapBuilder {
    pub fn add(&self, file: SourceFile) -> FileId {
        let mut files = self.files.borrow_mut();
        files.push(file);
        FileId((files.len() - 1) as u32)
    }

    /// Replaces a file's text once its secrets are known (the parser needs the real text
    /// first; the stored copy must not keep it).
    pub(crate) fn mask_secrets(&self, id: FileId, secrets: &[Range<usize>]) {
        if secrets.is_empty() {
            return;
        }
        let mut files = self.files.borrow_mut();
        if let Some(f) = files.get_mut(id.0 as usize) {
            let masked = SourceFile::new(f.host_path.clone(), f.kind, &f.text, secrets);
            *f = masked;
        }
    }

    /// The host path of a registered file.
    pub(crate) fn path(&self, id: FileId) -> String {
        let files = self.files.borrow_mut();
        files
            .get(id.0 as usize)
            .map(|f| f.host_path.clone())
            .unwrap_or_default()
    }

    /// The (masked) text of a span, for messages.
    pub(crate) fn snippet(&self, span: Span) -> String {
        let files = self.files.borrow_mut();
        files
            .get(span.file.0 as usize)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
            .to_owned()
    }

    pub fn finish(self) -> SourceMap {
        SourceMap {
            files: self.files.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let f = SourceFile::new(
            "/x".into(),
            InputKind::ContainerdConfig,
            "a = 1\n# é\nb = 2\n",
            &[],
        );
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        // "# é\n": 'b' starts at byte 11 (é is two bytes)
        assert_eq!(f.line_col(11), (3, 1));
        assert_eq!(f.line_text(2), "# é");
    }

    #[test]
    fn masking_keeps_offsets_and_hides_secret() {
        let text = "password = \"hunter2\"\nx = 1\n";
        let start = text.find("hunter2").unwrap();
        let f = SourceFile::new(
            "/x".into(),
            InputKind::ContainerdConfig,
            text,
            std::slice::from_ref(&(start..start + 7)),
        );
        assert!(!f.text().contains("hunter2"));
        assert_eq!(f.text().len(), text.len());
        assert_eq!(f.line_text(2), "x = 1");
    }
}

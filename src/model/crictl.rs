//! `/etc/crictl.yaml`.

use super::source::{FileId, Span, Spanned};

#[derive(Clone, Debug)]
pub struct CrictlConfig {
    pub path: String,
    pub file: FileId,
    pub runtime_endpoint: Option<Spanned<String>>,
    pub image_endpoint: Option<Spanned<String>>,
    /// Seconds, as written (crictl parses it as an integer; 0 means its 2s default).
    pub timeout: Option<Spanned<String>>,
    pub debug: Option<Spanned<bool>>,
    pub pull_image_on_create: Option<Spanned<bool>>,
    pub disable_pull_on_run: Option<Spanned<bool>>,
    pub max_retries: Option<Spanned<i64>>,
    pub enable_streaming: Option<Spanned<bool>>,
    /// Keys crictl does not know, with the closest known key.
    pub unknown_keys: Vec<(Spanned<String>, Option<&'static str>)>,
    /// Known keys with a value crictl cannot parse.
    pub wrong_types: Vec<CrictlWrongType>,
    /// The whole document (for findings about something missing from it).
    pub document: Span,
}

/// A known crictl.yaml key whose value crictl rejects.
#[derive(Clone, Debug)]
pub struct CrictlWrongType {
    pub key: Spanned<String>,
    /// The value as crictl sees it (a scalar's text, or the kind of value).
    pub found: Spanned<String>,
    /// What crictl expects, in words.
    pub expected: &'static str,
}

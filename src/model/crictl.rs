//! `/etc/crictl.yaml`.

use super::endpoint::Endpoint;
use super::source::{Span, Spanned};

#[derive(Clone, Debug)]
pub(crate) struct CrictlConfig {
    pub(crate) path: String,
    pub(crate) runtime_endpoint: Option<Spanned<Endpoint>>,
    pub(crate) image_endpoint: Option<Spanned<Endpoint>>,
    /// Seconds, as written (crictl parses it as an integer; 0 means its 2s default).
    pub(crate) timeout: Option<Spanned<String>>,
    pub(crate) debug: Option<Spanned<bool>>,
    pub(crate) pull_image_on_create: Option<Spanned<bool>>,
    pub(crate) disable_pull_on_run: Option<Spanned<bool>>,
    pub(crate) max_retries: Option<Spanned<i64>>,
    pub(crate) enable_streaming: Option<Spanned<bool>>,
    /// Keys crictl does not know, with the closest known key.
    pub(crate) unknown_keys: Vec<(Spanned<String>, Option<&'static str>)>,
    /// Known keys with a value crictl cannot parse.
    pub(crate) wrong_types: Vec<CrictlWrongType>,
    /// The whole document (for findings about something missing from it).
    pub(crate) document: Span,
}

/// A known crictl.yaml key whose value crictl rejects.
#[derive(Clone, Debug)]
pub(crate) struct CrictlWrongType {
    pub(crate) key: Spanned<String>,
    /// The value as crictl sees it (a scalar's text, or the kind of value).
    pub(crate) found: Spanned<String>,
    /// What crictl expects, in words.
    pub(crate) expected: &'static str,
}

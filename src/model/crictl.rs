//! `/etc/crictl.yaml`.

use super::source::{FileId, Spanned};

#[derive(Clone, Debug)]
pub struct CrictlConfig {
    pub path: String,
    pub file: FileId,
    pub runtime_endpoint: Option<Spanned<String>>,
    pub image_endpoint: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    /// Keys crictl does not know, with the closest known key.
    pub unknown_keys: Vec<(Spanned<String>, Option<&'static str>)>,
    /// Known keys with a value of the wrong type.
    pub wrong_types: Vec<(Spanned<String>, &'static str)>,
}

//! The state of each input, effective values with their origin, and input problems.

use std::fmt;

use super::source::{InputKind, Span};

/// One input of the audit (a file or a group of files read as one setting source).
#[derive(Clone, Debug)]
pub enum Input<T> {
    /// Not on the node.
    Absent {
        path: String,
    },
    /// Exists but could not be read (permissions, a directory or FIFO, too large, not UTF-8).
    Unreadable {
        path: String,
        reason: String,
    },
    /// Read, but not understood (syntax error, wrong shape).
    Invalid {
        path: String,
        reason: String,
        span: Option<Span>,
    },
    Present(T),
}

impl<T> Input<T> {
    pub(crate) fn present(&self) -> Option<&T> {
        match self {
            Input::Present(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn is_present(&self) -> bool {
        matches!(self, Input::Present(_))
    }

    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, Input::Absent { .. })
    }
}

/// What became of an input, for the inputs summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputState {
    Read,
    Absent,
    Unreadable,
    Invalid,
}

impl fmt::Display for InputState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputState::Read => "read",
            InputState::Absent => "absent",
            InputState::Unreadable => "unreadable",
            InputState::Invalid => "invalid",
        })
    }
}

/// One entry of the inputs summary: every path the audit looked at.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InputRecord {
    pub kind: InputKind,
    pub path: String,
    pub state: InputState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Something wrong with an input file itself, reported by the RA0xx rules.
#[derive(Clone, Debug)]
pub struct InputProblem {
    pub(crate) kind: InputKind,
    pub(crate) path: String,
    pub(crate) problem: Problem,
}

#[derive(Clone, Debug)]
pub enum Problem {
    /// The file exists but could not be read.
    Unreadable { reason: String },
    /// A syntax error; `span` points at it when the text could be kept.
    Syntax {
        format: &'static str,
        message: String,
        span: Option<Span>,
    },
    /// A value of the wrong type: the consumer fails to decode it or ignores it.
    WrongType {
        key: String,
        expected: &'static str,
        found: String,
        span: Span,
        consequence: String,
    },
}

/// Where an effective value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Written in a file.
    Set(Span),
    /// Not written (or written where it is ignored): the consumer's default.
    Default { note: String },
}

impl Origin {
    pub(crate) fn span(&self) -> Option<Span> {
        match self {
            Origin::Set(s) => Some(*s),
            Origin::Default { .. } => None,
        }
    }

    pub(crate) fn default(note: impl Into<String>) -> Self {
        Origin::Default { note: note.into() }
    }
}

/// The value a consumer (containerd, the kubelet) will really use, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Effective<T> {
    pub(crate) value: T,
    pub(crate) origin: Origin,
}

impl<T> Effective<T> {
    pub(crate) fn set(value: T, span: Span) -> Self {
        Effective {
            value,
            origin: Origin::Set(span),
        }
    }

    pub(crate) fn default(value: T, note: impl Into<String>) -> Self {
        Effective {
            value,
            origin: Origin::default(note),
        }
    }

    pub(crate) fn span(&self) -> Option<Span> {
        self.origin.span()
    }

    pub(crate) fn is_default(&self) -> bool {
        matches!(self.origin, Origin::Default { .. })
    }

    /// The same origin with the value converted (text into the type it names).
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Effective<U> {
        Effective {
            value: f(self.value),
            origin: self.origin,
        }
    }
}

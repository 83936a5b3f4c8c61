//! Versions of the kubelet, containerd and Docker, and where each one came from.

use std::cmp::Ordering;
use std::fmt;

use super::source::Span;

/// A release version, parsed leniently from what tools print: `v1.29.3`, `1.6.20~ds1`,
/// `20.10.24+dfsg1`, `containerd://1.7.2`, `2.0.5-k3s2`, or a bare `1.29` target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
    /// A real pre-release (`rc.1`, `beta.0`); distribution suffixes are dropped.
    pub(crate) pre: Option<String>,
    /// Whether the patch number was given (a target `1.29` means "any 1.29").
    pub(crate) has_patch: bool,
    /// The text as found.
    pub(crate) raw: String,
}

impl Version {
    pub(crate) fn parse(text: &str) -> Option<Version> {
        let raw = text.trim();
        let s = raw.rsplit("://").next().unwrap_or(raw);
        let s = s.strip_prefix('v').unwrap_or(s);
        let s = s.split(['~', '+', ' ']).next().unwrap_or(s);
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch_text = parts.next();
        let patch = match patch_text {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        let pre = pre
            .filter(|p| {
                let p = p.to_ascii_lowercase();
                p.starts_with("alpha") || p.starts_with("beta") || p.starts_with("rc")
            })
            .map(str::to_owned);
        Some(Version {
            major,
            minor,
            patch,
            pre,
            has_patch: patch_text.is_some(),
            raw: raw.to_owned(),
        })
    }

    /// `self >= major.minor.patch`, ignoring pre-release tags.
    pub(crate) fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// Equal at the precision both give (`1.7` matches any 1.7.x), pre-releases aside.
    pub(crate) fn matches(&self, other: &Version) -> bool {
        if self.has_patch && other.has_patch {
            (self.major, self.minor, self.patch) == (other.major, other.minor, other.patch)
        } else {
            (self.major, self.minor) == (other.major, other.minor)
        }
    }

    /// Same major.minor line.
    pub(crate) fn is_line(&self, major: u64, minor: u64) -> bool {
        self.major == major && self.minor == minor
    }

    pub(crate) fn short(&self) -> String {
        if self.has_patch {
            format!("{}.{}.{}", self.major, self.minor, self.patch)
        } else {
            format!("{}.{}", self.major, self.minor)
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// Where a version came from, in the order rules prefer them.
#[derive(Clone, Debug, PartialEq)]
pub enum VersionOrigin {
    /// A migration target given on the command line.
    Cli { flag: &'static str },
    /// Reported by a running daemon.
    Probe { what: String },
    /// Read from the Node object (`status.nodeInfo`).
    NodeObject { field: &'static str, span: Span },
    /// Inferred; the reason is said in every finding that relies on it.
    Assumed { reason: String },
}

impl fmt::Display for VersionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionOrigin::Cli { flag } => write!(f, "from {flag}"),
            VersionOrigin::Probe { what } => write!(f, "reported by {what}"),
            VersionOrigin::NodeObject { field, .. } => write!(f, "from the Node object's {field}"),
            VersionOrigin::Assumed { reason } => write!(f, "assumed: {reason}"),
        }
    }
}

/// A version with its origin.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionFact {
    pub(crate) version: Version,
    pub(crate) origin: VersionOrigin,
}

impl VersionFact {
    pub(crate) fn is_assumed(&self) -> bool {
        matches!(self.origin, VersionOrigin::Assumed { .. })
    }
}

/// A version a finding relied on, and where it came from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VersionUse {
    pub component: Component,
    pub version: String,
    pub origin: String,
    pub assumed: bool,
}

impl VersionUse {
    pub(crate) fn new(component: Component, fact: &VersionFact) -> Self {
        VersionUse {
            component,
            version: fact.version.to_string(),
            origin: fact.origin.to_string(),
            assumed: fact.is_assumed(),
        }
    }
}

impl fmt::Display for VersionUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.component, self.version, self.origin)
    }
}

/// The component a version belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    Kubelet,
    Containerd,
    Docker,
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Component::Kubelet => "kubelet",
            Component::Containerd => "containerd",
            Component::Docker => "Docker",
        })
    }
}

/// The runtime the Node object reports (`containerRuntimeVersion`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NodeRuntime {
    pub(crate) name: String,
    pub(crate) version: Option<Version>,
    pub(crate) span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_tools_print() {
        let v = Version::parse("1.6.20~ds1").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 6, 20));
        assert!(v.pre.is_none());
        let v = Version::parse("containerd://2.0.5-k3s2").unwrap();
        assert_eq!(
            (v.major, v.minor, v.patch, v.pre.is_none()),
            (2, 0, 5, true)
        );
        let v = Version::parse("v1.29").unwrap();
        assert!(!v.has_patch);
        assert_eq!(v.short(), "1.29");
        let v = Version::parse("2.0.0-rc.1").unwrap();
        assert!(v < Version::parse("2.0.0").unwrap());
        assert!(
            Version::parse("20.10.24+dfsg1")
                .unwrap()
                .at_least(20, 10, 0)
        );
        assert!(Version::parse("docker").is_none());
        assert!(Version::parse("1.2.3.4").is_none());
    }
}

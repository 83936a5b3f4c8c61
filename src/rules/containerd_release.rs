//! The containerd release a rule's verdict is for, shared by the containerd, cgroup and
//! registry rules: the version known from the inputs (a target given on the command line, a
//! probe, the Node object), else the release the containerd collector evaluated the config for
//! (`ContainerdConfig::evaluated_for`), which the rule records as an assumption.

use crate::engine::Emitter;
use crate::engine::emitter::FindingBuilder;
use crate::model::containerd::ContainerdConfig;
use crate::model::{Component, NodeSnapshot, Version, VersionFact};
use crate::vocabulary::RuleCase;

pub(crate) struct ContainerdRelease<'s> {
    /// None when nothing says which release: no version known and no config to assume from.
    pub ver: Option<Version>,
    /// A known version, attached to findings.
    pub fact: Option<&'s VersionFact>,
    /// Why the release was assumed, when no version is known (`assumed: ...`).
    pub assumed: Option<String>,
}

impl<'s> ContainerdRelease<'s> {
    /// The release at hand. Records the assumption on the emitter when no version is known.
    pub fn of<C: RuleCase>(
        snap: &'s NodeSnapshot,
        cfg: Option<&ContainerdConfig>,
        out: &mut Emitter<C>,
    ) -> ContainerdRelease<'s> {
        if let Some(fact) = snap.versions.containerd.as_ref() {
            return ContainerdRelease {
                ver: Some(fact.version.clone()),
                fact: Some(fact),
                assumed: None,
            };
        }
        let Some(cfg) = cfg else {
            out.assume(
                "containerd version unknown (no --containerd-version, no config to assume from)",
            );
            return ContainerdRelease {
                ver: None,
                fact: None,
                assumed: None,
            };
        };
        let assumed = &cfg.evaluated_for;
        out.assume(format!(
            "containerd {} ({})",
            assumed.version, assumed.because
        ));
        // The collector writes a `major.minor` line; should it ever not parse, 1.7 is the
        // line the collector assumes for a 1.x config.
        let ver = Version::parse(&assumed.version).unwrap_or(Version {
            major: 1,
            minor: 7,
            patch: 0,
            pre: None,
            has_patch: false,
            raw: assumed.version.clone(),
        });
        ContainerdRelease {
            ver: Some(ver),
            fact: None,
            assumed: Some(assumed.because.clone()),
        }
    }

    pub fn is_1x(&self) -> bool {
        self.ver.as_ref().is_some_and(|v| v.major < 2)
    }

    pub fn is_2x(&self) -> bool {
        self.ver.as_ref().is_some_and(|v| v.major >= 2)
    }

    /// The release is `major.minor` (any patch).
    pub fn is_line(&self, major: u64, minor: u64) -> bool {
        self.ver.as_ref().is_some_and(|v| v.is_line(major, minor))
    }

    /// Only the `major.minor` line is known (`1.7`), not the patch release.
    pub fn line_only(&self) -> bool {
        self.ver.as_ref().is_some_and(|v| !v.has_patch)
    }

    pub fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        self.ver
            .as_ref()
            .is_some_and(|v| v.at_least(major, minor, patch))
    }

    /// At or after `version`.
    pub fn reached(&self, version: &Version) -> bool {
        self.ver.as_ref().is_some_and(|v| v >= version)
    }

    /// `(major, minor)`, or the newest line when unknown.
    pub fn line(&self) -> (u64, u64) {
        self.ver.as_ref().map_or((2, 3), |v| (v.major, v.minor))
    }

    /// The version alone: "1.7.16", "1.7", or "(version unknown)".
    pub fn line_label(&self) -> String {
        self.ver
            .as_ref()
            .map_or_else(|| "(version unknown)".into(), |v| v.to_string())
    }

    /// "containerd 1.7.16" / "containerd 1.7 (assumed)" / "containerd (version unknown)".
    pub fn label(&self) -> String {
        match (&self.ver, self.fact) {
            (None, _) => "containerd (version unknown)".into(),
            (Some(v), Some(f)) if !f.is_assumed() => format!("containerd {v}"),
            (Some(v), _) => format!("containerd {v} (assumed)"),
        }
    }

    /// The label with where a known version came from: "containerd 1.7.16 (from
    /// --containerd-version)".
    pub fn describe(&self) -> String {
        match (&self.ver, self.fact) {
            (Some(v), Some(f)) if !f.is_assumed() => format!("containerd {v} ({})", f.origin),
            _ => self.label(),
        }
    }

    /// The label with where the version came from, the assumption's reason included:
    /// "containerd 1.7 (assumed: no containerd version given ...)".
    pub fn describe_in_full(&self) -> String {
        match (&self.ver, self.fact, &self.assumed) {
            (Some(v), Some(f), _) => format!("containerd {v} ({})", f.origin),
            (Some(v), None, Some(why)) => format!("containerd {v} ({why})"),
            _ => self.label(),
        }
    }

    /// Attaches the known version the finding relies on.
    pub fn tag<'b>(&self, b: FindingBuilder<'b>) -> FindingBuilder<'b> {
        match self.fact {
            Some(f) => b.version(Component::Containerd, f),
            None => b,
        }
    }
}

//! Versions as rules need them: the known fact, or the assumption the containerd model was
//! evaluated under, said the same way in every finding.

use crate::engine::Emitter;
use crate::engine::emitter::FindingBuilder;
use crate::model::containerd::ContainerdConfig;
use crate::model::{Component, NodeSnapshot, Version, VersionFact};

/// The containerd release a rule reasons about.
pub struct ContainerdRelease<'a> {
    pub version: Version,
    /// The known fact (CLI target, node object, live probe).
    pub fact: Option<&'a VersionFact>,
    /// When no fact is known: the assumption of the config model.
    pub assumed: Option<String>,
}

impl ContainerdRelease<'_> {
    pub fn is_2x(&self) -> bool {
        self.version.major >= 2
    }

    /// "containerd 1.7.2 (from --containerd-version)" or "containerd 1.7 (assumed: ...)".
    pub fn describe(&self) -> String {
        match (self.fact, &self.assumed) {
            (Some(f), _) => format!("containerd {} ({})", f.version, f.origin),
            (None, Some(a)) => format!("containerd {} ({a})", self.version.short()),
            (None, None) => format!("containerd {}", self.version.short()),
        }
    }

    /// Records the version on a finding, or the assumption on the rule.
    pub fn cite<'e>(&self, builder: FindingBuilder<'e>) -> FindingBuilder<'e> {
        match self.fact {
            Some(f) => builder.version(Component::Containerd, f),
            None => builder,
        }
    }

    pub fn note_assumption(&self, out: &mut Emitter) {
        if let (None, Some(a)) = (self.fact, &self.assumed) {
            out.assume(format!("containerd {}: {a}", self.version.short()));
        }
    }
}

/// The containerd release: the version fact when known, else the one the config model was
/// evaluated for (assumed from the config version).
pub fn containerd_release<'a>(
    snap: &'a NodeSnapshot,
    cfg: &ContainerdConfig,
) -> ContainerdRelease<'a> {
    if let Some(f) = &snap.versions.containerd {
        return ContainerdRelease {
            version: f.version.clone(),
            fact: Some(f),
            assumed: None,
        };
    }
    let version = Version::parse(&cfg.evaluated_for.version).unwrap_or(Version {
        major: 1,
        minor: 7,
        patch: 0,
        pre: None,
        has_patch: false,
        raw: cfg.evaluated_for.version.clone(),
    });
    ContainerdRelease {
        version,
        fact: None,
        assumed: Some(cfg.evaluated_for.because.clone()),
    }
}

/// "kubelet 1.29 (from --kubernetes-version)".
pub fn describe(component: Component, fact: &VersionFact) -> String {
    format!("{component} {} ({})", fact.version, fact.origin)
}

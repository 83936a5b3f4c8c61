//! Which containerd release the effective values are computed for, and which CRI tables that
//! release reads for a given config `version`.

use crate::model::containerd::{CriLayout, EvaluatedFor};
use crate::model::{VersionFact, VersionOrigin};

use super::schema::Ver;

/// The release at hand.
#[derive(Clone, Debug)]
pub struct Release {
    pub ver: Ver,
    /// Only the major.minor line is known (assumed from the config version).
    pub line_only: bool,
    pub evaluated_for: EvaluatedFor,
}

/// The latest patch known per line, for an assumed line.
const LATEST_1_7: Ver = Ver(1, 7, 28);
const LATEST_2_3: Ver = Ver(2, 3, 0);

impl Release {
    /// From a known version, or assumed from the config version.
    pub fn resolve(fact: Option<&VersionFact>, config_version: i64) -> Release {
        if let Some(f) = fact {
            let v = &f.version;
            let because = match &f.origin {
                VersionOrigin::Assumed { reason } => format!("assumed: {reason}"),
                other => other.to_string(),
            };
            return Release {
                ver: Ver(v.major, v.minor, if v.has_patch { v.patch } else { 0 }),
                line_only: !v.has_patch,
                evaluated_for: EvaluatedFor {
                    version: v.short(),
                    because,
                },
            };
        }
        let (ver, format) = if config_version >= 3 {
            (LATEST_2_3, "the containerd 2.x format")
        } else {
            (LATEST_1_7, "the containerd 1.x format")
        };
        Release {
            ver,
            line_only: true,
            evaluated_for: EvaluatedFor {
                version: format!("{}.{}", ver.0, ver.1),
                because: format!(
                    "assumed: no containerd version given (--containerd-version) or found on the node; config version {config_version} is {format}"
                ),
            },
        }
    }

    pub fn is_1x(&self) -> bool {
        self.ver.0 < 2
    }

    /// Whether the release refuses this config version at start, with containerd's message.
    pub fn rejects_version(&self, config_version: i64) -> Option<String> {
        let Ver(major, minor, patch) = self.ver;
        if major < 2 {
            // 1.6.32+ / 1.7.17+ refuse version 3 (and above); older 1.x accept it.
            let checks = (minor == 6 && patch >= 32) || (minor == 7 && patch >= 17) || minor > 7;
            if config_version >= 3 && checks && !self.line_only {
                return Some(format!("unsupported config version `{config_version}`"));
            }
            return None;
        }
        let max = if (major, minor) >= (2, 3) { 4 } else { 3 };
        (config_version > max).then(|| {
            format!("expected containerd config version equal to or less than `{max}`, got `{config_version}`")
        })
    }

    /// What the release reads as the CRI config for a config version. A 1.x release that
    /// accepts a version-3 file reads it like version 2, by full plugin URI: the
    /// `io.containerd.grpc.v1.cri` table is read, the `io.containerd.cri.v1.*` tables are not
    /// (seen with 1.6.20: `sandbox_image` under `io.containerd.grpc.v1.cri` in a version-3 file
    /// applies).
    pub fn reads(&self, config_version: i64) -> Option<CriLayout> {
        if self.is_1x() {
            match config_version {
                ..=1 => Some(CriLayout::V1),
                _ => Some(CriLayout::V2),
            }
        } else {
            match config_version {
                // 2.x migrates version 1 (short ids renamed) and 2 on every start.
                ..=2 => Some(CriLayout::V2),
                _ => Some(CriLayout::V3),
            }
        }
    }
}

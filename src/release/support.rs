//! Which containerd releases each Kubernetes minor supports, and when each containerd line
//! reaches its end of life (containerd RELEASES.md at HEAD, migration facts VER-002).

use crate::model::policy::Date;

use super::containerd::{ContainerdRelease, ReleaseNumber};
use super::kubernetes::KubeletRelease;

/// A Kubernetes minor and the minimum patch of each containerd line it supports.
const MATRIX: &[((u64, u64), &[ReleaseNumber])] = &[
    (
        (1, 32),
        &[
            ReleaseNumber(2, 1, 0),
            ReleaseNumber(2, 0, 1),
            ReleaseNumber(1, 7, 24),
            ReleaseNumber(1, 6, 36),
        ],
    ),
    (
        (1, 33),
        &[
            ReleaseNumber(2, 1, 0),
            ReleaseNumber(2, 0, 4),
            ReleaseNumber(1, 7, 24),
            ReleaseNumber(1, 6, 36),
        ],
    ),
    (
        (1, 34),
        &[
            ReleaseNumber(2, 1, 3),
            ReleaseNumber(2, 0, 6),
            ReleaseNumber(1, 7, 28),
            ReleaseNumber(1, 6, 39),
        ],
    ),
    (
        (1, 35),
        &[
            ReleaseNumber(2, 2, 0),
            ReleaseNumber(2, 1, 5),
            ReleaseNumber(1, 7, 28),
        ],
    ),
    ((1, 36), &[ReleaseNumber(2, 3, 0), ReleaseNumber(2, 2, 0)]),
];

/// The Kubernetes minors the matrix covers, for messages.
pub(crate) const MATRIX_COVERS: &str = "Kubernetes 1.32-1.36";

/// End of life per line; "Sep 2026"/"Mar 2027" taken as month ends.
const END_OF_LIFE: &[((u64, u64), Date, &str)] = &[
    ((1, 6), date(2025, 8, 23), "2025-08-23"),
    ((1, 7), date(2026, 9, 30), "September 2026 (extended LTS)"),
    ((2, 0), date(2027, 3, 31), "March 2027 (extended LTS)"),
    ((2, 1), date(2026, 7, 3), "2026-07-03"),
    ((2, 2), date(2026, 11, 6), "2026-11-06"),
    ((2, 3), date(2028, 4, 30), "2028-04-30 (LTS)"),
];

const fn date(year: i32, month: u32, day: u32) -> Date {
    Date { year, month, day }
}

/// The containerd lines (with their minimum patch) supported for the kubelet's minor; None
/// when the matrix does not cover that minor.
pub(crate) fn supported_lines(kubelet: &KubeletRelease) -> Option<&'static [ReleaseNumber]> {
    MATRIX
        .iter()
        .find(|(minor, _)| *minor == kubelet.minor())
        .map(|(_, lines)| *lines)
}

/// The minimum release to reach when `containerd` is outside `lines`, else None. A line
/// newer than every listed one is not judged (the matrix lists what existed when it was
/// written), nor is a listed line known without its patch.
pub(crate) fn minimum_outside(
    containerd: &ContainerdRelease,
    lines: &[ReleaseNumber],
) -> Option<ReleaseNumber> {
    let (major, minor) = containerd.line()?;
    if let Some(min) = lines.iter().find(|l| (l.0, l.1) == (major, minor)) {
        let below = containerd
            .version()
            .is_some_and(|v| v.has_patch && ReleaseNumber(v.major, v.minor, v.patch) < *min);
        return below.then_some(*min);
    }
    let newest = lines.iter().max()?;
    if (major, minor) > (newest.0, newest.1) {
        return None;
    }
    Some(*newest)
}

/// When the release's line reaches its end of life, and how RELEASES.md says it.
pub(crate) fn end_of_life(containerd: &ContainerdRelease) -> Option<(Date, &'static str)> {
    let line = containerd.line()?;
    END_OF_LIFE
        .iter()
        .find(|(l, _, _)| *l == line)
        .map(|(_, date, label)| (*date, *label))
}

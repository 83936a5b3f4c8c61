//! RA902 containerd-support-matrix.

use crate::engine::Emitter;
use crate::model::policy::Date;
use crate::model::{Component, NodeSnapshot, Version};
use crate::rules::versions_context::describe;

use super::ra901::version_location;

declare_rule! {
    id: "RA902",
    name: "containerd-support-matrix",
    area: Versions,
    summary: "The containerd release is outside the supported set for the kubelet's minor, or past its end of life",
    inputs: [NodeObject],
    cases: [
        Outside("outside-matrix", Warning),
        OneXGone("containerd-1x-unsupported", Error),
        EndOfLife("end-of-life", Warning),
    ],
}

/// A Kubernetes minor (`(1, 32)`) and the minimum patch of each containerd line it supports.
type MatrixRow = ((u64, u64), &'static [(u64, u64, u64)]);

/// containerd RELEASES.md (HEAD, migration-facts VER-002).
const MATRIX: &[MatrixRow] = &[
    ((1, 32), &[(2, 1, 0), (2, 0, 1), (1, 7, 24), (1, 6, 36)]),
    ((1, 33), &[(2, 1, 0), (2, 0, 4), (1, 7, 24), (1, 6, 36)]),
    ((1, 34), &[(2, 1, 3), (2, 0, 6), (1, 7, 28), (1, 6, 39)]),
    ((1, 35), &[(2, 2, 0), (2, 1, 5), (1, 7, 28)]),
    ((1, 36), &[(2, 3, 0), (2, 2, 0)]),
];

/// End of life per line (RELEASES.md HEAD); "Sep 2026"/"Mar 2027" taken as month ends.
const END_OF_LIFE_DATES: &[((u64, u64), Date, &str)] = &[
    (
        (1, 6),
        Date {
            year: 2025,
            month: 8,
            day: 23,
        },
        "2025-08-23",
    ),
    (
        (1, 7),
        Date {
            year: 2026,
            month: 9,
            day: 30,
        },
        "September 2026 (extended LTS)",
    ),
    (
        (2, 0),
        Date {
            year: 2027,
            month: 3,
            day: 31,
        },
        "March 2027 (extended LTS)",
    ),
    (
        (2, 1),
        Date {
            year: 2026,
            month: 7,
            day: 3,
        },
        "2026-07-03",
    ),
    (
        (2, 2),
        Date {
            year: 2026,
            month: 11,
            day: 6,
        },
        "2026-11-06",
    ),
    (
        (2, 3),
        Date {
            year: 2028,
            month: 4,
            day: 30,
        },
        "2028-04-30 (LTS)",
    ),
];

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let (Some(kubelet), Some(containerd)) = (&snap.versions.kubelet, &snap.versions.containerd)
    else {
        out.inconclusive("needs both the kubelet and the containerd version (pass --kubernetes-version and --containerd-version, or --node-file)");
        return;
    };
    let k = &kubelet.version;
    let c = &containerd.version;
    let at = version_location(snap, containerd);

    if k.at_least(1, 36, 0) && c.major < 2 {
        out.finding(
            Case::OneXGone,
            at.clone(),
            format!(
                "{} is not supported by {}: Kubernetes 1.35 was the last release to support containerd 1.x",
                describe(Component::Containerd, containerd),
                describe(Component::Kubelet, kubelet)
            ),
        )
        .impact("The kubelet reports the runtime as losing support (`kubelet_cri_losing_support`), and a later release refuses containerd 1.x altogether; the cgroup driver can no longer come from the runtime (KEP-4033).")
        .fix("Upgrade containerd to 2.2.0+ (or 2.3.0+) before upgrading the node to Kubernetes 1.36; convert config.toml to `version = 3` (`containerd config migrate`) and review it.")
        .key("containerd-version")
        .actual(c.to_string())
        .expected("containerd 2.2.0+ or 2.3.0+")
        .version(Component::Kubelet, kubelet)
        .version(Component::Containerd, containerd)
        .emit();
    } else if let Some((_, lines)) = MATRIX.iter().find(|((ma, mi), _)| k.is_line(*ma, *mi)) {
        if let Some(minimum) = outside(c, lines) {
            let supported: Vec<String> = lines
                .iter()
                .map(|(a, b, p)| format!("{a}.{b}.{p}+"))
                .collect();
            out.finding(
                Case::Outside,
                at.clone(),
                format!(
                    "{} is outside containerd's support matrix for Kubernetes {}.{} ({})",
                    describe(Component::Containerd, containerd),
                    k.major,
                    k.minor,
                    supported.join(", ")
                ),
            )
            .impact("The combination is not tested by containerd; known fixes the kubelet relies on (CRI fields, pinning, cgroup handling) may be missing.")
            .fix(format!("Upgrade containerd to {minimum} or later (or another supported line: {}).", supported.join(", ")))
            .key("containerd-version")
            .actual(c.to_string())
            .expected(supported.join(" or "))
            .version(Component::Kubelet, kubelet)
            .version(Component::Containerd, containerd)
            .emit();
        }
    } else {
        out.assume(format!(
            "the support matrix read covers Kubernetes 1.32-1.36; {} is outside it",
            describe(Component::Kubelet, kubelet)
        ));
    }

    let today = snap.policy.today;
    if let (Some(today), Some((_, eol, label))) = (
        today,
        END_OF_LIFE_DATES
            .iter()
            .find(|((ma, mi), _, _)| c.is_line(*ma, *mi)),
    ) && *eol < today
    {
        out.finding(
            Case::EndOfLife,
            at,
            format!(
                "{} reached its end of life in {label}; today is {today}",
                describe(Component::Containerd, containerd)
            ),
        )
        .impact("No more security or bug fixes for this containerd line.")
        .fix("Move to a supported containerd line (2.3 is the LTS line until 2028-04-30).")
        .key("containerd-eol")
        .actual(format!("{}.{}", c.major, c.minor))
        .expected("a containerd line that is still supported")
        .version(Component::Containerd, containerd)
        .emit();
    }
}

/// The minimum patch to reach when `c` is outside the listed lines, else None. A line newer
/// than every listed one is not judged (the matrix lists what existed when it was written).
fn outside(c: &Version, lines: &[(u64, u64, u64)]) -> Option<String> {
    if let Some((a, b, p)) = lines.iter().find(|(a, b, _)| c.is_line(*a, *b)) {
        if c.has_patch && c.below(*a, *b, *p) {
            return Some(format!("{a}.{b}.{p}"));
        }
        return None;
    }
    let newest = lines.iter().max()?;
    if (c.major, c.minor) > (newest.0, newest.1) {
        return None;
    }
    Some(format!("{}.{}.{}", newest.0, newest.1, newest.2))
}

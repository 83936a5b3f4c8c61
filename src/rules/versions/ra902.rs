//! RA902 containerd-support-matrix.

use crate::engine::{Emitter, Location};
use crate::model::policy::Date;
use crate::model::{Component, NodeSnapshot, VersionFact};
use crate::release::{ContainerdRelease, KubeletRelease, ReleaseNumber, support};
use crate::rules::releases::{containerd_version_location, kubelet_and_containerd};

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

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some((kubelet, containerd, fact)) = kubelet_and_containerd(snap, out) else {
        return;
    };
    let at = containerd_version_location(snap, fact);
    if kubelet.drops_containerd_1x() && containerd.is_1x() {
        one_x_gone(out, kubelet, containerd, fact, at.clone());
    } else if let Some(lines) = support::supported_lines(kubelet) {
        if let Some(minimum) = support::minimum_outside(containerd, lines) {
            outside(out, kubelet, containerd, fact, at.clone(), lines, minimum);
        }
    } else {
        out.assume(format!(
            "the support matrix read covers {}; {kubelet} is outside it",
            support::MATRIX_COVERS
        ));
    }
    if let (Some(today), Some((eol, label))) = (snap.policy.today, support::end_of_life(containerd))
        && eol < today
    {
        end_of_life(out, containerd, fact, at, label, today);
    }
}

fn one_x_gone(
    out: &mut Emitter<Case>,
    kubelet: &KubeletRelease,
    containerd: &ContainerdRelease,
    fact: &VersionFact,
    at: Location,
) {
    out.finding(
        Case::OneXGone,
        at,
        format!(
            "{} is not supported by {kubelet}: Kubernetes 1.35 was the last release to support containerd 1.x",
            containerd.describe()
        ),
    )
    .impact("The kubelet reports the runtime as losing support (`kubelet_cri_losing_support`), and a later release refuses containerd 1.x altogether; the cgroup driver can no longer come from the runtime (KEP-4033).")
    .fix("Upgrade containerd to 2.2.0+ (or 2.3.0+) before upgrading the node to Kubernetes 1.36; convert config.toml to `version = 3` (`containerd config migrate`) and review it.")
    .key("containerd-version")
    .actual(fact.version.to_string())
    .expected("containerd 2.2.0+ or 2.3.0+")
    .version(Component::Kubelet, kubelet.fact())
    .version(Component::Containerd, fact)
    .emit();
}

fn outside(
    out: &mut Emitter<Case>,
    kubelet: &KubeletRelease,
    containerd: &ContainerdRelease,
    fact: &VersionFact,
    at: Location,
    lines: &[ReleaseNumber],
    minimum: ReleaseNumber,
) {
    let supported: Vec<String> = lines.iter().map(|l| format!("{l}+")).collect();
    let (major, minor) = kubelet.minor();
    out.finding(
        Case::Outside,
        at,
        format!(
            "{} is outside containerd's support matrix for Kubernetes {major}.{minor} ({})",
            containerd.describe(),
            supported.join(", ")
        ),
    )
    .impact("The combination is not tested by containerd; known fixes the kubelet relies on (CRI fields, pinning, cgroup handling) may be missing.")
    .fix(format!(
        "Upgrade containerd to {minimum} or later (or another supported line: {}).",
        supported.join(", ")
    ))
    .key("containerd-version")
    .actual(fact.version.to_string())
    .expected(supported.join(" or "))
    .version(Component::Kubelet, kubelet.fact())
    .version(Component::Containerd, fact)
    .emit();
}

fn end_of_life(
    out: &mut Emitter<Case>,
    containerd: &ContainerdRelease,
    fact: &VersionFact,
    at: Location,
    label: &str,
    today: Date,
) {
    let (major, minor) = containerd.line().unwrap_or_default();
    out.finding(
        Case::EndOfLife,
        at,
        format!(
            "{} reached its end of life in {label}; today is {today}",
            containerd.describe()
        ),
    )
    .impact("No more security or bug fixes for this containerd line.")
    .fix("Move to a supported containerd line (2.3 is the LTS line until 2028-04-30).")
    .key("containerd-eol")
    .actual(format!("{major}.{minor}"))
    .expected("a containerd line that is still supported")
    .version(Component::Containerd, fact)
    .emit();
}

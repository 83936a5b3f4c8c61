//! RA203 runtime-handlers-cgroup-inconsistent.

use crate::engine::Emitter;
use crate::model::containerd::Runtime;
use crate::model::{NodeSnapshot, Span};
use crate::release::ContainerdRelease;
use crate::rules::containerd::layouts;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA203",
    name: "runtime-handlers-cgroup-inconsistent",
    area: Cgroup,
    summary: "runc-based runtime handlers disagree on SystemdCgroup",
    inputs: [ContainerdConfig],
    cases: [
        Inconsistent("inconsistent", Warning),
    ],
}

/// Every runc-based runtime is held to one reference (the one containerd reports to the
/// kubelet); the case RA202 reports is left to it.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let mut runc: Vec<&Runtime> = cfg
        .cri
        // The runtimes the config defines: containerd 2.x keeps its built-in runc next to them,
        // which the file does not describe and pods reach only by naming it.
        .defined_runtimes()
        .filter(|r| r.is_runc_based())
        .collect();
    if runc.len() < 2 {
        out.not_applicable("fewer than two runc-based runtimes are defined");
        return;
    }
    runc.sort_by(|a, b| a.name.cmp(&b.name));
    // containerd 2.x tells the kubelet the driver of the default runtime, else of the first
    // runc-based runtime by name; that is the one the others should agree with.
    let reference = cfg
        .cri
        .default_runtime()
        .filter(|r| r.is_runc_based())
        .or_else(|| runc.first().copied());
    let Some(reference) = reference else {
        return;
    };
    let reference_is_default = reference.name == cfg.cri.default_runtime_name.value;
    // SystemdCgroup = true on another runtime while the default runtime does not set it is
    // RA202's finding (its fix goes the other way: set it on the default runtime).
    let ra202 = reference_is_default
        && reference.systemd_cgroup.is_default()
        && !reference.systemd_cgroup.value
        && runc
            .iter()
            .any(|r| r.name != reference.name && r.systemd_cgroup.value);
    if ra202 {
        return;
    }
    let release = containerd_release(snap, out);
    let layout = cfg.written_layout();
    let want = reference.systemd_cgroup.value;
    for rt in runc
        .iter()
        .filter(|r| r.name != reference.name && r.systemd_cgroup.value != want)
    {
        let Some(at) = rt.systemd_cgroup.span().or(rt.defined_at) else {
            continue;
        };
        Inconsistent {
            runtime: &rt.name,
            systemd_cgroup: rt.systemd_cgroup.value,
            at,
            options_header: layouts::runtime_options_header(layout, &rt.name),
            reference: &reference.name,
            reference_is_default,
            reference_at: reference.systemd_cgroup.span().or(reference.defined_at),
            want,
            release,
        }
        .emit(out);
    }
}

fn driver(systemd_cgroup: bool) -> &'static str {
    if systemd_cgroup {
        "systemd"
    } else {
        "cgroupfs"
    }
}

/// A runc-based runtime whose SystemdCgroup differs from the reference runtime's.
struct Inconsistent<'a> {
    runtime: &'a str,
    systemd_cgroup: bool,
    at: Span,
    /// The runtime's options table, as the config's version writes it.
    options_header: String,
    /// The runtime the others should agree with.
    reference: &'a str,
    /// The reference is the default runtime (else the first runc-based one by name).
    reference_is_default: bool,
    reference_at: Option<Span>,
    /// The reference's SystemdCgroup.
    want: bool,
    release: &'a ContainerdRelease,
}

impl Inconsistent<'_> {
    fn message(&self) -> String {
        format!(
            "Runtime handler `{}` runs its pods with the {} cgroup driver (SystemdCgroup = {}), but {} runtime `{}` \
             uses {} ({})",
            self.runtime,
            driver(self.systemd_cgroup),
            self.systemd_cgroup,
            if self.reference_is_default {
                "the default"
            } else {
                "runc-based"
            },
            self.reference,
            driver(self.want),
            self.release.describe()
        )
    }

    /// Which driver the kubelet uses depends on the containerd release.
    fn impact(&self) -> String {
        format!(
            "The kubelet manages pod cgroups with one driver only. {} Pods of RuntimeClass handler `{}` then get \
             cgroup paths in the other driver's format: `OCI runtime create failed: expected cgroupsPath to be of \
             format \"slice:prefix:name\" for systemd cgroups` (or the reverse), or they run outside the kubelet's \
             cgroup accounting. containerd's docs: all runc-based runtime classes should have the same \
             SystemdCgroup setting.",
            if self.release.is_1x() {
                "With containerd 1.x it is the kubelet's own cgroupDriver."
            } else {
                "With containerd 2.x and kubelet 1.31+, the kubelet takes it from containerd: the default runtime's \
                 setting, else the first runc-based runtime by name."
            },
            self.runtime
        )
    }

    fn fix(&self) -> String {
        let (header, want) = (&self.options_header, self.want);
        format!(
            "Give every runc-based runtime the same driver (the kubelet's cgroupDriver):\n{header}\n  SystemdCgroup = {want}"
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(Case::Inconsistent, self.at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(format!("runtimes.{}.options.SystemdCgroup", self.runtime))
            .label(format!("{} driver", driver(self.systemd_cgroup)))
            .actual(self.systemd_cgroup.to_string())
            .expected(self.want.to_string());
        if let Some(s) = self.reference_at {
            b = b.related(
                s,
                format!("`{}` uses {}", self.reference, driver(self.want)),
            );
        }
        b.release(self.release).emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileId;
    use crate::model::containerd::CriLayout;

    fn inconsistent(release: &ContainerdRelease, reference_is_default: bool) -> Inconsistent<'_> {
        Inconsistent {
            runtime: "kata",
            systemd_cgroup: false,
            at: Span::new(FileId(0), 0..1),
            options_header: layouts::runtime_options_header(CriLayout::V2, "kata"),
            reference: "runc",
            reference_is_default,
            reference_at: None,
            want: true,
            release,
        }
    }

    #[test]
    fn the_message_says_which_runtime_is_the_reference() {
        let release = ContainerdRelease::target("1.7.28");
        assert!(inconsistent(&release, true).message().starts_with(
            "Runtime handler `kata` runs its pods with the cgroupfs cgroup driver (SystemdCgroup = false), but the \
             default runtime `runc` uses systemd"
        ));
        assert!(
            inconsistent(&release, false)
                .message()
                .contains("but runc-based runtime `runc` uses systemd")
        );
    }

    #[test]
    fn the_impact_says_where_the_kubelet_takes_its_driver_from() {
        let v1 = ContainerdRelease::target("1.7.28");
        let v2 = ContainerdRelease::target("2.1.4");
        assert!(
            inconsistent(&v1, true)
                .impact()
                .contains("the kubelet's own cgroupDriver")
        );
        assert!(
            inconsistent(&v2, true)
                .impact()
                .contains("the kubelet takes it from containerd")
        );
        assert!(
            inconsistent(&v1, true)
                .fix()
                .ends_with(".runtimes.kata.options]\n  SystemdCgroup = true")
        );
    }
}

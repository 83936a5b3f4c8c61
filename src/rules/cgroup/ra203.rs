//! RA203 runtime-handlers-cgroup-inconsistent.

use crate::engine::Emitter;
use crate::model::containerd::Runtime;
use crate::model::NodeSnapshot;
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

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let mut runc: Vec<&Runtime> = cfg
        .cri
        .runtimes
        .iter()
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
    // SystemdCgroup = true on another runtime while the default runtime does not set it is
    // RA202's finding (its fix goes the other way: set it on the default runtime).
    let ra202 = reference.name == cfg.cri.default_runtime_name.value
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
        let driver = |b: bool| if b { "systemd" } else { "cgroupfs" };
        let is_default = reference.name == cfg.cri.default_runtime_name.value;
        let message = format!(
            "Runtime handler `{}` runs its pods with the {} cgroup driver (SystemdCgroup = {}), but {} runtime `{}` \
             uses {} ({})",
            rt.name,
            driver(rt.systemd_cgroup.value),
            rt.systemd_cgroup.value,
            if is_default {
                "the default"
            } else {
                "runc-based"
            },
            reference.name,
            driver(want),
            release.describe()
        );
        let impact = format!(
            "The kubelet manages pod cgroups with one driver only. {} Pods of RuntimeClass handler `{}` then get \
             cgroup paths in the other driver's format: `OCI runtime create failed: expected cgroupsPath to be of \
             format \"slice:prefix:name\" for systemd cgroups` (or the reverse), or they run outside the kubelet's \
             cgroup accounting. containerd's docs: all runc-based runtime classes should have the same \
             SystemdCgroup setting.",
            if release.is_1x() {
                "With containerd 1.x it is the kubelet's own cgroupDriver."
            } else {
                "With containerd 2.x and kubelet 1.31+, the kubelet takes it from containerd: the default runtime's \
                 setting, else the first runc-based runtime by name."
            },
            rt.name
        );
        let header = layouts::runtime_options_header(layout, &rt.name);
        let mut b = out
            .finding(Case::Inconsistent, at, message)
            .impact(impact)
            .fix(format!(
                "Give every runc-based runtime the same driver (the kubelet's cgroupDriver):\n{header}\n  SystemdCgroup = {want}"
            ))
            .key(format!("runtimes.{}.options.SystemdCgroup", rt.name))
            .label(format!("{} driver", driver(rt.systemd_cgroup.value)))
            .actual(rt.systemd_cgroup.value.to_string())
            .expected(want.to_string());
        if let Some(s) = reference.systemd_cgroup.span().or(reference.defined_at) {
            b = b.related(s, format!("`{}` uses {}", reference.name, driver(want)));
        }
        b.release(release).emit();
    }
}

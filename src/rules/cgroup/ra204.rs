//! RA204 docker-cgroup-driver-not-carried.

use crate::engine::{Area, Case, Emitter, Location, Rule, RuleMeta, Severity};
use crate::model::containerd::CriLayout;
use crate::model::{InputKind, NodeSnapshot};
use crate::rules::versions_context;

static NOT_CARRIED: Case = Case {
    id: "not-carried",
    severity: Severity::Warning,
};

static META: RuleMeta = RuleMeta {
    id: "RA204",
    name: "docker-cgroup-driver-not-carried",
    area: Area::Cgroup,
    summary: "Docker runs with the systemd cgroup driver but containerd's default runtime does not",
    cases: &[&NOT_CARRIED],
    inputs: &[InputKind::DockerDaemonConfig, InputKind::ContainerdConfig],
    doc: include_str!("../../../rules/RA204.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
    let Some(docker) = out.need(&snap.docker, "Docker daemon.json") else {
        return;
    };
    let Some(driver) = &docker.cgroup_driver else {
        out.not_applicable("daemon.json selects no cgroup driver (Docker's default is cgroupfs)");
        return;
    };
    if driver.value != "systemd" {
        out.not_applicable(format!("Docker uses the {} cgroup driver", driver.value));
        return;
    }
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let Some(runtime) = cfg.cri.default_runtime() else {
        out.inconclusive(format!(
            "containerd's default runtime {:?} is not defined (see RA108)",
            cfg.cri.default_runtime_name.value
        ));
        return;
    };
    if runtime.systemd_cgroup.value {
        return;
    }
    let release = versions_context::containerd_release(snap, cfg);
    release.note_assumption(out);
    let table = match cfg.cri.layout {
        CriLayout::V1 => format!("[plugins.cri.containerd.runtimes.{}.options]", runtime.name),
        CriLayout::V2 => format!(
            "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.{}.options]",
            runtime.name
        ),
        CriLayout::V3 => format!(
            "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.{}.options]",
            runtime.name
        ),
    };
    let containerd_at = runtime
        .systemd_cgroup
        .span()
        .or(runtime.options)
        .or(runtime.defined_at)
        .map_or_else(|| Location::Path(cfg.path.clone()), Location::Span);
    let f = out
        .finding(
            &NOT_CARRIED,
            driver.span,
            format!(
                "Docker is set to the systemd cgroup driver, but containerd's default runtime {:?} uses cgroupfs ({}): the setting was not carried over to {}",
                runtime.name,
                match &runtime.systemd_cgroup.origin {
                    crate::model::Origin::Set(_) => "SystemdCgroup = false".to_string(),
                    crate::model::Origin::Default { note } => note.clone(),
                },
                release.describe()
            ),
        )
        .label("Docker uses systemd")
        .related(containerd_at, "containerd uses cgroupfs")
        .impact("Pods that ran in systemd-managed cgroups under Docker land in cgroupfs cgroups under containerd; a kubelet still set to systemd (as kubeadm sets it) mismatches containerd (RA201), with sandbox restarts across the node.")
        .fix(format!(
            "Carry the driver over: in /etc/containerd/config.toml set\n  {table}\n    SystemdCgroup = true\nthen restart containerd (drain the node first)."
        ))
        .key("exec-opts:native.cgroupdriver")
        .actual("containerd SystemdCgroup = false")
        .expected("SystemdCgroup = true, like Docker's native.cgroupdriver=systemd");
    release.cite(f).emit();
}

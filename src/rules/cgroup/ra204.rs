//! RA204 docker-cgroup-driver-not-carried.

use crate::engine::{Emitter, Location};
use crate::model::containerd::CriLayout;
use crate::model::live::Probe;
use crate::model::{NodeSnapshot, Span};
use crate::rules::releases::containerd_release;
use crate::rules::live::{DockerState, docker_state};

declare_rule! {
    id: "RA204",
    name: "docker-cgroup-driver-not-carried",
    area: Cgroup,
    summary: "Docker runs with the systemd cgroup driver but containerd's default runtime does not",
    inputs: [DockerDaemonConfig, ContainerdConfig, RuntimeSocket],
    cases: [
        NotCarried("not-carried", Warning),
    ],
}

/// Where Docker's systemd driver was found.
enum DockerDriver {
    /// `exec-opts` in daemon.json.
    File(Span),
    /// `docker info` (daemon.json does not choose; dockerd picked it, or a flag did).
    Live { socket: String },
}

#[expect(clippy::too_many_lines, reason = "to be split")]
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let from_file = snap.docker.present().and_then(|d| d.cgroup_driver.as_ref());
    let driver = match from_file {
        Some(d) if d.value == "systemd" => DockerDriver::File(d.span),
        Some(d) => {
            out.not_applicable(format!("Docker uses the {} cgroup driver", d.value));
            return;
        }
        // daemon.json does not choose: what the running Docker reports.
        None => match docker_state(snap) {
            DockerState::Probed(d) => match &d.info {
                Probe::Ok { value } if value.cgroup_driver == "systemd" => DockerDriver::Live {
                    socket: d.socket.clone(),
                },
                Probe::Ok { value } => {
                    out.not_applicable(format!(
                        "Docker uses the {} cgroup driver (docker info on {})",
                        value.cgroup_driver, d.socket
                    ));
                    return;
                }
                Probe::Failed { reason, .. } | Probe::Skipped { reason } => {
                    out.inconclusive(format!(
                        "daemon.json selects no cgroup driver and docker info on {} did not answer: {reason}",
                        d.socket
                    ));
                    return;
                }
            },
            _ if !snap.docker.is_present() && !snap.docker.is_absent() => {
                out.need(&snap.docker, "Docker daemon.json");
                return;
            }
            DockerState::Inconclusive(reason) => {
                out.inconclusive(format!(
                    "daemon.json selects no cgroup driver and the running Docker could not be asked: {reason}"
                ));
                return;
            }
            DockerState::NotApplicable(reason) => {
                out.not_applicable(if snap.docker.is_present() {
                    format!("daemon.json selects no cgroup driver (Docker's default is cgroupfs on cgroup v1 hosts), and {reason}")
                } else {
                    format!("no Docker daemon.json, and {reason}")
                });
                return;
            }
        },
    };
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
    let release = containerd_release(snap, out);
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
    let (at, docker_says) = match &driver {
        DockerDriver::File(span) => (
            Location::Span(*span),
            "Docker is set to the systemd cgroup driver".to_owned(),
        ),
        DockerDriver::Live { socket } => (
            Location::Path(socket.clone()),
            format!(
                "the running Docker reports the systemd cgroup driver (docker info on {socket}; daemon.json does not choose one)"
            ),
        ),
    };
    let f = out
        .finding(
            Case::NotCarried,
            at,
            format!(
                "{docker_says}, but containerd's default runtime {:?} uses cgroupfs ({}): the setting was not carried over to {}",
                runtime.name,
                match &runtime.systemd_cgroup.origin {
                    crate::model::Origin::Set(_) => "SystemdCgroup = false".to_string(),
                    crate::model::Origin::Default { note } => note.clone(),
                },
                release.describe_in_full()
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
    f.release(release).emit();
}

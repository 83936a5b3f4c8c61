//! RA204 docker-cgroup-driver-not-carried.

use crate::engine::{Emitter, Location};
use crate::model::containerd::CriLayout;
use crate::model::live::{Probe, SocketPath};
use crate::model::{NodeSnapshot, Origin, Span};
use crate::release::ContainerdRelease;
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
    Live { socket: SocketPath },
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(docker) = docker_driver(snap, out) else {
        return;
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
    NotCarried {
        docker,
        runtime: &runtime.name,
        containerd_origin: match &runtime.systemd_cgroup.origin {
            Origin::Set(_) => "SystemdCgroup = false".to_string(),
            Origin::Default { note } => note.clone(),
        },
        containerd_at: runtime
            .systemd_cgroup
            .span()
            .or(runtime.options)
            .or(runtime.defined_at)
            .map_or_else(|| Location::Path(cfg.path.clone()), Location::Span),
        layout: cfg.cri.layout,
        release,
    }
    .emit(out);
}

/// Where Docker's systemd driver was found, or None after setting the status: Docker uses
/// another driver, or neither daemon.json nor the running Docker tells.
fn docker_driver(snap: &NodeSnapshot, out: &mut Emitter<Case>) -> Option<DockerDriver> {
    let from_file = snap.docker.present().and_then(|d| d.cgroup_driver.as_ref());
    match from_file {
        Some(d) if d.value == "systemd" => return Some(DockerDriver::File(d.span)),
        Some(d) => {
            out.not_applicable(format!("Docker uses the {} cgroup driver", d.value));
            return None;
        }
        None => {}
    }
    // daemon.json does not choose: what the running Docker reports.
    match docker_state(snap) {
        DockerState::Probed(d) => match &d.info {
            Probe::Ok { value } if value.cgroup_driver == "systemd" => Some(DockerDriver::Live {
                socket: d.socket.clone(),
            }),
            Probe::Ok { value } => {
                out.not_applicable(format!(
                    "Docker uses the {} cgroup driver (docker info on {})",
                    value.cgroup_driver, d.socket
                ));
                None
            }
            Probe::Failed { reason, .. } | Probe::Skipped { reason } => {
                out.inconclusive(format!(
                    "daemon.json selects no cgroup driver and docker info on {} did not answer: {reason}",
                    d.socket
                ));
                None
            }
        },
        _ if !snap.docker.is_present() && !snap.docker.is_absent() => {
            out.need(&snap.docker, "Docker daemon.json");
            None
        }
        DockerState::Inconclusive(reason) => {
            out.inconclusive(format!(
                "daemon.json selects no cgroup driver and the running Docker could not be asked: {reason}"
            ));
            None
        }
        DockerState::NotApplicable(reason) => {
            out.not_applicable(if snap.docker.is_present() {
                format!("daemon.json selects no cgroup driver (Docker's default is cgroupfs on cgroup v1 hosts), and {reason}")
            } else {
                format!("no Docker daemon.json, and {reason}")
            });
            None
        }
    }
}

/// Docker on the systemd driver, containerd's default runtime on cgroupfs.
struct NotCarried<'a> {
    docker: DockerDriver,
    /// containerd's default runtime.
    runtime: &'a str,
    /// Why it is cgroupfs: `SystemdCgroup = false`, or the default's reason.
    containerd_origin: String,
    containerd_at: Location,
    /// The config's CRI layout, which names the table of the fix.
    layout: CriLayout,
    release: &'a ContainerdRelease,
}

impl NotCarried<'_> {
    const IMPACT: &'static str = "Pods that ran in systemd-managed cgroups under Docker land in cgroupfs cgroups under containerd; a kubelet still set to systemd (as kubeadm sets it) mismatches containerd (RA201), with sandbox restarts across the node.";

    fn message(&self) -> String {
        let docker_says = match &self.docker {
            DockerDriver::File(_) => "Docker is set to the systemd cgroup driver".to_owned(),
            DockerDriver::Live { socket } => format!(
                "the running Docker reports the systemd cgroup driver (docker info on {socket}; daemon.json does not choose one)"
            ),
        };
        format!(
            "{docker_says}, but containerd's default runtime {:?} uses cgroupfs ({}): the setting was not carried over to {}",
            self.runtime,
            self.containerd_origin,
            self.release.describe_in_full()
        )
    }

    fn fix(&self) -> String {
        let runtime = self.runtime;
        let table = match self.layout {
            CriLayout::V1 => format!("[plugins.cri.containerd.runtimes.{runtime}.options]"),
            CriLayout::V2 => format!(
                "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.{runtime}.options]"
            ),
            CriLayout::V3 => format!(
                "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.{runtime}.options]"
            ),
        };
        format!(
            "Carry the driver over: in /etc/containerd/config.toml set\n  {table}\n    SystemdCgroup = true\nthen restart containerd (drain the node first)."
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let at = match &self.docker {
            DockerDriver::File(span) => Location::Span(*span),
            DockerDriver::Live { socket } => Location::Path(socket.to_string()),
        };
        out.finding(Case::NotCarried, at, self.message())
            .label("Docker uses systemd")
            .related(self.containerd_at.clone(), "containerd uses cgroupfs")
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key("exec-opts:native.cgroupdriver")
            .actual("containerd SystemdCgroup = false")
            .expected("SystemdCgroup = true, like Docker's native.cgroupdriver=systemd")
            .release(self.release)
            .emit();
    }
}

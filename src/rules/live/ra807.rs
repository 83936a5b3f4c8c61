//! RA807 docker-socket-consumers.

use super::probe_results;
use crate::model::live::SocketPath;
use crate::release::containerd_defaults::GRPC_ADDRESS;
use crate::engine::{Emitter, Location};
use crate::model::live::{DockerContainer, DockerMount, ProbeMode};
use crate::model::manifests::{HostPathVolume, StaticPod};
use crate::model::{Input, NodeSnapshot};
use crate::model::endpoint::clean;

use super::probe_results::{DockerState, container_words};

declare_rule! {
    id: "RA807",
    name: "docker-socket-consumers",
    area: Live,
    summary: "Containers or static pod manifests mount docker.sock, /var/run, /run or /var/lib/docker from the host",
    inputs: [RuntimeSocket, StaticPodManifest],
    cases: [
        /// The kubelet no longer runs pods on Docker: nothing keeps Docker on the node.
        DockerRemoved("docker-removed", Error),
        /// The kubelet still runs pods on Docker (dockershim or cri-dockerd): the consumer works
        /// today and breaks at the switch.
        DockerInUse("docker-in-use", Warning),
    ],
}

/// What a host path mounted into a container gives it of Docker.
#[derive(Clone, Copy)]
enum Exposure {
    /// Docker's API: its socket, or the directory holding it (in words).
    Api(&'static str),
    /// Docker's data directory, where log shippers read its containers' json-file logs
    /// (migration facts WL-001, WL-003).
    Data,
}

impl Exposure {
    fn words(self) -> &'static str {
        match self {
            Exposure::Api(words) => words,
            Exposure::Data => "Docker's data directory",
        }
    }

    fn uses(self) -> &'static str {
        match self {
            Exposure::Api(_) => "uses Docker's API",
            Exposure::Data => "reads Docker's container logs",
        }
    }

    fn impact(self, o: &Outlook) -> String {
        match self {
            Exposure::Api(_) => impact(o),
            Exposure::Data => format!(
                "{}. Once pods run on containerd their logs are no longer in /var/lib/docker/containers: the \
                 kubelet writes them under /var/log/pods (linked from /var/log/containers) in the CRI format \
                 (`2023-05-02T20:17:28.143532061Z stdout F <message>`), so a shipper reading Docker's json-file \
                 logs ships nothing, and a JSON parser rejects the new lines (fluentd: `pattern not matched`).",
                o.words
            ),
        }
    }

    fn fix(self, o: &Outlook) -> String {
        match self {
            Exposure::Api(_) => o.fix.clone(),
            Exposure::Data => "Read /var/log/containers/*.log with a CRI parser (fluent-bit's `cri` parser, \
                 fluentd-kubernetes-daemonset's `FLUENT_CONTAINER_TAIL_PARSER_TYPE`), joining partial (`P`) \
                 lines, then remove the /var/lib/docker mount."
                .to_owned(),
        }
    }
}

/// What a host path mounted into a container gives it of Docker.
fn exposes_docker(path: &str) -> Option<Exposure> {
    let p = clean(path);
    if p == "/run/docker.sock" || p.ends_with("/docker.sock") {
        Some(Exposure::Api("Docker's API socket"))
    } else if p == "/run" {
        Some(Exposure::Api(
            "the host's /run (/var/run), which holds Docker's API socket",
        ))
    } else if p == "/var/lib/docker" || p.starts_with("/var/lib/docker/") {
        Some(Exposure::Data)
    } else {
        None
    }
}

/// Whether Docker is expected to leave the node, the words for it, and the fix's common part.
struct Outlook {
    case: Case,
    words: String,
    fix: String,
}

fn outlook(snap: &NodeSnapshot, out: &mut Emitter<Case>) -> Outlook {
    let fix = fix_start(snap);
    match probe_results::kubelet_uses_docker(snap) {
        Some(false) => Outlook {
            case: Case::DockerRemoved,
            words: "The kubelet no longer runs pods on Docker, so Docker is due to be removed from this node"
                .into(),
            fix,
        },
        Some(true) => Outlook {
            case: Case::DockerInUse,
            words: "The kubelet still runs pods on Docker (dockershim or cri-dockerd)".into(),
            fix,
        },
        None => {
            out.assume(
                "the kubelet's runtime is not known (no kubelet configuration or version): reported as if Docker stays until the switch",
            );
            Outlook {
                case: Case::DockerInUse,
                words: "Whether the kubelet still runs pods on Docker is not known".into(),
                fix,
            }
        }
    }
}

fn impact(o: &Outlook) -> String {
    if o.case == Case::DockerRemoved {
        format!(
            "{}: once it is gone the mounted socket no longer exists and the workload fails to connect (Docker's \
             client says `Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon \
             running?`). While Docker still runs, it sees none of the Kubernetes containers (they are containerd's \
             now).",
            o.words
        )
    } else {
        format!(
            "{}. After the switch to containerd this workload talks to a Docker that runs none of the pods: \
             monitoring, log or security agents see no containers, and it breaks outright when Docker is removed.",
            o.words
        )
    }
}

/// The fix's common part, naming the socket containerd listens on for this node.
fn fix_start(snap: &NodeSnapshot) -> String {
    let socket = snap
        .containerd
        .present()
        .map_or(GRPC_ADDRESS.to_owned(), |c| {
            c.grpc_address.value.path().to_owned()
        });
    format!(
        "Move the workload to the CRI: point agents at containerd's socket ({socket}, read-only \
         where possible) or use the Kubernetes API instead of Docker's; builds that need a daemon \
         move to a rootless builder (BuildKit, kaniko). Then remove the mount."
    )
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let outlook = outlook(snap, out);
    let mut undecided: Vec<String> = Vec::new();
    let mut looked = false;

    match &snap.static_pods {
        Input::Present(pods) => {
            looked = true;
            for p in &pods.pods {
                match p {
                    Input::Present(pod) => static_pod(out, &outlook, pod),
                    Input::Unreadable { path, reason } => {
                        undecided.push(format!("{path} could not be read: {reason}"));
                    }
                    Input::Invalid { path, reason, .. } => {
                        undecided.push(format!("{path} is not valid: {reason}"));
                    }
                    Input::Absent { .. } => {}
                }
            }
        }
        Input::Unreadable { path, reason } => {
            undecided.push(format!("{path} could not be read: {reason}"));
        }
        Input::Invalid { path, reason, .. } => {
            undecided.push(format!("{path} is not valid: {reason}"));
        }
        Input::Absent { .. } => {}
    }

    let offline = matches!(snap.live.mode, ProbeMode::Offline { .. });
    match probe_results::docker_state(snap) {
        DockerState::Probed(d) => match d.containers.ok() {
            Some(containers) => {
                looked = true;
                for c in containers.iter().filter(|c| c.state == "running") {
                    container(out, &outlook, &d.socket, c);
                }
            }
            None => undecided.push(format!(
                "Docker's container list: {}",
                d.containers.reason().unwrap_or("not probed")
            )),
        },
        DockerState::Inconclusive(reason) => undecided.push(reason),
        DockerState::NotApplicable(_) => {}
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    } else if !looked {
        out.not_applicable(if offline {
            "no static pod manifests, and live probes did not run (Docker's containers are unknown)"
        } else {
            "no static pod manifests and no Docker containers"
        });
    }
}

fn static_pod(out: &mut Emitter<Case>, o: &Outlook, pod: &StaticPod) {
    for v in &pod.host_paths {
        let Some(exposure) = exposes_docker(&v.path.value) else {
            continue;
        };
        let what = exposure.words();
        let mut b = out
            .finding(
                o.case,
                v.path.span,
                format!(
                    "static pod {} mounts {what} ({}) from the host",
                    pod.display_name(),
                    v.path.value
                ),
            )
            .label(format!("hostPath {}", v.path.value))
            .impact(exposure.impact(o))
            .fix(format!(
                "{} Edit {} (the kubelet re-creates the pod when the file changes).",
                exposure.fix(o),
                pod.path
            ))
            .key(format!(
                "static pod {} hostPath {}",
                pod.display_name(),
                clean(&v.path.value)
            ))
            .actual(format!("hostPath {}", v.path.value))
            .expected("no hostPath to Docker's socket or its directory");
        b = mounts(b, v);
        b.emit();
    }
}

fn mounts<'e>(
    mut b: crate::engine::emitter::FindingBuilder<'e>,
    v: &HostPathVolume,
) -> crate::engine::emitter::FindingBuilder<'e> {
    for m in &v.mounts {
        b = b.related(
            m.mount_path.span,
            format!(
                "container {} mounts it at {}",
                m.container, m.mount_path.value
            ),
        );
    }
    b
}

/// What a container's mount gives it of Docker: the host path as [`exposes_docker`] judges it,
/// the probed Docker socket under whatever name it is mounted from (`-v /srv/d.sock:...`), or a
/// socket placed where Docker clients look for it in the container.
fn container_exposes_docker(m: &DockerMount, socket: &SocketPath) -> Option<Exposure> {
    if SocketPath::new(m.source.as_str()) == *socket {
        return Some(Exposure::Api("Docker's API socket"));
    }
    exposes_docker(&m.source).or_else(|| {
        (clean(&m.destination) == "/run/docker.sock").then_some(Exposure::Api(
            "a socket at /var/run/docker.sock, where Docker clients look for Docker's API",
        ))
    })
}

fn container(out: &mut Emitter<Case>, o: &Outlook, socket: &SocketPath, c: &DockerContainer) {
    for m in &c.mounts {
        let Some(exposure) = container_exposes_docker(m, socket) else {
            continue;
        };
        let what = exposure.words();
        let managed = if c.is_kubelet_managed() {
            "the kubelet-managed container"
        } else {
            "the Docker container"
        };
        out.finding(
            o.case,
            Location::Path(socket.to_string()),
            format!(
                "{managed} {} mounts {what} ({} at {})",
                container_words(c),
                m.source,
                m.destination
            ),
        )
        .label(format!("{} {}", c.name(), exposure.uses()))
        .impact(exposure.impact(o))
        .fix(if c.is_kubelet_managed() {
            format!(
                "{} Change the pod's spec (its Deployment or DaemonSet), not the container.",
                exposure.fix(o)
            )
        } else {
            format!(
                "{} This container is not managed by the kubelet (see RA806).",
                exposure.fix(o)
            )
        })
        .key(format!("container {} mount {}", c.name(), clean(&m.source)))
        .actual(format!("{} mounted at {}", m.source, m.destination))
        .expected("no mount of Docker's socket or its directory")
        .emit();
    }
}

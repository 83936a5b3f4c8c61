//! RAC04 workload-mounts-docker.

use crate::cluster::facts::ClusterFacts;
use crate::cluster::mounts::{HostMount, MountClass};
use crate::cluster::rollup::{Concern, Workload};
use crate::engine::Emitter;

use super::{affected, object_at, some_of};

declare_cluster_rule! {
    id: "RAC04",
    name: "workload-mounts-docker",
    summary: "A workload mounts Docker's socket, dockershim's, the directory holding them, or Docker's data or log directories from the host",
    cases: [
        DockerSocket("docker-socket", Error),
        DockershimSocket("dockershim-socket", Error),
        RunDirectory("run-directory", Warning),
        DockerLogs("docker-logs", Warning),
        DockerData("docker-data", Warning),
    ],
}

fn check(facts: &ClusterFacts, out: &mut Emitter<Case>) {
    if !super::have_pods(facts, out) {
        return;
    }
    for w in &facts.workloads {
        for m in &w.mounts {
            report(facts, w, m, out);
        }
    }
    out.assume(format!("{} pod(s) read", facts.gathered.pods));
}

struct Words {
    case: Case,
    impact: &'static str,
    fix: &'static str,
}

fn words(class: MountClass) -> Words {
    match class {
        MountClass::DockerSocket => Words {
            case: Case::DockerSocket,
            impact: "On a node without Docker nothing listens on this path: every Docker API call the pod makes fails \
                     (`Cannot connect to the Docker daemon`), and an agent that reads container metadata or runs \
                     `docker ps` sees nothing. A hostPath of type Socket keeps the pod from starting at all.",
            fix: "Move the workload to the CRI socket (`unix:///run/containerd/containerd.sock`, through crictl or the \
                  agent's containerd/CRI mode; most monitoring and security agents have one), or to the Kubernetes \
                  API; then drop the docker.sock volume.",
        },
        MountClass::DockershimSocket => Words {
            case: Case::DockershimSocket,
            impact: "dockershim's socket went with dockershim in kubelet 1.24: after the upgrade nothing serves it, and \
                     the pod's CRI calls fail.",
            fix: "Point the workload at containerd's CRI socket (`unix:///run/containerd/containerd.sock`) and mount \
                  that instead.",
        },
        MountClass::RunDirectory => Words {
            case: Case::RunDirectory,
            impact: "The pod mounts the whole directory that holds docker.sock, so it may talk to Docker through it; a \
                     search for docker.sock in manifests misses it. On a node without Docker that socket is gone.",
            fix: "Check what the pod reads under this directory; if it uses docker.sock, move it to the CRI socket \
                  (`/run/containerd/containerd.sock`) and mount only what it needs.",
        },
        MountClass::DockerLogs => Words {
            case: Case::DockerLogs,
            impact: "Log collectors that tail /var/lib/docker/containers read Docker's JSON log files. On containerd the \
                     kubelet writes container logs under /var/log/pods (and links in /var/log/containers) in the CRI \
                     format (`<time> <stream> <F|P> <message>`): the collector finds no new files, or a Docker JSON \
                     parser garbles them. During a rollout, nodes of both kinds need both parsers.",
            fix: "Tail /var/log/pods (or /var/log/containers) with a CRI log parser (fluent-bit's `cri` parser, \
                  fluentd's `cri` format, the agent's containerd mode), keeping the Docker parser until the last \
                  Docker node is gone; then drop this volume.",
        },
        MountClass::DockerData => Words {
            case: Case::DockerData,
            impact: "Docker's images, containers and volumes stay behind, stale, on a node that moved to containerd \
                     (or are missing on a new one): whatever the pod reads there no longer describes the node.",
            fix: "Read containerd's state through CRI (crictl, the agent's containerd mode) or /var/lib/containerd \
                  instead, and drop this volume.",
        },
    }
}

fn report(facts: &ClusterFacts, w: &Workload, c: &Concern<HostMount>, out: &mut Emitter<Case>) {
    let m = &c.what;
    let words = words(m.class);
    let by = if m.mounted_by.is_empty() {
        "no container mounts it".to_owned()
    } else {
        format!("mounted by {}", m.mounted_by.join(", "))
    };
    let message = format!(
        "{} mounts hostPath {} (volume {}, {by}{}): {}{}",
        w.object.display(),
        m.path,
        m.volume,
        if m.read_only { ", read-only" } else { "" },
        super::pods_on_nodes(c),
        super::inferred_words(w)
    );
    out.finding(words.case, object_at(facts, w.object.clone(), w.at), message)
        .impact(words.impact)
        .fix(words.fix)
        .key(format!("hostPath {}", m.normalised))
        .label(format!("on {}", some_of(&c.nodes, 3)))
        .actual(m.path.clone())
        .affected(affected(c))
        .emit();
}

//! RAC05 workload-runs-docker.

use crate::cluster::facts::ClusterFacts;
use crate::cluster::mounts::{DockerContainer, DockerUse};
use crate::cluster::rollup::{Concern, Workload};
use crate::engine::Emitter;

use super::{affected, object_at};

declare_cluster_rule! {
    id: "RAC05",
    name: "workload-runs-docker",
    summary: "A workload runs Docker itself: a docker-in-docker image, or the docker CLI against the node's Docker",
    cases: [
        DockerCli("docker-cli", Warning),
        DindImage("dind-image", Note),
    ],
}

fn check(facts: &ClusterFacts, out: &mut Emitter<Case>) {
    if !super::have_pods(facts, out) {
        return;
    }
    for w in &facts.workloads {
        for d in &w.docker {
            report(facts, w, d, out);
        }
    }
    out.assume("only what pod specs show: a command that calls docker inside a script file is not seen");
}

fn report(
    facts: &ClusterFacts,
    w: &Workload,
    c: &Concern<DockerContainer>,
    out: &mut Emitter<Case>,
) {
    let d = &c.what;
    let (case, what, impact, fix) = match d.why {
        DockerUse::DockerCli => (
            Case::DockerCli,
            "runs the docker CLI",
            "On a node without Docker the CLI has no daemon to talk to: its commands (`docker ps`, `docker build`, \
             `docker run`) fail with `Cannot connect to the Docker daemon`.",
            "Use crictl or the Kubernetes API for what the container inspects, and a daemonless builder (BuildKit, \
             kaniko, buildah) or a docker-in-docker sidecar for builds.",
        ),
        DockerUse::DindImage => (
            Case::DindImage,
            "runs a docker-in-docker image",
            "It runs its own Docker daemon inside the pod, so it keeps working on containerd nodes; but images it \
             builds or pulls stay in that daemon, invisible to the kubelet, which runs only what containerd has.",
            "Nothing to do for the migration if the pod only builds and pushes. A workflow that builds an image and \
             then runs it as a pod on the node (imagePullPolicy: Never) must push it to a registry instead.",
        ),
    };
    out.finding(
        case,
        object_at(facts, w.object.clone(), w.at),
        format!(
            "{} {what}: container {} ({}), {}{}",
            w.object.display(),
            d.container,
            d.image,
            super::pods_on_nodes(c),
            super::inferred_words(w)
        ),
    )
    .impact(impact)
    .fix(fix)
    .key(format!("container {} ({})", d.container, d.image))
    .label("runs Docker")
    .actual(d.image.clone())
    .affected(affected(c))
    .emit();
}

//! RAC02 cri-socket-annotation.

use crate::cluster::facts::{ClusterFacts, NodeFacts};
use crate::cluster::objects::CRI_SOCKET_ANNOTATION;
use crate::engine::Emitter;
use crate::model::endpoint::{DockerSocket, Endpoint};

use super::{kubelet_of, node_location};

declare_cluster_rule! {
    id: "RAC02",
    name: "cri-socket-annotation",
    summary: "kubeadm's cri-socket annotation on a Node is missing, Docker's, another runtime's than the node runs, or has no scheme",
    cases: [
        Missing("missing", Warning),
        DockerEra("docker-era", Error),
        Disagrees("disagrees", Error),
        NoScheme("no-scheme", Warning),
    ],
}

const UPGRADE_IMPACT: &str = "`kubeadm upgrade` reads the node's CRI socket from this annotation: pointed at a socket \
    nothing serves, its preflight and image pulls fail (`[ERROR ImagePull]: failed to pull image ...`), and older \
    kubeadm stops with `docker is required for container runtime`.";

fn check(facts: &ClusterFacts, out: &mut Emitter<Case>) {
    if let Some(why) = facts.unlisted("nodes") {
        out.inconclusive(why);
        return;
    }
    let nodes = facts.nodes();
    if !nodes.iter().any(|n| n.kubeadm_annotated) {
        out.not_applicable("no Node has a kubeadm.alpha.kubernetes.io annotation: not a kubeadm cluster");
        return;
    }
    let mut node_local = 0;
    let mut managed = 0;
    for node in nodes {
        // Managed platforms and k3s do not run kubeadm: the annotation means nothing there.
        if node.platform().is_some() {
            managed += 1;
            continue;
        }
        // kubeadm 1.34+ keeps the socket in /var/lib/kubelet/instance-config.yaml
        // (NodeLocalCRISocket, on by default) and strips the annotation on upgrade.
        if kubelet_of(node).is_some_and(|k| k.node_local_cri_socket()) {
            node_local += 1;
            continue;
        }
        match node.cri_socket.as_deref() {
            None => missing(facts, node, out),
            Some(value) => judge(facts, node, value, out),
        }
    }
    if managed > 0 {
        out.assume(format!(
            "{managed} node(s) of a managed platform or k3s (by their labels or runtime) were not judged: kubeadm does not manage them"
        ));
    }
    if node_local > 0 {
        out.assume(format!(
            "{node_local} node(s) on kubelet 1.34 or later were not judged: kubeadm 1.34+ reads their socket from /var/lib/kubelet/instance-config.yaml, taking kubeadm's version to be the kubelet's"
        ));
    }
}

/// The socket the annotation should name: the running kubelet's endpoint (configz), else
/// the default socket of the runtime the node reports.
fn socket_for(node: &NodeFacts) -> &str {
    if let Some(running) = node.running_endpoint() {
        return running;
    }
    match node.runtime_name() {
        "cri-o" => "unix:///var/run/crio/crio.sock",
        "docker" if kubelet_of(node).is_some_and(|k| k.has_dockershim()) => {
            "unix:///var/run/dockershim.sock"
        }
        "docker" => "unix:///var/run/cri-dockerd.sock",
        _ => "unix:///run/containerd/containerd.sock",
    }
}

fn annotate(node: &NodeFacts, socket: &str) -> String {
    format!(
        "kubectl annotate node {} --overwrite {CRI_SOCKET_ANNOTATION}={socket}",
        node.name
    )
}

fn missing(facts: &ClusterFacts, node: &NodeFacts, out: &mut Emitter<Case>) {
    let socket = socket_for(node);
    out.finding(
        Case::Missing,
        node_location(facts, node),
        format!(
            "Node {} has no {CRI_SOCKET_ANNOTATION} annotation, in a cluster whose other nodes have kubeadm's",
            node.name
        ),
    )
    .impact(format!(
        "`kubeadm upgrade node` on this node fails: `node {} doesn't have {CRI_SOCKET_ANNOTATION} annotation`.",
        node.name
    ))
    .fix(format!(
        "Run `{}` ({} from the node's {}).",
        annotate(node, socket),
        socket,
        node.runtime_name()
    ))
    .key(CRI_SOCKET_ANNOTATION)
    .label("annotation missing")
    .expected(socket)
    .emit();
}

fn judge(facts: &ClusterFacts, node: &NodeFacts, value: &str, out: &mut Emitter<Case>) {
    let endpoint = Endpoint::parse(value);
    let runtime = node.runtime_name();
    let on_dockershim = runtime == "docker" && kubelet_of(node).is_some_and(|k| k.has_dockershim());
    let socket = socket_for(node);
    let running = node.running_endpoint().map(Endpoint::parse);
    let stale = match endpoint.docker_era() {
        // The running kubelet's endpoint, when configz shows it, is the one to agree with.
        _ if running.is_some() => running
            .as_ref()
            .filter(|r| r.socket().is_none() || r.socket() != endpoint.socket())
            .map(|r| {
                (
                    Case::Disagrees,
                    format!("not the socket the running kubelet uses, {} (its configz)", r.written()),
                )
            }),
        Some(DockerSocket::Dockershim) if on_dockershim => None,
        Some(DockerSocket::CriDockerd) if runtime == "docker" => None,
        Some(era) => Some((Case::DockerEra, era.describe().to_owned())),
        None => {
            let serves = |name: &str| endpoint.path().ends_with(name);
            let agrees = match runtime {
                "containerd" => serves("containerd.sock"),
                "cri-o" => serves("crio.sock"),
                "docker" => false,
                _ => true,
            };
            (!agrees && !runtime.is_empty()).then(|| {
                (
                    Case::Disagrees,
                    format!("another runtime's socket than the node's {}", node.runtime),
                )
            })
        }
    };
    if let Some((case, what)) = stale {
        out.finding(
            case,
            node_location(facts, node),
            format!(
                "Node {}'s {CRI_SOCKET_ANNOTATION} is {value}: {what}",
                node.name
            ),
        )
        .impact(UPGRADE_IMPACT)
        .fix(format!("Run `{}`.", annotate(node, socket)))
        .key(CRI_SOCKET_ANNOTATION)
        .label("stale annotation")
        .actual(value)
        .expected(socket)
        .emit();
    } else if endpoint.scheme().is_none() {
        let with_scheme = format!("unix://{}", value.trim());
        out.finding(
            Case::NoScheme,
            node_location(facts, node),
            format!(
                "Node {}'s {CRI_SOCKET_ANNOTATION} {value:?} has no unix:// scheme",
                node.name
            ),
        )
        .impact(format!(
            "kubeadm warns on every run: `Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet errors in the future. Automatically prepending scheme \"unix\" to the \"criSocket\" with value \"{value}\". Please update your configuration!`"
        ))
        .fix(format!("Run `{}`.", annotate(node, &with_scheme)))
        .key(CRI_SOCKET_ANNOTATION)
        .label("no scheme")
        .actual(value)
        .expected(with_scheme)
        .emit();
    }
}

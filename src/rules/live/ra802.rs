//! RA802 cri-api-unavailable.

use super::sockets;
use super::probe_results;
use crate::release::containerd_defaults::CRI_ENDPOINT;
use crate::engine::{Emitter, Location};
use crate::model::containerd::CriOutcome;
use crate::model::live::{CriApi, Probe, ProbeFailure};
use crate::model::{Component, NodeSnapshot};


use super::sockets::RuntimeSocket;
use super::probe_results::failure_words;

declare_rule! {
    id: "RA802",
    name: "cri-api-unavailable",
    area: Live,
    summary: "A runtime socket answers but serves no CRI runtime.v1 API (CRI plugin disabled or failed to load, or only v1alpha2)",
    inputs: [RuntimeSocket, KubeletFlags, KubeletConfig, ContainerdConfig],
    cases: [
        NoCri("no-cri", Error),
        V1alpha2Only("v1alpha2-only", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !probe_results::probed(snap, out) {
        return;
    }
    let sockets = sockets::runtime_sockets(snap);
    let mut undecided = Vec::new();
    let mut answered = 0;
    for s in &sockets {
        let Some(cri) = sockets::cri_at(snap, &s.path) else {
            continue;
        };
        let api = match &cri.api {
            Probe::Ok { value } => *value,
            Probe::Failed {
                failure: ProbeFailure::Unimplemented,
                ..
            } => CriApi::None,
            Probe::Failed { failure, reason } => {
                undecided.push(format!(
                    "{}: {} ({reason}; see RA801)",
                    s.path,
                    failure_words(*failure)
                ));
                continue;
            }
            Probe::Skipped { reason } => {
                undecided.push(format!("{} was not probed: {reason}", s.path));
                continue;
            }
        };
        answered += 1;
        match api {
            CriApi::V1 => {}
            CriApi::None => no_cri(snap, out, s),
            CriApi::V1Alpha2Only => v1alpha2(snap, out, s),
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    } else if answered == 0 {
        out.not_applicable(
            "no runtime socket the kubelet or containerd names answered a CRI probe",
        );
    }
}

fn no_cri(snap: &NodeSnapshot, out: &mut Emitter<Case>, s: &RuntimeSocket) {
    let endpoint = s.path.unix_uri();
    let cfg = snap
        .containerd
        .present()
        .filter(|c| s.is_containerd || c.grpc_address.value.serves(&s.path));
    let (why, fix) = match cfg.map(|c| &c.outcome.cri) {
        Some(CriOutcome::Disabled { .. }) => (
            "containerd's CRI plugin is disabled in its config (RA101)",
            format!(
                "Remove the CRI plugin from `disabled_plugins` in {} (Docker's containerd.io package ships \
                 `disabled_plugins = [\"cri\"]`), then `systemctl restart containerd` and check with \
                 `crictl --runtime-endpoint {endpoint} info`.",
                cfg.map_or("/etc/containerd/config.toml", |c| c.path.as_str())
            ),
        ),
        Some(CriOutcome::FailsToLoad { .. }) => (
            "containerd's CRI plugin fails to load with this config",
            format!(
                "Correct the setting marked in {} (containerd logs `failed to load plugin io.containerd.grpc.v1.cri`), \
                 restart containerd and check with `crictl --runtime-endpoint {endpoint} info`.",
                cfg.map_or("/etc/containerd/config.toml", |c| c.path.as_str())
            ),
        ),
        _ if s.is_containerd || cfg.is_some() => (
            "containerd runs without its CRI plugin (disabled, or it failed to load: containerd logs `failed to load plugin io.containerd.grpc.v1.cri`)",
            format!(
                "Check `journalctl -u containerd` for the CRI plugin's error and `disabled_plugins` in the config \
                 containerd was started with, fix it, restart containerd and check with \
                 `crictl --runtime-endpoint {endpoint} info`."
            ),
        ),
        _ => (
            "whatever listens there is not a CRI runtime",
            format!(
                "Point the kubelet at a CRI runtime's socket (containerd: {}), or start the runtime with its CRI \
                 service enabled.",
                CRI_ENDPOINT.to_owned()
            ),
        ),
    };
    let mut b = sockets::socket_finding(
        snap,
        out,
        Case::NoCri,
        &s.path,
        "answers gRPC without the CRI services",
        format!(
            "{} ({}) answers, but not the CRI API (runtime.v1 and runtime.v1alpha2 are Unimplemented): {why}",
            s.path, s.why
        ),
    )
    .impact(format!(
        "The kubelet fails with `validate service connection: CRI v1 runtime API is not implemented for endpoint \
         \"{endpoint}\": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService` and the \
         node goes NotReady; kubeadm preflight stops with `[ERROR CRI]: container runtime is not running`."
    ))
    .fix(fix)
    .key(format!("socket {}", s.path.cleaned()))
    .actual("runtime.v1 RuntimeService: Unimplemented")
    .expected("the CRI runtime.v1 services");
    if let Some(c) = cfg {
        b = match &c.outcome.cri {
            CriOutcome::Disabled { span } => b.related(*span, "the CRI plugin is disabled here"),
            CriOutcome::FailsToLoad {
                message,
                span: Some(span),
            } => b.related(*span, format!("the CRI plugin fails to load: {message}")),
            CriOutcome::FailsToLoad {
                message,
                span: None,
            } => b.related(
                Location::Path(c.path.clone()),
                format!("the CRI plugin fails to load: {message}"),
            ),
            _ => b,
        };
    }
    b.emit();
}

fn v1alpha2(snap: &NodeSnapshot, out: &mut Emitter<Case>, s: &RuntimeSocket) {
    let kubelet = snap.versions.kubelet.as_ref();
    if let Some(k) = kubelet
        && !k.speaks_only_cri_v1()
    {
        out.assume(format!(
            "{} serves only CRI v1alpha2, which {k} still speaks; kubelet 1.26 and later do not",
            s.path
        ));
        return;
    }
    let endpoint = s.path.unix_uri();
    let who = match kubelet {
        Some(k) => format!("{k} speaks only CRI v1"),
        None => {
            "the kubelet version is unknown; kubelet 1.26 and later speak only CRI v1".to_owned()
        }
    };
    let runtime = sockets::cri_at(snap, &s.path)
        .map_or_else(|| "the runtime".to_owned(), probe_results::runtime_words);
    let mut b = sockets::socket_finding(
        snap,
        out,
        Case::V1alpha2Only,
        &s.path,
        "serves only CRI v1alpha2",
        format!(
            "{} ({}) serves only the removed CRI v1alpha2 API ({runtime}), and {who}",
            s.path, s.why
        ),
    )
    .impact(format!(
        "The kubelet does not register the node: `validate service connection: CRI v1 runtime API is not \
         implemented for endpoint \"{endpoint}\": rpc error: code = Unimplemented desc = unknown service \
         runtime.v1.RuntimeService`."
    ))
    .fix("Upgrade the runtime before the kubelet: containerd 1.6.0 or later serves CRI v1 (containerd recommends 1.6.15+/1.7.0+ for Kubernetes 1.26; see RA902 for the supported releases).")
    .key(format!("socket {}", s.path.cleaned()))
    .actual("CRI v1alpha2 only")
    .expected("CRI runtime.v1");
    if let Some(k) = kubelet {
        b = b.version(Component::Kubelet, k.fact());
    }
    b.emit();
}

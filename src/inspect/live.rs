//! Live facts: how they were obtained, each runtime socket, what answered on it, the host.

use crate::model::Input;
use crate::model::NodeSnapshot;
use crate::model::live::{KubeletLive, Probe};
use crate::model::manifests::StaticPods;
use crate::report::live::{LiveSummary, ProbeLine};

use super::view::{Section, at};

pub(crate) fn section(snap: &NodeSnapshot) -> Section {
    let live = LiveSummary::new(&snap.live);
    let mut s = Section::new("live", "Live facts (runtime sockets, CRI, Docker, host)");
    let how = match (live.mode, &live.source, &live.reason) {
        ("recorded", Some(path), _) => format!("recorded in {path} (--live-facts)"),
        ("offline", _, Some(reason)) => reason.clone(),
        _ => "probed on this machine".to_owned(),
    };
    s.row("mode", live.mode, how);
    for sock in &live.sockets {
        let state = match (&sock.mode, sock.uid, sock.gid, &sock.detail) {
            (Some(mode), Some(uid), Some(gid), _) => {
                format!("socket, mode {mode}, owner {uid}:{gid}")
            }
            (_, _, _, Some(detail)) => format!("{}: {detail}", sock.state),
            _ => sock.state.to_owned(),
        };
        s.row(
            format!("socket {}", sock.path),
            state,
            format!(
                "named by {}",
                sock.named_by
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    for e in &live.endpoints {
        let mut sub = Section::new(
            format!("{}:{}", e.api, e.socket),
            format!(
                "{} on {} ({})",
                if e.api == "cri" {
                    "CRI"
                } else {
                    "Docker Engine API"
                },
                e.socket,
                e.endpoint
            ),
        );
        for p in &e.probes {
            probe_row(&mut sub, p);
        }
        s.sections.push(sub);
    }
    probe_row(&mut s, &live.host.cgroup);
    if let Some(kubelet) = kubelet_configz(&snap.live.kubelet) {
        s.sections.push(kubelet);
    }
    s.sections.push(static_pods(snap));
    s
}

/// The running kubelet's configuration from the API (what RA810 compares with the files), when
/// the API was asked.
fn kubelet_configz(k: &KubeletLive) -> Option<Section> {
    if k.is_not_read() {
        return None;
    }
    let title = match &k.node {
        Some(n) => format!("Running kubelet of Node {n} (configz)"),
        None => "Running kubelet (configz)".to_owned(),
    };
    let mut s = Section::new("kubelet-configz", title);
    let source = k
        .source
        .clone()
        .unwrap_or_else(|| "the Kubernetes API".to_owned());
    match &k.configz {
        Probe::Ok { value } => {
            let keys = [
                ("cgroupDriver", &value.cgroup_driver, "not in configz"),
                (
                    "containerRuntimeEndpoint",
                    &value.container_runtime_endpoint,
                    "not in configz (a flag before kubelet 1.27)",
                ),
                (
                    "imageServiceEndpoint",
                    &value.image_service_endpoint,
                    "not in configz",
                ),
            ];
            for (key, v, missing) in keys {
                match v {
                    Some(v) => s.row(key, v, source.clone()),
                    None => s.row(key, serde_json::Value::Null, missing),
                }
            }
        }
        Probe::Failed { reason, .. } => s.row(
            "configz",
            serde_json::Value::Null,
            format!(
                "failed ({}): {reason}",
                k.api_failure.as_deref().unwrap_or("error")
            ),
        ),
        Probe::Skipped { reason } => {
            s.row(
                "configz",
                serde_json::Value::Null,
                format!("skipped: {reason}"),
            );
        }
    }
    Some(s)
}

fn probe_row(s: &mut Section, p: &ProbeLine) {
    match (p.result, &p.value, p.failure, &p.reason) {
        ("ok", Some(v), _, _) => s.row(p.name, v, "answered"),
        (_, _, Some(f), Some(r)) => s.row(
            p.name,
            serde_json::Value::Null,
            format!("failed ({f}): {r}"),
        ),
        (_, _, _, Some(r)) => s.row(p.name, serde_json::Value::Null, format!("skipped: {r}")),
        _ => s.row(p.name, serde_json::Value::Null, p.result),
    }
}

/// Static pods' host paths: what RA807 reads.
fn static_pods(snap: &NodeSnapshot) -> Section {
    let mut s = Section::new("static-pods", "Static pods (/etc/kubernetes/manifests)");
    let pods: &StaticPods = match &snap.static_pods {
        Input::Present(p) => p,
        Input::Absent { path } => {
            s.row(
                "manifests",
                serde_json::Value::Null,
                format!("{path} not found"),
            );
            return s;
        }
        Input::Unreadable { path, reason } | Input::Invalid { path, reason, .. } => {
            s.row(
                "manifests",
                serde_json::Value::Null,
                format!("{path}: {reason}"),
            );
            return s;
        }
    };
    for p in &pods.pods {
        match p {
            Input::Present(pod) => {
                if pod.host_paths.is_empty() {
                    s.row(
                        format!("{} hostPath", pod.display_name()),
                        serde_json::Value::Null,
                        format!("{}: no hostPath volumes", pod.path),
                    );
                }
                for v in &pod.host_paths {
                    s.row(
                        format!("{} hostPath {}", pod.display_name(), v.name.value),
                        &v.path.value,
                        at(&snap.sources, v.path.span),
                    );
                }
            }
            Input::Absent { path } => s.row(path.clone(), serde_json::Value::Null, "absent"),
            Input::Unreadable { path, reason } | Input::Invalid { path, reason, .. } => {
                s.row(path.clone(), serde_json::Value::Null, reason.clone());
            }
        }
    }
    s
}

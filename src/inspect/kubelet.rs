//! The kubelet's effective view: how systemd builds its command line, every flag with the
//! file and variable it comes through, the config file, and the values the kubelet uses.

use crate::model::kubelet::{KubeletSettings, Setting};
use crate::model::{Input, NodeSnapshot, SourceMap, Span};

use super::view::{Section, at};

/// `file:line:col` of a span, or a fallback.
fn place(sources: &SourceMap, span: Option<Span>, otherwise: &str) -> String {
    span.map_or_else(|| otherwise.to_owned(), |s| at(sources, s))
}

/// A row for an input that was not read.
pub(crate) fn not_read<T>(s: &mut Section, input: &Input<T>) {
    match input {
        Input::Absent { path } => s.row("state", "absent", format!("{path} not found")),
        Input::Unreadable { path, reason } => {
            s.row("state", "unreadable", format!("{path}: {reason}"));
        }
        Input::Invalid { path, reason, .. } => {
            s.row("state", "invalid", format!("{path}: {reason}"));
        }
        Input::Present(_) => {}
    }
}

fn setting_row<T: serde::Serialize>(
    s: &mut Section,
    sources: &SourceMap,
    key: &str,
    v: &Setting<T>,
    unset: &str,
) {
    match v {
        Setting::Known(e) => s.effective(sources, key, e),
        Setting::Unset => s.row(key, serde_json::Value::Null, format!("unset: {unset}")),
        Setting::Unknown { reason } => {
            s.row(key, serde_json::Value::Null, format!("unknown: {reason}"));
        }
    }
}

pub(crate) fn section(snap: &NodeSnapshot) -> Section {
    let mut s = Section::new("kubelet", "kubelet");
    let Some(k) = snap.kubelet.present() else {
        not_read(&mut s, &snap.kubelet);
        return s;
    };
    let sources = &snap.sources;
    s.sections.push(command_line(sources, k));
    s.sections.push(flags(sources, k));
    s.sections.push(config(sources, k));
    s.sections.push(effective(sources, k));
    s
}

fn command_line(sources: &SourceMap, k: &KubeletSettings) -> Section {
    let mut s = Section::new("command-line", "Command line (systemd)");
    let svc = &k.service;
    if svc.assumed_dropin {
        s.row(
            "unit",
            "10-kubeadm.conf (assumed)",
            crate::collect::kubelet::ASSUMED_DROPIN,
        );
    } else {
        s.row("unit files", &svc.unit_files, "applied in this order");
        s.row(
            "ExecStart",
            svc.exec_start
                .and_then(|e| sources.get(e.file).text().get(e.range()).map(str::to_owned)),
            place(sources, svc.exec_start, "none in effect"),
        );
    }
    for f in &svc.environment_files {
        s.row(
            format!(
                "EnvironmentFile={}{}",
                if f.optional { "-" } else { "" },
                f.path
            ),
            if f.exists { "read" } else { "absent" },
            place(sources, f.span, "assumed drop-in"),
        );
    }
    for v in &svc.variables {
        s.row(
            format!("${}", v.name),
            &v.value,
            match v.span {
                Some(span) => format!("{} ({})", at(sources, span), v.origin),
                None => v.origin.clone(),
            },
        );
    }
    for n in &svc.notes {
        s.row("note", &n.message, place(sources, n.span, "systemd"));
    }
    for w in &k.positional {
        s.row(
            "stray word",
            &w.value,
            format!(
                "{}: not a flag; the kubelet refuses it",
                at(sources, w.span)
            ),
        );
    }
    s
}

fn flags(sources: &SourceMap, k: &KubeletSettings) -> Section {
    let mut s = Section::new(
        "flags",
        "Flags, in command-line order (the last occurrence wins)",
    );
    for f in &k.flags {
        let value = match &f.value {
            Some(v) => serde_json::Value::String(v.clone()),
            None => serde_json::Value::Bool(true),
        };
        s.row(
            format!("--{}", f.name),
            value,
            format!("{} via {}", at(sources, f.span), f.via),
        );
    }
    for src in &k.flag_sources {
        s.row("source", &src.path, &src.via);
    }
    s
}

fn config(sources: &SourceMap, k: &KubeletSettings) -> Section {
    let mut s = Section::new("config", "Config file");
    match &k.config {
        Input::Present(c) => {
            s.row("path", &c.path, "read");
            let fields = [
                ("apiVersion", &c.api_version),
                ("kind", &c.kind),
                ("cgroupDriver", &c.cgroup_driver),
            ];
            for (key, v) in fields {
                if let Some(v) = v {
                    s.row(key, &v.value, at(sources, v.span));
                }
            }
            let endpoints = [
                ("containerRuntimeEndpoint", &c.container_runtime_endpoint),
                ("imageServiceEndpoint", &c.image_service_endpoint),
            ];
            for (key, v) in endpoints {
                if let Some(v) = v {
                    s.row(key, &v.value, at(sources, v.span));
                }
            }
            if let Some(v) = &c.fail_cgroup_v1 {
                s.row("failCgroupV1", v.value, at(sources, v.span));
            }
            for (gate, v) in &c.feature_gates {
                s.row(
                    format!("featureGates.{}", gate.value),
                    v.value,
                    at(sources, v.span),
                );
            }
            for w in &c.wrong_types {
                s.row(
                    "refused",
                    &w.value,
                    format!(
                        "{}: wrong type or value; the kubelet rejects the file",
                        at(sources, w.span)
                    ),
                );
            }
        }
        other => not_read(&mut s, other),
    }
    let mut ic = Section::new("instance-config", "kubeadm instance-config.yaml");
    match &k.instance_config {
        Input::Present(i) => match &i.container_runtime_endpoint {
            Some(e) => ic.row("containerRuntimeEndpoint", &e.value, at(sources, e.span)),
            None => ic.row(
                "containerRuntimeEndpoint",
                serde_json::Value::Null,
                "not set",
            ),
        },
        other => not_read(&mut ic, other),
    }
    s.sections.push(ic);
    s
}

fn effective(sources: &SourceMap, k: &KubeletSettings) -> Section {
    let mut s = Section::new("effective", "What the kubelet uses");
    let e = &k.effective;
    setting_row(&mut s, sources, "cgroupDriver", &e.cgroup_driver, "");
    setting_row(
        &mut s,
        sources,
        "containerRuntimeEndpoint",
        &e.runtime_endpoint,
        "dockershim up to 1.23, no default on 1.26, unix:///run/containerd/containerd.sock from 1.27",
    );
    setting_row(
        &mut s,
        sources,
        "imageServiceEndpoint",
        &e.image_endpoint,
        "the runtime endpoint is used",
    );
    for (key, v) in [
        ("containerRuntime", &e.container_runtime),
        ("podInfraContainerImage", &e.pod_infra_image),
    ] {
        match v {
            Some(v) => s.row(key, &v.value, at(sources, v.span)),
            None => s.row(key, serde_json::Value::Null, "no flag"),
        }
    }
    match (&e.config_path, &k.config, k.service.assumed_dropin) {
        (Some(p), _, _) => s.row("config", &p.value, at(sources, p.span)),
        (None, Input::Absent { path }, false) => {
            s.row("config", serde_json::Value::Null, path.clone());
        }
        (None, c, true) => s.row(
            "config",
            crate::collect::kubelet::config::DEFAULT_CONFIG,
            format!(
                "KUBELET_CONFIG_ARGS of the assumed kubeadm drop-in{}",
                if c.is_absent() { " (file absent)" } else { "" }
            ),
        ),
        (None, _, false) => s.row("config", serde_json::Value::Null, "no --config"),
    }
    s
}

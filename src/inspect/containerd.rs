//! containerd's effective configuration.

use crate::model::containerd::{CriOutcome, KeyStatus};
use crate::model::{Input, NodeSnapshot};

use super::view::{Section, at};

#[expect(clippy::too_many_lines, reason = "to be split")]
pub(crate) fn section(snapshot: &NodeSnapshot) -> Section {
    let sources = &snapshot.sources;
    let mut s = Section::new("containerd", "containerd");
    let cfg = match &snapshot.containerd {
        Input::Present(c) => c,
        Input::Absent { path } => {
            s.row("config", "absent", path.clone());
            return s;
        }
        Input::Unreadable { path, reason } => {
            s.row("config", "unreadable", format!("{path}: {reason}"));
            return s;
        }
        Input::Invalid { path, reason, .. } => {
            s.row("config", "invalid", format!("{path}: {reason}"));
            s.row(
                "starts",
                false,
                format!("containerd cannot load {path}: {reason}"),
            );
            s.row("cri plugin", "not started", "containerd does not start");
            return s;
        }
    };
    s.row("config", cfg.path.clone(), "main file");
    for f in cfg.files.iter().skip(1) {
        let by = f.imported_by.map_or_else(String::new, |sp| at(sources, sp));
        s.row("import", f.path.clone(), format!("imported by {by}"));
    }
    s.row(
        "evaluated for",
        format!("containerd {}", snapshot.versions.containerd.evaluated()),
        snapshot.versions.containerd.origin(),
    );
    s.row(
        "version",
        cfg.version.value,
        cfg.version.span.map_or_else(
            || "no version header (treated as 1)".to_string(),
            |sp| at(sources, sp),
        ),
    );
    match &cfg.outcome.starts {
        Ok(()) => s.row("starts", true, "predicted"),
        Err(b) => s.row(
            "starts",
            false,
            format!(
                "{}{}",
                b.message,
                b.span
                    .map_or_else(String::new, |sp| format!(" at {}", at(sources, sp)))
            ),
        ),
    }
    let (cri, why) = match &cfg.outcome.cri {
        CriOutcome::Loads => ("loads", "predicted".to_string()),
        CriOutcome::Disabled { span } => (
            "disabled",
            format!("disabled_plugins at {}", at(sources, *span)),
        ),
        CriOutcome::FailsToLoad { message, span } => (
            "fails to load",
            format!(
                "{message}{}",
                span.map_or_else(String::new, |sp| format!(" at {}", at(sources, sp)))
            ),
        ),
        CriOutcome::NotStarted => ("not started", "containerd does not start".to_string()),
    };
    s.row("cri plugin", cri, why);
    s.effective(sources, "grpc address", &cfg.grpc_address);
    let disabled: Vec<&str> = cfg
        .disabled_plugins
        .iter()
        .map(|p| p.value.as_str())
        .collect();
    s.row("disabled_plugins", disabled, "merged from every file");
    let required: Vec<&str> = cfg
        .required_plugins
        .iter()
        .map(|p| p.value.as_str())
        .collect();
    s.row("required_plugins", required, "merged from every file");

    let cri = &cfg.cri;
    let mut c = Section::new("cri", format!("CRI (tables read: {:?} layout)", cri.layout));
    c.effective(sources, "default_runtime_name", &cri.default_runtime_name);
    match cri.default_runtime() {
        Some(r) => c.effective(sources, "default runtime SystemdCgroup", &r.systemd_cgroup),
        None => c.row(
            "default runtime SystemdCgroup",
            serde_json::Value::Null,
            "the default runtime is not defined",
        ),
    }
    c.effective(sources, "sandbox image", &cri.sandbox_image);
    c.effective(sources, "registry config_path", &cri.registry.config_path);
    c.effective(sources, "snapshotter", &cri.snapshotter);
    c.effective(sources, "cni bin_dir", &cri.cni.bin_dir);
    c.effective(sources, "cni conf_dir", &cri.cni.conf_dir);
    if let Some(sc) = &cri.legacy_systemd_cgroup {
        c.row(
            "systemd_cgroup (plugin level)",
            sc.value,
            at(sources, sc.span),
        );
    }
    for r in &cri.runtimes {
        let mut rs = Section::new(
            format!("runtimes.{}", r.name),
            format!("runtime {}", r.name),
        );
        rs.row(
            "defined",
            r.defined_at.is_some(),
            r.defined_at.map_or_else(
                || "containerd's built-in runtime".to_string(),
                |sp| at(sources, sp),
            ),
        );
        rs.effective(sources, "runtime_type", &r.runtime_type);
        rs.effective(sources, "SystemdCgroup", &r.systemd_cgroup);
        if let Some(b) = &r.binary_name {
            rs.row("BinaryName", b.value.clone(), at(sources, b.span));
        }
        c.sections.push(rs);
    }
    for m in &cri.registry.mirrors {
        let eps: Vec<&str> = m.endpoints.iter().map(|e| e.value.as_str()).collect();
        c.row(
            format!("mirror {}", m.host.value),
            eps,
            at(sources, m.host.span),
        );
    }
    s.sections.push(c);

    let flagged: Vec<_> = cfg.keys.iter().filter(|k| !k.status.is_known()).collect();
    if !flagged.is_empty() {
        let mut k = Section::new("keys", "Keys containerd does not use as written");
        for e in flagged {
            let what = match &e.status {
                KeyStatus::Unknown {
                    suggestion: Some(s),
                } => format!("unknown (did you mean {s}?)"),
                KeyStatus::Unknown { suggestion: None } => "unknown".into(),
                KeyStatus::Misplaced { should_be } => format!("misplaced (belongs at {should_be})"),
                KeyStatus::Removed(r) => format!("deprecated/removed option {}", r.option),
                KeyStatus::WrongSchema { belongs_to } => {
                    format!("belongs to the {belongs_to:?} layout")
                }
                KeyStatus::Ignored { reason } => format!("ignored: {reason}"),
                KeyStatus::WrongType { expected } => format!("wrong type (expected {expected})"),
                KeyStatus::Known => "known".into(),
            };
            k.row(e.path.clone(), what, at(sources, e.key));
        }
        s.sections.push(k);
    }
    for r in &cfg.replaced_tables {
        s.row(
            format!("plugin table {} replaced", r.plugin),
            at(sources, r.by),
            format!("the table at {} is dropped entirely", at(sources, r.lost)),
        );
    }
    s
}

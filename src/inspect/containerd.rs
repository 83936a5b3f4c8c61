//! containerd's effective configuration.

use crate::model::containerd::{ContainerdConfig, CriOutcome, KeyStatus, Runtime};
use crate::model::{Input, NodeSnapshot, SourceMap, Span};

use super::view::{Section, at};

/// The files, the predicted start, the CRI settings, each runtime, and the keys containerd
/// does not use as written.
pub(crate) fn section(snapshot: &NodeSnapshot) -> Section {
    let sources = &snapshot.sources;
    let mut s = Section::new("containerd", "containerd");
    let cfg = match &snapshot.containerd {
        Input::Present(c) => c,
        other => {
            not_read(&mut s, other);
            return s;
        }
    };
    files(&mut s, sources, cfg);
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
            format!("{}{}", b.message, at_suffix(sources, b.span)),
        ),
    }
    let (cri, why) = cri_outcome(sources, &cfg.outcome.cri);
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
    s.sections.push(cri_section(sources, cfg));
    if let Some(keys) = keys_section(sources, cfg) {
        s.sections.push(keys);
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

/// The rows of a config that was not read; an invalid one also means containerd does not
/// start.
fn not_read(s: &mut Section, input: &Input<ContainerdConfig>) {
    match input {
        Input::Present(_) => {}
        Input::Absent { path } => s.row("config", "absent", path.clone()),
        Input::Unreadable { path, reason } => {
            s.row("config", "unreadable", format!("{path}: {reason}"));
        }
        Input::Invalid { path, reason, .. } => {
            s.row("config", "invalid", format!("{path}: {reason}"));
            s.row(
                "starts",
                false,
                format!("containerd cannot load {path}: {reason}"),
            );
            s.row("cri plugin", "not started", "containerd does not start");
        }
    }
}

/// The main file and every file it imports.
fn files(s: &mut Section, sources: &SourceMap, cfg: &ContainerdConfig) {
    s.row("config", cfg.path.clone(), "main file");
    for f in cfg.files.iter().skip(1) {
        let by = f.imported_by.map_or_else(String::new, |sp| at(sources, sp));
        s.row("import", f.path.clone(), format!("imported by {by}"));
    }
}

/// ` at file:line:col`, or nothing.
fn at_suffix(sources: &SourceMap, span: Option<Span>) -> String {
    span.map_or_else(String::new, |sp| format!(" at {}", at(sources, sp)))
}

/// What the CRI plugin does, and why.
fn cri_outcome(sources: &SourceMap, outcome: &CriOutcome) -> (&'static str, String) {
    match outcome {
        CriOutcome::Loads => ("loads", "predicted".to_string()),
        CriOutcome::Disabled { span } => (
            "disabled",
            format!("disabled_plugins at {}", at(sources, *span)),
        ),
        CriOutcome::FailsToLoad { message, span } => (
            "fails to load",
            format!("{message}{}", at_suffix(sources, *span)),
        ),
        CriOutcome::NotStarted => ("not started", "containerd does not start".to_string()),
    }
}

fn cri_section(sources: &SourceMap, cfg: &ContainerdConfig) -> Section {
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
        c.sections.push(runtime_section(sources, r));
    }
    for m in &cri.registry.mirrors {
        let eps: Vec<&str> = m.endpoints.iter().map(|e| e.value.as_str()).collect();
        c.row(
            format!("mirror {}", m.host.value),
            eps,
            at(sources, m.host.span),
        );
    }
    c
}

fn runtime_section(sources: &SourceMap, r: &Runtime) -> Section {
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
    rs
}

/// The keys containerd does not use as written, if any.
fn keys_section(sources: &SourceMap, cfg: &ContainerdConfig) -> Option<Section> {
    let flagged: Vec<_> = cfg.keys.iter().filter(|k| !k.status.is_known()).collect();
    if flagged.is_empty() {
        return None;
    }
    let mut k = Section::new("keys", "Keys containerd does not use as written");
    for e in flagged {
        k.row(
            e.path.to_string(),
            key_status(&e.status),
            at(sources, e.key),
        );
    }
    Some(k)
}

fn key_status(status: &KeyStatus) -> String {
    match status {
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
    }
}

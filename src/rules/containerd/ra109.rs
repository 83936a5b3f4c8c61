//! RA109 cri-not-required.

use crate::engine::Emitter;
use crate::model::containerd::{CriLayout, CriOutcome};
use crate::model::{NodeSnapshot, Span};

use crate::release::containerd::CRI_GRPC_ID;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA109",
    name: "cri-not-required",
    area: Containerd,
    summary: "required_plugins does not list CRI, so containerd runs on without it when the plugin fails to load",
    inputs: [ContainerdConfig],
    cases: [
        NotRequired("not-required", Note),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let designates_cri = |p: &crate::model::Spanned<String>| {
        release.designated_plugin(&p.value, cfg, p.span).as_deref() == Some(CRI_GRPC_ID)
    };
    if cfg.disabled_plugins.iter().any(designates_cri) {
        out.not_applicable("the CRI plugin is disabled (RA101)");
        return;
    }
    if cfg.required_plugins.iter().any(designates_cri) {
        return;
    }
    // Listed in a form this config version does not match: RA102 reports that.
    if cfg
        .required_plugins
        .iter()
        .any(|p| p.value == "cri" || p.value == CRI_GRPC_ID)
    {
        out.not_applicable(
            "required_plugins names CRI in a form this config version does not match (RA102)",
        );
        return;
    }
    // `required_plugins` belongs in the main file: point at its `version` key, or its top.
    let Some(at) = cfg.files.first().map(|f| {
        f.version
            .as_ref()
            .map_or(Span::new(f.file, 0..0), |v| v.span)
    }) else {
        return;
    };
    let name = if release.reads(cfg.version.value) == CriLayout::V1 {
        "cri"
    } else {
        CRI_GRPC_ID
    };
    let now = match &cfg.outcome.cri {
        CriOutcome::FailsToLoad { message, .. } => format!(
            " With this config it does fail to load (`{message}`), and containerd keeps running without it."
        ),
        _ => String::new(),
    };
    let message = format!(
        "`required_plugins` does not list the CRI plugin, so {} starts and reports itself healthy even when CRI \
         fails to load",
        release.describe()
    );
    let impact = format!(
        "A CRI configuration error (registry, runtime or cgroup settings) only shows as a warning in containerd's \
         log (`failed to load plugin io.containerd.grpc.v1.cri`): systemd reports containerd active while the \
         kubelet gets `unknown service runtime.v1.RuntimeService`.{now}"
    );
    let existing = if cfg.required_plugins.is_empty() {
        format!("required_plugins = [{name:?}]")
    } else {
        let mut names: Vec<String> = cfg
            .required_plugins
            .iter()
            .map(|p| format!("{:?}", p.value))
            .collect();
        names.push(format!("{name:?}"));
        format!("required_plugins = [{}]", names.join(", "))
    };
    let fix = format!(
        "Add `{existing}` near the top of {} (a top-level key, before the first table). containerd then exits when \
         CRI cannot load (`containerd: load required plugin {name}: invalid plugin config: ...`, seen with \
         containerd 1.6.20), which systemd, the kubelet's node status and monitoring all \
         see.",
        cfg.path
    );
    let b = out
        .finding(Case::NotRequired, at, message)
        .impact(impact)
        .fix(fix)
        .key("required_plugins")
        .label("CRI is not required")
        .expected(existing);
    b.release(release).emit();
}

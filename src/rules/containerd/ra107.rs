//! RA107 config-removed-option: options containerd deprecated or removed
//! (migration-facts CTD-CFG-007).

use crate::engine::{Area, Case, Emitter, Rule, RuleMeta, Severity};
use crate::model::containerd::{ContainerdConfig, KeyStatus, RemovedOption, Runtime};
use crate::model::{InputKind, NodeSnapshot, Span};

use super::common::{self, Release};

static BREAKS: Case = Case {
    id: "removed-breaks",
    severity: Severity::Error,
};

static DEPRECATED: Case = Case {
    id: "deprecated",
    severity: Severity::Warning,
};

static META: RuleMeta = RuleMeta {
    id: "RA107",
    name: "config-removed-option",
    area: Area::Containerd,
    summary: "An option containerd deprecated or removed; some break pods or the CRI plugin",
    cases: &[&BREAKS, &DEPRECATED],
    inputs: &[InputKind::ContainerdConfig],
    doc: include_str!("../../../rules/RA107.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

const RUNC_V1: &str = "io.containerd.runc.v1";

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = Release::of(snap, cfg, out);
    // Plugin-level `systemd_cgroup = true` that breaks CRI or is ignored is RA202's finding.
    let legacy = common::harmful_legacy_systemd_cgroup(cfg, &release).map(|s| s.span);
    let mut seen: Vec<Span> = Vec::new();
    for k in &cfg.keys {
        let KeyStatus::Removed(opt) = &k.status else {
            continue;
        };
        if Some(k.value) == legacy {
            continue;
        }
        seen.push(k.value);
        from_inventory(snap, cfg, &release, &k.path, k.key, opt, out);
    }
    for rt in &cfg.cri.runtimes {
        if let Some(span) = rt.runtime_type.span()
            && !seen.contains(&span)
        {
            removed_runtime_type(cfg, &release, rt, span, out);
        }
    }
    if cfg.cri.snapshotter.value == "aufs"
        && let Some(span) = cfg.cri.snapshotter.span()
        && !seen.contains(&span)
    {
        aufs(&release, span, out);
    }
}

fn from_inventory(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &Release<'_>,
    path: &str,
    span: Span,
    opt: &RemovedOption,
    out: &mut Emitter,
) {
    let when = match (opt.deprecated_in, opt.removed_in) {
        (Some(d), Some(r)) => format!("deprecated since containerd {d} and removed in {r}"),
        (None, Some(r)) => format!("removed in containerd {r}"),
        (Some(d), None) => format!("deprecated since containerd {d}"),
        (None, None) => "deprecated".to_string(),
    };
    let message = format!(
        "`{}` is {when}; on {}: {}",
        opt.option,
        release.describe(),
        opt.effect
    );
    let case = if opt.breaks { &BREAKS } else { &DEPRECATED };
    let impact = if opt.breaks {
        format!(
            "{} This breaks the CRI plugin or the pods that rely on it.",
            opt.effect
        )
    } else {
        format!(
            "{} Nothing breaks yet, but the option goes away in a later release.",
            opt.effect
        )
    };
    let fix = format!(
        "Replace `{}` at {} with {} ({} config).",
        opt.option,
        common::at_line(snap, span),
        opt.replacement,
        common::version_label(cfg)
    );
    let b = out
        .finding(case, span, message)
        .impact(impact)
        .fix(fix)
        .key(path.to_string())
        .label(if opt.breaks {
            "removed option"
        } else {
            "deprecated option"
        })
        .expected(opt.replacement);
    release.tag(b).emit();
}

/// The v1 shim (`io.containerd.runtime.v1.linux`) and `io.containerd.runc.v1`: deprecated in
/// 1.4, removed in 2.0 (containerd RELEASES.md).
fn removed_runtime_type(
    cfg: &ContainerdConfig,
    release: &Release<'_>,
    rt: &Runtime,
    span: Span,
    out: &mut Emitter,
) {
    let ty = rt.runtime_type.value.as_str();
    if ty != common::V1_LINUX && ty != RUNC_V1 {
        return;
    }
    let is_default = cfg.cri.default_runtime_name.value == rt.name;
    let whose = if is_default {
        "every pod (it is the default runtime)".to_string()
    } else {
        format!("pods whose RuntimeClass handler is `{}`", rt.name)
    };
    let header = common::runtime_options_header(common::written_layout(cfg), &rt.name);
    let fix = format!(
        "Set `runtime_type = \"io.containerd.runc.v2\"` for runtimes.{}, and move its runc settings into `{header}` \
         (`SystemdCgroup = true`, `BinaryName`, `Root` instead of `runtime_root`, `NoPivotRoot` instead of \
         `no_pivot`). The v2 shim is what containerd 1.4 and later use by default.",
        common::toml_key(&rt.name)
    );
    let (case, message, impact) = if release.is_1x() {
        (
            &DEPRECATED,
            format!(
                "runtimes.{} uses `runtime_type = {ty:?}`, deprecated since containerd 1.4 and removed in 2.0; {} \
                 still runs it",
                common::toml_key(&rt.name),
                release.describe()
            ),
            format!(
                "Works on containerd 1.x; after an upgrade to containerd 2.x the runtime no longer exists and \
                 {whose} cannot start (the exact error text is not confirmed)."
            ),
        )
    } else {
        (
            &BREAKS,
            format!(
                "runtimes.{} uses `runtime_type = {ty:?}`, which {} no longer has (removed in containerd 2.0)",
                common::toml_key(&rt.name),
                release.describe()
            ),
            format!(
                "The runtime is not available, so {whose} cannot start (the exact error text is not confirmed)."
            ),
        )
    };
    let b = out
        .finding(case, span, message)
        .impact(impact)
        .fix(fix)
        .key(format!("runtimes.{}.runtime_type", rt.name))
        .label("removed in containerd 2.0")
        .actual(ty.to_string())
        .expected("io.containerd.runc.v2");
    release.tag(b).emit();
}

/// The built-in aufs snapshotter: deprecated in 1.5, removed in 2.0.
fn aufs(release: &Release<'_>, span: Span, out: &mut Emitter) {
    let message = format!(
        "`snapshotter = \"aufs\"` on {}: the built-in aufs snapshotter is deprecated since containerd 1.5 and \
         removed in 2.0",
        release.describe()
    );
    let b = out
        .finding(&DEPRECATED, span, message)
        .impact(
            "On containerd 2.x the snapshotter does not exist, so image unpacking and container creation through \
             CRI cannot use it (the exact error is not confirmed); images already unpacked with aufs are not \
             visible to overlayfs.",
        )
        .fix("Set `snapshotter = \"overlayfs\"` (containerd's default) and re-pull images.")
        .key("snapshotter")
        .label("removed in containerd 2.0")
        .actual("aufs")
        .expected("overlayfs");
    release.tag(b).emit();
}

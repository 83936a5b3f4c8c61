//! RA202 systemd-cgroup-misplaced: SystemdCgroup written where containerd does not read it
//! for the default runtime.

use crate::model::toml_path;
use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, KeyEntry, KeyStatus};
use crate::model::{NodeSnapshot, Span};
use crate::rules::containerd::config_words;
use crate::rules::containerd::layouts;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA202",
    name: "systemd-cgroup-misplaced",
    area: Cgroup,
    summary: "SystemdCgroup is written where containerd does not read it for the default runtime",
    inputs: [ContainerdConfig],
    cases: [
        OutsideOptions("outside-options", Error),
        WrongSchema("wrong-schema", Error),
        PluginLevel("plugin-level-systemd-cgroup", Error),
        NotOnDefault("not-on-default-runtime", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    for k in &cfg.keys {
        if k.path.last() != Some("SystemdCgroup") {
            continue;
        }
        match &k.status {
            KeyStatus::Misplaced { should_be } => {
                outside_options(snap, cfg, release, k, should_be, out);
            }
            // A version-3 file on 1.x is read like version 2 or refused: RA104's finding.
            KeyStatus::WrongSchema { .. } | KeyStatus::Ignored { .. }
                if !(release.is_1x() && cfg.version.value >= 3) =>
            {
                wrong_schema(snap, cfg, release, k, out);
            }
            _ => {}
        }
    }
    if let Some(legacy) = release.harmful_legacy_systemd_cgroup(cfg) {
        plugin_level(cfg, release, legacy.span, out);
    }
    not_on_default(cfg, release, out);
}

/// The runtime a `...runtimes.<name>...` path is about.
fn runtime_of(path: &[String]) -> Option<&str> {
    let i = path.iter().position(|s| s == "runtimes")?;
    path.get(i + 1).map(String::as_str)
}

fn default_name(cfg: &ContainerdConfig) -> &str {
    &cfg.cri.default_runtime_name.value
}

fn cgroupfs_impact(cfg: &ContainerdConfig, runtime: &str) -> String {
    let whose = if runtime == default_name(cfg) {
        "every pod".to_string()
    } else {
        format!("pods of RuntimeClass handler `{runtime}`")
    };
    format!(
        "containerd runs {whose} with the cgroupfs driver. With the kubelet on `cgroupDriver: systemd`, containers \
         fail with `OCI runtime create failed: expected cgroupsPath to be of format \"slice:prefix:name\" for \
         systemd cgroups` or run in a second cgroup hierarchy and the node sees pod restarts and `SandboxChanged` \
         loops; kubelet 1.31+ with containerd 2.x takes the driver from containerd and silently switches to \
         cgroupfs."
    )
}

fn outside_options(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    k: &KeyEntry,
    should_be: &str,
    out: &mut Emitter<Case>,
) {
    let segs = k.path.segments();
    let runtime = runtime_of(segs).unwrap_or("runc");
    let header = layouts::runtime_options_header(cfg.written_layout(), runtime);
    let value = config_words::snippet(snap, k.value);
    let message = format!(
        "`SystemdCgroup` is set directly under runtimes.{}, not in its `options` table, so {} ignores it",
        toml_path::key(runtime),
        release.describe()
    );
    let logged = if release.is_1x() {
        "containerd 1.x ignores it silently (seen with 1.6.20: `containerd config dump` shows no options table)"
    } else {
        "containerd 2.x logs `Ignoring unknown key in TOML for plugin` and goes on"
    };
    let b = out
        .finding(Case::OutsideOptions, k.key, message)
        .impact(format!("{logged}; {}", cgroupfs_impact(cfg, runtime)))
        .fix(format!(
            "Move it into the options table:\n{header}\n  SystemdCgroup = {value}\n(expected at `{should_be}`)."
        ))
        .key(k.path.to_string())
        .label("outside `options`")
        .expected(should_be.to_string());
    b.release(release).emit();
}

fn wrong_schema(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    k: &KeyEntry,
    out: &mut Emitter<Case>,
) {
    let segs = k.path.segments();
    let runtime = runtime_of(segs).unwrap_or("runc").to_string();
    let layout = cfg.written_layout();
    let target = layouts::translate(segs, layout).unwrap_or_else(|| {
        format!(
            "{}.runtimes.{}.options.SystemdCgroup",
            layout.runtime_table(),
            runtime
        )
    });
    let value = config_words::snippet(snap, k.value);
    let why = match &k.status {
        KeyStatus::Ignored { reason } => reason.clone(),
        _ => format!(
            "the table belongs to another config schema than {}",
            config_words::version_label(cfg)
        ),
    };
    let message = format!("`{}` is not read by {}: {why}", k.path, release.describe());
    let header = target
        .rsplit_once('.')
        .map_or(target.clone(), |(h, _)| h.to_string());
    let b = out
        .finding(Case::WrongSchema, k.key, message)
        .impact(format!(
            "SystemdCgroup stays false for runtime `{runtime}`. {}",
            cgroupfs_impact(cfg, &runtime)
        ))
        .fix(format!(
            "Write it where a {} config reads it:\n[{header}]\n  SystemdCgroup = {value}",
            config_words::version_label(cfg)
        ))
        .key(k.path.to_string())
        .label("ignored here")
        .expected(target);
    b.release(release).emit();
}

fn plugin_level(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let layout = cfg.written_layout();
    let header = layouts::runtime_options_header(layout, default_name(cfg));
    let (message, impact) = if release.is_1x() {
        (
            format!(
                "Plugin-level `systemd_cgroup = true` only serves the removed v1 shim \
                 (io.containerd.runtime.v1.linux); the default runtime `{}` is `{}`, so {} rejects the CRI config",
                default_name(cfg),
                cfg.cri
                    .default_runtime()
                    .map_or("undefined", |r| r.runtime_type.value.as_str()),
                release.describe()
            ),
            format!(
                "containerd starts, but the CRI plugin fails to load: `level=warning msg=\"failed to load plugin \
                 io.containerd.grpc.v1.cri\" error=\"invalid plugin config: `systemd_cgroup` only works for runtime \
                 io.containerd.runtime.v1.linux\"` (seen with 1.6.20). The kubelet gets `unknown service \
                 runtime.v1.RuntimeService` from unix://{}: no pod starts.",
                cfg.grpc_address.value
            ),
        )
    } else {
        (
            format!(
                "Plugin-level `systemd_cgroup = true` no longer exists in {}: containerd 2.0 removed it, so it is \
                 ignored and the runc runtimes keep the cgroupfs driver",
                release.describe()
            ),
            format!(
                "containerd logs `Ignoring unknown key in TOML for plugin` and goes on. {}",
                cgroupfs_impact(cfg, default_name(cfg))
            ),
        )
    };
    let b = out
        .finding(Case::PluginLevel, span, message)
        .impact(impact)
        .fix(format!(
            "Delete `systemd_cgroup = true` and set the driver on the runtime instead:\n{header}\n  SystemdCgroup = true\n\
             (`sed s/systemd_cgroup = false/systemd_cgroup = true/` on `containerd config default` output edits \
             the wrong key)."
        ))
        .key("systemd_cgroup")
        .label("not the runc cgroup setting")
        .actual("systemd_cgroup = true")
        .expected(format!("{header} SystemdCgroup = true"));
    b.release(release).emit();
}

/// SystemdCgroup = true on a runc-based runtime (typically `runc`) while the default runtime
/// is another runc-based one that does not set it (an `nvidia` runtime added next to runc).
fn not_on_default(cfg: &ContainerdConfig, release: &ContainerdRelease, out: &mut Emitter<Case>) {
    let Some(default) = cfg.cri.default_runtime() else {
        return;
    };
    if !default.is_runc_based()
        || default.systemd_cgroup.value
        || !default.systemd_cgroup.is_default()
    {
        return;
    }
    let Some(other) = cfg
        .cri
        .runtimes
        .iter()
        .find(|r| r.name != default.name && r.is_runc_based() && r.systemd_cgroup.value)
    else {
        return;
    };
    let Some(at) = cfg.cri.default_runtime_name.span().or(default.defined_at) else {
        return;
    };
    let header = layouts::runtime_options_header(cfg.written_layout(), &default.name);
    let message = format!(
        "`SystemdCgroup = true` is set on runtime `{}`, but the default runtime is `{}`, which does not set it: \
         {} runs pods with `{}`, on the cgroupfs driver",
        other.name,
        default.name,
        release.describe(),
        default.name
    );
    let mut b = out
        .finding(Case::NotOnDefault, at, message)
        .impact(cgroupfs_impact(cfg, &default.name))
        .fix(format!(
            "Set it on the default runtime too (each runtime has its own options):\n{header}\n  SystemdCgroup = true"
        ))
        .key(format!("runtimes.{}.options.SystemdCgroup", default.name))
        .label(format!("default runtime `{}` has no SystemdCgroup", default.name))
        .actual("false (not set)")
        .expected("true");
    if let Some(s) = other.systemd_cgroup.span() {
        b = b.related(s, format!("set on `{}` only", other.name));
    }
    b.release(release).emit();
}

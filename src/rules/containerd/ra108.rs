//! RA108 default-runtime-undefined.

use crate::model::toml_path;
use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, Runtime};
use crate::model::{NodeSnapshot, Span};

use super::layouts;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA108",
    name: "default-runtime-undefined",
    area: Containerd,
    summary: "default_runtime_name is empty or names no defined runtime (or one without runtime_type): CRI fails to load or pods fail",
    inputs: [ContainerdConfig],
    cases: [
        EmptyName("empty-name", Error),
        Undefined("undefined", Error),
        RuncReplaced("built-in-runc-replaced", Error),
        EmptyType("empty-runtime-type", Error),
        BuiltInRunc2x("built-in-runc-on-2x", Note),
    ],
}

const RUNC: &str = "runc";

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let name = &cfg.cri.default_runtime_name;
    if name.value.is_empty() {
        if let Some(span) = name.span() {
            empty_name(cfg, release, span, out);
        }
        return;
    }
    match cfg.cri.default_runtime() {
        Some(rt)
            if rt.defined_at.is_none() && release.keeps_builtin_runc() && defines_runtimes(cfg) =>
        {
            builtin_runc_kept(cfg, release, out);
        }
        Some(rt) => {
            if rt.runtime_type.value.is_empty()
                && let Some(header) = rt.defined_at
            {
                empty_type(cfg, release, rt, header, out);
            }
        }
        None if name.value == RUNC => runc_replaced(cfg, release, out),
        None => {
            if let Some(span) = name.span() {
                undefined(cfg, release, span, out);
            }
        }
    }
}

fn cri_fails(cfg: &ContainerdConfig, release: &ContainerdRelease, error: &str) -> String {
    let log = if release.is_1x() {
        format!(
            "level=warning msg=\"failed to load plugin io.containerd.grpc.v1.cri\" error=\"invalid plugin config: {error}\""
        )
    } else {
        format!("failed to load plugin ... error=\"invalid plugin config: {error}\"")
    };
    let socket = &cfg.grpc_address.value;
    format!(
        "containerd starts, but the CRI plugin fails to load (`{log}`), so the kubelet and crictl get `unknown \
         service runtime.v1.RuntimeService` from unix://{socket}: no pod can start and the node stays NotReady."
    )
}

fn defined_names(cfg: &ContainerdConfig) -> String {
    cfg.cri.defined_runtimes()
        .map(|r| format!("`{}`", r.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn empty_name(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let table = cfg.written_layout().runtime_table();
    let b = out
        .finding(
            Case::EmptyName,
            span,
            format!("`default_runtime_name` is empty on {}", release.describe()),
        )
        .impact(cri_fails(cfg, release, "`default_runtime_name` is empty"))
        .fix(format!(
            "Under `[{table}]`, set `default_runtime_name = \"runc\"` (or the name of a runtime defined under \
             `[{table}.runtimes]`), or delete the line to get containerd's default `runc`."
        ))
        .key("default_runtime_name")
        .label("empty")
        .actual("\"\"")
        .expected("runc");
    b.release(release).emit();
}

fn undefined(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let name = &cfg.cri.default_runtime_name.value;
    let layout = cfg.written_layout();
    let table = layout.runtime_table();
    let defined = defined_names(cfg);
    let error = format!(
        "no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = \
         \"{name}\"`"
    );
    let alternatives = if defined.is_empty() {
        String::new()
    } else {
        format!(", or set `default_runtime_name` to one of the runtimes defined: {defined}")
    };
    let b = out
        .finding(
            Case::Undefined,
            span,
            format!(
                "`default_runtime_name = {name:?}` names no runtime under `[{table}.runtimes]` ({})",
                release.describe()
            ),
        )
        .impact(cri_fails(cfg, release, &error))
        .fix(format!(
            "Define the runtime:\n[{table}.runtimes.{key}]\n  runtime_type = \"io.containerd.runc.v2\"\n\
             (the runtime's shim, e.g. io.containerd.runc.v2 for runc-compatible runtimes){alternatives}.",
            key = toml_path::key(name)
        ))
        .key("default_runtime_name")
        .label("no such runtime")
        .actual(name.clone());
    b.release(release).emit();
}

/// Defining any `runtimes.<name>` replaces containerd's default runtimes map, built-in `runc`
/// included (seen with 1.6.20 in `containerd config dump`).
fn runc_replaced(cfg: &ContainerdConfig, release: &ContainerdRelease, out: &mut Emitter<Case>) {
    let defined: Vec<&Runtime> = cfg.cri.defined_runtimes()
        .collect();
    let Some(first) = defined.first().and_then(|r| r.defined_at) else {
        return;
    };
    let name = &cfg.cri.default_runtime_name;
    let at = name.span().unwrap_or(first);
    let layout = cfg.written_layout();
    let table = layout.runtime_table();
    let names = defined_names(cfg);
    let how = if name.is_default() {
        "`default_runtime_name` is not set, so it is containerd's default \"runc\""
    } else {
        "`default_runtime_name = \"runc\"`"
    };
    let error = "no corresponding runtime configured in `containerd.runtimes` for `containerd` \
                 `default_runtime_name = \"runc\"`";
    let other = defined.first().map_or("nvidia", |r| r.name.as_str());
    let fix = format!(
        "Either make a defined runtime the default: under `[{table}]` set `default_runtime_name = {other:?}`; or \
         define runc next to {names}:\n[{table}.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n\
         {}\n  SystemdCgroup = true  # match the kubelet's cgroupDriver",
        layouts::runtime_options_header(layout, RUNC)
    );
    let message = format!(
        "{how}, but this config defines only {names}: defining any runtime replaces containerd's built-in \
         runtimes, so {} has no `runc`",
        release.describe()
    );
    let impact = format!(
        "{} Seen with containerd 1.6.20.",
        cri_fails(cfg, release, error)
    );
    let mut b = out
        .finding(Case::RuncReplaced, at, message)
        .impact(impact)
        .fix(fix)
        .key("default_runtime_name")
        .label("no runtime named runc is defined")
        .actual("runc")
        .expected(names.clone());
    for r in &defined {
        if let Some(h) = r.defined_at
            && h != at
        {
            b = b.related(h, format!("defines `{}` only", r.name));
        }
    }
    b.release(release).emit();
}

fn defines_runtimes(cfg: &ContainerdConfig) -> bool {
    cfg.cri.defined_runtimes().next().is_some()
}

/// On 2.x the built-in `runc` stays next to the runtimes a config defines (seen with 2.1.9 in
/// `containerd config dump`): with `default_runtime_name` left at `runc`, pods without a
/// RuntimeClass run with it and its defaults, not with the runtimes this config describes.
fn builtin_runc_kept(cfg: &ContainerdConfig, release: &ContainerdRelease, out: &mut Emitter<Case>) {
    let defined: Vec<&Runtime> = cfg.cri.defined_runtimes()
        .collect();
    let Some(first) = defined.first() else {
        return;
    };
    let Some(header) = first.defined_at else {
        return;
    };
    let name = &cfg.cri.default_runtime_name;
    let at = name.span().unwrap_or(header);
    let table = cfg.written_layout().runtime_table();
    let names = defined_names(cfg);
    let b = out
        .finding(
            Case::BuiltInRunc2x,
            at,
            format!(
                "The default runtime is containerd's built-in `runc`, not one of the runtimes this config defines \
                 ({names}): {} keeps its built-in `runc` next to them",
                release.describe()
            ),
        )
        .impact(
            "Pods without a RuntimeClass run with the built-in runc and its defaults (SystemdCgroup false, so the \
             cgroupfs driver), not with the settings written here; seen with containerd 2.1.9 in `containerd config \
             dump`. containerd 1.x instead drops `runc` and fails to load CRI.",
        )
        .fix(format!(
            "If {} is meant for every pod, set `default_runtime_name = {:?}` under `[{table}]`; otherwise define \
             `[{table}.runtimes.runc]` with the options runc should have (e.g. `SystemdCgroup = true` in its \
             options table) so the file says what runs.",
            first.name, first.name
        ))
        .key("default_runtime_name")
        .label("the built-in runc runs pods")
        .actual("runc (built in)")
        .expected(names);
    b.release(release).emit();
}

/// A runtime table without `runtime_type` gets an empty one (seen with 1.6.20 in
/// `containerd config dump`); the CRI plugin passes it as the container's runtime name, which
/// containerd's metadata store rejects when the pod sandbox is created (`validateContainer`
/// in `metadata/containers.go`, read in the source).
fn empty_type(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    rt: &Runtime,
    header: Span,
    out: &mut Emitter<Case>,
) {
    let at = rt.runtime_type.span().unwrap_or(header);
    let layout = cfg.written_layout();
    let table = layout.runtime_table();
    let key = toml_path::key(&rt.name);
    let message = format!(
        "The default runtime `{}` has {} `runtime_type`, so {} runs its pods with an empty runtime name",
        rt.name,
        if rt.runtime_type.is_default() {
            "no"
        } else {
            "an empty"
        },
        release.describe()
    );
    let b = out
        .finding(Case::EmptyType, at, message)
        .impact(
            "The CRI plugin loads, but creating any pod sandbox fails with `container.Runtime.Name must be set: \
             invalid argument`: the CRI plugin passes `runtime_type` as the container's runtime name, and \
             containerd's metadata check rejects an empty one (seen with containerd 1.6.20 through `ctr run \
             --runtime \"\"`; the same text appears in user reports of runtimes without runtime_type). Every pod \
             stays in ContainerCreating.",
        )
        .fix(format!(
            "Add the shim type to the runtime:\n[{table}.runtimes.{key}]\n  runtime_type = \"io.containerd.runc.v2\"\n\
             (or the shim the runtime needs, e.g. io.containerd.kata.v2)."
        ))
        .key(format!("runtimes.{}.runtime_type", rt.name))
        .label("no runtime_type")
        .actual("\"\"")
        .expected("io.containerd.runc.v2");
    b.release(release).emit();
}

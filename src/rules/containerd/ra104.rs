//! RA104 config-version-unsupported.

use crate::engine::Emitter;
use crate::model::containerd::ContainerdConfig;
use crate::model::{NodeSnapshot, Span};

use crate::release::{ConfigVersionSupport, ContainerdRelease};
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA104",
    name: "config-version-unsupported",
    area: Containerd,
    summary: "The config `version` is newer than the containerd release understands",
    inputs: [ContainerdConfig],
    cases: [
        Fatal("fatal", Error),
        CriIgnored("cri-settings-ignored", Error),
        PatchUnknown("fatal-or-ignored", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let Some(span) = cfg.version.span else {
        // No `version` key: version 1, which every release reads (RA103).
        return;
    };
    let release = containerd_release(snap, out);
    let version = cfg.version.value;
    match release.config_version_support(version) {
        ConfigVersionSupport::Reads => {}
        ConfigVersionSupport::Refuses { max, .. } => fatal(cfg, release, span, max, out),
        ConfigVersionSupport::IgnoresCriTables => cri_ignored(cfg, release, span, out),
        ConfigVersionSupport::RefusesOrIgnores => fatal_or_ignored(cfg, release, span, out),
    }
}

fn fix(cfg: &ContainerdConfig, release: &ContainerdRelease) -> String {
    let v = cfg.version.value;
    if release.is_1x() {
        format!(
            "containerd 1.x reads config versions 1 and 2 only. Either install containerd 2.x, which reads version \
             {v} files as written, or rewrite {} as a version 2 config for the installed 1.x: generate one with \
             `containerd config default > /tmp/config.toml` and carry the settings over to their version 2 paths \
             (`[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]` becomes \
             `[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]`; \
             `[plugins.'io.containerd.cri.v1.images'.pinned_images] sandbox` becomes `sandbox_image` under \
             `[plugins.\"io.containerd.grpc.v1.cri\"]`; `[plugins.'io.containerd.cri.v1.images'.registry]` becomes \
             `[plugins.\"io.containerd.grpc.v1.cri\".registry]`).",
            cfg.path
        )
    } else if v == 4 {
        format!(
            "Set `version = 3` in {}: version 4 only moves the server settings into plugins, so move \
             `[plugins.'io.containerd.server.v1.grpc'] address` back to `[grpc] address` (likewise ttrpc, debug and \
             metrics); the CRI tables stay as they are. Or install containerd 2.3 or later, which reads version 4.",
            cfg.path
        )
    } else {
        format!(
            "No containerd release reads config version {v}. Write `version = 3` (containerd 2.0–2.2) or \
             `version = 4` (2.3 and later) in {}, or generate a config with `containerd config default` from the \
             installed binary.",
            cfg.path
        )
    }
}

fn fatal(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    max: i64,
    out: &mut Emitter<Case>,
) {
    let v = cfg.version.value;
    let message = format!(
        "Config `version = {v}` is newer than {} reads (at most version {max})",
        release.describe()
    );
    let impact = if release.is_1x() {
        format!(
            "containerd refuses to start: it logs ``containerd config version `{v}` is not supported, the max \
             version is `2`, use `containerd config default` to generate a new config or manually revert to version \
             `2` `` and exits with `failed to load TOML from {}: unsupported config version `{v}``. Every container \
             on the node stops with it.",
            cfg.path
        )
    } else {
        format!(
            "containerd refuses to start: `failed to load TOML from {}: expected containerd config version equal \
             to or less than `{max}`, got `{v}``. Every container on the node stops with it.",
            cfg.path
        )
    };
    let b = out
        .finding(Case::Fatal, span, message)
        .impact(impact)
        .fix(fix(cfg, release))
        .key("version")
        .label(format!("containerd reads at most version {max}"))
        .actual(v.to_string())
        .expected(format!("at most {max}"));
    b.release(release).emit();
}

const IGNORED_IMPACT: &str = "containerd 1.x has no `io.containerd.cri.v1.*` plugins, so every CRI setting in \
     those tables is silently ignored (only a version 2 `io.containerd.grpc.v1.cri` table would be read) and CRI \
     runs with its defaults: SystemdCgroup false (cgroupfs), the release's default \
     pause image, no registry configuration. Seen with containerd 1.6.20: a version 3 file with `SystemdCgroup = \
     true` starts fine and `containerd config dump` shows `SystemdCgroup = false`.";

fn cri_ignored(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let v = cfg.version.value;
    let message = format!(
        "Config `version = {v}` is a containerd 2.x format; {} predates the version check (added in 1.6.32 and \
         1.7.17), accepts the file and reads it like version 2: none of its version {v} CRI tables",
        release.describe()
    );
    let b = out
        .finding(Case::CriIgnored, span, message)
        .impact(IGNORED_IMPACT)
        .fix(fix(cfg, release))
        .key("version")
        .label("a containerd 2.x config version")
        .actual(v.to_string())
        .expected("1 or 2");
    b.release(release).emit();
}

fn fatal_or_ignored(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let v = cfg.version.value;
    let from = if release.line() == Some((1, 6)) {
        "1.6.32"
    } else {
        "1.7.17"
    };
    let message = format!(
        "Config `version = {v}` is a containerd 2.x format, and {} reads at most version 2; what happens depends on \
         the patch release, which is not known",
        release.describe()
    );
    let impact = format!(
        "From {from} on, containerd refuses to start (`failed to load TOML from {}: unsupported config version \
         `{v}``) and every container on the node stops with it. Before {from}, it starts: {IGNORED_IMPACT}",
        cfg.path
    );
    let b = out
        .finding(Case::PatchUnknown, span, message)
        .impact(impact)
        .fix(format!(
            "{} Pass the exact release with `--containerd-version` for a precise verdict.",
            fix(cfg, release)
        ))
        .key("version")
        .label("a containerd 2.x config version")
        .actual(v.to_string())
        .expected("1 or 2");
    b.release(release).emit();
}

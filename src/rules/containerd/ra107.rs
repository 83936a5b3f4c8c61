//! RA107 config-removed-option: options containerd deprecated or removed
//! (migration-facts CTD-CFG-007).

use crate::model::toml_path;
use crate::model::containerd::RUNC_V1;
use crate::release::containerd::V1_SHIM;
use crate::engine::Emitter;
use crate::model::containerd::{
    ContainerdConfig, CriOutcome, KeyEntry, KeyStatus, ReadAt, RemovedOption, Runtime,
};
use crate::model::{NodeSnapshot, Span};

use super::config_words;
use super::layouts;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA107",
    name: "config-removed-option",
    area: Containerd,
    summary: "An option containerd deprecated or removed; some break pods or the CRI plugin",
    inputs: [ContainerdConfig],
    cases: [
        Breaks("removed-breaks", Error),
        Deprecated("deprecated", Warning),
        DeprecatedUnset("deprecated-unset", Note),
        ConvertedOnLoad("converted-on-load", Note),
    ],
}


fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    // Plugin-level `systemd_cgroup = true` that breaks CRI or is ignored is RA202's finding.
    let legacy = release.harmful_legacy_systemd_cgroup(cfg).map(|s| s.span);
    let mut seen: Vec<Span> = Vec::new();
    // Keys inside a removed table inherit its status: report the table once.
    let removed: Vec<&KeyEntry> = cfg
        .keys
        .iter()
        .filter(|k| matches!(k.status, KeyStatus::Removed(_)) && Some(k.value) != legacy)
        .collect();
    // Runtime types and the snapshotter are judged from the effective settings below.
    seen.extend(removed.iter().map(|k| k.value));
    let from_settings: Vec<Span> = cfg
        .cri
        .runtimes
        .iter()
        .filter_map(|r| r.runtime_type.span())
        .chain(cfg.cri.snapshotter.span())
        .collect();
    for k in crate::model::containerd::outermost(&removed) {
        let KeyStatus::Removed(opt) = &k.status else {
            continue;
        };
        // Registry options are RA402's and RA403's findings.
        if opt.option.starts_with("registry.") || from_settings.contains(&k.value) {
            continue;
        }
        if !release.has_deprecated(opt) {
            continue;
        }
        // Breaks where the CRI plugin's validation fails on this very value (1.x rejects
        // `runtime_engine`, `runtime_root`, `no_pivot` next to the runc v2 shim).
        let breaks = matches!(
            &cfg.outcome.cri,
            CriOutcome::FailsToLoad { span: Some(s), .. } if *s == k.value
        );
        if !breaks && release.converts_on_load(opt, cfg.version.value) {
            Converted {
                option: opt,
                path: k.path.to_string(),
                release,
            }
            .emit(k.key, out);
        } else if !breaks && k.zero_value && release.still_reads(opt) {
            Unset {
                option: opt,
                path: k.path.to_string(),
                at: config_words::at_line(snap, k.key),
                release,
            }
            .emit(k.key, out);
        } else {
            from_inventory(snap, cfg, release, k, opt, breaks, out);
        }
    }
    seen.retain(|s| !from_settings.contains(s));
    for rt in &cfg.cri.runtimes {
        if let Some(span) = rt.runtime_type.span()
            && !seen.contains(&span)
        {
            removed_runtime_type(cfg, release, rt, span, out);
        }
    }
    if cfg.cri.snapshotter.value == "aufs"
        && let Some(span) = cfg.cri.snapshotter.span()
        && !seen.contains(&span)
    {
        aufs(release, span, out);
    }
}

fn from_inventory(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    k: &KeyEntry,
    opt: &RemovedOption,
    breaks: bool,
    out: &mut Emitter<Case>,
) {
    let (path, span) = (k.path.to_string(), k.key);
    let when = match (opt.deprecated_in, opt.removed_in) {
        (Some(d), Some(r)) => format!("deprecated since containerd {d} and removed in {r}"),
        (None, Some(r)) => format!("removed in containerd {r}"),
        (Some(d), None) => format!("deprecated since containerd {d}"),
        (None, None) => "deprecated".to_string(),
    };
    let message = format!("On {}: `{}` is {when}", release.describe(), opt.option);
    let case = if breaks { Case::Breaks } else { Case::Deprecated };
    let impact = match (&cfg.outcome.cri, breaks) {
        (CriOutcome::FailsToLoad { message, .. }, true) => format!(
            "With this value the CRI plugin fails to load (`failed to load plugin io.containerd.grpc.v1.cri` \
             error=\"{message}\"): the kubelet gets `unknown service runtime.v1.RuntimeService` and no pod starts. \
             In general: {}.",
            opt.effect
        ),
        _ if !release.still_reads(opt) => no_longer_read(
            release,
            opt,
            release.reads(cfg.version.value) == cfg.written_layout(),
        ),
        _ => format!(
            "Nothing breaks on this release with this value; the option goes away: {}.",
            opt.effect
        ),
    };
    let fix = format!(
        "Replace `{}` at {} with {} ({} config).",
        opt.option,
        config_words::at_line(snap, span),
        opt.replacement,
        config_words::version_label(cfg)
    );
    let b = out
        .finding(case, span, message)
        .impact(impact)
        .fix(fix)
        .key(path.to_string())
        .label(if breaks {
            "removed option"
        } else {
            "deprecated option"
        })
        .expected(opt.replacement);
    b.release(release).emit();
}

/// The impact of an option the release has removed and ignores, and why the release says
/// nothing about it where it reads the table that holds it (`layout_read`).
fn no_longer_read(release: &ContainerdRelease, opt: &RemovedOption, layout_read: bool) -> String {
    let silent = match opt.read_at {
        ReadAt::ShimStart if layout_read => {
            " containerd hands a runtime's options to its shim only when a pod starts, so it reports \
             nothing about this one when it loads the config: no deprecation is listed and nothing is logged."
        }
        ReadAt::ShimStart | ReadAt::ConfigLoad => "",
    };
    format!(
        "{} no longer reads `{}`: the setting has no effect ({}).{silent}",
        release.describe(),
        opt.option,
        opt.effect
    )
}

/// A deprecated option written with the value containerd reads as unset (`systemd_cgroup =
/// false`, `runtime_engine = ""`, an empty `default_runtime` table, as `containerd config
/// default` writes them) on a release that still reads it: the release behaves as without it
/// and reports no deprecation, so it is a note to delete the line before the release that
/// drops the key.
struct Unset<'a> {
    option: &'a RemovedOption,
    /// The key's path as containerd reads it.
    path: String,
    /// `/etc/containerd/config.toml:67`.
    at: String,
    release: &'a ContainerdRelease,
}

impl Unset<'_> {
    fn message(&self) -> String {
        format!(
            "On {}: `{}` is deprecated, written here with the value containerd reads as unset",
            self.release.describe(),
            self.option.option
        )
    }

    fn impact(&self) -> String {
        let gone = match self.option.removed_in {
            Some(r) => format!("containerd {r} no longer reads the key at all"),
            None => "later releases may drop the key".to_owned(),
        };
        format!(
            "None on this release: the value is the same as leaving the key out, so containerd uses nothing from it \
             and reports no deprecation for it; {gone}."
        )
    }

    fn fix(&self) -> String {
        format!(
            "Delete `{}` at {}: containerd behaves the same without it (should a value be needed later, the replacement is: {}).",
            self.option.option, self.at, self.option.replacement
        )
    }

    fn emit(self, key: Span, out: &mut Emitter<Case>) {
        out.finding(Case::DeprecatedUnset, key, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(self.path.clone())
            .label("deprecated option, unset value")
            .expected("the key removed")
            .release(self.release)
            .emit();
    }
}

/// A deprecated option the release converts into its replacement as it loads a file of this
/// version (a version-2 file's `cni.bin_dir` on 2.x), reporting nothing: a note for when the
/// file is rewritten.
struct Converted<'a> {
    option: &'a RemovedOption,
    path: String,
    release: &'a ContainerdRelease,
}

impl Converted<'_> {
    fn emit(self, key: Span, out: &mut Emitter<Case>) {
        let (option, replacement) = (self.option.option, self.option.replacement);
        out.finding(
            Case::ConvertedOnLoad,
            key,
            format!(
                "On {}: `{option}` is deprecated, but containerd converts this version 2 file's value into \
                 `{replacement}` as it loads it",
                self.release.describe()
            ),
        )
        .impact(format!(
            "None while the file stays version 2: containerd uses the value as `{replacement}` and reports no \
             deprecation (seen with containerd 2.1.9: `config dump` shows it in `{replacement}`, and \
             `ctr deprecations list` is empty). A version 3 file must say `{replacement}`."
        ))
        .fix(format!(
            "Nothing to do on this release. When the file becomes version 3 (`containerd config migrate` \
             writes it), the value goes in `{replacement}`."
        ))
        .key(self.path.clone())
        .label("converted on load")
        .expected(replacement)
        .release(self.release)
        .emit();
    }
}

/// The v1 shim (`io.containerd.runtime.v1.linux`) and `io.containerd.runc.v1`: deprecated in
/// 1.4, removed in 2.0 (containerd RELEASES.md).
fn removed_runtime_type(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    rt: &Runtime,
    span: Span,
    out: &mut Emitter<Case>,
) {
    let ty = rt.runtime_type.value.as_str();
    if ty != V1_SHIM && ty != RUNC_V1 {
        return;
    }
    let is_default = cfg.cri.default_runtime_name.value == rt.name;
    let whose = if is_default {
        "every pod (it is the default runtime)".to_string()
    } else {
        format!("pods whose RuntimeClass handler is `{}`", rt.name)
    };
    let header = layouts::runtime_options_header(cfg.written_layout(), &rt.name);
    let fix = format!(
        "Set `runtime_type = \"io.containerd.runc.v2\"` for runtimes.{}, and move its runc settings into `{header}` \
         (`SystemdCgroup = true`, `BinaryName`, `Root` instead of `runtime_root`, `NoPivotRoot` instead of \
         `no_pivot`). The v2 shim is what containerd 1.4 and later use by default.",
        toml_path::key(&rt.name)
    );
    let (case, message, impact) = if release.is_1x() {
        (
            Case::Deprecated,
            format!(
                "runtimes.{} uses `runtime_type = {ty:?}`, deprecated since containerd 1.4 and removed in 2.0; {} \
                 still runs it",
                toml_path::key(&rt.name),
                release.describe()
            ),
            format!(
                "Works on containerd 1.x, which says nothing about it when it loads the config (it judges a runtime \
                 type when a pod's shim starts; seen with 1.6.20 and 1.7.24); after an upgrade to containerd 2.x the \
                 runtime no longer exists and {whose} cannot start (the exact error text is not confirmed)."
            ),
        )
    } else {
        (
            Case::Breaks,
            format!(
                "runtimes.{} uses `runtime_type = {ty:?}`, which {} no longer has (removed in containerd 2.0)",
                toml_path::key(&rt.name),
                release.describe()
            ),
            format!(
                "The runtime is not available, so {whose} cannot start (the exact error text is not confirmed); \
                 containerd itself says nothing about it when it loads the config, since it judges a runtime type \
                 when a pod's shim starts (seen with 2.1.9)."
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
    b.release(release).emit();
}

/// The built-in aufs snapshotter: deprecated in 1.5, removed in 2.0.
fn aufs(release: &ContainerdRelease, span: Span, out: &mut Emitter<Case>) {
    let message = format!(
        "`snapshotter = \"aufs\"` on {}: the built-in aufs snapshotter is deprecated since containerd 1.5 and \
         removed in 2.0",
        release.describe()
    );
    let b = out
        .finding(Case::Deprecated, span, message)
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
    b.release(release).emit();
}

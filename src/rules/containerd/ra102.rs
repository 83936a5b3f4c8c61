//! RA102 disabled-plugin-short-name: plugin names in `disabled_plugins` / `required_plugins`
//! written in a form the config version does not accept.

use crate::release::containerd::v1_plugin_uri;
use crate::engine::Emitter;
use crate::model::containerd::ContainerdConfig;
use crate::model::{NodeSnapshot, Spanned};

use super::config_words;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA102",
    name: "disabled-plugin-short-name",
    area: Containerd,
    summary: "A disabled_plugins / required_plugins name has the wrong form for the config version; containerd refuses to start",
    inputs: [ContainerdConfig],
    cases: [
        ShortName("short-name", Error),
        FullNameRequiredV1("full-name-required-in-version-1", Error),
    ],
}

#[derive(Clone, Copy)]
enum List {
    Disabled,
    Required,
}

impl List {
    fn key(self) -> &'static str {
        match self {
            List::Disabled => "disabled_plugins",
            List::Required => "required_plugins",
        }
    }

    fn word(self) -> &'static str {
        match self {
            List::Disabled => "disabled",
            List::Required => "required",
        }
    }
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    for (list, entries) in [
        (List::Disabled, &cfg.disabled_plugins),
        (List::Required, &cfg.required_plugins),
    ] {
        for entry in entries {
            if release.refuses_plugin_name(&entry.value, cfg, entry.span) {
                short_name(snap, cfg, release, list, entry, out);
            } else if matches!(list, List::Required)
                && release.misses_required_uri_in_version_1(cfg.version.value)
                && entry.value.contains('.')
            {
                full_name_in_v1(cfg, release, entry, out);
            }
        }
    }
}

fn short_name(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    list: List,
    entry: &Spanned<String>,
    out: &mut Emitter<Case>,
) {
    let full = v1_plugin_uri(&entry.value);
    let file_version = release.plugin_names_version(cfg, entry.span);
    let form = if release.is_1x() {
        "a full plugin URI with four dot-separated parts (`io.containerd.<type>.<version>.<name>`)"
    } else {
        "a full plugin URI (`io.containerd.<type>.<version>.<name>`)"
    };
    let message = format!(
        "`{}` entry {:?} is not {form}, which {} requires in a version {file_version} config",
        list.key(),
        entry.value,
        release.describe()
    );
    let impact = format!(
        "containerd refuses to start: `containerd: failed to load TOML from {}: invalid {} plugin URI {:?} expect \
         io.containerd.x.vx`. Every container on the node stops with it, and the kubelet reports the runtime as down.",
        cfg.path,
        list.word(),
        entry.value
    );
    let is_cri = full == "io.containerd.grpc.v1.cri";
    let fix = match (list, is_cri) {
        (List::Disabled, true) => format!(
            "Delete {:?} from `disabled_plugins` in {}: it names the CRI plugin, which the kubelet needs. Writing it \
             as \"io.containerd.grpc.v1.cri\" would let containerd start but keep CRI off (RA101). This is the classic \
             result of adding `version = 2` to Docker's packaged config.",
            entry.value,
            config_words::file_of(snap, entry.span)
        ),
        _ if entry.value.contains('.') => format!(
            "Write the plugin's full URI in `{}` (see `ctr plugins ls`: TYPE.ID, e.g. \"io.containerd.grpc.v1.cri\"), \
             or delete the entry.",
            list.key()
        ),
        _ => format!(
            "Write the full URI: replace {:?} with {full:?} in `{}` (check the name with `ctr plugins ls`), or delete \
             the entry.",
            entry.value,
            list.key()
        ),
    };
    let b = out
        .finding(Case::ShortName, entry.span, message)
        .impact(impact)
        .fix(fix)
        .key(list.key())
        .label("not a full plugin URI")
        .actual(entry.value.clone())
        .expected(full);
    b.release(release).emit();
}

/// containerd 1.x matches required plugins by their short id in a version-1 config, so a
/// full URI never matches and containerd exits (seen with 1.6.20).
fn full_name_in_v1(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    entry: &Spanned<String>,
    out: &mut Emitter<Case>,
) {
    let short = entry.value.rsplit('.').next().unwrap_or(&entry.value);
    let message = format!(
        "`required_plugins` entry {:?} is a full plugin URI, but {} identifies plugins by their short id in a {} config",
        entry.value,
        release.describe(),
        config_words::version_label(cfg)
    );
    let impact = format!(
        "containerd loads its plugins and then exits: `containerd: required plugin [{}] not included` (seen with \
         containerd 1.6.20). Every container on the node stops with it.",
        entry.value
    );
    let fix = format!(
        "Either add `version = 2` at the top of {} (and write every plugin table with its full URI, e.g. \
         `[plugins.\"io.containerd.grpc.v1.cri\"]`), or write the short id in this version-1 config: \
         `required_plugins = [{short:?}]`.",
        cfg.path
    );
    let b = out
        .finding(Case::FullNameRequiredV1, entry.span, message)
        .impact(impact)
        .fix(fix)
        .key("required_plugins")
        .label("never matches in a version-1 config")
        .actual(entry.value.clone())
        .expected(short.to_string());
    b.release(release).emit();
}

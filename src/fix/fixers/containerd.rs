//! Fixes in containerd's config.toml: CRI enabled, plugin names, the default runtime, and
//! SystemdCgroup where the config version in use reads it.

use crate::model::containerd::{
    ContainerdConfig, CriLayout, CriOutcome, KeyEntry, KeyStatus, Runtime,
};
use crate::model::source::FileId;
use crate::model::toml_path::TomlPath;
use crate::release::containerd::known_v1_plugin_uri;
use crate::release::containerd::{CRI_GRPC_ID, CRI_IMAGES_ID, CRI_RUNTIME_ID};
use crate::release::containerd_defaults;

use super::super::edit::Scalar;
use super::{Of, Op, Proposal};

fn config<'a>(of: &Of<'a>) -> Option<&'a ContainerdConfig> {
    of.snap.containerd.present()
}

fn path(segments: &[&str]) -> TomlPath {
    TomlPath::new(segments.iter().map(|s| (*s).to_owned()).collect())
}

/// RA101: the CRI plugin's ids taken out of `disabled_plugins`.
pub(super) fn cri_disabled(of: &Of<'_>) -> Option<Proposal> {
    let cfg = config(of)?;
    let release = &of.snap.versions.containerd;
    match of.case() {
        "disabled" => {}
        "disabled-kubelet-uses-other-runtime" => {
            return of.manual(
                "the kubelet uses another runtime: enable CRI here when the kubelet is moved to this containerd",
            );
        }
        _ => {
            return of.manual(
                "nothing links this containerd to the kubelet (a system containerd?): enable CRI only if the kubelet is to use it",
            );
        }
    }
    let file = of.span()?.file;
    let ops: Vec<Op> = cfg
        .disabled_plugins
        .iter()
        .filter(|e| e.span.file == file && release.disables_cri(&e.value, cfg, e.span))
        .map(|e| Op::TomlRemoveItem {
            path: path(&["disabled_plugins"]),
            item: e.value.clone(),
        })
        .collect();
    if ops.is_empty() {
        return of.manual("the entry that disables CRI is not in this file");
    }
    of.fix(
        of.file()?,
        "take the CRI plugin out of disabled_plugins",
        ops,
    )
}

/// RA102: a short plugin name in a version 2+ file made its full URI, or dropped from
/// `disabled_plugins` when it names the CRI plugin.
pub(super) fn plugin_name(of: &Of<'_>) -> Option<Proposal> {
    match of.case() {
        "short-name" => {}
        "full-name-required-in-version-1" => return short_id_in_version_1(of),
        _ => return None,
    }
    let cfg = config(of)?;
    let span = of.span()?;
    let (list, entry) = [
        ("disabled_plugins", &cfg.disabled_plugins),
        ("required_plugins", &cfg.required_plugins),
    ]
    .into_iter()
    .find_map(|(list, entries)| {
        entries
            .iter()
            .find(|e| e.span == span)
            .map(|e| (list, e.value.as_str()))
    })?;
    let Some(full) = known_v1_plugin_uri(entry) else {
        return of.manual(format!(
            "`{entry}` is not a plugin whose full id runtime-audit knows: write its `io.containerd.<type>.<version>.<name>` id"
        ));
    };
    let release = &of.snap.versions.containerd;
    let array = path(&[list]);
    // Required, a plugin the release lacks stops containerd (2.1.9 has no
    // `io.containerd.internal.v1.restart`): only CRI is sure to exist.
    if list == "required_plugins" && !release.cri_plugin_ids().contains(&full) {
        return of.manual(format!(
            "check that {} has `{full}` before requiring it by that id",
            release.describe()
        ));
    }
    if list == "disabled_plugins" && release.cri_plugin_ids().contains(&full) {
        return of.fix(
            of.file()?,
            format!("drop `{entry}` from disabled_plugins: as `{full}` it would disable CRI"),
            vec![Op::TomlRemoveItem {
                path: array,
                item: entry.to_owned(),
            }],
        );
    }
    of.fix(
        of.file()?,
        format!("write `{entry}` as its full id `{full}`"),
        vec![Op::TomlReplaceItem {
            path: array,
            item: entry.to_owned(),
            with: full.to_owned(),
        }],
    )
}

/// RA102: a full URI in a version 1 file's `required_plugins` written as the short id
/// containerd 1.x matches there (the last dot-separated part, as the finding's expected value).
fn short_id_in_version_1(of: &Of<'_>) -> Option<Proposal> {
    let cfg = config(of)?;
    let span = of.span()?;
    let entry = cfg.required_plugins.iter().find(|e| e.span == span)?;
    let short = of.finding.expected.as_deref()?;
    if short.is_empty() || short.contains('.') {
        return of.manual("the entry has no short id to write");
    }
    of.fix(
        of.file()?,
        format!(
            "write `{}` as its short id `{short}`, the form a version 1 config matches",
            entry.value
        ),
        vec![Op::TomlReplaceItem {
            path: path(&["required_plugins"]),
            item: entry.value.clone(),
            with: short.to_owned(),
        }],
    )
}

/// RA105 `short-plugin-id-fatal`: a version 2 file's `[plugins.cri]` renamed to the full id
/// containerd 1.x requires there, every table under it keeping its place. The other cases move
/// settings between schemas, which `containerd config migrate` or a person does.
pub(super) fn mixed_schema(of: &Of<'_>) -> Option<Proposal> {
    if of.case() != "short-plugin-id-fatal" {
        return of.manual(
            "settings written in another schema's tables: move them where this version reads them (`containerd config migrate` on 2.x prints a consistent version 3 config)",
        );
    }
    let cfg = config(of)?;
    let file = of.span()?.file;
    let full_table_too = cfg.keys.iter().any(|k| {
        k.key.file == file && k.path.segments().get(1).map(String::as_str) == Some(CRI_GRPC_ID)
    });
    if full_table_too {
        return of.manual(format!(
            "the file has both `[plugins.cri]` and `[plugins.\"{CRI_GRPC_ID}\"]`: merge them by hand"
        ));
    }
    of.fix(
        of.path_of(file),
        format!("rename `[plugins.cri]` to `[plugins.\"{CRI_GRPC_ID}\"]`, the id a version 2 file names it by"),
        vec![Op::TomlRename {
            table: path(&["plugins"]),
            from: "cri".into(),
            to: CRI_GRPC_ID.into(),
        }],
    )
}

/// RA104: a version containerd does not read is a choice of config, not an edit.
pub(super) fn unsupported_version(of: &Of<'_>) -> Option<Proposal> {
    of.manual(
        "write the config for the containerd in use (`containerd config default` prints one), or upgrade containerd to one that reads this version",
    )
}

/// RA108: `default_runtime_name` pointed at the one runtime it can mean: `runc` when the
/// config defines it, else the only runtime defined.
pub(super) fn default_runtime(of: &Of<'_>) -> Option<Proposal> {
    if !matches!(of.case(), "undefined" | "empty-name") {
        return None;
    }
    let cfg = config(of)?;
    let defined: Vec<&Runtime> = cfg.cri.defined_runtimes().collect();
    let target = match defined.iter().find(|r| r.name == "runc") {
        Some(r) => *r,
        None if defined.len() == 1 => defined[0],
        None => {
            return of.manual(format!(
                "{} runtimes are defined: name the one pods should use in default_runtime_name",
                defined.len()
            ));
        }
    };
    let file = of.span().map_or_else(|| main_file(cfg), |s| s.file);
    let layout = match of.readable_layout(cfg, file) {
        Ok(layout) => layout,
        Err(reason) => return of.manual(reason),
    };
    let mut key = layout.runtime_table_path().segments().to_vec();
    key.push("default_runtime_name".into());
    of.fix(
        of.path_of(file),
        format!(
            "default_runtime_name = {:?}, the runtime the config defines",
            target.name
        ),
        vec![Op::TomlSet {
            path: TomlPath::new(key),
            value: Scalar::Str(target.name.clone()),
        }],
    )
}

/// RA109: the CRI plugin listed in `required_plugins`, by the name this config version reads.
pub(super) fn require_cri(of: &Of<'_>) -> Option<Proposal> {
    let cfg = config(of)?;
    // Required, a CRI plugin that fails would stop containerd itself.
    match &cfg.outcome.cri {
        CriOutcome::Loads => {}
        CriOutcome::FailsToLoad { message, .. } => {
            return of.manual(format!(
                "the CRI plugin fails to load with this config ({message}): fix that first, or containerd would not start at all"
            ));
        }
        CriOutcome::Disabled { .. } | CriOutcome::NotStarted => {
            return of.manual("containerd would not serve CRI with this config: fix that first");
        }
    }
    // Whether the CRI plugin finds its snapshotter is the host's business, which no file
    // shows (seen with 1.6.20: `aufs` on a kernel without it, a template's `${SNAPSHOTTER}`):
    // required, a missing one would stop containerd. Only the default is taken as given.
    let snapshotter = &cfg.cri.snapshotter.value;
    if snapshotter != containerd_defaults::SNAPSHOTTER {
        return of.manual(format!(
            "the CRI plugin needs the `{snapshotter}` snapshotter on this host, which the files cannot show: require CRI once containerd has loaded it here"
        ));
    }
    let main = main_file(cfg);
    let item = if cfg.file_version(main) <= 1 {
        "cri"
    } else {
        crate::release::containerd::CRI_GRPC_ID
    };
    of.fix(
        of.path_of(main),
        format!("required_plugins lists {item:?}: containerd then exits when CRI cannot load"),
        vec![Op::TomlAddItem {
            path: path(&["required_plugins"]),
            item: item.to_owned(),
        }],
    )
}

/// RA201: containerd's default runtime on the systemd driver the kubelet uses.
pub(super) fn cgroup_mismatch(of: &Of<'_>) -> Option<Proposal> {
    if of.case() != "mismatch" {
        return None;
    }
    let cfg = config(of)?;
    let kubelet = of
        .snap
        .kubelet
        .present()
        .and_then(|k| k.effective.cgroup_driver.known())
        .map(|d| d.value.as_str());
    if kubelet != Some("systemd") {
        // systemd on both is the state kubeadm configures since 1.22.
        return super::kubelet::cgroup_driver_to_systemd(of);
    }
    set_systemd_on_default(of, cfg, true, "the kubelet uses the systemd cgroup driver")
}

/// RA202: SystemdCgroup moved to the options table of the runtime and layout containerd
/// reads; plugin-level `systemd_cgroup` removed.
pub(super) fn misplaced_systemd_cgroup(of: &Of<'_>) -> Option<Proposal> {
    let cfg = config(of)?;
    let span = of.span()?;
    let entry = cfg.keys.iter().find(|k| k.key == span || k.value == span)?;
    let Some(value) = bool_value(of, entry) else {
        return of.manual("the misplaced value is not a boolean");
    };
    match of.case() {
        "wrong-schema" => of.manual(
            "the runtime's tables are written for another config version (RA105): move the whole runtime table, not this key alone",
        ),
        "outside-options" => {
            let segments = entry.path.segments();
            let Some(name) = segments
                .iter()
                .position(|s| s == "runtimes")
                .and_then(|i| segments.get(i + 1))
            else {
                return of.manual("the key is not under a runtime's table");
            };
            let layout = match of.readable_layout(cfg, span.file) {
                Ok(layout) => layout,
                Err(reason) => return of.manual(reason),
            };
            let target = runtime_option(layout, name, "SystemdCgroup");
            of.fix(
                of.file()?,
                format!("move SystemdCgroup = {value} into {}", options_header(layout, name)),
                vec![
                    Op::TomlRemove {
                        path: entry.path.clone(),
                    },
                    Op::TomlSet {
                        path: target,
                        value: Scalar::Bool(value),
                    },
                ],
            )
        }
        "plugin-level-systemd-cgroup" => {
            let mut ops = vec![Op::TomlRemove {
                path: entry.path.clone(),
            }];
            let mut summary = "remove the plugin-level systemd_cgroup".to_owned();
            if value {
                let Some(Proposal::Fix(set)) =
                    set_systemd_on_default(of, cfg, true, "the removed key asked for systemd")
                else {
                    return of.manual(
                        "systemd_cgroup = true asks for the systemd driver, and the default runtime cannot take SystemdCgroup: edit by hand",
                    );
                };
                if set.file != of.file()? {
                    return of.manual("the default runtime is defined in another file: edit by hand");
                }
                summary.push_str(" and set SystemdCgroup = true on the default runtime");
                ops.extend(set.ops);
            }
            of.fix(of.file()?, summary, ops)
        }
        "not-on-default-runtime" => set_systemd_on_default(
            of,
            cfg,
            value,
            "the config sets it on another runtime than the default",
        ),
        _ => None,
    }
}

/// The fix that sets SystemdCgroup on the default runtime, in the file that defines it (or
/// the main file for the built-in runc).
fn set_systemd_on_default(
    of: &Of<'_>,
    cfg: &ContainerdConfig,
    value: bool,
    why: &str,
) -> Option<Proposal> {
    let Some(runtime) = cfg.cri.default_runtime() else {
        return of
            .manual("the default runtime is not defined (RA108): fix default_runtime_name first");
    };
    if !runtime.is_runc_based() {
        return of.manual(format!(
            "the default runtime `{}` is not runc-based ({}): set its own cgroup option",
            runtime.name, runtime.runtime_type.value
        ));
    }
    let file = runtime
        .defined_at
        .map_or_else(|| main_file(cfg), |s| s.file);
    let layout = match of.readable_layout(cfg, file) {
        Ok(layout) => layout,
        Err(reason) => return of.manual(reason),
    };
    let mut ops = vec![Op::TomlSet {
        path: runtime_option(layout, &runtime.name, "SystemdCgroup"),
        value: Scalar::Bool(value),
    }];
    if runtime.defined_at.is_none() {
        // Writing a table for the built-in runc replaces it on 1.x: say its type too.
        let mut runtime_type = layout.runtime_table_path().segments().to_vec();
        runtime_type.extend([
            "runtimes".into(),
            runtime.name.clone(),
            "runtime_type".into(),
        ]);
        ops.insert(
            0,
            Op::TomlSet {
                path: TomlPath::new(runtime_type),
                value: Scalar::Str(runtime.runtime_type.value.clone()),
            },
        );
    }
    of.fix(
        of.path_of(file),
        format!(
            "SystemdCgroup = {value} in {}: {why}",
            options_header(layout, &runtime.name)
        ),
        ops,
    )
}

fn main_file(cfg: &ContainerdConfig) -> FileId {
    cfg.files.first().map_or(FileId(0), |f| f.file)
}

fn runtime_option(layout: CriLayout, runtime: &str, key: &str) -> TomlPath {
    let mut segments = layout.runtime_table_path().segments().to_vec();
    segments.extend([
        "runtimes".into(),
        runtime.to_owned(),
        "options".into(),
        key.to_owned(),
    ]);
    TomlPath::new(segments)
}

fn options_header(layout: CriLayout, runtime: &str) -> String {
    crate::rules::containerd::layouts::runtime_options_header(layout, runtime)
}

fn bool_value(of: &Of<'_>, entry: &KeyEntry) -> Option<bool> {
    match of.text(entry.value).trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// RA103: a version 1 file rewritten as version 2, the way containerd's own version 1
/// migration reads it: `version = 2`, each short plugin table under its full id (every table
/// under it keeps its place and contents), short names in `disabled_plugins` and
/// `required_plugins` written as full ids.
pub(super) fn version_1(of: &Of<'_>) -> Option<Proposal> {
    let cfg = config(of)?;
    let file = of.span().map_or_else(|| main_file(cfg), |s| s.file);
    if cfg.file_version(file) > 1 {
        return None;
    }
    let mut ids: Vec<&str> = Vec::new();
    for k in cfg.keys.iter().filter(|k| k.key.file == file) {
        if let [plugins, id, ..] = k.path.segments()
            && plugins == "plugins"
            && !ids.contains(&id.as_str())
        {
            ids.push(id);
        }
    }
    let mut ops = vec![Op::TomlSet {
        path: path(&["version"]),
        value: Scalar::Int(2),
    }];
    for id in ids.iter().filter(|id| !id.contains('.')) {
        let Some(full) = full_plugin_id(id) else {
            return of.manual(format!(
                "`[plugins.{id}]` is not a plugin whose full id runtime-audit knows: rewrite the file by hand"
            ));
        };
        if ids.contains(&full.as_str()) {
            return of.manual(format!(
                "the file has both `[plugins.{id}]` and `[plugins.\"{full}\"]`: merge them by hand"
            ));
        }
        ops.push(Op::TomlRename {
            table: path(&["plugins"]),
            from: (*id).to_owned(),
            to: full,
        });
    }
    let release = &of.snap.versions.containerd;
    // An entry keeps what it means: a full id that designates nothing in a version 1 file
    // on 1.x would disable a plugin once the file is version 2.
    for e in cfg
        .disabled_plugins
        .iter()
        .filter(|e| e.span.file == file && e.value.contains('.'))
    {
        if release.designated_plugin(&e.value, cfg, e.span).is_none() {
            ops.push(Op::TomlRemoveItem {
                path: path(&["disabled_plugins"]),
                item: e.value.clone(),
            });
        }
    }
    for (list, entries) in [
        ("disabled_plugins", &cfg.disabled_plugins),
        ("required_plugins", &cfg.required_plugins),
    ] {
        for e in entries
            .iter()
            .filter(|e| e.span.file == file && !e.value.contains('.'))
        {
            let Some(full) = full_plugin_id(&e.value) else {
                return of.manual(format!(
                    "`{}` in {list} is not a plugin whose full id runtime-audit knows: rewrite the file by hand",
                    e.value
                ));
            };
            ops.push(Op::TomlReplaceItem {
                path: path(&[list]),
                item: e.value.clone(),
                with: full,
            });
        }
    }
    of.fix(
        of.path_of(file),
        "rewrite the file as version 2: plugin tables and names under their full ids",
        ops,
    )
}

/// The full id of a plugin named by its short version 1 id: containerd's own plugins and the
/// `*-service` names (`io.containerd.service.v1.<name>`); None for any other name.
fn full_plugin_id(short: &str) -> Option<String> {
    known_v1_plugin_uri(short).map(str::to_owned).or_else(|| {
        short
            .ends_with("-service")
            .then(|| format!("io.containerd.service.v1.{short}"))
    })
}

/// RA112: a version 2 file rewritten as version 3 on containerd 2.x, its CRI settings moved
/// to the runtime, images and server plugins where containerd's own conversion puts them.
pub(super) fn version_2(of: &Of<'_>) -> Option<Proposal> {
    if of.case() == "snapshotter-lost-by-migrate" {
        return of.manual(
            "write the snapshotter as `snapshotter` under [plugins.'io.containerd.cri.v1.images'] when the file becomes version 3; `containerd config migrate` cannot check that rewrite, since it drops the setting",
        );
    }
    let cfg = config(of)?;
    let file = of.span()?.file;
    if cfg.file_version(file) != 2 || !of.snap.versions.containerd.is_2x() {
        return None;
    }
    let written_here = |span: Option<crate::model::Span>| span.is_some_and(|s| s.file == file);
    if matches!(cfg.outcome.cri, CriOutcome::Disabled { .. }) {
        return of.manual(
            "the CRI plugin is disabled: containerd does not convert its table, and moving it would configure the images and runtime plugins it leaves alone",
        );
    }
    let snapshotter = &cfg.cri.snapshotter;
    if written_here(snapshotter.span()) && snapshotter.value != containerd_defaults::SNAPSHOTTER {
        return of.manual(format!(
            "`containerd config migrate` of 2.1.9 drops a version 2 file's `containerd.snapshotter` (and `config dump` shows overlayfs), while the running CRI uses {:?}: the rewrite cannot be checked against `config migrate`; write it under [plugins.'io.containerd.cri.v1.images'] by hand",
            snapshotter.value
        ));
    }
    if written_here(cfg.cri.cni.bin_dir.span()) && cfg.cri.cni.bin_dirs.is_some() {
        return of.manual(
            "both `cni.bin_dir` and `cni.bin_dirs` are set: keep one (`bin_dirs` in version 3), then rewrite",
        );
    }
    // A value of the wrong type stops containerd in a version 3 file too (seen with 2.1.9:
    // `pinned_images.sandbox = 1`, `toml: cannot decode TOML integer into string`).
    if cfg.keys.iter().any(|k| {
        k.key.file == file
            && k.plugin() == Some(CRI_GRPC_ID)
            && matches!(k.status, KeyStatus::WrongType { .. })
    }) {
        return of.manual("a CRI setting has a value of the wrong type (RA003): correct it first");
    }
    if cfg.keys.iter().any(|k| {
        k.key.file == file
            && k.plugin()
                .is_some_and(|p| p == CRI_RUNTIME_ID || p == CRI_IMAGES_ID)
    }) {
        return of.manual(
            "the file already has version 3 CRI tables beside the version 2 one (RA105): merge them by hand",
        );
    }
    // What the release ignores in the version 2 table is left out, as `config migrate` leaves
    // it out: unknown and misplaced keys, other schemas' tables, options it no longer reads.
    let release = &of.snap.versions.containerd;
    let drop: Vec<TomlPath> = cfg
        .keys
        .iter()
        .filter(|k| k.key.file == file && k.plugin() == Some(CRI_GRPC_ID))
        // containerd keeps a runtime's `options` and the registry's `configs` as written
        // (seen in 2.1.9's `config dump`): those stay.
        .filter(|k| !k.in_options() && !k.path.segments().iter().any(|s| s == "registry"))
        .filter(|k| match &k.status {
            KeyStatus::Unknown { .. }
            | KeyStatus::WrongSchema { .. }
            | KeyStatus::Ignored { .. } => true,
            KeyStatus::Removed(opt) => !release.still_reads(opt),
            // A misplaced SystemdCgroup is RA202's to move, not to lose.
            KeyStatus::Misplaced { .. } => k.path.last() != Some("SystemdCgroup"),
            KeyStatus::Known | KeyStatus::WrongType { .. } => false,
        })
        .map(|k| k.path.clone())
        .collect();
    let mut summary = "rewrite the file as version 3: the CRI settings move to the version 3 plugins (comments inside them do not)".to_owned();
    if !drop.is_empty() {
        let names: Vec<String> = drop
            .iter()
            .map(|p| format!("`{}`", p.last().unwrap_or("")))
            .collect();
        summary.push_str(&format!(
            "; left out, as containerd ignores them: {}",
            names.join(", ")
        ));
    }
    of.fix(
        of.path_of(file),
        summary,
        vec![
            Op::TomlSet {
                path: path(&["version"]),
                value: Scalar::Int(3),
            },
            Op::TomlCriToVersion3 { drop },
        ],
    )
}

//! RA105 config-schema-mixed: tables of another config schema than the `version` selects.

use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, CriLayout, KeyEntry, KeyStatus};
use crate::model::{NodeSnapshot, Span};

use super::common;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA105",
    name: "config-schema-mixed",
    area: Containerd,
    summary: "Tables of another config schema than the `version` header selects; their settings are ignored",
    inputs: [ContainerdConfig],
    cases: [
        WrongSchema("wrong-schema", Error),
        ShortIdFatal("short-plugin-id-fatal", Error),
        MigratedOver("v3-table-in-v2-config-on-2x", Warning),
    ],
}

fn layout_name(layout: CriLayout) -> &'static str {
    match layout {
        CriLayout::V1 => "version 1",
        CriLayout::V2 => "version 2",
        CriLayout::V3 => "version 3",
    }
}

/// The layout a CRI plugin id belongs to.
fn layout_of_id(id: &str) -> Option<CriLayout> {
    match id {
        "cri" => Some(CriLayout::V1),
        "io.containerd.grpc.v1.cri" => Some(CriLayout::V2),
        "io.containerd.cri.v1.runtime" | "io.containerd.cri.v1.images" => Some(CriLayout::V3),
        _ => None,
    }
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let written = common::written_layout(cfg);
    if written == CriLayout::V1 {
        // Fully qualified tables in a version-1 config are RA103's finding.
        return;
    }
    let release = containerd_release(snap, out);
    if release.is_1x() && written == CriLayout::V3 {
        // containerd 1.x reads a version-3 file like version 2 (or refuses it): RA104's finding.
        out.not_applicable("a version 3 config on containerd 1.x is RA104's finding");
        return;
    }
    // Whole CRI plugin tables of another layout, from the merged config.
    let mut reported: Vec<(crate::model::FileId, String)> = Vec::new();
    for table in &cfg.cri.tables {
        let Some(belongs) = layout_of_id(&table.value) else {
            continue;
        };
        // `io.containerd.grpc.v1.cri` is also a version-3 table (server settings only):
        // its misplaced keys come from the key inventory below.
        if belongs == written || (written == CriLayout::V3 && belongs == CriLayout::V2) {
            continue;
        }
        reported.push((table.span.file, table.value.clone()));
        let path = vec!["plugins".to_string(), table.value.clone()];
        emit(cfg, release, &path, table.span, belongs, false, out);
    }
    // Tables and keys the inventory found in the wrong schema.
    let wrong: Vec<&KeyEntry> = cfg
        .keys
        .iter()
        .filter(|k| matches!(k.status, KeyStatus::WrongSchema { .. }))
        .filter(|k| {
            let segs = common::segments(&k.path);
            !reported
                .iter()
                .any(|(f, id)| *f == k.key.file && segs.get(1) == Some(id))
        })
        .collect();
    for k in common::outermost(&wrong) {
        if let KeyStatus::WrongSchema { belongs_to } = k.status {
            // A table's value is its header, which holds the key; a key's value follows it.
            let is_key = k.value.start >= k.key.end;
            emit(
                cfg,
                release,
                &common::segments(&k.path),
                k.key,
                belongs_to,
                is_key,
                out,
            );
        }
    }
}

#[expect(clippy::too_many_lines, reason = "to be split")]
fn emit(
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    path: &[String],
    span: Span,
    belongs: CriLayout,
    is_key: bool,
    out: &mut Emitter<Case>,
) {
    let written = common::written_layout(cfg);
    let shown = show(path);
    let what = if is_key { "key" } else { "table" };
    let target = common::translate(path, written);
    let short_id = path.get(1).is_some_and(|id| id == "cri");
    let fatal = short_id && release.is_1x();
    let v3_in_v2 = belongs == CriLayout::V3 && written == CriLayout::V2;
    let case = if fatal {
        Case::ShortIdFatal
    } else if v3_in_v2 && !release.is_1x() {
        Case::MigratedOver
    } else {
        Case::WrongSchema
    };
    let message = format!(
        "`{}` is a {} {what} in a {} config; {} does not read it there",
        if is_key {
            shown.clone()
        } else {
            format!("[{shown}]")
        },
        layout_name(belongs),
        common::version_label(cfg),
        release.describe()
    );
    let impact = if fatal {
        format!(
            "containerd refuses to start: `containerd: failed to load TOML from {}: invalid plugin key URI \"cri\" \
             expect io.containerd.x.vx` (containerd 1.x accepts only full plugin URIs in a version 2 config). Every \
             container on the node stops with it.",
            cfg.path
        )
    } else if case == Case::MigratedOver {
        "containerd 2.x converts a version 2 config on every start and writes the converted \
         `io.containerd.cri.v1.runtime` / `images` tables; containerd 2.0–2.2 replace an explicit table of that name \
         with the converted copy (2.3 merges them), so these settings may be lost (read in containerd's source; not \
         confirmed on a running 2.x)."
            .to_string()
    } else if release.is_1x() {
        format!(
            "containerd {} ignores it without a word: its settings (SystemdCgroup, the sandbox image, registry \
             settings, whatever it holds) do not apply, and CRI runs with the defaults instead. Seen with containerd \
             1.6.20: a version 2 config with `SystemdCgroup = true` under `io.containerd.cri.v1.runtime` has it \
             false in `containerd config dump`.",
            release.line_label()
        )
    } else {
        "containerd logs `Ignoring unknown key in TOML for plugin` (or nothing, for a plugin id it does not know) and \
         runs CRI without these settings: SystemdCgroup, the sandbox image or registry settings written here do not \
         apply."
            .to_string()
    };
    let fix = match &target {
        // A whole CRI table into the split version 3 layout: runtime and image settings part.
        Some(_) if path.len() == 2 && written == CriLayout::V3 => format!(
            "Write these settings where a {} config reads them: runtimes and CNI under \
             `[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.<name>]` / \
             `[plugins.'io.containerd.cri.v1.runtime'.cni]`; the sandbox image as `sandbox` under \
             `[plugins.'io.containerd.cri.v1.images'.pinned_images]`; registry and snapshotter under \
             `[plugins.'io.containerd.cri.v1.images']`; then delete `[{shown}]`. `containerd config migrate` \
             (containerd 2.x) prints a consistent version 3 config to review.",
            common::version_label(cfg)
        ),
        Some(t)
            if path.len() == 2
                && path
                    .get(1)
                    .is_some_and(|id| id == "io.containerd.cri.v1.images") =>
        {
            format!(
                "Write these settings where a {} config reads them: under `[{t}]` (`pinned_images.sandbox` becomes \
             `sandbox_image`, `snapshotter` goes under `[{t}.containerd]`), and delete `[{shown}]`.",
                common::version_label(cfg)
            )
        }
        Some(t) if is_key => {
            let (table, key) = t.rsplit_once('.').unwrap_or((t.as_str(), ""));
            format!(
                "Write it where a {} config reads it: `{key}` under `[{table}]`, and delete `{shown}`. Use one \
                 schema per file: `containerd config migrate` (containerd 2.x) prints a consistent version 3 config \
                 to review.",
                common::version_label(cfg)
            )
        }
        Some(t) if t != &shown => format!(
            "Write these settings where a {} config reads them: under `[{t}]`, and delete `[{shown}]`. \
             Use one schema per file: `containerd config migrate` (containerd 2.x) prints a consistent version 3 \
             config to review.",
            common::version_label(cfg)
        ),
        _ => format!(
            "Move the settings to the layout of the `version` header ({}) or delete the table.",
            common::version_label(cfg)
        ),
    };
    let mut b = out
        .finding(case, span, message)
        .impact(impact)
        .fix(fix)
        .key(shown.clone())
        .label(format!("{} {what}", layout_name(belongs)));
    if let Some(t) = target {
        b = b.expected(t);
    }
    if let Some(v) = cfg.version.span {
        b = b.related(v, "the header that selects the schema");
    }
    b.release(release).emit();
}

/// A dotted path as TOML writes it.
fn show(path: &[String]) -> String {
    path.iter()
        .map(|s| common::toml_key(s))
        .collect::<Vec<_>>()
        .join(".")
}

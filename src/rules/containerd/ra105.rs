//! RA105 config-schema-mixed: tables of another config schema than the `version` selects.

use crate::model::toml_path;
use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, CriLayout, KeyEntry, KeyStatus};
use crate::model::{NodeSnapshot, Span};

use super::config_words;
use super::layouts;
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
    let written = cfg.written_layout();
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
        Misplaced::new(cfg, release, &path, belongs, false).emit(table.span, out);
    }
    // Tables and keys the inventory found in the wrong schema.
    let wrong: Vec<&KeyEntry> = cfg
        .keys
        .iter()
        .filter(|k| matches!(k.status, KeyStatus::WrongSchema { .. }))
        .filter(|k| {
            let segs = k.path.segments();
            !reported
                .iter()
                .any(|(f, id)| *f == k.key.file && segs.get(1) == Some(id))
        })
        .collect();
    for k in crate::model::containerd::outermost(&wrong) {
        if let KeyStatus::WrongSchema { belongs_to } = k.status {
            // A table's value is its header, which holds the key; a key's value follows it.
            let is_key = k.value.start >= k.key.end;
            Misplaced::new(cfg, release, k.path.segments(), belongs_to, is_key).emit(k.key, out);
        }
    }
}

/// A table or key of another layout than the config's `version` selects.
struct Misplaced<'a> {
    /// Its dotted path, split.
    path: &'a [String],
    /// A key, rather than a table.
    is_key: bool,
    /// The layout it belongs to.
    belongs: CriLayout,
    /// The layout the config's `version` selects.
    written: CriLayout,
    /// Where the layout written reads the same setting, if it has one.
    target: Option<String>,
    /// `version 2` and how the header says it.
    version_label: String,
    config_path: &'a str,
    /// The `version` header.
    header: Option<Span>,
    release: &'a ContainerdRelease,
}

impl<'a> Misplaced<'a> {
    fn new(
        cfg: &'a ContainerdConfig,
        release: &'a ContainerdRelease,
        path: &'a [String],
        belongs: CriLayout,
        is_key: bool,
    ) -> Self {
        let written = cfg.written_layout();
        Misplaced {
            path,
            is_key,
            belongs,
            written,
            target: layouts::translate(path, written),
            version_label: config_words::version_label(cfg),
            config_path: &cfg.path,
            header: cfg.version.span,
            release,
        }
    }

    /// containerd 1.x refuses the short plugin id `cri` in a version 2 config; containerd
    /// 2.x rewrites version 3 tables found in a version 2 config.
    fn case(&self) -> Case {
        let short_id = self.path.get(1).is_some_and(|id| id == "cri");
        if short_id && self.release.is_1x() {
            Case::ShortIdFatal
        } else if self.belongs == CriLayout::V3
            && self.written == CriLayout::V2
            && !self.release.is_1x()
        {
            Case::MigratedOver
        } else {
            Case::WrongSchema
        }
    }

    fn what(&self) -> &'static str {
        if self.is_key { "key" } else { "table" }
    }

    fn message(&self) -> String {
        let shown = show(self.path);
        format!(
            "`{}` is a {} {} in a {} config; {} does not read it there",
            if self.is_key {
                shown
            } else {
                format!("[{shown}]")
            },
            layout_name(self.belongs),
            self.what(),
            self.version_label,
            self.release.describe()
        )
    }

    fn impact(&self) -> String {
        match self.case() {
            Case::ShortIdFatal => format!(
                "containerd refuses to start: `containerd: failed to load TOML from {}: invalid plugin key URI \"cri\" \
                 expect io.containerd.x.vx` (containerd 1.x accepts only full plugin URIs in a version 2 config). Every \
                 container on the node stops with it.",
                self.config_path
            ),
            Case::MigratedOver => "containerd 2.x converts a version 2 config on every start. containerd 2.0–2.2 \
             convert the `io.containerd.grpc.v1.cri` settings only into a split plugin the file does not write itself: \
             this table is read as written, and whatever the file sets for the same plugin under \
             `io.containerd.grpc.v1.cri` (runtimes, SystemdCgroup, the sandbox image, registry) is dropped without a \
             word. Seen with containerd 2.1.9: a runtime defined under `io.containerd.grpc.v1.cri` next to an explicit \
             `io.containerd.cri.v1.runtime` table is missing from `containerd config dump`. containerd 2.3 migrates \
             per file (not run here)."
                .to_string(),
            Case::WrongSchema if self.release.is_1x() => format!(
                "containerd {} ignores it without a word: its settings (SystemdCgroup, the sandbox image, registry \
                 settings, whatever it holds) do not apply, and CRI runs with the defaults instead. Seen with containerd \
                 1.6.20: a version 2 config with `SystemdCgroup = true` under `io.containerd.cri.v1.runtime` has it \
                 false in `containerd config dump`.",
                self.release.line_label()
            ),
            Case::WrongSchema => "containerd logs `Ignoring unknown key in TOML for plugin` (or nothing, for a plugin id it does not know) and \
             runs CRI without these settings: SystemdCgroup, the sandbox image or registry settings written here do not \
             apply."
                .to_string(),
        }
    }

    fn fix(&self) -> String {
        let shown = show(self.path);
        let version_label = &self.version_label;
        let whole_table = self.path.len() == 2;
        match &self.target {
            // A whole CRI table into the split version 3 layout: runtime and image settings part.
            Some(_) if whole_table && self.written == CriLayout::V3 => format!(
                "Write these settings where a {version_label} config reads them: runtimes and CNI under \
                 `[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.<name>]` / \
                 `[plugins.'io.containerd.cri.v1.runtime'.cni]`; the sandbox image as `sandbox` under \
                 `[plugins.'io.containerd.cri.v1.images'.pinned_images]`; registry and snapshotter under \
                 `[plugins.'io.containerd.cri.v1.images']`; then delete `[{shown}]`. `containerd config migrate` \
                 (containerd 2.x) prints a consistent version 3 config to review."
            ),
            Some(t)
                if whole_table
                    && self
                        .path
                        .get(1)
                        .is_some_and(|id| id == "io.containerd.cri.v1.images") =>
            {
                format!(
                    "Write these settings where a {version_label} config reads them: under `[{t}]` (`pinned_images.sandbox` becomes \
             `sandbox_image`, `snapshotter` goes under `[{t}.containerd]`), and delete `[{shown}]`."
                )
            }
            Some(t) if self.is_key => {
                let (table, key) = t.rsplit_once('.').unwrap_or((t.as_str(), ""));
                format!(
                    "Write it where a {version_label} config reads it: `{key}` under `[{table}]`, and delete `{shown}`. Use one \
                     schema per file: `containerd config migrate` (containerd 2.x) prints a consistent version 3 config \
                     to review."
                )
            }
            Some(t) if t != &shown => format!(
                "Write these settings where a {version_label} config reads them: under `[{t}]`, and delete `[{shown}]`. \
                 Use one schema per file: `containerd config migrate` (containerd 2.x) prints a consistent version 3 \
                 config to review."
            ),
            _ => format!(
                "Move the settings to the layout of the `version` header ({version_label}) or delete the table."
            ),
        }
    }

    fn emit(self, at: Span, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(self.case(), at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(show(self.path))
            .label(format!("{} {}", layout_name(self.belongs), self.what()));
        if let Some(t) = self.target {
            b = b.expected(t);
        }
        if let Some(v) = self.header {
            b = b.related(v, "the header that selects the schema");
        }
        b.release(self.release).emit();
    }
}

/// A dotted path as TOML writes it.
fn show(path: &[String]) -> String {
    path.iter()
        .map(|s| toml_path::key(s))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_of(path: &[String], belongs: CriLayout, release: &str) -> Case {
        let release = ContainerdRelease::target(release);
        Misplaced {
            path,
            is_key: false,
            belongs,
            written: CriLayout::V2,
            target: None,
            version_label: "version 2".to_owned(),
            config_path: "/etc/containerd/config.toml",
            header: None,
            release: &release,
        }
        .case()
    }

    #[test]
    fn the_case_follows_the_plugin_id_and_the_release_line() {
        let short = ["plugins".to_owned(), "cri".to_owned()];
        assert_eq!(case_of(&short, CriLayout::V1, "1.7.28"), Case::ShortIdFatal);
        assert_eq!(case_of(&short, CriLayout::V1, "2.1.0"), Case::WrongSchema);
        let v3 = [
            "plugins".to_owned(),
            "io.containerd.cri.v1.runtime".to_owned(),
        ];
        assert_eq!(case_of(&v3, CriLayout::V3, "2.1.0"), Case::MigratedOver);
        assert_eq!(case_of(&v3, CriLayout::V3, "1.7.28"), Case::WrongSchema);
    }
}

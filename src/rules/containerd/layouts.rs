//! Where a CRI setting is written in each config layout (`version` 1, 2, 3/4), for fixes that
//! name the table to write or move a key to.

use crate::model::containerd::CriLayout;
use crate::model::toml_path;
use crate::release::config_schema;
use crate::release::containerd::{CRI_IMAGES_ID, CRI_RUNTIME_ID, CRI_TABLE_IDS};

/// The header of a runtime's `options` table in a layout.
pub(crate) fn runtime_options_header(layout: CriLayout, runtime: &str) -> String {
    format!(
        "[{}.runtimes.{}.options]",
        layout.runtime_table(),
        toml_path::key(runtime)
    )
}

/// The same CRI setting written for another layout, as a dotted TOML path:
/// `plugins."io.containerd.grpc.v1.cri".sandbox_image` in V3 is
/// `plugins.'io.containerd.cri.v1.images'.pinned_images.sandbox`. None when the path is not
/// under a CRI plugin table.
pub(crate) fn translate(path: &[String], to: CriLayout) -> Option<String> {
    let segments = translate_segments(path, to)?;
    let (id, below) = segments.get(1).zip(segments.get(2..))?;
    let id = match (to, id.as_str()) {
        (_, "cri") => "cri".to_string(),
        (CriLayout::V3, id) => format!("'{id}'"),
        (_, id) => format!("{id:?}"),
    };
    let mut out = format!("plugins.{id}");
    for k in below {
        out.push('.');
        out.push_str(&toml_path::key(k));
    }
    Some(out)
}

/// The same, as the path's segments (`["plugins", "io.containerd.cri.v1.images",
/// "pinned_images", "sandbox"]`), for edits.
pub(crate) fn translate_segments(path: &[String], to: CriLayout) -> Option<Vec<String>> {
    let (plugins, rest) = path.split_first()?;
    let (id, rest) = rest.split_first()?;
    if plugins != "plugins" || !CRI_TABLE_IDS.contains(&id.as_str()) {
        return None;
    }
    // First to the version-2 path below the CRI table.
    let v2: Vec<String> = match id.as_str() {
        CRI_IMAGES_ID => match rest.first().map(String::as_str) {
            Some("pinned_images") if rest.get(1).is_some_and(|k| k == "sandbox") => {
                vec!["sandbox_image".to_string()]
            }
            Some(k) if config_schema::moves_from_containerd_to_images(k) => {
                std::iter::once("containerd".to_string())
                    .chain(rest.iter().cloned())
                    .collect()
            }
            _ => rest.to_vec(),
        },
        _ => rest.to_vec(),
    };
    let (target_id, below): (&str, Vec<String>) = match to {
        CriLayout::V1 => ("cri", v2),
        CriLayout::V2 => ("io.containerd.grpc.v1.cri", v2),
        CriLayout::V3 => match v2.first().map(String::as_str) {
            Some("sandbox_image") => (
                CRI_IMAGES_ID,
                vec!["pinned_images".to_string(), "sandbox".to_string()],
            ),
            Some("containerd")
                if v2
                    .get(1)
                    .is_some_and(|k| config_schema::moves_from_containerd_to_images(k)) =>
            {
                (CRI_IMAGES_ID, v2.into_iter().skip(1).collect())
            }
            Some(k) => (config_schema::v3_plugin_of_v2_key(k), v2),
            None => (CRI_RUNTIME_ID, v2),
        },
    };
    Some(
        ["plugins".to_string(), target_id.to_string()]
            .into_iter()
            .chain(below)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The segments of a dotted path as the tests write it, quotes removed.
    fn segs(path: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = String::new();
        let mut quote: Option<char> = None;
        for c in path.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => current.push(c),
                (None, '"' | '\'') => quote = Some(c),
                (None, '.') => out.push(std::mem::take(&mut current)),
                (None, c) => current.push(c),
            }
        }
        out.push(current);
        out
    }

    #[test]
    fn settings_translate_between_layouts() {
        assert_eq!(
            translate(
                &segs("plugins.\"io.containerd.grpc.v1.cri\".sandbox_image"),
                CriLayout::V3
            )
            .as_deref(),
            Some("plugins.'io.containerd.cri.v1.images'.pinned_images.sandbox")
        );
        assert_eq!(
            translate(
                &segs("plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options"),
                CriLayout::V2
            )
            .as_deref(),
            Some("plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options")
        );
        assert_eq!(
            translate(&segs("plugins.cri.registry.mirrors"), CriLayout::V3).as_deref(),
            Some("plugins.'io.containerd.cri.v1.images'.registry.mirrors")
        );
        assert_eq!(
            translate(&segs("plugins.cri.containerd.snapshotter"), CriLayout::V3).as_deref(),
            Some("plugins.'io.containerd.cri.v1.images'.snapshotter")
        );
        assert_eq!(
            translate(
                &segs("plugins.'io.containerd.cri.v1.images'.snapshotter"),
                CriLayout::V1
            )
            .as_deref(),
            Some("plugins.cri.containerd.snapshotter")
        );
        assert_eq!(
            translate(&segs("plugins.cri.stream_server_port"), CriLayout::V3).as_deref(),
            Some("plugins.'io.containerd.grpc.v1.cri'.stream_server_port")
        );
        assert_eq!(
            translate(
                &segs("plugins.\"io.containerd.internal.v1.opt\""),
                CriLayout::V3
            ),
            None
        );
    }
}

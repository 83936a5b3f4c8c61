//! The key inventory on the real-world containerd configs of the corpus: each file, placed at
//! `/etc/containerd/config.toml` and inspected for one containerd release, must have exactly
//! the listed keys flagged (deprecated or removed options, misplaced keys), and the keys named
//! as read must be read.
//!
//! `inspect --format json` lists under containerd's `keys` section every key containerd does
//! not use as written, with its verdict. A key that is in the file and not listed is one
//! containerd reads, as long as no table above it is listed for another reason than a
//! deprecated option (containerd still reads the keys of a deprecated table, and a removed
//! table's keys are listed with it).

mod common;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use common::{bin, corpus};

const CRI: &[&str] = &["plugins", "io.containerd.grpc.v1.cri"];
const CRI_V1: &[&str] = &["plugins", "cri"];

/// What `inspect` says about the keys of one corpus file.
struct Inspected {
    /// The file, to find its keys in.
    doc: toml::Table,
    /// Every key containerd does not use as written: its path and verdict.
    flagged: BTreeMap<String, String>,
}

/// Inspects corpus file `name` as the node's config.toml for containerd `release`, and checks
/// that it was read as config `version`. None when the corpus is absent.
fn inspect(name: &str, version: i64, release: &str) -> Option<Inspected> {
    let path = corpus()?.join("containerd").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = tempfile::tempdir().expect("temporary root");
    let etc = root.path().join("etc/containerd");
    std::fs::create_dir_all(&etc).expect("create etc/containerd");
    std::fs::write(etc.join("config.toml"), &text).expect("write config.toml");
    let out = bin()
        .current_dir(root.path())
        .args(["inspect", "--root", ".", "--format", "json"])
        .args(["--containerd-version", release])
        .output()
        .expect("run inspect");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view: Value = serde_json::from_slice(&out.stdout).expect("inspect prints JSON");
    let containerd = section(&view["sections"], "containerd")
        .unwrap_or_else(|| panic!("{name}: no containerd section: {view}"));
    assert_eq!(row(containerd, "version"), &json!(version), "{name}");
    assert_eq!(
        row(containerd, "evaluated for"),
        &json!(format!("containerd {release}")),
        "{name}"
    );
    let flagged = section(&containerd["sections"], "keys")
        .and_then(|keys| keys["rows"].as_array())
        .into_iter()
        .flatten()
        .map(|r| {
            let verdict = r["value"].as_str().expect("a verdict is a string");
            (
                r["key"].as_str().expect("a key path").to_owned(),
                verdict.to_owned(),
            )
        })
        .collect();
    let doc = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    Some(Inspected { doc, flagged })
}

/// The section `id` of a list of sections.
fn section<'v>(sections: &'v Value, id: &str) -> Option<&'v Value> {
    sections.as_array()?.iter().find(|s| s["id"] == id)
}

/// The value of row `key` of a section.
fn row<'v>(section: &'v Value, key: &str) -> &'v Value {
    section["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["key"] == key))
        .map_or(&Value::Null, |r| &r["value"])
}

/// A key's path as the inventory spells it: segments that are not bare TOML keys quoted.
fn render(segments: &[&str]) -> String {
    let bare = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    segments
        .iter()
        .map(|s| {
            if bare(s) {
                (*s).to_owned()
            } else {
                format!("\"{s}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The value at `segments` in the file.
fn get<'d>(doc: &'d toml::Table, segments: &[&str]) -> Option<&'d toml::Value> {
    let (first, rest) = segments.split_first()?;
    rest.iter()
        .try_fold(doc.get(*first)?, |v, s| v.as_table()?.get(*s))
}

/// How many keys the file holds, tables included.
fn count_keys(table: &toml::Table) -> usize {
    table
        .values()
        .map(|v| 1 + v.as_table().map_or(0, count_keys))
        .sum()
}

/// A path of `base` followed by `more`.
fn join<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    [base, more].concat()
}

/// The verdict of a deprecated or removed option, named as reports name it.
fn removed(option: &str) -> String {
    format!("deprecated/removed option {option}")
}

/// The expected flagged keys, removed options all.
fn all_removed(expected: &[(Vec<&str>, &str)]) -> BTreeMap<String, String> {
    expected
        .iter()
        .map(|(path, option)| (render(path), removed(option)))
        .collect()
}

/// Checks that containerd reads the key at `segments`: it is in the file, not flagged, and no
/// table above it is flagged but as a deprecated option.
fn assert_read(k: &Inspected, segments: &[&str]) {
    let path = render(segments);
    assert!(get(&k.doc, segments).is_some(), "{path} is not in the file");
    assert_eq!(k.flagged.get(&path), None, "{path}");
    for end in 1..segments.len() {
        if let Some(verdict) = k.flagged.get(&render(&segments[..end])) {
            assert!(
                verdict.starts_with("deprecated/removed option "),
                "{path} sits under a table containerd does not read: {verdict}"
            );
        }
    }
}

/// The documented full listings write plugin-level keys after the
/// `[<cri>.x509_key_pair_streaming]` header, where TOML puts them inside that table:
/// containerd never reads them there. Checks that each such key (`expected` of them) is
/// reported misplaced to the plugin level (or unknown when the release has no such key) and
/// returns the other flagged keys.
fn without_x509_strays(k: &Inspected, cri: &[&str], expected: usize) -> BTreeMap<String, String> {
    let table = join(cri, &["x509_key_pair_streaming"]);
    let keys = get(&k.doc, &table)
        .and_then(toml::Value::as_table)
        .expect("the file has an x509_key_pair_streaming table");
    let strays: Vec<&str> = keys
        .keys()
        .map(String::as_str)
        .filter(|key| !key.ends_with("_file"))
        .collect();
    assert_eq!(strays.len(), expected, "{strays:?}");
    let mut rest = k.flagged.clone();
    for key in strays {
        let path = render(&join(&table, &[key]));
        let verdict = rest
            .remove(&path)
            .unwrap_or_else(|| panic!("{path} is not flagged"));
        if verdict.starts_with("unknown") {
            assert_eq!(key, "disable_cgroup", "{path}: {verdict}");
        } else {
            let plugin_level = render(&join(cri, &[key]));
            assert_eq!(verdict, format!("misplaced (belongs at {plugin_level})"));
        }
    }
    rest
}

#[test]
fn full_v3_listing_of_the_docs() {
    let Some(k) = inspect(
        "containerd-docs-cri-config-md-block07-full-v3__config.toml",
        3,
        "2.0.0",
    ) else {
        return;
    };
    assert!(count_keys(&k.doc) > 60);
    assert_eq!(
        k.flagged,
        all_removed(&[(
            vec!["plugins", "io.containerd.cri.v1.runtime", "disable_cgroup"],
            "disable_cgroup",
        )])
    );
}

#[test]
fn full_v3_config_dump() {
    let Some(k) = inspect(
        "eks-nodeadm-e2e-containerdv2-config__expected-containerd-configv2.toml",
        3,
        "2.0.0",
    ) else {
        return;
    };
    assert!(count_keys(&k.doc) > 80, "{}", count_keys(&k.doc));
    assert_eq!(
        k.flagged,
        all_removed(&[(vec!["plugin_dir"], "plugin_dir")])
    );
    assert_read(
        &k,
        &[
            "plugins",
            "io.containerd.cri.v1.runtime",
            "containerd",
            "runtimes",
            "runc",
            "options",
            "SystemdCgroup",
        ],
    );
}

#[test]
fn full_v2_listing_of_the_docs() {
    let Some(k) = inspect(
        "containerd-docs-cri-config-md-block08-full-v2__config.toml",
        2,
        "2.0.0",
    ) else {
        return;
    };
    let rest = without_x509_strays(&k, CRI, 19);
    let containerd = join(CRI, &["containerd"]);
    assert_eq!(
        rest,
        all_removed(&[
            (join(&containerd, &["no_pivot"]), "no_pivot"),
            (join(&containerd, &["default_runtime"]), "default_runtime"),
            (
                join(&containerd, &["untrusted_workload_runtime"]),
                "untrusted_workload_runtime",
            ),
        ])
    );
}

#[test]
fn full_v2_listing_of_the_cri_repo() {
    let Some(k) = inspect(
        "containerd-cri-repo-docs-config-md-03fcd18-full-v2__config.toml",
        2,
        "1.6.20",
    ) else {
        return;
    };
    let rest = without_x509_strays(&k, CRI, 6);
    assert_eq!(
        rest,
        all_removed(&[
            (
                join(CRI, &["containerd", "default_runtime"]),
                "default_runtime",
            ),
            (join(CRI, &["registry", "mirrors"]), "registry.mirrors"),
        ])
    );
    assert_read(
        &k,
        &join(CRI, &["registry", "mirrors", "docker.io", "endpoint"]),
    );
}

#[test]
fn full_v1_listing_of_the_cri_repo() {
    let Some(k) = inspect(
        "containerd-cri-repo-docs-config-md-789b26f-full-v1__config.toml",
        1,
        "1.6.20",
    ) else {
        return;
    };
    let rest = without_x509_strays(&k, CRI_V1, 2);
    let dr = join(CRI_V1, &["containerd", "default_runtime"]);
    let uw = join(CRI_V1, &["containerd", "untrusted_workload_runtime"]);
    assert_eq!(
        rest,
        all_removed(&[
            (join(CRI_V1, &["systemd_cgroup"]), "systemd_cgroup"),
            (dr.clone(), "default_runtime"),
            (join(&dr, &["runtime_engine"]), "runtime_engine"),
            (join(&dr, &["runtime_root"]), "runtime_root"),
            (uw.clone(), "untrusted_workload_runtime"),
            (join(&uw, &["runtime_engine"]), "runtime_engine"),
            (join(&uw, &["runtime_root"]), "runtime_root"),
            (join(CRI_V1, &["registry", "mirrors"]), "registry.mirrors"),
        ])
    );
    // The options of the shim v1 runtime are opaque: recorded, not descended. Judged as runc
    // options, `Runtime` would be unknown.
    assert_read(&k, &join(&dr, &["options"]));
    let runtime = join(&dr, &["options", "Runtime"]);
    assert!(get(&k.doc, &runtime).is_some());
    assert_eq!(k.flagged.get(&render(&runtime)), None);
}

#[test]
fn talos_discard_unpacked_layers_under_the_runtime_is_misplaced() {
    let Some(k) = inspect("talos-hack-8f3e1a4__cri-containerd.toml", 2, "1.7.0") else {
        return;
    };
    let runc = join(CRI, &["containerd", "runtimes", "runc"]);
    let want: BTreeMap<String, String> = [(
        render(&join(&runc, &["discard_unpacked_layers"])),
        format!(
            "misplaced (belongs at {})",
            render(&join(CRI, &["containerd", "discard_unpacked_layers"]))
        ),
    )]
    .into_iter()
    .collect();
    assert_eq!(k.flagged, want);
}

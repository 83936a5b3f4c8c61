//! Each release's own `containerd config default` (written by the real binary into
//! tests/data/), audited for that release: nothing above a note. A stock node must not fail a
//! pipeline run with `--fail-on warning`; where the stock file holds deprecated keys with values
//! containerd reads as unset, RA107 says so as a note. crictl (RA7xx) and live (RA8xx) findings
//! are about the rest of the node, not the config, and are left out.

mod common;

use common::{repo, run_json};

/// A release and the `config default` it wrote, with the RA107 notes expected on it.
struct Stock {
    release: &'static str,
    file: &'static str,
    unset_deprecated: &'static [&'static str],
}

const STOCK: &[Stock] = &[
    Stock {
        release: "1.6.20",
        file: "containerd-1.6.20-config-default.toml",
        unset_deprecated: &[
            "systemd_cgroup",
            "default_runtime",
            "runtime_engine",
            "runtime_root",
            "untrusted_workload_runtime",
        ],
    },
    Stock {
        release: "1.7.24",
        file: "containerd-1.7.24-config-default.toml",
        unset_deprecated: &[
            "systemd_cgroup",
            "default_runtime",
            "runtime_engine",
            "runtime_root",
            "CriuPath",
            "untrusted_workload_runtime",
        ],
    },
    Stock {
        release: "2.1.9",
        file: "containerd-2.1.9-config-default.toml",
        unset_deprecated: &["cni.bin_dir"],
    },
];

/// Whether a finding is about the containerd config (not crictl or the live node).
fn about_the_config(finding: &serde_json::Value) -> bool {
    finding["rule"]
        .as_str()
        .is_some_and(|id| !id.starts_with("RA7") && !id.starts_with("RA8"))
}

#[test]
fn each_release_stock_config_has_nothing_above_a_note() {
    let mut failures = Vec::new();
    for stock in STOCK {
        let node = tempfile::tempdir().expect("a temporary node");
        let etc = node.path().join("etc/containerd");
        std::fs::create_dir_all(&etc).expect("etc/containerd");
        std::fs::copy(
            repo().join("tests/data").join(stock.file),
            etc.join("config.toml"),
        )
        .expect("the stock config");
        let args = ["--containerd-version".to_owned(), stock.release.to_owned()];
        let report = run_json(node.path(), &args, &[]).expect("the audit runs");
        let findings: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| about_the_config(f))
            .collect();
        for f in &findings {
            if f["severity"] != "note" {
                failures.push(format!(
                    "{}: {} {} [{}]: {}",
                    stock.release, f["severity"], f["rule"], f["case"], f["message"]
                ));
            }
        }
        let mut notes: Vec<&str> = findings
            .iter()
            .filter(|f| f["rule"] == "RA107" && f["case"] == "deprecated-unset")
            .filter_map(|f| f["key"].as_str())
            .filter_map(|key| {
                stock
                    .unset_deprecated
                    .iter()
                    .find(|option| key.ends_with(*option))
                    .copied()
            })
            .collect();
        notes.sort_unstable();
        let mut expected = stock.unset_deprecated.to_vec();
        expected.sort_unstable();
        if notes != expected {
            failures.push(format!(
                "{}: RA107 deprecated-unset on {notes:?}, expected {expected:?}",
                stock.release
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

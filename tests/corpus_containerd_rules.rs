//! The real-world containerd configs of the corpus, audited as a node's
//! `/etc/containerd/config.toml`: no file may crash the audit, and each file's known problems
//! (MANIFEST.tsv) must come out as the containerd rules' findings. The table lists, per file,
//! exactly which of these rules fail with the default (assumed) containerd version: a rule that
//! starts firing on a file, or stops, fails the test.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{corpus, run_json};

/// The rules this table speaks for.
const RULES: &[&str] = &[
    "RA101", "RA102", "RA103", "RA104", "RA105", "RA106", "RA107", "RA108", "RA109", "RA110",
    "RA202", "RA203",
];

/// A corpus file and the rules (of [`RULES`]) that must fail on it, with why.
struct Expect {
    file: &'static str,
    fail: &'static [&'static str],
    why: &'static str,
}

/// Every config lacks `required_plugins` for CRI: RA109 (a note) fires on all but the ones
/// that require CRI or disable it.
const TABLE: &[Expect] = &[
    Expect {
        file: "containerd-cri-repo-docs-config-md-03fcd18-full-v2__config.toml",
        fail: &["RA106", "RA107", "RA109"],
        why: "keys written after the x509_key_pair_streaming header belong to that table in TOML, so containerd ignores them (RA106, seen with 1.6.20 in config dump); runtime_type io.containerd.runc.v1, the empty default_runtime table, CriuPath (RA107)",
    },
    Expect {
        file: "containerd-cri-repo-docs-config-md-789b26f-full-v1__config.toml",
        fail: &["RA103", "RA106", "RA107", "RA109"],
        why: "version 1 format (RA103); keys under the x509_key_pair_streaming header (RA106); systemd_cgroup, default_runtime with the v1 shim, untrusted_workload_runtime, runc.v1, CriuPath (RA107)",
    },
    Expect {
        file: "containerd-cri-repo-docs-registry-md-block0-mirrors-v1__config.toml",
        fail: &["RA103", "RA109"],
        why: "version 1 snippet (RA103); its registry problems are RA4xx's",
    },
    Expect {
        file: "containerd-cri-repo-docs-registry-md-block1-auths-v1__config.toml",
        fail: &["RA103", "RA109"],
        why: "version 1 snippet (RA103); auths are RA4xx's",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block00-version-header-only__config.toml",
        fail: &["RA109"],
        why: "none known",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block01-systemdcgroup-v3__config.toml",
        fail: &["RA109"],
        why: "as a whole config, runc is defined by its options table only: no runtime_type, which containerd 2.x \
              takes from its built-in runc (seen with 2.1.9), so RA108 passes",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block02-systemdcgroup-v2__config.toml",
        fail: &["RA108", "RA109"],
        why: "manifest says none, but as a whole config on 1.x runc gets an empty runtime_type (seen with 1.6.20 \
              in `containerd config dump`), which fails every pod sandbox (RA108)",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block03-snapshotter-v3__config.toml",
        fail: &["RA109"],
        why: "none known",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block04-snapshotter-v2__config.toml",
        fail: &["RA109"],
        why: "none known",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block05-runtimeclasses-v3__config.toml",
        fail: &["RA109"],
        why: "default crun is defined (no runc needed); crun is the only runc-based handler",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block06-runtimeclasses-v2__config.toml",
        fail: &["RA109"],
        why: "same as block05",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block07-full-v3__config.toml",
        fail: &["RA107", "RA109"],
        why: "manifest says none, but on containerd 2.3 (assumed for version 3) disable_cgroup is gone, enable_cdi and cni.bin_dir are deprecated (RA107 warnings)",
    },
    Expect {
        file: "containerd-docs-cri-config-md-block08-full-v2__config.toml",
        fail: &["RA106", "RA107", "RA109"],
        why: "keys written after the x509_key_pair_streaming header are read as part of it and ignored (RA106); deprecated empty default_runtime and untrusted_workload_runtime tables (RA107)",
    },
    Expect {
        file: "containerd-docs-hosts-md-block00-config-path-v3__config.toml",
        fail: &["RA109"],
        why: "none known",
    },
    Expect {
        file: "containerd-docs-hosts-md-block01-config-path-v2__config.toml",
        fail: &["RA109"],
        why: "none known",
    },
    Expect {
        file: "docker-containerd-packaging__containerd.toml",
        fail: &["RA101", "RA103"],
        why: "disabled_plugins = [\"cri\"] (RA101, error); no version (RA103)",
    },
    Expect {
        file: "eks-ami-al2-template__containerd-config.toml",
        fail: &["RA109"],
        why: "its problems (placeholder, config_path) are other rules'",
    },
    Expect {
        file: "eks-ami-files__containerd-config.toml",
        fail: &["RA109"],
        why: "its problems (dockershim socket, placeholder) are other rules'",
    },
    Expect {
        file: "eks-nodeadm-e2e-containerd-config__expected-containerd-config.toml",
        fail: &["RA109"],
        why: "test fixture, none for these rules",
    },
    Expect {
        file: "eks-nodeadm-e2e-containerdv2-config__expected-containerd-configv2.toml",
        fail: &["RA107", "RA109"],
        why: "a config dump of 2.x keeps plugin_dir, enable_cdi and cni.bin_dir, deprecated on containerd 2.3 (RA107 warnings); required_plugins = [] (RA109)",
    },
    Expect {
        file: "eks-nodeadm-e2e-containerdv2-nvidia__expected-containerd-configv3.toml",
        fail: &["RA107", "RA109"],
        why: "only nvidia defined, but it is the default runtime: RA108 must not fire; enable_cdi and cni.bin_dir deprecated on 2.3 (RA107)",
    },
    Expect {
        file: "kind-030aa9e__config.toml",
        fail: &["RA106", "RA109"],
        why: "tolerate_missing_hugepages_controller is not a containerd key (tolerate_missing_hugetlb_controller is; RA106); runc and test-handler agree (both cgroupfs); registry and pause problems are other rules'",
    },
    Expect {
        file: "kind-1164f3c__config.toml",
        fail: &["RA106", "RA109"],
        why: "same as kind-030aa9e",
    },
    Expect {
        file: "microk8s-default-args-TEMPLATE__containerd-template.toml",
        fail: &["RA107", "RA108", "RA109"],
        why: "runc.v1 and io.containerd.runtime.v1.linux runtimes, plugins.\"io.containerd.runtime.v1.linux\" (RA107); \
              the ${RUNTIME} placeholder names no runtime (RA108)",
    },
    Expect {
        file: "minikube-iso-legacy__config.toml",
        fail: &["RA103", "RA107", "RA109"],
        why: "version 1 (RA103); default_runtime with the v1 shim, untrusted_workload_runtime, systemd_cgroup, \
              no_pivot (RA107)",
    },
    Expect {
        file: "minikube-iso-x86_64__config.toml",
        fail: &["RA107", "RA109"],
        why: "deprecated default_runtime and untrusted_workload_runtime tables (RA107)",
    },
    Expect {
        file: "minikube-kicbase__containerd.toml",
        fail: &["RA107", "RA109"],
        why: "deprecated untrusted_workload_runtime table (RA107)",
    },
    Expect {
        file: "talos-hack-0b96df5__cri-containerd.toml",
        fail: &["RA109"],
        why: "none known for these rules (the missing import is the loader's)",
    },
    Expect {
        file: "talos-hack-0e5bddd__containerd.toml",
        fail: &[],
        why: "requires CRI by its URI",
    },
    Expect {
        file: "talos-hack-8f3e1a4__cri-containerd.toml",
        fail: &["RA106", "RA109"],
        why: "discard_unpacked_layers under runtimes.runc: unknown there (RA106)",
    },
    Expect {
        file: "talos-hack-97d00d0__containerd.toml",
        fail: &["RA101"],
        why: "CRI disabled on purpose in a system containerd: RA101 only as a note, since nothing links it to \
              the kubelet",
    },
];

/// Audits `text` as the node's containerd config; the failing rules of [`RULES`] and the
/// findings' rule:case:severity.
fn audit(text: &[u8], args: &[&str]) -> Result<(BTreeSet<String>, Vec<String>), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let etc = dir.path().join("etc/containerd");
    std::fs::create_dir_all(&etc).map_err(|e| e.to_string())?;
    std::fs::write(etc.join("config.toml"), text).map_err(|e| e.to_string())?;
    let args: Vec<String> = args.iter().map(std::string::ToString::to_string).collect();
    let report = run_json(dir.path(), &args, &[])?;
    let failing = report["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] == "fail")
        .filter_map(|r| r["id"].as_str())
        .filter(|id| RULES.contains(id))
        .map(str::to_owned)
        .collect();
    let findings = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"].as_str().is_some_and(|id| RULES.contains(&id)))
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["rule"].as_str().unwrap_or(""),
                f["case"].as_str().unwrap_or(""),
                f["severity"].as_str().unwrap_or("")
            )
        })
        .collect();
    Ok((failing, findings))
}

fn corpus_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir.join("containerd"))
        .expect("corpus containerd directory")
        .filter_map(std::result::Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_containerd_file_is_in_the_table() {
    let Some(dir) = corpus() else {
        return;
    };
    let files = corpus_files(&dir);
    assert!(!files.is_empty(), "no containerd files in the corpus");
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !TABLE.iter().any(|e| e.file == f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "corpus containerd files without an entry in TABLE: {missing:?}"
    );
    let stale: Vec<&str> = TABLE
        .iter()
        .map(|e| e.file)
        .filter(|f| !files.iter().any(|g| g == f))
        .collect();
    assert!(
        stale.is_empty(),
        "TABLE entries with no corpus file: {stale:?}"
    );
}

#[test]
fn corpus_containerd_files_produce_their_known_problems() {
    let Some(dir) = corpus() else {
        return;
    };
    let mut failures = Vec::new();
    for e in TABLE {
        let path = dir.join("containerd").join(e.file);
        let Ok(text) = std::fs::read(&path) else {
            // Reported by every_corpus_containerd_file_is_in_the_table.
            continue;
        };
        match audit(&text, &[]) {
            Err(err) => failures.push(format!("{}: the audit failed: {err}", e.file)),
            Ok((failing, findings)) => {
                let want: BTreeSet<String> = e
                    .fail
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                if failing != want {
                    failures.push(format!(
                        "{}: failing {failing:?}, expected {want:?} ({})\n    findings: {findings:?}",
                        e.file, e.why
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The CRI-disabling config the migration is about stays an error; the Talos system config
/// that disables CRI on purpose is only a note.
#[test]
fn cri_disabled_severity_follows_the_context() {
    let Some(dir) = corpus() else {
        return;
    };
    let docker = std::fs::read(dir.join("containerd/docker-containerd-packaging__containerd.toml"))
        .expect("Docker's packaged config in the corpus");
    let (_, findings) = audit(&docker, &[]).expect("audit");
    assert!(
        findings.contains(&"RA101:disabled:error".to_string()),
        "{findings:?}"
    );
    let talos = std::fs::read(dir.join("containerd/talos-hack-97d00d0__containerd.toml"))
        .expect("Talos system config in the corpus");
    let (_, findings) = audit(&talos, &[]).expect("audit");
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.starts_with("RA101:"))
            .collect::<Vec<_>>(),
        vec!["RA101:disabled-no-kubelet-link:note"]
    );
}

/// Every corpus file, audited for containerd releases on both sides of the version edges,
/// gives a report (exit 0 or 1, valid JSON).
#[test]
fn corpus_containerd_files_audit_for_every_release() {
    let Some(dir) = corpus() else {
        return;
    };
    let mut failures = Vec::new();
    for file in corpus_files(&dir) {
        let text = std::fs::read(dir.join("containerd").join(&file)).expect("read corpus file");
        for version in ["1.6.20", "1.7", "1.7.17", "2.0.0", "2.2.1", "2.3.0"] {
            if let Err(err) = audit(&text, &["--containerd-version", version]) {
                failures.push(format!("{file} with containerd {version}: {err}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

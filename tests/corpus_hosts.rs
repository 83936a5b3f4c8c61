//! The real-world hosts.toml files (and the registry-related containerd configs and Docker
//! daemon.json files) of the shared corpus, placed where they would sit on a node and audited
//! through the binary.
//!
//! Each corpus file has at least one row below; a hosts.toml in the corpus without a row
//! fails the test. A row states the exact set of RA4xx (rule, case) findings the file must
//! produce at that place and containerd release: the problems MANIFEST.tsv lists that a rule
//! covers, corrected where containerd 1.6.20 (run here) disagrees with the manifest note.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{corpus, run_json};

/// One placement of a corpus hosts.toml.
struct HostsRow {
    file: &'static str,
    /// Directory under /etc/containerd/certs.d; None: directly in certs.d.
    namespace: Option<&'static str>,
    containerd: &'static str,
    expect: &'static [(&'static str, &'static str)],
    /// What MANIFEST.tsv says, and how the expectation relates to it.
    why: &'static str,
}

const HOSTS: &[HostsRow] = &[
    HostsRow {
        file: "kind__certs.d-hosts.toml",
        namespace: None,
        containerd: "1.7.20",
        expect: &[("RA405", "outside-namespace"), ("RA405", "rejected")],
        why: "manifest: server as a TOML array (probable decode error) and file directly in certs.d. \
              containerd 1.6.20 confirms the decode error: `Can't convert [...] to a slice`, whole file ignored",
    },
    HostsRow {
        file: "kind__certs.d-hosts.toml",
        namespace: Some("k8s.gcr.io"),
        containerd: "2.1.0",
        expect: &[("RA405", "rejected")],
        why: "moved into its namespace, the server array still makes containerd reject the file",
    },
    HostsRow {
        file: "minikube-iso__containerd_docker_io_hosts.toml",
        namespace: Some("docker.io"),
        containerd: "2.1.0",
        expect: &[],
        why: "manifest: none known; true on 2.x",
    },
    HostsRow {
        file: "minikube-iso__containerd_docker_io_hosts.toml",
        namespace: Some("docker.io"),
        containerd: "1.6.20",
        expect: &[("RA405", "no-host-table")],
        why: "manifest says none known, but containerd 1.6.20 rejects a hosts.toml without a [host] table \
              (`invalid \\`host\\` tree`, containerd#10027): the real daemon is the judge",
    },
    HostsRow {
        file: "microk8s-certs.d-docker.io__hosts.toml",
        namespace: Some("docker.io"),
        containerd: "1.7.20",
        expect: &[],
        why: "manifest: none known",
    },
    HostsRow {
        file: "microk8s-certs.d-localhost__32000__hosts.toml",
        namespace: Some("localhost__32000"),
        containerd: "1.7.20",
        expect: &[("RA405", "unreachable-namespace")],
        why: "manifest: shipped in localhost__32000, which containerd never looks up (renamed on install)",
    },
    HostsRow {
        file: "microk8s-certs.d-localhost__32000__hosts.toml",
        namespace: Some("localhost:32000"),
        containerd: "1.7.20",
        expect: &[],
        why: "installed under the name containerd looks up, the plain-HTTP registry config is fine",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block04-local-mirror-docker__hosts.toml",
        namespace: Some("docker.io"),
        containerd: "2.1.0",
        expect: &[("RA405", "missing-cert")],
        why: "manifest: relative ca path `docker-mirror.crt`, resolved against the hosts.toml directory; \
              the file is not there on this node, so every docker.io pull would fail",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block07-proxy-server__hosts.toml",
        namespace: Some("my-registry.io"),
        containerd: "2.1.0",
        expect: &[("RA405", "key-not-in-release")],
        why: "manifest: proxy field only understood by recent containerd releases",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block08-proxy-mirror-only__hosts.toml",
        namespace: Some("my-registry.io"),
        containerd: "2.1.0",
        expect: &[("RA405", "key-not-in-release")],
        why: "manifest: proxy field only understood by recent containerd releases",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block09-proxy-both__hosts.toml",
        namespace: Some("my-registry.io"),
        containerd: "2.1.0",
        expect: &[("RA405", "key-not-in-release")],
        why: "manifest: proxy field only understood by recent containerd releases (twice)",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block10-bypass-tls__hosts.toml",
        namespace: Some("docker.io"),
        containerd: "1.7.20",
        expect: &[("RA408", "hosts-toml-http")],
        why: "manifest: skip_verify on an http:// host (RA408). Not covered: push capability on a docker.io mirror",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block24-many-mirrors__hosts.toml",
        namespace: Some("docker.io"),
        containerd: "2.1.0",
        expect: &[("RA405", "missing-cert")],
        why: "manifest: illustrative cert paths (missing here, every pull would fail); skip_verify on an \
              https mirror and a plain-http mirror are valid",
    },
    HostsRow {
        file: "containerd-docs-hosts-md-block25-nested-host-unsupported__hosts.toml",
        namespace: Some("docker.io"),
        containerd: "1.7.20",
        expect: &[("RA405", "nested-host"), ("RA405", "capabilities")],
        why: "manifest: nested [host] (unsupported). TOML makes the indented table a sibling, which \
              containerd 1.6.20 tries as a second mirror; both mirrors are pull-only, so tags resolve upstream",
    },
];

/// A registry-related containerd config of the corpus.
struct ConfigRow {
    file: &'static str,
    containerd: &'static str,
    expect: &'static [(&'static str, &'static str)],
    why: &'static str,
}

const CONFIGS: &[ConfigRow] = &[
    ConfigRow {
        file: "kind-030aa9e__config.toml",
        containerd: "2.2.0",
        expect: &[
            ("RA401", "default-config-path-2-2"),
            ("RA403", "deprecated"),
        ],
        why: "manifest: deprecated registry.mirrors; CRI fails to load with mirrors on 2.2.0 (containerd#12612)",
    },
    ConfigRow {
        file: "kind-030aa9e__config.toml",
        containerd: "1.7.20",
        expect: &[("RA403", "deprecated")],
        why: "the same config on 1.7: deprecated only",
    },
    ConfigRow {
        file: "minikube-iso-x86_64__config.toml",
        containerd: "1.7.20",
        expect: &[("RA403", "deprecated")],
        why: "manifest: deprecated registry.mirrors",
    },
    ConfigRow {
        file: "containerd-cri-repo-docs-config-md-03fcd18-full-v2__config.toml",
        containerd: "1.7.20",
        expect: &[("RA403", "deprecated")],
        why: "manifest: deprecated registry.mirrors",
    },
    ConfigRow {
        file: "containerd-cri-repo-docs-config-md-789b26f-full-v1__config.toml",
        containerd: "1.6.20",
        expect: &[("RA403", "deprecated")],
        why: "manifest: registry.mirrors (version 1 layout)",
    },
    ConfigRow {
        file: "containerd-cri-repo-docs-registry-md-block0-mirrors-v1__config.toml",
        containerd: "1.6.20",
        expect: &[("RA403", "deprecated")],
        why: "manifest: deprecated mirrors. Not covered: placeholder hosts, mirror keyed registry-1.docker.io",
    },
    ConfigRow {
        file: "containerd-cri-repo-docs-registry-md-block1-auths-v1__config.toml",
        containerd: "1.6.20",
        expect: &[("RA403", "deprecated")],
        why: "manifest: registry.auths deprecated; all credential fields empty (so no RA404)",
    },
    ConfigRow {
        file: "microk8s-default-args-TEMPLATE__containerd-template.toml",
        containerd: "1.7.20",
        expect: &[("RA403", "deprecated")],
        why: "manifest: deprecated registry.mirrors incl. plain-http localhost:32000",
    },
    ConfigRow {
        file: "minikube-kicbase__containerd.toml",
        containerd: "1.7.20",
        expect: &[],
        why: "manifest: registry config_path=/etc/containerd/certs.d, no registry problem",
    },
];

/// A corpus daemon.json with registry settings, on a node whose containerd has config_path
/// but no hosts.toml yet.
struct DaemonRow {
    file: &'static str,
    expect: &'static [(&'static str, &'static str)],
    why: &'static str,
}

const DAEMONS: &[DaemonRow] = &[
    DaemonRow {
        file: "eliu-kubeadm-vagrant__daemon.json",
        expect: &[("RA407", "registry-mirror")],
        why: "manifest: registry-mirrors without a scheme (dockerd 20.10 refuses them: `invalid mirror: \
              unsupported scheme`); not carried over either way",
    },
    DaemonRow {
        file: "guslgogo20-proworks-k8s-resources__daemon.json",
        expect: &[("RA407", "insecure-registry")],
        why: "manifest: insecure registry (ip:port) must be re-expressed as hosts.toml",
    },
    DaemonRow {
        file: "13567436138-kubernetes-yamls__daemon.json",
        expect: &[("RA407", "registry-mirror")],
        why: "manifest: aliyun registry mirror must be migrated to hosts.toml",
    },
    DaemonRow {
        file: "htchien-harbor_study__daemon.json",
        expect: &[("RA407", "insecure-registry")],
        why: "manifest: insecure registry (bare IP) to migrate",
    },
];

fn write(root: &Path, host_path: &str, text: &str) {
    let p = root.join(host_path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, text).expect("write");
}

fn config_for(version: &str) -> &'static str {
    if version.starts_with('1') {
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n"
    } else {
        "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = \"/etc/containerd/certs.d\"\n"
    }
}

/// RA4xx (rule, case) pairs of a JSON report, and a readable summary.
fn registry_findings(report: &serde_json::Value) -> (BTreeSet<(String, String)>, String) {
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let mut set = BTreeSet::new();
    let mut lines = Vec::new();
    for f in &findings {
        let rule = f["rule"].as_str().unwrap_or("").to_string();
        let case = f["case"].as_str().unwrap_or("").to_string();
        lines.push(format!(
            "  {rule} [{case}] {}",
            f["message"].as_str().unwrap_or("")
        ));
        if rule.starts_with("RA4") {
            set.insert((rule, case));
        }
    }
    (set, lines.join("\n"))
}

fn expected(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .collect()
}

#[test]
fn corpus_hosts_toml_files_meet_the_manifest() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("hosts-toml");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("corpus hosts-toml directory")
        .filter_map(std::result::Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !HOSTS.iter().any(|r| r.file == n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "corpus hosts.toml files without a row: {missing:?}"
    );

    let mut failures = Vec::new();
    for row in HOSTS {
        let text = fs::read_to_string(dir.join(row.file))
            .unwrap_or_else(|e| panic!("{}: {e} (row for a file not in the corpus)", row.file));
        let root = tempfile::tempdir().expect("tempdir");
        write(
            root.path(),
            "/etc/containerd/config.toml",
            config_for(row.containerd),
        );
        let place = match row.namespace {
            Some(ns) => format!("/etc/containerd/certs.d/{ns}/hosts.toml"),
            None => "/etc/containerd/certs.d/hosts.toml".to_string(),
        };
        write(root.path(), &place, &text);
        let args = vec![
            "--containerd-version".to_string(),
            row.containerd.to_string(),
        ];
        let report = match run_json(root.path(), &args, &[]) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{} at {place}: {e}", row.file));
                continue;
            }
        };
        let (got, summary) = registry_findings(&report);
        if got != expected(row.expect) {
            failures.push(format!(
                "{} at {place} (containerd {}): got {got:?}, expected {:?}\n  ({})\n{summary}",
                row.file, row.containerd, row.expect, row.why
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn corpus_registry_configs_meet_the_manifest() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("containerd");
    let mut failures = Vec::new();
    for row in CONFIGS {
        let text = fs::read_to_string(dir.join(row.file))
            .unwrap_or_else(|e| panic!("{}: {e} (row for a file not in the corpus)", row.file));
        let root = tempfile::tempdir().expect("tempdir");
        write(root.path(), "/etc/containerd/config.toml", &text);
        let args = vec![
            "--containerd-version".to_string(),
            row.containerd.to_string(),
        ];
        let report = match run_json(root.path(), &args, &[]) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e}", row.file));
                continue;
            }
        };
        let (got, summary) = registry_findings(&report);
        if got != expected(row.expect) {
            failures.push(format!(
                "{} (containerd {}): got {got:?}, expected {:?}\n  ({})\n{summary}",
                row.file, row.containerd, row.expect, row.why
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Credentials never reach any output, whatever the file: config.toml auth tables and every
/// hosts.toml header value are masked in human, JSON and SARIF reports.
#[test]
fn registry_secrets_are_never_printed() {
    let root = tempfile::tempdir().expect("tempdir");
    write(
        root.path(),
        "/etc/containerd/config.toml",
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n\
         [plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.example\".auth]\n  username = \"u-SECRET-1\"\n  password = \"p-SECRET-2\"\n\
         [plugins.\"io.containerd.grpc.v1.cri\".registry.auths.\"a.example\"]\n  auth = \"a-SECRET-3\"\n",
    );
    write(
        root.path(),
        "/etc/containerd/certs.d/r.example/hosts.toml",
        "server = \"https://r.example\"\n[host.\"https://r.example\"]\n  [host.\"https://r.example\".header]\n    Authorization = \"Bearer h-SECRET-4\"\n    X-Custom = [\"h-SECRET-5\"]\n",
    );
    // A broken hosts.toml: its header value is masked even though the file does not parse.
    write(
        root.path(),
        "/etc/containerd/certs.d/b.example/hosts.toml",
        "[host.\"https://b.example\".header]\n  Authorization = \"Bearer h-SECRET-6\"\n[host\n",
    );
    for format in ["human", "json", "sarif"] {
        let out = common::bin()
            .current_dir(root.path())
            .args([
                "--root",
                ".",
                "--containerd-version",
                "1.7.20",
                "--format",
                format,
            ])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        // The SARIF renderer is filled in separately; the leak check holds for whatever it prints.
        if format != "sarif" {
            assert!(
                text.contains("RA404"),
                "{format}: expected RA404 findings\n{text}"
            );
        }
        assert!(
            !text.contains("SECRET"),
            "{format} output leaks a secret:\n{text}"
        );
    }
    let out = common::bin()
        .current_dir(root.path())
        .args(["inspect", "--root", ".", "--format", "json"])
        .output()
        .expect("run inspect");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("SECRET"), "inspect leaks a secret:\n{text}");
}

#[test]
fn corpus_daemon_json_registries_meet_the_manifest() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("docker-daemon");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("corpus docker-daemon directory")
        .filter_map(std::result::Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let text = fs::read_to_string(dir.join(name)).expect("read corpus file");
        let row = DAEMONS.iter().find(|r| r.file == name.as_str());
        // Every daemon.json with registry settings must have a row; the others must not
        // produce RA407 findings.
        if row.is_none()
            && (text.contains("insecure-registries") || text.contains("registry-mirrors"))
        {
            failures.push(format!("{name}: has registry settings but no row"));
            continue;
        }
        let root = tempfile::tempdir().expect("tempdir");
        write(
            root.path(),
            "/etc/containerd/config.toml",
            config_for("1.7.20"),
        );
        write(root.path(), "/etc/docker/daemon.json", &text);
        let args = vec!["--containerd-version".to_string(), "1.7.20".to_string()];
        let report = match run_json(root.path(), &args, &[]) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let (got, summary) = registry_findings(&report);
        let want = expected(row.map_or(&[], |r| r.expect));
        if got != want {
            failures.push(format!(
                "{name}: got {got:?}, expected {want:?}\n  ({})\n{summary}",
                row.map_or("no registry settings", |r| r.why)
            ));
        }
    }
    for row in DAEMONS {
        if !names.iter().any(|n| n == row.file) {
            failures.push(format!("{}: row for a file not in the corpus", row.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

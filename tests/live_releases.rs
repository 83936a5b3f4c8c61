//! The CRI probe, the live rules and the deprecations containerd itself lists, against the
//! newer containerd releases, 1.7.24 and 2.1.9, unpacked by tests/support/releases.sh (the
//! installed 1.6.20 is tests/live_cri.rs's). Each release runs in a `daemons::LiveNode` of its
//! own, in a mount namespace of its own, with a config in the version that release writes; an
//! image is imported from a local tarball. A migration rehearsal takes a node from dockerd
//! 20.10 on Docker's packaged containerd config to the fixed config on each release. RA809 is
//! run with 1.7.24, 2.1.9 and the installed 1.6.20 answering at kubeadm's three known CRI
//! sockets, all in one mount namespace with the audit.
//!
//! A release that is absent is said loudly, and is a failure under CI=true (.ci/run fetches
//! it).

mod common;
mod daemons;

use std::path::Path;
use std::time::{Duration, Instant};

use daemons::LiveNode;
use daemons::image::{image_tarball, listed_image};
use runtime_audit::collect::live::cri;
use runtime_audit::model::live::{CriApi, CriEndpoint, Probe};
use serde_json::Value;

const IMAGE_NAME: &str = "docker.io/library/ra-probe:1.0";

/// A release and how its config says SystemdCgroup, the sandbox image and config_path.
struct Release {
    name: &'static str,
    version: &'static str,
    /// The config with `@SYSTEMD@` for SystemdCgroup's value.
    config: &'static str,
}

const RELEASE_1_7: Release = Release {
    name: "containerd-1.7.24",
    version: "1.7.24",
    config: r#"version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "127.0.0.1:5999/pause:3.9"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = @SYSTEMD@
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "@DIR@/certs.d"
"#,
};

const RELEASE_2_1: Release = Release {
    name: "containerd-2.1.9",
    version: "2.1.9",
    config: r#"version = 3
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = @SYSTEMD@
[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = '127.0.0.1:5999/pause:3.10'
[plugins.'io.containerd.cri.v1.images'.registry]
  config_path = '@DIR@/certs.d'
"#,
};

fn config(release: &Release, node: &LiveNode, systemd: bool) -> String {
    format!(
        "{}{}",
        release.config.replace("@SYSTEMD@", &systemd.to_string()),
        node.confinement(false)
    )
}

/// The release's node with CRI answering and one image imported into `k8s.io`; None when the
/// release is not unpacked here.
fn node(release: &Release) -> Option<LiveNode> {
    let bin = common::release_bin(release.name)?;
    let mut node = LiveNode::with_release(bin);
    node.write_config(&config(release, &node, true));
    node.start_containerd(true);
    let work = node.dir.path().join("image");
    std::fs::create_dir_all(&work).expect("mkdir");
    let tarball = image_tarball(&work, IMAGE_NAME);
    node.ctr(&[
        "-n",
        "k8s.io",
        "images",
        "import",
        &tarball.display().to_string(),
    ]);
    Some(node)
}

fn probe(socket: &Path) -> CriEndpoint {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let endpoint = format!("unix://{}", socket.display());
    rt.block_on(cri::probe(
        socket,
        &endpoint,
        Instant::now() + Duration::from_secs(5),
    ))
}

/// Whether the probe lists the imported image.
fn lists_image(out: &CriEndpoint) -> bool {
    out.images.ok().is_some_and(|images| {
        images
            .iter()
            .any(|i| i.repo_tags.iter().any(|t| t == IMAGE_NAME))
    })
}

/// Version, Status (with the running config) and ListImages, as the release answers them.
fn probe_answers(release: &Release, node: &LiveNode) {
    // The CRI image service learns of an import from containerd's events, a moment later
    // (seen with 2.1.9 on a loaded machine): the probe is repeated until it lists the image.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut out = probe(&node.containerd_socket());
    while !lists_image(&out) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        out = probe(&node.containerd_socket());
    }
    assert_eq!(out.api, Probe::Ok { value: CriApi::V1 }, "{out:#?}");
    let version = out.version.ok().expect("Version answers");
    assert_eq!(version.runtime_name, "containerd");
    assert!(
        version.runtime_version.starts_with(release.version),
        "{version:?}"
    );
    assert_eq!(version.runtime_api_version, "v1");

    let status = out
        .status
        .ok()
        .unwrap_or_else(|| panic!("Status answers: {out:#?}"));
    let kinds: Vec<&str> = status.conditions.iter().map(|c| c.kind.as_str()).collect();
    assert!(
        kinds.starts_with(&["RuntimeReady", "NetworkReady"]),
        "{status:#?}"
    );
    assert!(status.conditions[0].status, "the runtime is ready");
    let running = status
        .config
        .as_ref()
        .unwrap_or_else(|| panic!("the running CRI config: {status:#?}"));
    assert_eq!(running.default_runtime_name.as_deref(), Some("runc"));
    assert_eq!(running.systemd_cgroup, Some(true), "{running:?}");
    if release.version.starts_with("1.") {
        // 1.x reports the whole CRI config, the sandbox image and config_path included.
        assert_eq!(
            running.sandbox_image.as_deref(),
            Some("127.0.0.1:5999/pause:3.9")
        );
        let certs = node.dir.path().join("certs.d").display().to_string();
        assert_eq!(
            running.registry_config_path.as_deref(),
            Some(certs.as_str())
        );
    } else {
        // 2.x reports the runtime config only: the image settings are another plugin's.
        assert_eq!(running.sandbox_image, None, "{running:?}");
        assert_eq!(running.registry_config_path, None, "{running:?}");
    }

    let image = listed_image(&out, IMAGE_NAME);
    assert!(image.id.starts_with("sha256:"), "{image:?}");
    assert!(!image.pinned, "only the sandbox image is pinned");
}

fn status_of<'r>(report: &'r Value, id: &str) -> &'r str {
    common::rule(report, id)["status"].as_str().unwrap_or("")
}

/// The live rules on the running release: the socket answers and its running config matches
/// config.toml; then config.toml changes without a restart and RA803 sees the drift.
fn live_rules_hold(release: &Release, node: &LiveNode) {
    let socket = node.containerd_socket().display().to_string();
    let report = node.audit(&[]);
    let versions = report["versions"].to_string();
    assert!(
        versions.contains(&format!("\"version\":\"{}\"", release.version)),
        "containerd {} reported by CRI Version: {versions}",
        release.version
    );
    for id in ["RA801", "RA802", "RA803", "RA808"] {
        assert_eq!(
            status_of(&report, id),
            "pass",
            "{id} on containerd {}: {}",
            release.version,
            common::rule(&report, id)
        );
    }

    node.write_config(&config(release, node, false));
    let report = node.audit(&[]);
    assert_eq!(status_of(&report, "RA803"), "fail", "{report:#}");
    let drift = common::findings(&report, "RA803");
    assert!(
        drift.iter().any(|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("SystemdCgroup") && m.contains(&socket))),
        "RA803 names the drifted SystemdCgroup on {socket}: {drift:#?}"
    );
}

#[test]
fn containerd_1_7_answers_the_probe_and_the_live_rules_hold() {
    if let Some(node) = node(&RELEASE_1_7) {
        probe_answers(&RELEASE_1_7, &node);
        live_rules_hold(&RELEASE_1_7, &node);
    }
}

#[test]
fn containerd_2_1_answers_the_probe_and_the_live_rules_hold() {
    if let Some(node) = node(&RELEASE_2_1) {
        probe_answers(&RELEASE_2_1, &node);
        live_rules_hold(&RELEASE_2_1, &node);
    }
}

/// The deprecations containerd lists (`ctr deprecations list`): their ids.
fn listed_deprecations(node: &LiveNode) -> Vec<String> {
    node.ctr(&["deprecations", "list"])
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// RA107's findings as (option key, severity).
fn ra107(report: &Value) -> Vec<(String, String)> {
    common::findings(report, "RA107")
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap_or("").to_owned(),
                f["severity"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// containerd 1.7.24 on its own `config default`: it lists no deprecation, and RA107 says no
/// more than notes. With `untrusted_workload_runtime` given a runtime type, both speak up.
#[test]
fn containerd_1_7_deprecations_agree_with_ra107() {
    let Some(bin) = common::release_bin(RELEASE_1_7.name) else {
        return;
    };
    let stock = std::fs::read_to_string(
        common::repo().join("tests/data/containerd-1.7.24-config-default.toml"),
    )
    .expect("the stock config");
    let mut node = LiveNode::with_release(bin);
    // The stock file's paths are containerd's own (/run, /var/lib, /opt): the daemon's mount
    // namespace has tmpfs over them, and its socket, root and state are the node's.
    node.write_config(&stock);
    node.start_containerd(true);
    assert_eq!(listed_deprecations(&node), Vec::<String>::new());
    let findings = ra107(&node.audit(&[]));
    assert!(!findings.is_empty(), "the stock file holds deprecated keys");
    assert!(
        findings.iter().all(|(_, severity)| severity == "note"),
        "{findings:?}"
    );

    let untrusted =
        "[plugins.\"io.containerd.grpc.v1.cri\".containerd.untrusted_workload_runtime]\n";
    let at = stock.find(untrusted).expect("the untrusted table") + untrusted.len();
    let set = format!(
        "{}        runtime_type = \"io.containerd.runc.v2\"\n{}",
        &stock[..at],
        &stock[at..].replacen("        runtime_type = \"\"\n", "", 1)
    );
    node.kill_containerd();
    node.write_config(&set);
    node.start_containerd(true);
    assert_eq!(
        listed_deprecations(&node),
        ["io.containerd.deprecation/cri-untrusted-workload-runtime"]
    );
    let findings = ra107(&node.audit(&[]));
    assert!(
        findings.iter().any(
            |(key, severity)| key.ends_with("untrusted_workload_runtime") && severity == "warning"
        ),
        "{findings:?}"
    );
}

/// Docker's packaged config.toml (`containerd.io`): CRI disabled, no version header.
const DOCKER_PACKAGED: &str = "disabled_plugins = [\"cri\"]\n";

/// The migration's fix of that file: a version 2 config with CRI enabled and runc on the
/// systemd cgroup driver, as RA101's and RA201's fixes say.
fn migrated_config(node: &LiveNode) -> String {
    format!(
        "version = 2\n\
         [plugins.\"io.containerd.grpc.v1.cri\"]\n  stream_server_address = \"127.0.0.1\"\n  \
         stream_server_port = \"0\"\n\
         [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n  \
         runtime_type = \"io.containerd.runc.v2\"\n\
         [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  \
         SystemdCgroup = true\n{}",
        node.confinement(false)
    )
}

fn assert_status(report: &Value, id: &str, status: &str, when: &str) {
    assert_eq!(
        status_of(report, id),
        status,
        "{id} {when}: {}",
        common::rule(report, id)
    );
}

/// A node on dockerd 20.10 with Docker's packaged containerd config is audited, fixed the way
/// the findings say, restarted and audited again; then the fixed config goes to containerd
/// 1.7.24 and 2.1.9, where what runtime-audit predicts for each (CRI loads, SystemdCgroup
/// true) is what the running release reports.
#[test]
fn migration_rehearsal_from_docker_to_containerd_1_7_and_2_1() {
    let mut node = LiveNode::new();
    node.write_config(&format!("{DOCKER_PACKAGED}{}", node.confinement(true)));
    node.start_containerd(false);
    node.start_dockerd();
    let before = node.audit(&[]);
    assert_status(&before, "RA101", "fail", "on Docker's packaged config");
    assert_status(&before, "RA802", "fail", "on Docker's packaged config");

    node.kill_containerd();
    node.write_config(&migrated_config(&node));
    node.start_containerd(true);
    let after = node.audit(&[]);
    for id in ["RA101", "RA802", "RA803"] {
        assert_status(&after, id, "pass", "after the fix");
    }

    for release in [&RELEASE_1_7, &RELEASE_2_1] {
        let Some(bin) = common::release_bin(release.name) else {
            continue;
        };
        let mut next = LiveNode::with_release(bin);
        next.write_config(&migrated_config(&next));
        let predicted = inspect(&next.root(), release.version);
        assert_eq!(predicted["cri plugin"], "loads", "{predicted:#}");
        assert_eq!(
            predicted["default runtime SystemdCgroup"], true,
            "{predicted:#}"
        );
        next.start_containerd(true);
        let running = probe(&next.containerd_socket());
        let config = running.status.ok().and_then(|s| s.config.clone());
        assert_eq!(
            config.and_then(|c| c.systemd_cgroup),
            Some(true),
            "containerd {} runs with what runtime-audit predicted",
            release.version
        );
        let report = next.audit(&[]);
        for id in ["RA101", "RA802", "RA803"] {
            assert_status(
                &report,
                id,
                "pass",
                &format!("on containerd {}", release.version),
            );
        }
    }
}

/// `inspect`'s containerd rows (and its CRI section's) as key → value.
fn inspect(root: &Path, version: &str) -> Value {
    let doc = common::inspect_json(root, version);
    let mut rows = serde_json::Map::new();
    let containerd = doc["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["id"] == "containerd");
    let sections = containerd.into_iter().chain(
        containerd
            .and_then(|c| c["sections"].as_array())
            .into_iter()
            .flatten(),
    );
    for section in sections {
        for row in section["rows"].as_array().into_iter().flatten() {
            if let Some(key) = row["key"].as_str() {
                rows.insert(key.to_owned(), row["value"].clone());
            }
        }
    }
    Value::Object(rows)
}

/// A containerd at one of kubeadm's known CRI sockets, for RA809: its programs (None: the host's
/// 1.6), the socket, and the config in the version that release writes.
struct AtKnownSocket {
    bin: Option<std::path::PathBuf>,
    socket: &'static str,
    config: &'static str,
}

/// The shell lines that start `at` in the background with its own root and state under `dir`,
/// its pid in `$pid<i>`.
fn start_line(i: usize, at: &AtKnownSocket, dir: &Path) -> String {
    let program = at.bin.as_ref().map_or_else(
        || "containerd".to_owned(),
        |b| b.join("containerd").display().to_string(),
    );
    let d = dir.join(format!("c{i}"));
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join("config.toml"), at.config).expect("write config");
    let socket_dir = Path::new(at.socket).parent().expect("socket dir");
    format!(
        "mkdir -p {socket_dir}\n\
         {program} --config {d}/config.toml --address {socket} --root {d}/root --state {d}/state \
         >{d}/log 2>&1 &\npid{i}=$!\n",
        socket_dir = socket_dir.display(),
        d = d.display(),
        socket = at.socket,
    )
}

/// RA809 as the audit of this very host reports it, in a mount namespace of its own (tmpfs over
/// /run, /var/lib, /opt, /etc/cni) where `running` answer at kubeadm's known CRI sockets, then
/// again once all but the first have stopped: (the report with all, the report with one).
fn ra809_with(running: &[AtKnownSocket], dir: &Path) -> (Value, Value) {
    let mut script = String::from("set -u\n");
    for (i, at) in running.iter().enumerate() {
        script.push_str(&start_line(i, at, dir));
    }
    let pids: Vec<String> = (0..running.len()).map(|i| format!("$pid{i}")).collect();
    let sockets: Vec<&str> = running.iter().map(|a| a.socket).collect();
    script.push_str(&format!(
        "trap 'kill {pids} 2>/dev/null; wait' EXIT\n\
         for s in {sockets}; do\n\
           n=0; while [ ! -S $s ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done\n\
         done\n\
         sleep 1\n\
         \"$AUDIT\" --select RA809 --format json --probe-timeout 10s >{dir}/all.json\n\
         kill {rest} 2>/dev/null; wait {rest} 2>/dev/null\n\
         \"$AUDIT\" --select RA809 --format json --probe-timeout 10s >{dir}/one.json\n",
        pids = pids.join(" "),
        sockets = sockets.join(" "),
        dir = dir.display(),
        rest = pids[1..].join(" "),
    ));
    let out = daemons::in_own_mount_namespace(Path::new("/bin/sh"))
        .args(["-c", &script])
        .env("AUDIT", env!("CARGO_BIN_EXE_runtime-audit"))
        .output()
        .expect("run the namespace");
    let logs: Vec<String> = (0..running.len())
        .map(|i| std::fs::read_to_string(dir.join(format!("c{i}/log"))).unwrap_or_default())
        .map(|l| l.lines().rev().take(5).collect::<Vec<_>>().join(" | "))
        .collect();
    let read = |name: &str| -> Value {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "{name} is not a report ({e}): {text}\nstderr: {}\ncontainerd logs: {logs:#?}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    (read("all.json"), read("one.json"))
}

/// RA809 against real CRI servers at kubeadm's three known sockets: containerd 1.7.24 at
/// containerd's, 2.1.9 at CRI-O's and the installed 1.6.20 at cri-dockerd's (kubeadm counts any
/// known socket it can connect to, whatever answers it). All three answering is a warning that
/// names each with its runtime; once only containerd's answers, the rule passes.
#[test]
fn several_cri_runtimes_answering_on_1_7_and_2_1_is_ra809() {
    daemons::require_root_and(&["unshare", "containerd"]);
    let (Some(bin_1_7), Some(bin_2_1)) = (
        common::release_bin(RELEASE_1_7.name),
        common::release_bin(RELEASE_2_1.name),
    ) else {
        return;
    };
    // The CRI plugins' stream servers on loopback, each on a port of its own.
    let running = [
        AtKnownSocket {
            bin: Some(bin_1_7),
            socket: "/run/containerd/containerd.sock",
            config: "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  \
                     stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"\n",
        },
        AtKnownSocket {
            bin: Some(bin_2_1),
            socket: "/run/crio/crio.sock",
            config: "version = 3\n[plugins.'io.containerd.grpc.v1.cri']\n  \
                     stream_server_address = '127.0.0.1'\n  stream_server_port = '0'\n",
        },
        AtKnownSocket {
            bin: None,
            socket: "/run/cri-dockerd.sock",
            config: "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  \
                     stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"\n",
        },
    ];
    let dir = tempfile::Builder::new()
        .prefix("ra-809-")
        .tempdir()
        .expect("tempdir");
    let (all, one) = ra809_with(&running, dir.path());

    assert_eq!(status_of(&all, "RA809"), "fail", "{all:#}");
    let found = common::findings(&all, "RA809");
    assert_eq!(found.len(), 1, "{all:#}");
    let message = found[0]["message"].as_str().unwrap_or_default();
    eprintln!("RA809: {message}");
    assert!(message.starts_with("3 CRI endpoints answer"), "{message}");
    for (socket, runtime) in [
        ("/run/containerd/containerd.sock", "containerd 1.7.24"),
        ("/run/crio/crio.sock", "containerd 2.1.9"),
        ("/run/cri-dockerd.sock", "containerd 1.6.20"),
    ] {
        assert!(
            message.contains(&format!("{socket} ({runtime}")),
            "{socket} answered by {runtime}: {message}"
        );
    }
    let impact = found[0]["impact"].as_str().unwrap_or_default();
    assert!(
        impact.contains(
            "unix:///var/run/containerd/containerd.sock, unix:///var/run/crio/crio.sock, \
             unix:///var/run/cri-dockerd.sock"
        ),
        "kubeadm's list, in its order: {impact}"
    );

    assert_eq!(status_of(&one, "RA809"), "pass", "{one:#}");
}

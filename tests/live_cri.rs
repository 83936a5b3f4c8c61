//! The CRI probe against the real containerd installed on this machine (Debian's 1.6.20, installed
//! by `.ci/run`) and against sockets that misbehave on purpose. Each test runs its own daemon or
//! listener on its own temporary directory and socket, so they run in parallel; daemons run in
//! a `daemons::LiveNode`, which stops them also when an assertion fails.
//!
//! These tests need root (containerd runs as root) and the containerd, ctr, runc, tar and
//! sha256sum commands; without them they fail, loudly, rather than pass.

mod common;
mod daemons;

use daemons::LiveNode;
use daemons::image::{image_tarball, listed_image};

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use runtime_audit::collect::live::cri;
use runtime_audit::model::live::{CriApi, CriEndpoint, Probe, ProbeFailure};

const SANDBOX_IMAGE: &str = "127.0.0.1:5999/pause:3.9";
const IMAGE_NAME: &str = "docker.io/library/ra-probe:1.0";
/// How late a probe may return after its deadline (a loaded 2-core machine schedules late).
const MARGIN: Duration = Duration::from_millis(200);

/// Runs a probe to completion on a runtime of its own, as the collector does.
fn run_probe(socket: &Path, timeout: Duration) -> (CriEndpoint, Duration) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let endpoint = format!("unix://{}", socket.display());
    let out = rt.block_on(cri::probe(socket, &endpoint, started + timeout));
    (out, started.elapsed())
}

/// A node whose containerd runs with `extra` (top-level keys, then tables) after
/// `version = 2`, confined to the node's temporary directory (`@DIR@` in `extra` stands for
/// it). With `cri`, returns once the CRI service answers (containerd 1.6 says "not
/// initialized" for a moment after the socket appears).
fn containerd_node(extra: &str, cri: bool) -> LiveNode {
    let mut node = LiveNode::new();
    node.write_config(&format!(
        "version = 2\n{extra}\n{}",
        node.confinement(false)
    ));
    node.start_containerd(cri);
    node
}

fn cri_enabled_config() -> String {
    let p = "[plugins.\"io.containerd.grpc.v1.cri\"";
    format!(
        "{p}]\n  sandbox_image = \"{SANDBOX_IMAGE}\"\n  stream_server_address = \"127.0.0.1\"\n  \
         stream_server_port = \"0\"\n\
         {p}.containerd]\n  default_runtime_name = \"runc\"\n\
         {p}.containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n\
         {p}.containerd.runtimes.runc.options]\n  SystemdCgroup = true\n\
         {p}.registry]\n  config_path = \"@DIR@/certs.d\"\n"
    )
}

#[test]
fn containerd_with_cri_answers_version_status_config_and_images() {
    let c = containerd_node(&cri_enabled_config(), true);
    let work = c.dir.path().join("image");
    std::fs::create_dir_all(&work).expect("mkdir");
    let tarball = image_tarball(&work, IMAGE_NAME);
    c.ctr(&[
        "-n",
        "k8s.io",
        "images",
        "import",
        &tarball.display().to_string(),
    ]);

    let (out, took) = run_probe(&c.containerd_socket(), Duration::from_secs(2));
    eprintln!("full CRI probe (Version, Status, ListImages) took {took:?}");
    assert_eq!(out.api, Probe::Ok { value: CriApi::V1 }, "{out:#?}");
    let version = out.version.ok().expect("Version answers");
    assert_eq!(version.runtime_name, "containerd");
    assert!(version.runtime_version.starts_with("1.6.20"), "{version:?}");
    assert_eq!(version.runtime_api_version, "v1");

    let status = out
        .status
        .ok()
        .unwrap_or_else(|| panic!("Status answers: {out:#?}"));
    let kinds: Vec<&str> = status.conditions.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["RuntimeReady", "NetworkReady"], "{status:#?}");
    assert!(status.conditions[0].status, "the runtime is ready");
    // No CNI config in the temporary setup: the network is not ready, and says why.
    assert!(!status.conditions[1].status);
    assert_eq!(status.conditions[1].reason, "NetworkPluginNotReady");
    assert!(!status.conditions[1].message.is_empty());

    let config = status
        .config
        .as_ref()
        .expect("running CRI config in info[\"config\"]");
    assert_eq!(config.sandbox_image.as_deref(), Some(SANDBOX_IMAGE));
    assert_eq!(config.default_runtime_name.as_deref(), Some("runc"));
    assert_eq!(config.systemd_cgroup, Some(true));
    let certs = c.dir.path().join("certs.d").display().to_string();
    assert_eq!(config.registry_config_path.as_deref(), Some(certs.as_str()));
    assert!(config.registry_mirrors.is_empty(), "{config:?}");

    let image = listed_image(&out, IMAGE_NAME);
    assert!(image.id.starts_with("sha256:"), "{image:?}");
    assert!(!image.pinned, "1.6.20 predates pinned images");
}

#[test]
fn containerd_without_cri_has_no_cri_api() {
    let c = containerd_node(
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n",
        false,
    );
    // containerd's own API answers: the socket is up and speaks gRPC.
    c.ctr(&["version"]);
    let socket = c.containerd_socket();
    let (out, took) = run_probe(&socket, Duration::from_secs(2));
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(
        out.api,
        Probe::Ok {
            value: CriApi::None
        },
        "{out:#?}"
    );
    match &out.version {
        Probe::Failed { failure, reason } => {
            assert_eq!(*failure, ProbeFailure::Unimplemented);
            assert!(
                reason.contains("runtime.v1.RuntimeService"),
                "names the missing service: {reason}"
            );
            assert!(reason.contains(&socket.display().to_string()), "{reason}");
        }
        other => panic!("version fails Unimplemented: {other:?}"),
    }
    for p in [out.status.reason(), out.images.reason()] {
        let reason = p.expect("status and images are skipped");
        assert!(reason.contains("no CRI runtime.v1 API"), "{reason}");
    }
    assert!(matches!(out.status, Probe::Skipped { .. }));
    assert!(matches!(out.images, Probe::Skipped { .. }));
}

/// A listener kept open for the duration of a test, doing `serve` on each connection.
fn listener(serve: fn(std::os::unix::net::UnixStream)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("odd.sock");
    let l = UnixListener::bind(&socket).expect("bind");
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || serve(s));
        }
    });
    (dir, socket)
}

fn expect_failure(out: &CriEndpoint, failure: ProbeFailure, socket: &Path) -> String {
    match &out.api {
        Probe::Failed { failure: f, reason } => {
            assert_eq!(*f, failure, "{reason}");
            assert!(
                reason.contains(&socket.display().to_string()),
                "the reason names the socket: {reason}"
            );
            assert!(matches!(out.status, Probe::Skipped { .. }), "{out:#?}");
            assert!(matches!(out.images, Probe::Skipped { .. }), "{out:#?}");
            reason.clone()
        }
        other => panic!("expected {failure:?}, got {other:?}"),
    }
}

#[test]
fn socket_that_never_answers_times_out_within_the_deadline() {
    // Accepts, reads whatever comes, never writes.
    let (_dir, socket) = listener(|mut s| {
        let mut buf = [0u8; 4096];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let timeout = Duration::from_millis(800);
    let (out, took) = run_probe(&socket, timeout);
    eprintln!("hanging socket: probe returned after {took:?} (timeout {timeout:?})");
    assert!(took >= timeout, "waited the whole timeout: {took:?}");
    assert!(
        took < timeout + MARGIN,
        "returned by the deadline: {took:?}"
    );
    let reason = expect_failure(&out, ProbeFailure::Timeout, &socket);
    assert!(reason.contains("CRI Version"), "{reason}");
    assert!(
        reason.contains("--probe-timeout"),
        "says which setting to raise: {reason}"
    );
}

#[test]
fn socket_that_accepts_and_never_reads_times_out_within_the_deadline() {
    // Accepts and neither reads nor writes: the client's writes sit in the socket buffer.
    let (_dir, socket) = listener(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s);
    });
    let timeout = Duration::from_millis(500);
    let (out, took) = run_probe(&socket, timeout);
    assert!(
        took < timeout + MARGIN,
        "returned by the deadline: {took:?}"
    );
    expect_failure(&out, ProbeFailure::Timeout, &socket);
}

#[test]
fn socket_that_answers_garbage_is_a_protocol_failure() {
    let (_dir, socket) = listener(|mut s| {
        let _ =
            s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nthis is not gRPC\n");
        let _ = s.shutdown(std::net::Shutdown::Both);
    });
    let (out, took) = run_probe(&socket, Duration::from_secs(2));
    assert!(took < Duration::from_secs(1), "fails fast: {took:?}");
    let reason = expect_failure(&out, ProbeFailure::Protocol, &socket);
    eprintln!("garbage: {reason}");
}

#[test]
fn socket_that_closes_without_a_word_is_a_protocol_failure() {
    let (_dir, socket) = listener(|mut s| {
        let mut buf = [0u8; 16];
        let _ = s.read(&mut buf);
        drop(s);
    });
    let (out, took) = run_probe(&socket, Duration::from_secs(2));
    assert!(took < Duration::from_secs(1), "fails fast: {took:?}");
    let reason = expect_failure(&out, ProbeFailure::Protocol, &socket);
    eprintln!("closed: {reason}");
}

#[test]
fn socket_that_closes_mid_reply_is_a_protocol_failure() {
    // Starts like an HTTP/2 server (an empty SETTINGS frame), then closes in the middle of
    // the next frame.
    let (_dir, socket) = listener(|mut s| {
        let mut preface = [0u8; 24];
        let _ = s.read_exact(&mut preface);
        let _ = s.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        let _ = s.write_all(&[0, 0, 64, 1, 4]);
        let _ = s.shutdown(std::net::Shutdown::Both);
    });
    let (out, took) = run_probe(&socket, Duration::from_secs(2));
    assert!(took < Duration::from_secs(1), "fails fast: {took:?}");
    let reason = expect_failure(&out, ProbeFailure::Protocol, &socket);
    eprintln!("mid-reply: {reason}");
}

#[test]
fn stale_socket_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("stale.sock");
    drop(UnixListener::bind(&socket).expect("bind"));
    assert!(socket.exists(), "the socket file stays behind");
    let (out, took) = run_probe(&socket, Duration::from_secs(2));
    assert!(took < Duration::from_secs(1), "fails fast: {took:?}");
    let reason = expect_failure(&out, ProbeFailure::Refused, &socket);
    assert!(reason.contains("nothing listens"), "{reason}");
    assert!(matches!(
        out.version,
        Probe::Failed {
            failure: ProbeFailure::Refused,
            ..
        }
    ));
}

/// The probe as an unprivileged user (nobody) against a root-owned socket of mode 0600: the
/// kernel refuses the connection with EACCES.
#[test]
fn socket_the_user_may_not_write_is_permission_denied() {
    daemons::require_root_and(&["setpriv"]);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let socket = dir.path().join("private.sock");
    let l = UnixListener::bind(&socket).expect("bind");
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let facts = dir.path().join("facts.json");
    std::fs::write(&facts, "").expect("create facts file");
    std::fs::set_permissions(&facts, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let root = dir.path().join("node");
    std::fs::create_dir_all(&root).expect("mkdir");

    let out = Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "--",
        ])
        .arg(assert_cmd::cargo::cargo_bin!("runtime-audit"))
        .arg("--root")
        .arg(&root)
        .arg("--containerd-socket")
        .arg(&socket)
        .arg("--save-live-facts")
        .arg(&facts)
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()
        .expect("run runtime-audit as nobody");
    drop(l);
    let text = std::fs::read_to_string(&facts).expect("read facts");
    assert!(
        !text.is_empty(),
        "facts saved; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let facts: runtime_audit::model::live::LiveFacts =
        serde_json::from_str(&text).expect("facts are JSON");
    let endpoint = facts
        .cri
        .iter()
        .find(|e| e.socket.to_string() == socket.display().to_string())
        .unwrap_or_else(|| panic!("the socket was probed: {facts:#?}"));
    let reason = expect_failure(endpoint, ProbeFailure::PermissionDenied, &socket);
    assert!(reason.contains("permission denied"), "{reason}");
}

/// The binary end to end: `--containerd-socket` against the real containerd, facts saved with
/// `--save-live-facts`, and the audit taking containerd's version from the live answer.
#[test]
fn audit_records_live_cri_facts_end_to_end() {
    // Started once the CRI service answers, so the audit sees a settled daemon.
    let c = containerd_node(&cri_enabled_config(), true);
    let socket = c.containerd_socket();

    let root = c.dir.path().join("node");
    std::fs::create_dir_all(&root).expect("mkdir");
    let facts = c.dir.path().join("facts.json");
    let started = Instant::now();
    let out = common::bin()
        .arg("--root")
        .arg(&root)
        .arg("--containerd-socket")
        .arg(&socket)
        .arg("--save-live-facts")
        .arg(&facts)
        .args(["--format", "json"])
        .output()
        .expect("run runtime-audit");
    let took = started.elapsed();
    eprintln!("audit with a live CRI probe took {took:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "JSON report ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let text = report.to_string();
    assert!(
        text.contains("CRI Version on"),
        "the report takes containerd's version from the live answer: {report:#}"
    );

    let saved: runtime_audit::model::live::LiveFacts =
        serde_json::from_str(&std::fs::read_to_string(&facts).expect("facts written"))
            .expect("facts are JSON");
    let endpoint = saved
        .cri
        .iter()
        .find(|e| e.socket.to_string() == socket.display().to_string())
        .unwrap_or_else(|| panic!("the socket was probed: {saved:#?}"));
    assert_eq!(endpoint.api, Probe::Ok { value: CriApi::V1 });
    let version = endpoint.version.ok().expect("version");
    assert!(version.runtime_version.starts_with("1.6.20"));
    let config = endpoint
        .status
        .ok()
        .and_then(|s| s.config.clone())
        .expect("running config");
    assert_eq!(config.systemd_cgroup, Some(true));
    assert_eq!(config.sandbox_image.as_deref(), Some(SANDBOX_IMAGE));
    assert!(endpoint.images.ok().is_some(), "{endpoint:#?}");
}

/// The whole audit with one CRI socket that never answers and `--probe-timeout 2s`: the probe
/// is recorded as timed out and the audit still ends within the timeout plus half a second.
#[test]
fn audit_with_a_hanging_socket_ends_within_the_timeout() {
    let (dir, socket) = listener(|mut s| {
        let mut buf = [0u8; 4096];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let root = dir.path().join("node");
    std::fs::create_dir_all(&root).expect("mkdir");
    let facts = dir.path().join("facts.json");
    let started = Instant::now();
    let out = common::bin()
        .arg("--root")
        .arg(&root)
        .arg("--containerd-socket")
        .arg(&socket)
        .args(["--probe-timeout", "2s"])
        .arg("--save-live-facts")
        .arg(&facts)
        .args(["--format", "json"])
        .output()
        .expect("run runtime-audit");
    let took = started.elapsed();
    eprintln!("audit with a hanging CRI socket and --probe-timeout 2s took {took:?}");
    assert!(
        took < Duration::from_millis(2_500),
        "the audit ends within the timeout plus half a second: {took:?}"
    );
    assert!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok(),
        "a JSON report is still written: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: runtime_audit::model::live::LiveFacts =
        serde_json::from_str(&std::fs::read_to_string(&facts).expect("facts written"))
            .expect("facts are JSON");
    let endpoint = saved
        .cri
        .iter()
        .find(|e| e.socket.to_string() == socket.display().to_string())
        .unwrap_or_else(|| panic!("the socket was probed: {saved:#?}"));
    let reason = expect_failure(endpoint, ProbeFailure::Timeout, &socket);
    assert!(
        reason.contains("within the probe timeout (--probe-timeout)"),
        "{reason}"
    );
}

//! The Docker Engine probe against a real dockerd, started on temporary directories and
//! sockets: Debian's docker.io 20.10 installed on this machine with its containerd, and Docker
//! 26.1.5 on containerd 1.7.24 and 28.5.2 on containerd 2.1.9, unpacked by
//! tests/support/releases.sh (absent: said loudly, a failure under CI=true). And against
//! sockets that misbehave: one that never answers, garbage, a reply cut short, a stale socket
//! file.
//!
//! The real-daemon tests need root, `containerd`, `dockerd`, `docker`, `runc` and `tar`; they
//! fail loudly when any is missing rather than pass without checking anything.

mod common;
mod daemons;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runtime_audit::collect::live::docker::probe;
use runtime_audit::model::live::{DockerEndpoint, LiveFacts, Probe, ProbeFailure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

use daemons::{LiveNode, sleeper_rootfs};

// ---------------------------------------------------------------------------------------
// Real daemons

/// Settings a migrated node carries over from daemon.json, all on loopback.
const DAEMON_JSON: &str = r#"{
  "insecure-registries": ["127.0.0.1:5999", "127.1.0.0/16"],
  "registry-mirrors": ["http://127.0.0.1:5998"],
  "exec-opts": ["native.cgroupdriver=cgroupfs"]
}"#;

/// A Docker release and the containerd it runs on: unpacked ones by name, or the installed ones.
struct DockerRelease {
    /// (containerd, Docker) as tests/support/releases.sh names them; None for the installed.
    unpacked: Option<(&'static str, &'static str)>,
    /// The engine version's start, and the API version it reports.
    version: &'static str,
    api: &'static str,
}

const DOCKER_20_10: DockerRelease = DockerRelease {
    unpacked: None,
    version: "20.10.",
    api: "1.41",
};

const DOCKER_26_1: DockerRelease = DockerRelease {
    unpacked: Some(("containerd-1.7.24", "docker-26.1.5")),
    version: "26.1.5",
    api: "1.45",
};

const DOCKER_28_5: DockerRelease = DockerRelease {
    unpacked: Some(("containerd-2.1.9", "docker-28.5.2")),
    version: "28.5.2",
    api: "1.51",
};

/// containerd (without CRI) and dockerd on it, with daemon.json's registry settings, on a
/// temporary directory; stopped (and every container removed) when dropped. None when the
/// release is not unpacked here.
fn start_daemons(release: &DockerRelease) -> Option<LiveNode> {
    let mut node = match release.unpacked {
        None => LiveNode::new(),
        Some((containerd, docker)) => LiveNode::with_releases(
            common::release_bin(containerd)?,
            Some(common::release_bin(docker)?),
        ),
    };
    node.write_config(&format!(
        "version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n{}",
        node.confinement(false)
    ));
    node.start_containerd(false);
    node.start_dockerd_with(Some(DAEMON_JSON));
    Some(node)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn ok<'a, T: std::fmt::Debug>(probe: &'a Probe<T>, what: &str) -> &'a T {
    probe
        .ok()
        .unwrap_or_else(|| panic!("{what} should have answered: {probe:?}"))
}

/// The host's cgroup version as dockerd reports it.
fn host_cgroup_version() -> &'static str {
    if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        "2"
    } else {
        "1"
    }
}

#[test]
fn real_dockerd_version_info_images_and_containers() {
    if let Some(daemons) = start_daemons(&DOCKER_20_10) {
        real_dockerd(&DOCKER_20_10, &daemons);
        // Without read access to the socket, the probe says so.
        let work = tempfile::tempdir().expect("temp dir");
        permission_denied(&daemons, work.path());
    }
}

#[test]
fn docker_26_on_containerd_1_7_version_info_images_and_containers() {
    if let Some(daemons) = start_daemons(&DOCKER_26_1) {
        real_dockerd(&DOCKER_26_1, &daemons);
    }
}

#[test]
fn docker_28_on_containerd_2_1_version_info_images_and_containers() {
    if let Some(daemons) = start_daemons(&DOCKER_28_5) {
        real_dockerd(&DOCKER_28_5, &daemons);
    }
}

/// The probe of `daemons`' dockerd, what it found checked against what the test put there,
/// and the same through the binary.
fn real_dockerd(release: &DockerRelease, daemons: &LiveNode) {
    let sock = daemons.docker_socket();
    let work = tempfile::tempdir().expect("temp dir");
    let tar = sleeper_rootfs(work.path());
    let w = workload(daemons, tar.to_str().expect("utf-8 path"), &sock);

    let rt = runtime();
    let start = Instant::now();
    let found: DockerEndpoint = rt.block_on(probe(&sock, Instant::now() + Duration::from_secs(5)));
    let elapsed = start.elapsed();
    eprintln!("full probe of the real dockerd: {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "a full probe of a local dockerd took {elapsed:?}"
    );
    assert_eq!(found.socket.to_string(), sock.display().to_string());

    check_version_and_info(release, &found);
    check_images(&found, &w);
    check_containers(&found, &w, &sock);
    check_saved_facts(release, &found, &sock, work.path());
}

/// What the test puts on the real dockerd: ids of two images and three containers.
struct Workload {
    image_id: String,
    untagged_id: String,
    plain: String,
    kube: String,
    created: String,
}

/// A tagged and an untagged image imported from `tar`; a plain running container, one named
/// and labelled like a kubelet's with the Docker socket mounted, one created only.
fn workload(daemons: &LiveNode, tar: &str, sock: &Path) -> Workload {
    let image_id = daemons.docker(&["import", tar, "local/sleeper:1"]);
    let untagged_id = daemons.docker(&["import", "--message", "untagged", tar]);
    let sock_mount = format!("{}:/var/run/docker.sock", sock.display());
    let plain = daemons.docker(&[
        "run",
        "-d",
        "--name",
        "plain",
        "local/sleeper:1",
        "/bin/sleep",
        "600",
    ]);
    let kube = daemons.docker(&[
        "run",
        "-d",
        "--name",
        "k8s_app_x_default",
        "-v",
        &sock_mount,
        "--label",
        "io.kubernetes.pod.name=x",
        "--label",
        "io.kubernetes.pod.namespace=default",
        "local/sleeper:1",
        "/bin/sleep",
        "600",
    ]);
    let created = daemons.docker(&[
        "create",
        "--name",
        "created-only",
        "local/sleeper:1",
        "/bin/sleep",
        "1",
    ]);
    Workload {
        image_id,
        untagged_id,
        plain,
        kube,
        created,
    }
}

/// Version and info, through the negotiated API version.
fn check_version_and_info(release: &DockerRelease, found: &DockerEndpoint) {
    let version = ok(&found.version, "/version");
    assert!(
        version.version.starts_with(release.version),
        "unexpected engine version {version:?}"
    );
    assert_eq!(version.api_version, release.api);
    let info = ok(&found.info, "/info");
    assert_eq!(info.cgroup_driver, "cgroupfs");
    assert_eq!(info.cgroup_version, host_cgroup_version());
    assert_eq!(info.insecure_registries, vec!["127.0.0.1:5999".to_owned()]);
    for cidr in ["127.0.0.0/8", "127.1.0.0/16"] {
        assert!(
            info.insecure_registry_cidrs.iter().any(|c| c == cidr),
            "{cidr} missing from {:?}",
            info.insecure_registry_cidrs
        );
    }
    // dockerd normalises a mirror to end with a slash.
    assert_eq!(
        info.registry_mirrors,
        vec!["http://127.0.0.1:5998/".to_owned()]
    );
}

/// Images: the imported image has its tag and no digest (it never came from a registry);
/// the untagged import has neither, without Docker's `<none>` placeholders.
fn check_images(found: &DockerEndpoint, w: &Workload) {
    let images = ok(&found.images, "/images/json");
    assert_eq!(images.len(), 2, "{images:?}");
    let tagged = images
        .iter()
        .find(|i| i.id == w.image_id)
        .unwrap_or_else(|| panic!("{} missing from {images:?}", w.image_id));
    assert_eq!(tagged.repo_tags, vec!["local/sleeper:1".to_owned()]);
    assert!(tagged.repo_digests.is_empty(), "{tagged:?}");
    let untagged = images
        .iter()
        .find(|i| i.id == w.untagged_id)
        .unwrap_or_else(|| panic!("{} missing from {images:?}", w.untagged_id));
    assert!(
        untagged.repo_tags.is_empty() && untagged.repo_digests.is_empty(),
        "{untagged:?}"
    );
}

/// Containers: state, labels, mounts.
fn check_containers(found: &DockerEndpoint, w: &Workload, sock: &Path) {
    let containers = ok(&found.containers, "/containers/json");
    assert_eq!(containers.len(), 3, "{containers:?}");
    let by_id = |id: &str| {
        containers
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("container {id} missing from {containers:?}"))
    };
    let c = by_id(&w.plain);
    assert_eq!(c.name(), "plain");
    assert_eq!(c.state, "running");
    assert_eq!(c.image, "local/sleeper:1");
    assert_eq!(c.image_id, w.image_id);
    assert!(c.labels.is_empty() && c.mounts.is_empty(), "{c:?}");
    assert!(!c.is_kubelet_managed());

    let c = by_id(&w.kube);
    assert_eq!(c.state, "running");
    assert_eq!(
        c.labels.get("io.kubernetes.pod.name").map(String::as_str),
        Some("x")
    );
    assert!(c.is_kubelet_managed());
    assert_eq!(c.mounts.len(), 1, "{c:?}");
    let m = &c.mounts[0];
    assert_eq!(
        (m.kind.as_str(), m.source.as_str(), m.destination.as_str()),
        (
            "bind",
            sock.to_str().expect("utf-8"),
            "/var/run/docker.sock"
        )
    );

    let c = by_id(&w.created);
    assert_eq!(c.state, "created");
    assert_eq!(c.name(), "created-only");
}

/// The same facts through the binary, saved and read back as a recorded copy.
fn check_saved_facts(release: &DockerRelease, found: &DockerEndpoint, sock: &Path, work: &Path) {
    let root = tempfile::tempdir().expect("temp dir");
    let saved = work.join("live.json");
    let start = Instant::now();
    let out = common::bin()
        .arg("--docker-socket")
        .arg(sock)
        .arg("--root")
        .arg(root.path())
        .arg("--save-live-facts")
        .arg(&saved)
        .output()
        .expect("run runtime-audit");
    eprintln!(
        "end-to-end run with the Docker probe: {:?}",
        start.elapsed()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() != Some(2),
        "the audit could not run: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("Docker {}", release.version))
            && stdout.contains(&*sock.display().to_string()),
        "the human report should name the Docker version and its socket:\n{stdout}"
    );
    let facts: LiveFacts =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved facts"))
            .expect("saved facts parse");
    let docker = facts.docker.expect("Docker facts saved");
    assert_eq!(docker.version, found.version);
    assert_eq!(docker.info, found.info);
    assert_eq!(docker.images, found.images);
    assert_eq!(
        docker.containers.ok().map(Vec::len),
        Some(3),
        "{:?}",
        docker.containers
    );
}

/// Runs the binary as `nobody`: the socket (root:docker, 0660) refuses it.
fn permission_denied(daemons: &LiveNode, work: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    set(daemons.dir.path(), 0o711);
    set(work, 0o777);
    let saved = work.join("nobody.json");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_runtime-audit"))
        .arg("--docker-socket")
        .arg(daemons.docker_socket())
        .arg("--root")
        .arg(work)
        .arg("--save-live-facts")
        .arg(&saved)
        .output()
        .expect("run setpriv (util-linux)");
    let text = std::fs::read_to_string(&saved).unwrap_or_else(|e| {
        panic!(
            "no facts saved as nobody ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let facts: LiveFacts = serde_json::from_str(&text).expect("facts parse");
    let docker = facts.docker.expect("Docker facts");
    match &docker.version {
        Probe::Failed {
            failure: ProbeFailure::PermissionDenied,
            reason,
        } => assert!(
            reason.contains(&*daemons.docker_socket().display().to_string()),
            "{reason}"
        ),
        other => panic!("expected permission denied, got {other:?}"),
    }
    assert!(
        matches!(docker.info, Probe::Skipped { .. }),
        "{:?}",
        docker.info
    );
}

// ---------------------------------------------------------------------------------------
// Sockets that misbehave

/// How late a probe may return after its deadline: the collector waits that much longer.
const SLACK: Duration = Duration::from_millis(250);

/// What a fake peer does with each connection.
#[derive(Clone, Copy)]
enum Peer {
    /// Accepts and never answers.
    Silent,
    /// Answers these bytes whatever is asked, then closes.
    Says(&'static [u8]),
    /// Answers `/version` like Docker 20.10 and never answers anything else.
    VersionThenSilent,
    /// Answers `/version` like Docker 20.10, then streams an endless JSON array for the rest.
    VersionThenEndless,
}

/// A fake peer on a socket in `dir`; records each request line it reads.
fn serve(dir: &Path, peer: Peer) -> (PathBuf, Arc<Mutex<Vec<String>>>) {
    let path = dir.join("fake.sock");
    let listener = UnixListener::bind(&path).expect("bind fake socket");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, peer, seen.clone()));
        }
    });
    (path, requests)
}

async fn answer(mut stream: UnixStream, peer: Peer, seen: Arc<Mutex<Vec<String>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let line = head.lines().next().unwrap_or_default().to_owned();
    seen.lock().expect("lock").push(line.clone());
    let reply: Option<Vec<u8>> = match peer {
        Peer::Silent => None,
        Peer::Says(bytes) => Some(bytes.to_vec()),
        Peer::VersionThenSilent | Peer::VersionThenEndless if line.starts_with("GET /version ") => {
            let body = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#;
            Some(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes(),
            )
        }
        Peer::VersionThenSilent => None,
        Peer::VersionThenEndless => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let piece = "{\"Id\":\"sha256:0000\"},".repeat(4096);
            let chunk = format!("{:x}\r\n{piece}\r\n", piece.len()).into_bytes();
            let _ = stream.write_all(b"1\r\n[\r\n").await;
            while stream.write_all(&chunk).await.is_ok() {}
            return;
        }
    };
    match reply {
        Some(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        // Hold the connection open without a word.
        None => std::future::pending::<()>().await,
    }
}

fn failure<T: std::fmt::Debug>(probe: &Probe<T>) -> (ProbeFailure, &str) {
    match probe {
        Probe::Failed { failure, reason } => {
            eprintln!("{failure:?}: {reason}");
            (*failure, reason.as_str())
        }
        other => panic!("expected a failed probe, got {other:?}"),
    }
}

/// After a failed `/version`, nothing else counts (the `/info` asked alongside is not used),
/// nothing else is asked, and each says why.
fn assert_rest_skipped(found: &DockerEndpoint) {
    let skipped = |what: &str, reason: Option<&str>, is_skipped: bool, prefix: &str, end: &str| {
        assert!(is_skipped, "{what} should be skipped: {found:?}");
        assert!(
            reason.is_some_and(|r| r.starts_with(prefix) && r.ends_with(end)),
            "{what}: {reason:?}"
        );
    };
    skipped(
        "info",
        found.info.reason(),
        matches!(found.info, Probe::Skipped { .. }),
        "not used: GET /version on ",
        "so the socket is not known to serve the Docker Engine API",
    );
    for (what, probe_reason, is_skipped) in [
        (
            "images",
            found.images.reason(),
            matches!(found.images, Probe::Skipped { .. }),
        ),
        (
            "containers",
            found.containers.reason(),
            matches!(found.containers, Probe::Skipped { .. }),
        ),
    ] {
        skipped(
            what,
            probe_reason,
            is_skipped,
            "not asked: GET /version on ",
            "so the API version to speak is unknown",
        );
    }
}

async fn probe_fake(peer: Peer, timeout: Duration) -> (DockerEndpoint, Duration, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, requests) = serve(dir.path(), peer);
    let start = Instant::now();
    let found = probe(&path, Instant::now() + timeout).await;
    let elapsed = start.elapsed();
    let mut seen = requests.lock().expect("lock").clone();
    seen.sort();
    (found, elapsed, seen)
}

#[tokio::test]
async fn a_socket_that_never_answers_times_out_by_the_deadline() {
    let timeout = Duration::from_millis(400);
    let (found, elapsed, seen) = probe_fake(Peer::Silent, timeout).await;
    eprintln!("probe of a silent socket with a {timeout:?} deadline: {elapsed:?}");
    let (kind, reason) = failure(&found.version);
    assert_eq!(kind, ProbeFailure::Timeout, "{reason}");
    assert!(
        reason.contains("fake.sock") && reason.contains("GET /version"),
        "{reason}"
    );
    assert!(
        elapsed >= timeout,
        "returned before the deadline: {elapsed:?}"
    );
    assert!(
        elapsed < timeout + SLACK,
        "returned {elapsed:?} after a {timeout:?} deadline"
    );
    assert_rest_skipped(&found);
    // The first questions carry no API version: any daemon answers them.
    assert_eq!(
        seen,
        vec![
            "GET /info HTTP/1.1".to_owned(),
            "GET /version HTTP/1.1".to_owned()
        ]
    );
}

#[tokio::test]
async fn a_daemon_that_stops_answering_after_version_times_out_on_info() {
    let timeout = Duration::from_millis(400);
    let (found, elapsed, seen) = probe_fake(Peer::VersionThenSilent, timeout).await;
    let version = ok(&found.version, "/version");
    assert_eq!(version.api_version, "1.41");
    let (kind, reason) = failure(&found.info);
    assert_eq!(kind, ProbeFailure::Timeout, "{reason}");
    assert!(reason.contains("GET /info"), "{reason}");
    assert!(elapsed < timeout + SLACK, "{elapsed:?}");
    for later in [found.images.reason(), found.containers.reason()] {
        assert!(
            later.is_some_and(|r| r.starts_with("not asked: GET /info on ")
                && r.ends_with("failed (no answer within the probe timeout)")),
            "{later:?}"
        );
    }
    // `/info` is asked unversioned, alongside `/version`.
    assert_eq!(
        seen,
        vec![
            "GET /info HTTP/1.1".to_owned(),
            "GET /version HTTP/1.1".to_owned()
        ]
    );
}

#[tokio::test]
async fn an_answer_without_end_stops_at_the_size_cap() {
    let timeout = Duration::from_secs(20);
    let (found, elapsed, _) = probe_fake(Peer::VersionThenEndless, timeout).await;
    ok(&found.version, "/version");
    let (kind, reason) = failure(&found.info);
    assert_eq!(kind, ProbeFailure::Protocol, "{reason}");
    assert!(reason.contains("larger than 64 MiB"), "{reason}");
    assert!(reason.contains("GET /info"), "{reason}");
    assert!(
        elapsed < timeout,
        "stopped by the deadline, not the cap: {elapsed:?}"
    );
}

#[tokio::test]
async fn garbage_is_a_protocol_failure() {
    let (found, elapsed, _) = probe_fake(
        Peer::Says(b"SSH-2.0-OpenSSH_9.2p1\r\n"),
        Duration::from_secs(2),
    )
    .await;
    let (kind, reason) = failure(&found.version);
    assert_eq!(kind, ProbeFailure::Protocol, "{reason}");
    assert!(reason.contains("fake.sock"), "{reason}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    assert_rest_skipped(&found);
}

#[tokio::test]
async fn a_reply_cut_short_is_a_protocol_failure() {
    let (found, _, _) = probe_fake(
        Peer::Says(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"Version\":\"20.",
        ),
        Duration::from_secs(2),
    )
    .await;
    let (kind, reason) = failure(&found.version);
    assert_eq!(kind, ProbeFailure::Protocol, "{reason}");
    assert_rest_skipped(&found);
}

#[tokio::test]
async fn http_that_is_not_the_docker_api_is_a_protocol_failure() {
    for reply in [
        &b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>"[..],
        &b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"[..],
    ] {
        let (found, _, _) = probe_fake(Peer::Says(reply), Duration::from_secs(2)).await;
        let (kind, reason) = failure(&found.version);
        assert_eq!(kind, ProbeFailure::Protocol, "{reason}");
        assert!(reason.contains("Docker Engine API"), "{reason}");
    }
}

#[tokio::test]
async fn a_404_says_the_api_is_not_there() {
    let (found, _, _) = probe_fake(
        Peer::Says(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"),
        Duration::from_secs(2),
    )
    .await;
    let (kind, reason) = failure(&found.version);
    assert_eq!(kind, ProbeFailure::Unimplemented, "{reason}");
    assert!(reason.contains("HTTP 404"), "{reason}");
}

#[tokio::test]
async fn a_stale_socket_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("stale.sock");
    // A listener that is gone leaves its socket file behind.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    assert!(path.exists());
    let found = probe(&path, Instant::now() + Duration::from_secs(2)).await;
    let (kind, reason) = failure(&found.version);
    assert_eq!(kind, ProbeFailure::Refused, "{reason}");
    assert!(
        reason.contains("stale.sock") && reason.contains("connection refused"),
        "{reason}"
    );
    assert_rest_skipped(&found);
}

#[tokio::test]
async fn a_missing_socket_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gone.sock");
    let found = probe(&path, Instant::now() + Duration::from_secs(2)).await;
    let (kind, reason) = failure(&found.version);
    assert_eq!(kind, ProbeFailure::Refused, "{reason}");
    assert!(
        reason.contains("gone.sock") && reason.contains("does not exist"),
        "{reason}"
    );
}

#[test]
fn the_audit_ends_within_the_probe_timeout_when_the_docker_socket_hangs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hanging.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    // Accepts every connection and never writes a byte; lives until the test process ends.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let root = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("live.json");
    let timeout = Duration::from_millis(500);
    let start = Instant::now();
    let out = common::bin()
        .arg("--docker-socket")
        .arg(&path)
        .arg("--probe-timeout")
        .arg("500ms")
        .arg("--root")
        .arg(root.path())
        .arg("--save-live-facts")
        .arg(&saved)
        .output()
        .expect("run runtime-audit");
    let elapsed = start.elapsed();
    eprintln!("audit with a hanging Docker socket and --probe-timeout 500ms: {elapsed:?}");
    assert!(
        elapsed < timeout + Duration::from_millis(500),
        "the audit took {elapsed:?} with --probe-timeout 500ms: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let facts: LiveFacts =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved facts"))
            .expect("saved facts parse");
    let docker = facts.docker.expect("Docker facts");
    let (kind, reason) = failure(&docker.version);
    assert_eq!(kind, ProbeFailure::Timeout, "{reason}");
    assert!(reason.contains("hanging.sock"), "{reason}");
}

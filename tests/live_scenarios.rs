//! The live rules end to end against real daemons: each test builds a node root, starts
//! Debian's containerd (1.6) — and dockerd 20.10 on it where Docker matters — on temporary
//! sockets, changes the node the way a migration does, and audits it with the binary. The
//! Docker scenario also runs on Docker 26.1.5 with containerd 1.7.24 and on Docker 28.5.2 with
//! containerd 2.1.9 (tests/support/releases.sh; absent: said loudly, a failure under CI=true):
//!
//! - CRI enabled vs `disabled_plugins = ["cri"]` (RA802 only for the latter);
//! - SystemdCgroup edited in config.toml without a restart (RA803);
//! - an image made by `docker import`, absent from containerd's `k8s.io` namespace (RA804,
//!   RA805), then imported there with `ctr -n k8s.io images import` (neither fires);
//! - containers started by `docker run`, one mounting the Docker socket (RA806, RA807);
//! - containerd's socket made world-writable (RA808);
//! - containerd killed, its socket file left behind (RA801).
//!
//! A socket that accepts and never answers is in `live_cri.rs` and `live_docker.rs`.
//! These need root and the daemons; they fail loudly without them (`.ci/run` provides both).

mod common;
mod daemons;

use std::os::unix::fs::PermissionsExt;

use common::{findings, rule};
use daemons::{LiveNode, sleeper_rootfs};
use serde_json::Value;

const CRI: &str = "[plugins.\"io.containerd.grpc.v1.cri\"";

/// A version 2 config.toml with CRI enabled, everything it could reach kept on loopback.
fn cri_config(node: &LiveNode, systemd_cgroup: bool) -> String {
    format!(
        "version = 2\n\
         {}\
         {CRI}]\n  sandbox_image = \"127.0.0.1:5999/pause:3.9\"\n  \
         stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"\n\
         {CRI}.containerd]\n  default_runtime_name = \"runc\"\n\
         {CRI}.containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n\
         {CRI}.containerd.runtimes.runc.options]\n  SystemdCgroup = {systemd_cgroup}\n\
         {CRI}.registry]\n  config_path = \"@DIR@/certs.d\"\n",
        node.confinement(false)
    )
}

fn status(report: &Value, id: &str) -> String {
    rule(report, id)["status"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

/// The messages of rule `id`'s findings, for assertion messages.
fn messages(report: &Value, id: &str) -> Vec<String> {
    findings(report, id)
        .iter()
        .map(|f| f["message"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Rule `id` ran and passed; otherwise the failure shows its messages.
fn assert_passes(report: &Value, id: &str) {
    assert_eq!(
        status(report, id),
        "pass",
        "{id}: {:?}",
        messages(report, id)
    );
}

#[test]
fn containerd_with_cri_passes_ra802() {
    let mut node = LiveNode::new();
    node.write_config(&cri_config(&node, true));
    node.start_containerd(true);
    let report = node.audit(&[]);
    assert_passes(&report, "RA801");
    assert_passes(&report, "RA802");
    // The version the rules use comes from the running daemon.
    assert!(
        report["versions"].to_string().contains("1.6.20"),
        "{}",
        report["versions"]
    );
}

#[test]
fn containerd_with_cri_disabled_fires_ra802() {
    let mut node = LiveNode::new();
    // As Docker's containerd.io package ships it: a version 1 file disabling "cri".
    node.write_config(&format!(
        "disabled_plugins = [\"cri\"]\n{}",
        node.confinement(true)
    ));
    node.start_containerd(false);
    // containerd itself answers: the socket is up.
    node.ctr(&["version"]);
    let report = node.audit(&[]);
    assert_passes(&report, "RA801");
    let found = findings(&report, "RA802");
    assert_eq!(found.len(), 1, "{:?}", messages(&report, "RA802"));
    let f = found[0];
    assert_eq!(f["case"], "no-cri", "{f:#}");
    assert_eq!(f["severity"], "error", "{f:#}");
    let text = f.to_string();
    let socket = node.containerd_socket().display().to_string();
    assert!(text.contains(&socket), "names the socket: {f:#}");
    assert!(
        text.contains("disabled_plugins"),
        "points at the line that disables CRI: {f:#}"
    );
}

#[test]
fn systemd_cgroup_edited_without_restart_fires_ra803() {
    let mut node = LiveNode::new();
    node.write_config(&cri_config(&node, false));
    node.start_containerd(true);
    let before = node.audit(&[]);
    assert_passes(&before, "RA803");

    // The operator switches the cgroup driver on disk and forgets the restart.
    node.write_config(&cri_config(&node, true));
    let after = node.audit(&[]);
    let found = findings(&after, "RA803");
    assert_eq!(found.len(), 1, "{:?}", messages(&after, "RA803"));
    let f = found[0];
    assert_eq!(f["case"], "drift", "{f:#}");
    assert!(
        f["key"]
            .as_str()
            .is_some_and(|k| k.ends_with("SystemdCgroup")),
        "{f:#}"
    );
    assert_eq!(
        f["location"]["file"], "/etc/containerd/config.toml",
        "{f:#}"
    );
    assert_eq!(f["actual"], "running: false", "{f:#}");
    assert_eq!(f["expected"], "config.toml: true", "{f:#}");
}

/// A containerd and a Docker release to run together: unpacked ones by name
/// (tests/support/releases.sh), or the installed ones.
struct Stack {
    unpacked: Option<(&'static str, &'static str)>,
}

impl Stack {
    /// The stack's node with CRI enabled (SystemdCgroup true) and dockerd on its containerd;
    /// None when the releases are not unpacked here.
    fn start(&self) -> Option<LiveNode> {
        let mut node = match self.unpacked {
            None => LiveNode::new(),
            Some((containerd, docker)) => LiveNode::with_releases(
                common::release_bin(containerd)?,
                Some(common::release_bin(docker)?),
            ),
        };
        let config = if self
            .unpacked
            .is_some_and(|(c, _)| c.starts_with("containerd-2."))
        {
            cri_config_v3(&node)
        } else {
            cri_config(&node, true)
        };
        node.write_config(&config);
        node.start_containerd(true);
        node.start_dockerd();
        Some(node)
    }
}

/// The version 3 config of [`cri_config`] with SystemdCgroup true, for containerd 2.x.
fn cri_config_v3(node: &LiveNode) -> String {
    format!(
        "version = 3
         {}         [plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
           stream_server_port = '0'
         [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
           SystemdCgroup = true
         [plugins.'io.containerd.cri.v1.images'.pinned_images]
           sandbox = '127.0.0.1:5999/pause:3.10'
         [plugins.'io.containerd.cri.v1.images'.registry]
  config_path = '@DIR@/certs.d'
",
        node.confinement(false)
    )
}

#[test]
fn docker_images_and_containers_against_containerds_k8s_namespace() {
    if let Some(node) = (Stack { unpacked: None }).start() {
        docker_against_k8s_namespace(&node);
    }
}

#[test]
fn docker_26_against_containerd_1_7s_k8s_namespace() {
    let stack = Stack {
        unpacked: Some(("containerd-1.7.24", "docker-26.1.5")),
    };
    if let Some(node) = stack.start() {
        docker_against_k8s_namespace(&node);
    }
}

#[test]
fn docker_28_against_containerd_2_1s_k8s_namespace() {
    let stack = Stack {
        unpacked: Some(("containerd-2.1.9", "docker-28.5.2")),
    };
    if let Some(node) = stack.start() {
        docker_against_k8s_namespace(&node);
    }
}

/// RA804–RA808 on a node where Docker has an image and containers containerd's `k8s.io`
/// namespace does not know, then after the image is imported there.
fn docker_against_k8s_namespace(node: &LiveNode) {
    let work = node.dir.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let tar = sleeper_rootfs(&work);
    node.docker(&["import", tar.to_str().expect("utf-8"), "local/sleeper:1"]);
    node.docker(&[
        "run",
        "-d",
        "--name",
        "plain",
        "local/sleeper:1",
        "/bin/sleep",
        "600",
    ]);
    let mount = format!("{}:/var/run/docker.sock", node.docker_socket().display());
    node.docker(&[
        "run",
        "-d",
        "--name",
        "socket-user",
        "-v",
        &mount,
        "local/sleeper:1",
        "/bin/sleep",
        "600",
    ]);

    let report = node.audit(&[]);
    // RA804: the image exists only in Docker; nothing the kubelet manages runs it.
    let docker_only = findings(&report, "RA804");
    assert_eq!(docker_only.len(), 1, "{:?}", messages(&report, "RA804"));
    assert_eq!(docker_only[0]["case"], "not-in-use", "{:#}", docker_only[0]);
    assert!(docker_only[0].to_string().contains("local/sleeper:1"));
    // RA805: and it has no registry origin (imported, no RepoDigests).
    let local = findings(&report, "RA805");
    assert_eq!(local.len(), 1, "{:?}", messages(&report, "RA805"));
    assert_eq!(local[0]["case"], "no-registry-origin", "{:#}", local[0]);
    assert!(local[0].to_string().contains("local/sleeper:1"));
    // RA806: both containers run outside the kubelet's control.
    let unmanaged = messages(&report, "RA806");
    assert_eq!(unmanaged.len(), 2, "{unmanaged:?}");
    for name in ["plain", "socket-user"] {
        assert!(
            unmanaged.iter().any(|m| m.contains(name)),
            "{name} is reported: {unmanaged:?}"
        );
    }
    // RA807: one of them talks to Docker through its socket.
    let consumers = messages(&report, "RA807");
    assert_eq!(consumers.len(), 1, "{consumers:?}");
    assert!(consumers[0].contains("socket-user"), "{consumers:?}");
    // Docker's socket is 0660: RA808 has nothing to say yet.
    assert_passes(&report, "RA808");

    // The same image imported into containerd's k8s.io namespace: RA804 and RA805 pass.
    let saved = work.join("sleeper.tar");
    node.docker(&[
        "save",
        "-o",
        saved.to_str().expect("utf-8"),
        "local/sleeper:1",
    ]);
    node.ctr(&[
        "-n",
        "k8s.io",
        "images",
        "import",
        saved.to_str().expect("utf-8"),
    ]);
    let listed = node.ctr(&["-n", "k8s.io", "images", "ls", "-q"]);
    assert!(listed.contains("docker.io/local/sleeper:1"), "{listed}");
    let report = node.audit(&[]);
    assert_passes(&report, "RA804");
    assert_passes(&report, "RA805");

    // chmod 666 on containerd's socket, the classic "fix" for permission denied: RA808.
    let socket = node.containerd_socket();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let report = node.audit(&[]);
    let open = findings(&report, "RA808");
    assert_eq!(open.len(), 1, "{:?}", messages(&report, "RA808"));
    assert_eq!(open[0]["case"], "world-writable", "{:#}", open[0]);
    // At the config line that names the socket, with the socket itself related.
    assert_eq!(
        open[0]["location"]["file"], "/etc/containerd/config.toml",
        "{:#}",
        open[0]
    );
    assert_eq!(
        open[0]["related"][0]["file"],
        socket.display().to_string(),
        "{:#}",
        open[0]
    );
}

#[test]
fn a_killed_containerd_leaves_a_stale_socket_ra801() {
    let mut node = LiveNode::new();
    node.write_config(&format!("version = 2\n{}", node.confinement(false)));
    node.start_containerd(false);
    node.ctr(&["version"]);
    let before = node.audit(&[]);
    assert_passes(&before, "RA801");

    node.kill_containerd();
    let socket = node.containerd_socket();
    assert!(socket.exists(), "SIGKILL leaves the socket file behind");
    let after = node.audit(&[]);
    let found = findings(&after, "RA801");
    assert!(!found.is_empty(), "{after:#}");
    assert!(
        found.iter().all(|f| f["case"] == "refused"),
        "{:?}",
        messages(&after, "RA801")
    );
    // At the config line that names the socket, with the socket itself related.
    let socket = socket.display().to_string();
    assert!(
        found
            .iter()
            .any(|f| f["location"]["file"] == "/etc/containerd/config.toml"
                && f["related"][0]["file"] == socket.as_str()
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("connection refused"))),
        "{found:?}"
    );
}

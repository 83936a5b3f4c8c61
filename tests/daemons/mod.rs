//! A node for the live scenario tests: a temporary directory holding the node's root (its
//! `etc/containerd/config.toml` is the file the audit reads and the one containerd runs with),
//! a real containerd and optionally a real dockerd on that containerd, every socket, state
//! directory and listener inside the temporary directory or on loopback. Dropping it removes
//! Docker's containers and stops the daemons, also when an assertion fails.
//!
//! Needs root and Debian's containerd, runc and docker.io; fails loudly without them.

#![allow(dead_code)]

pub(crate) mod image;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use runtime_audit::collect::live::cri;
use runtime_audit::model::live::{CriApi, Probe};
use serde_json::Value;

use crate::common;

/// Fails the test unless it runs as root with every command on PATH.
pub(crate) fn require_root_and(tools: &[&str]) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1))
        .unwrap_or("?")
        .to_owned();
    assert_eq!(
        euid, "0",
        "the live tests start containerd and dockerd and need root (effective uid {euid}); \
         .ci/run runs them as root"
    );
    for tool in tools {
        let found = std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
        assert!(
            found,
            "the live tests need `{tool}` on PATH (Debian: containerd, runc, docker.io; .ci/run \
             installs them)"
        );
    }
}

pub(crate) struct LiveNode {
    pub dir: tempfile::TempDir,
    /// The programs of a containerd release unpacked by tests/support/releases.sh; None for
    /// the one installed on this machine.
    release: Option<PathBuf>,
    /// The same for Docker (dockerd and the docker CLI).
    docker_release: Option<PathBuf>,
    containerd: Option<Child>,
    dockerd: Option<Child>,
}

impl LiveNode {
    pub(crate) fn new() -> LiveNode {
        require_root_and(&["containerd", "ctr", "runc", "tar"]);
        let dir = tempfile::Builder::new()
            .prefix("ra-live-")
            .tempdir()
            .expect("temp dir");
        for sub in ["root/etc/containerd", "run"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        LiveNode {
            dir,
            release: None,
            docker_release: None,
            containerd: None,
            dockerd: None,
        }
    }

    /// A node whose containerd is the release in `bin` (tests/support/releases.sh). It runs
    /// in a mount namespace of its own with tmpfs over /run, /var/lib, /opt and /etc/cni:
    /// containerd 2.x starts NRI and other plugins with sockets under /run.
    pub(crate) fn with_release(bin: PathBuf) -> LiveNode {
        LiveNode::with_releases(bin, None)
    }

    /// A node with the containerd release in `containerd` and, with `docker`, the Docker
    /// release there (dockerd runs the same way, on that containerd).
    pub(crate) fn with_releases(containerd: PathBuf, docker: Option<PathBuf>) -> LiveNode {
        require_root_and(&["unshare"]);
        let mut node = LiveNode::new();
        node.release = Some(containerd);
        node.docker_release = docker;
        node
    }

    fn program(&self, name: &str) -> PathBuf {
        let bin = if name.starts_with("docker") {
            &self.docker_release
        } else {
            &self.release
        };
        bin.as_ref()
            .map_or_else(|| PathBuf::from(name), |b| b.join(name))
    }

    /// `program` as a command: directly for the installed release, else in a mount namespace
    /// of its own (`exec` keeps the child's pid the daemon's), with the releases' programs
    /// first on PATH (containerd starts its own release's shim).
    fn daemon_command(&self, program: &str) -> Command {
        let path = self.program(program);
        if !path.is_absolute() {
            return Command::new(program);
        }
        let bins = [&self.release, &self.docker_release]
            .into_iter()
            .flatten()
            .map(|b| b.display().to_string())
            .chain(std::env::var("PATH").ok())
            .collect::<Vec<_>>()
            .join(":");
        let mut cmd = in_own_mount_namespace(&path);
        cmd.env("PATH", bins);
        cmd
    }

    /// The node's root, given to the audit as `--root`.
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.root().join("etc/containerd/config.toml")
    }

    pub(crate) fn containerd_socket(&self) -> PathBuf {
        self.dir.path().join("run/containerd.sock")
    }

    pub(crate) fn docker_socket(&self) -> PathBuf {
        self.dir.path().join("run/docker.sock")
    }

    /// The settings that keep a test containerd to its temporary directory: its sockets, the
    /// `opt` plugin's directory. `v1` files name plugins by their short ids.
    pub(crate) fn confinement(&self, v1: bool) -> String {
        let d = self.dir.path().display();
        let opt = if v1 {
            "opt"
        } else {
            "\"io.containerd.internal.v1.opt\""
        };
        format!(
            "[grpc]\n  address = \"{}\"\n\
             [ttrpc]\n  address = \"{d}/run/ttrpc.sock\"\n\
             [debug]\n  address = \"{d}/run/debug.sock\"\n\
             [metrics]\n  address = \"\"\n\
             [plugins.{opt}]\n  path = \"{d}/opt\"\n",
            self.containerd_socket().display()
        )
    }

    /// Writes config.toml (`@DIR@` stands for the temporary directory).
    pub(crate) fn write_config(&self, config: &str) {
        let config = config.replace("@DIR@", &self.dir.path().display().to_string());
        std::fs::write(self.config_path(), config).expect("write config.toml");
    }

    /// Starts containerd with the node's config.toml; with `cri`, waits until its CRI service
    /// answers (containerd 1.6 says "not initialized" for a moment after the socket appears).
    pub(crate) fn start_containerd(&mut self, cri: bool) {
        let d = self.dir.path().to_owned();
        self.containerd = Some(spawn_logged(
            self.daemon_command("containerd")
                .arg("--config")
                .arg(self.config_path())
                .arg("--address")
                .arg(self.containerd_socket())
                .arg("--root")
                .arg(d.join("croot"))
                .arg("--state")
                .arg(d.join("cstate")),
            &d.join("containerd.log"),
        ));
        let socket = self.containerd_socket();
        self.wait_for("containerd", &socket, |_| true);
        if cri {
            self.wait_for("containerd", &socket, LiveNode::cri_answers);
        }
    }

    fn cri_answers(&self) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let socket = self.containerd_socket();
        let endpoint = format!("unix://{}", socket.display());
        let found = rt.block_on(cri::probe(
            &socket,
            &endpoint,
            Instant::now() + Duration::from_secs(2),
        ));
        found.api == Probe::Ok { value: CriApi::V1 } && found.status.ok().is_some()
    }

    /// Kills containerd without letting it clean up: its socket file stays behind.
    pub(crate) fn kill_containerd(&mut self) {
        if let Some(mut child) = self.containerd.take() {
            child.kill().expect("SIGKILL containerd");
            let _ = child.wait();
        }
    }

    /// Starts dockerd on the node's containerd (as Docker's packages run it).
    pub(crate) fn start_dockerd(&mut self) {
        self.start_dockerd_with(None);
    }

    /// Starts dockerd on the node's containerd, with this daemon.json if given.
    pub(crate) fn start_dockerd_with(&mut self, daemon_json: Option<&str>) {
        require_root_and(&["dockerd", "docker", "ldd"]);
        let d = self.dir.path().to_owned();
        let mut cmd = self.daemon_command("dockerd");
        if let Some(json) = daemon_json {
            std::fs::write(d.join("daemon.json"), json).expect("write daemon.json");
            cmd.arg("--config-file").arg(d.join("daemon.json"));
        }
        self.dockerd = Some(spawn_logged(
            cmd.arg("--data-root")
                .arg(d.join("docker-data"))
                .arg("--exec-root")
                .arg(d.join("docker-exec"))
                .arg("-H")
                .arg(format!("unix://{}", self.docker_socket().display()))
                .arg("--pidfile")
                .arg(d.join("docker.pid"))
                .args(["--iptables=false", "--bridge=none", "--storage-driver=vfs"])
                .arg("--containerd")
                .arg(self.containerd_socket()),
            &d.join("dockerd.log"),
        ));
        let socket = self.docker_socket();
        self.wait_for("dockerd", &socket, |me| {
            me.docker_raw(&["version"]).status.success()
        });
    }

    /// Waits until `socket` exists and `ready` holds, or fails with the daemon's log.
    fn wait_for(&mut self, name: &str, socket: &Path, ready: impl Fn(&LiveNode) -> bool) {
        let start = Instant::now();
        loop {
            if socket.exists() && ready(self) {
                return;
            }
            let exited = [&mut self.containerd, &mut self.dockerd]
                .into_iter()
                .flatten()
                .any(|c| matches!(c.try_wait(), Ok(Some(_))));
            assert!(
                !(exited || start.elapsed() > Duration::from_secs(60)),
                "{name} did not come up on {} (a daemon exited: {exited}); last log lines:\n{}",
                socket.display(),
                self.log_tail(name)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn log_tail(&self, name: &str) -> String {
        let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log")))
            .unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    pub(crate) fn docker_raw(&self, args: &[&str]) -> Output {
        Command::new(self.program("docker"))
            .arg("-H")
            .arg(format!("unix://{}", self.docker_socket().display()))
            .args(args)
            .env("DOCKER_CONFIG", self.dir.path().join("docker-client"))
            .stdin(Stdio::null())
            .output()
            .expect("run docker")
    }

    /// The docker CLI against this node's dockerd; fails the test when it fails.
    pub(crate) fn docker(&self, args: &[&str]) -> String {
        let out = self.docker_raw(args);
        assert!(
            out.status.success(),
            "docker {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// ctr against this node's containerd; fails the test when it fails.
    pub(crate) fn ctr(&self, args: &[&str]) -> String {
        let out = Command::new(self.program("ctr"))
            .arg("--address")
            .arg(self.containerd_socket())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run ctr");
        assert!(
            out.status.success(),
            "ctr {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The audit of this node as JSON, probing the sockets the test started (and `extra`).
    pub(crate) fn audit(&self, extra: &[&str]) -> Value {
        let mut cmd = common::bin();
        cmd.arg("--root")
            .arg(self.root())
            .arg("--containerd-socket")
            .arg(self.containerd_socket());
        if self.dockerd.is_some() {
            cmd.arg("--docker-socket").arg(self.docker_socket());
        }
        let out = cmd
            .args(["--probe-timeout", "5s", "--format", "json"])
            .args(extra)
            .output()
            .expect("run runtime-audit");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "the audit could not run ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "the report is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

impl Drop for LiveNode {
    fn drop(&mut self) {
        if self.dockerd.is_some() {
            // Running containers keep containerd shims alive after the daemons stop.
            let ids = self.docker_raw(&["ps", "-aq"]);
            let ids = String::from_utf8_lossy(&ids.stdout).to_string();
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids);
                let _ = self.docker_raw(&args);
            }
        }
        for child in [self.dockerd.take(), self.containerd.take()]
            .into_iter()
            .flatten()
        {
            stop(child);
        }
    }
}

/// `program` in a mount namespace of its own (`unshare -m` makes its mounts private) with tmpfs
/// over the host directories a daemon may write to: /run, /var/lib, /opt and /etc/cni
/// (containerd 2.x starts NRI and other plugins with sockets under /run). `exec` keeps the
/// child's pid the program's.
pub(crate) fn in_own_mount_namespace(program: &Path) -> Command {
    let mut mounts = vec!["/run", "/var/lib", "/opt"];
    if Path::new("/etc/cni").is_dir() {
        mounts.push("/etc/cni");
    }
    let mut script: String = mounts
        .iter()
        .map(|m| format!("mount -t tmpfs tmpfs {m} && "))
        .collect();
    script.push_str("exec \"$0\" \"$@\"");
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--", "sh", "-c", &script]).arg(program);
    cmd
}

pub(crate) fn spawn_logged(cmd: &mut Command, log: &Path) -> Child {
    let file = std::fs::File::create(log).expect("daemon log");
    let err = file.try_clone().expect("daemon log");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()))
}

/// SIGTERM, then SIGKILL if the daemon has not exited after ten seconds.
pub(crate) fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A minimal root filesystem with `/bin/sleep` and the libraries `ldd` names, as a tarball
/// for `docker import`.
pub(crate) fn sleeper_rootfs(dir: &Path) -> PathBuf {
    let root = dir.join("rootfs");
    let sleep = PathBuf::from("/usr/bin/sleep");
    let mut files = vec![sleep.clone()];
    let ldd = Command::new("ldd").arg(&sleep).output().expect("run ldd");
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` or `/lib64/ld-linux... (0x...)`
        let path = line
            .split("=>")
            .last()
            .and_then(|r| r.split_whitespace().next())
            .filter(|p| p.starts_with('/'));
        if let Some(p) = path {
            files.push(PathBuf::from(p));
        }
    }
    for f in &files {
        let to = if f == &sleep {
            root.join("bin/sleep")
        } else {
            root.join(f.strip_prefix("/").expect("absolute"))
        };
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir rootfs");
        std::fs::copy(f, &to).unwrap_or_else(|e| panic!("copy {}: {e}", f.display()));
    }
    let tar = dir.join("rootfs.tar");
    let status = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .expect("run tar");
    assert!(status.success(), "tar of the rootfs failed");
    tar
}

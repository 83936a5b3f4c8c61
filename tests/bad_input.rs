//! Bad input never panics, hangs or eats memory: every case ends in a clear finding (or, when
//! no audit can run at all, exit 2 with a message) within a few seconds.

mod common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{bin, findings};

/// Longest any single audit may take, far above the normal few milliseconds.
const HANG: Duration = Duration::from_secs(10);

/// Runs the binary, killing it (and failing) if it does not finish in time.
fn run(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn runtime-audit");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("runtime-audit did not finish within {HANG:?}: it hangs on this input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "runtime-audit panicked: {stderr}"
    );
    out
}

/// Audits `root` as JSON; the audit must run (exit 0 or 1).
fn audit(root: &Path, extra: &[&str]) -> serde_json::Value {
    let out = run(bin()
        .arg("--root")
        .arg(root)
        .args(["--format", "json"])
        .args(extra));
    let code = out.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "exit {code:?}, stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// A finding of `rule` names `path` and its message contains `text`.
fn assert_finding(report: &serde_json::Value, rule: &str, path: &str, text: &str) {
    let found = findings(report, rule);
    assert!(
        found
            .iter()
            .any(|f| f["location"]["file"] == path
                && f["message"].as_str().unwrap_or("").contains(text)),
        "expected {rule} on {path} mentioning {text:?}, got: {}",
        serde_json::to_string_pretty(&report["findings"]).unwrap_or_default()
    );
}

fn node() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let etc = dir.path().join("etc/containerd");
    fs::create_dir_all(&etc).expect("mkdir");
    (dir, etc.join("config.toml"))
}

const CONFIG: &str = "/etc/containerd/config.toml";

#[test]
fn config_is_a_directory() {
    let (dir, config) = node();
    fs::create_dir(&config).expect("mkdir");
    assert_finding(&audit(dir.path(), &[]), "RA001", CONFIG, "is a directory");
}

#[test]
fn config_is_a_fifo_and_nothing_blocks() {
    let (dir, config) = node();
    let status = Command::new("mkfifo")
        .arg(&config)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    assert_finding(&audit(dir.path(), &[]), "RA001", CONFIG, "FIFO");
}

#[test]
fn config_links_to_a_device() {
    let (dir, config) = node();
    symlink("/dev/zero", &config).expect("symlink");
    // Under --root the link stays inside the root: there it points at nothing.
    let report = audit(dir.path(), &[]);
    assert!(findings(&report, "RA001").is_empty());
    // A real device node inside the root (as on a mounted host) is refused unread.
    fs::create_dir_all(dir.path().join("dev")).expect("mkdir");
    let status = Command::new("mknod")
        .arg(dir.path().join("dev/zero"))
        .args(["c", "1", "5"])
        .status()
        .expect("mknod (the test runs as root)");
    assert!(status.success(), "mknod needs root");
    assert_finding(&audit(dir.path(), &[]), "RA001", CONFIG, "character device");
    // On the host itself (--root /) the link reaches the real /dev/zero: still refused.
    let report = audit(
        Path::new("/"),
        &["--containerd-config", &config.display().to_string()],
    );
    assert_finding(
        &report,
        "RA001",
        &config.display().to_string(),
        "character device",
    );
}

#[test]
fn hundred_megabyte_file_is_not_read() {
    let (dir, config) = node();
    let f = fs::File::create(&config).expect("create");
    f.set_len(100 * 1024 * 1024).expect("sparse 100 MB");
    assert_finding(&audit(dir.path(), &[]), "RA001", CONFIG, "size cap");
}

#[test]
fn binary_garbage_and_invalid_utf8() {
    let (dir, config) = node();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(&config, &garbage).expect("write");
    assert_finding(&audit(dir.path(), &[]), "RA001", CONFIG, "not UTF-8");
    // Valid UTF-8 that is not TOML: a syntax error with a position.
    fs::write(&config, "\u{0}\u{1}\u{2} ☃ = = [[[\n").expect("write");
    let report = audit(dir.path(), &[]);
    assert_finding(&report, "RA002", CONFIG, "TOML syntax error");
    let f = findings(&report, "RA002")[0];
    assert!(
        f["location"]["line"].as_u64().is_some(),
        "syntax error has a line: {f}"
    );
}

#[test]
fn empty_file_is_a_valid_version_1_config() {
    let (dir, config) = node();
    fs::write(&config, "").expect("write");
    let report = audit(dir.path(), &[]);
    assert!(findings(&report, "RA001").is_empty() && findings(&report, "RA002").is_empty());
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let (dir, config) = node();
    fs::write(&config, format!("a = {}", "[".repeat(200_000))).expect("write");
    assert_finding(
        &audit(dir.path(), &[]),
        "RA002",
        CONFIG,
        "TOML syntax error",
    );
    let mut dotted = String::from("x");
    for i in 0..20_000 {
        dotted.push_str(&format!(".k{i}"));
    }
    fs::write(&config, format!("{dotted} = 1\n")).expect("write");
    audit(dir.path(), &[]);
}

#[test]
fn import_cycles_and_loops_end() {
    let (dir, config) = node();
    let etc = config.parent().expect("dir").to_path_buf();
    fs::write(
        &config,
        "version = 2\nimports = [\"/etc/containerd/a.toml\", \"/etc/containerd/*.toml\"]\n",
    )
    .expect("write");
    fs::write(
        etc.join("a.toml"),
        "version = 2\nimports = [\"/etc/containerd/config.toml\", \"b.toml\"]\n",
    )
    .expect("write");
    fs::write(etc.join("b.toml"), "version = 2\nimports = [\"a.toml\"]\n").expect("write");
    let report = audit(dir.path(), &[]);
    assert!(findings(&report, "RA001").is_empty());
    // A symlink loop among the imports is unreadable, not a hang.
    symlink("loop2.toml", etc.join("loop1.toml")).expect("symlink");
    symlink("loop1.toml", etc.join("loop2.toml")).expect("symlink");
    fs::write(
        &config,
        "version = 2\nimports = [\"/etc/containerd/loop1.toml\"]\n",
    )
    .expect("write");
    assert_finding(
        &audit(dir.path(), &[]),
        "RA001",
        "/etc/containerd/loop1.toml",
        "symbolic links",
    );
}

#[test]
fn unreadable_file_for_an_unprivileged_auditor() {
    let (dir, config) = node();
    fs::write(&config, "version = 2\n").expect("write");
    for p in [
        dir.path(),
        &dir.path().join("etc"),
        config.parent().expect("dir"),
    ] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    fs::set_permissions(&config, fs::Permissions::from_mode(0o000)).expect("chmod");
    let exe = assert_cmd::cargo::cargo_bin!("runtime-audit");
    let out = run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(exe)
        .arg("--root")
        .arg(dir.path())
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .current_dir("/"));
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "setpriv run failed (is util-linux installed, is the binary readable by nobody?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_finding(&report, "RA001", CONFIG, "permission denied");
}

#[test]
fn no_root_no_audit() {
    let out = run(bin().args(["--root", "/nonexistent/node"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/node"));
    let file = tempfile::NamedTempFile::new().expect("tmp");
    let out = run(bin().arg("--root").arg(file.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"));
}

/// A node root with one file written at `path`.
fn node_with(path: &str, content: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let full = dir.path().join(path.trim_start_matches('/'));
    fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    fs::write(&full, content).expect("write");
    dir
}

fn alias_bomb() -> String {
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let p = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    bomb
}

#[test]
fn yaml_alias_bomb_in_the_kubelet_config_is_refused() {
    let path = "/var/lib/kubelet/config.yaml";
    let dir = node_with(path, alias_bomb().as_bytes());
    assert_finding(&audit(dir.path(), &[]), "RA002", path, "YAML");
}

#[test]
fn yaml_alias_bomb_in_the_node_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = dir.path().join("node.yaml");
    fs::write(&node, alias_bomb()).expect("write");
    let report = audit(dir.path(), &["--node-file", &node.display().to_string()]);
    assert!(
        !findings(&report, "RA002").is_empty(),
        "an alias bomb in the Node file must be a syntax finding: {}",
        report["findings"]
    );
}

#[test]
fn deeply_nested_yaml_and_json() {
    let path = "/etc/crictl.yaml";
    let dir = node_with(path, "[".repeat(100_000).as_bytes());
    assert_finding(&audit(dir.path(), &[]), "RA002", path, "YAML");
    let path = "/etc/docker/daemon.json";
    let dir = node_with(path, "[".repeat(100_000).as_bytes());
    assert_finding(&audit(dir.path(), &[]), "RA002", path, "JSON");
}

#[test]
fn garbage_in_every_input_kind() {
    let garbage = "\u{1}\u{7f}{{{{ ]]]] :: -- \"\u{feff}\n\t- - :\n";
    for path in [
        "/var/lib/kubelet/kubeadm-flags.env",
        "/etc/default/kubelet",
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "/var/lib/kubelet/config.yaml",
        "/etc/crictl.yaml",
        "/etc/docker/daemon.json",
        "/etc/containerd/config.toml",
    ] {
        let dir = node_with(path, garbage.as_bytes());
        audit(dir.path(), &[]);
        let dir = node_with(path, &[0xff, 0xfe, 0x00, 0x80]);
        assert_finding(&audit(dir.path(), &[]), "RA001", path, "not UTF-8");
    }
}

#[test]
fn policy_file_errors_stop_the_audit_with_a_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("runtime-audit.toml");
    fs::write(&policy, "[severity\nRA101 = \"note\"\n").expect("write");
    let out = run(bin()
        .arg("--root")
        .arg(dir.path())
        .arg("--config")
        .arg(&policy));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runtime-audit.toml:1:"),
        "names file, line and column: {err}"
    );
}

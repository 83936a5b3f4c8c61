//! The containerd oracle: every containerd config in `fixtures/` and in the corpus is given to
//! the real containerd installed on this machine (Debian's 1.6.20, installed by `.ci/run`) and
//! to `runtime-audit inspect --containerd-version <installed>`; they must agree on whether
//! containerd starts, whether the CRI plugin loads, and the effective SystemdCgroup of the
//! default runtime, sandbox image and registry config_path. Every disagreement is either a bug
//! or is explained in `EXPLAINED` with the fact behind it.
//!
//! containerd runs as a child process on a temporary socket, root and state directory, with
//! the config's listeners kept on loopback or inside the temporary directory; it never pulls.

mod common;
mod daemons;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, corpus, repo};

/// Disagreements that are understood: (config name suffix, field, the fact that explains it).
const EXPLAINED: &[(&str, &str, &str)] = &[
    (
        "RA003/systemd-cgroup-string",
        "systemd_cgroup",
        "containerd keeps runtime `options` as an untyped table, so `config dump` prints the string \
     \"true\"; the CRI plugin decodes it into typed runc options only when a container is created \
     (`generateRuntimeOptions` -> `optionsTree.Unmarshal`, pkg/cri/server/helpers.go in 1.6), where \
     a string is not a boolean: containerd can never use it as `SystemdCgroup = true`, which is \
     what runtime-audit reports (effective false, and RA003)",
    ),
    (
        "RA107/aufs-snapshotter",
        "cri",
        "Debian's containerd 1.6.20 has no usable aufs snapshotter (its kernel has no aufs), so the CRI \
     plugin fails with `failed to create CRI service: failed to find snapshotter \"aufs\"`; whether \
     aufs exists depends on the host's kernel and build, which a config audit cannot see. RA107 \
     reports the snapshotter as removed in containerd 2.0",
    ),
];

#[derive(Debug, Default, PartialEq)]
struct View {
    starts: Option<bool>,
    cri: Option<String>,
    systemd_cgroup: Option<String>,
    sandbox_image: Option<String>,
    config_path: Option<String>,
}

fn containerd_version() -> String {
    let out = Command::new("containerd")
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("containerd is not installed ({e}); the oracle needs Debian's containerd (see .ci/run)"));
    let text = String::from_utf8_lossy(&out.stdout);
    // "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3"
    text.split_whitespace()
        .nth(2)
        .and_then(|v| v.split('~').next())
        .unwrap_or_else(|| panic!("cannot read containerd's version from {text:?}"))
        .to_owned()
}

/// One config under test: a node root holding `etc/containerd/config.toml` (and whatever the
/// fixture has around it).
struct Case {
    name: String,
    /// The node tree to copy (a fixture directory) or a single corpus file.
    source: Source,
}

enum Source {
    Tree(PathBuf),
    File(PathBuf),
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for s in common::scenarios() {
        if s.dir.join("etc/containerd/config.toml").is_file() {
            cases.push(Case {
                name: format!("fixtures/{}", s.name),
                source: Source::Tree(s.dir.clone()),
            });
        }
    }
    if let Some(dir) = corpus() {
        let mut files: Vec<PathBuf> = fs::read_dir(dir.join("containerd"))
            .expect("corpus containerd dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            cases.push(Case {
                name: format!(
                    "corpus/{}",
                    f.file_name().unwrap_or_default().to_string_lossy()
                ),
                source: Source::File(f),
            });
        }
    }
    cases
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read fixture dir").flatten() {
        let p = e.path();
        let target = to.join(e.file_name());
        let ft = e.file_type().expect("file type");
        if ft.is_dir() {
            copy_tree(&p, &target);
        } else if ft.is_symlink() {
            let link = fs::read_link(&p).expect("readlink");
            std::os::unix::fs::symlink(link, &target).expect("symlink");
        } else if ft.is_file() {
            fs::copy(&p, &target).expect("copy");
        }
    }
}

/// Keeps containerd's side effects inside the temporary directory and on loopback: the
/// streaming server on 127.0.0.1 with an ephemeral port, debug/ttrpc sockets under `tmp`, no
/// metrics listener. Line numbers are preserved; the tool audits the same rewritten text.
fn isolate(text: &str, tmp: &Path) -> String {
    let mut section = String::new();
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            section = trimmed.trim_end().to_owned();
        }
        let key = trimmed.split(['=', ' ']).next().unwrap_or("");
        let eol = if line.ends_with('\n') { "\n" } else { "" };
        let replacement = match (section.as_str(), key) {
            (_, "stream_server_address") => {
                Some("stream_server_address = \"127.0.0.1\"".to_string())
            }
            (_, "stream_server_port") => Some("stream_server_port = \"0\"".to_string()),
            ("[debug]", "address") => Some(format!("address = \"{}/debug.sock\"", tmp.display())),
            ("[ttrpc]", "address") => Some(format!("address = \"{}/ttrpc.sock\"", tmp.display())),
            ("[metrics]", "address") => Some("address = \"\"".to_string()),
            _ => None,
        };
        match replacement {
            Some(r) if !trimmed.starts_with('#') => {
                out.push_str(&r);
                out.push_str(eol);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// containerd's view: start it, list plugins, dump its config.
fn containerd_view(config: &Path, cwd: &Path, tmp: &Path) -> (View, String) {
    let sock = tmp.join("c.sock");
    let mut child = start_containerd(config, cwd, tmp, &sock);
    let mut view = View::default();
    if serves(&mut child, &sock) {
        view.starts = Some(true);
        view.cri = Some(cri_plugin_state(&sock));
    } else {
        view.starts = Some(false);
        view.cri = Some("not started".into());
    }
    let _ = child.kill();
    let log = child
        .wait_with_output()
        .map(|out| String::from_utf8_lossy(&out.stderr).into_owned())
        .unwrap_or_default();
    read_config_dump(config, cwd, &mut view);
    (view, log)
}

/// containerd on `config`, its socket at `sock` and its state under `tmp`.
fn start_containerd(config: &Path, cwd: &Path, tmp: &Path, sock: &Path) -> Child {
    Command::new("containerd")
        .arg("--config")
        .arg(config)
        .arg("--address")
        .arg(sock)
        .arg("--root")
        .arg(tmp.join("root"))
        .arg("--state")
        .arg(tmp.join("state"))
        .arg("--log-level")
        .arg("warn")
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start containerd")
}

/// Whether containerd serves its socket within 15 s (false when it exits first).
fn serves(child: &mut Child, sock: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut exited = false;
    while Instant::now() < deadline {
        if sock.exists() {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            exited = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    sock.exists() && !exited
}

/// The CRI plugin's state in `ctr plugins ls`: loads, fails to load, or disabled.
fn cri_plugin_state(sock: &Path) -> String {
    // The plugin list is ready once the CRI plugin has been initialized.
    std::thread::sleep(Duration::from_millis(200));
    let out = Command::new("ctr")
        .arg("--address")
        .arg(sock)
        .args(["plugins", "ls"])
        .output()
        .expect("run ctr");
    let list = String::from_utf8_lossy(&out.stdout);
    list.lines()
        .find(|l| {
            l.split_whitespace().take(2).collect::<Vec<_>>() == ["io.containerd.grpc.v1", "cri"]
        })
        .map_or("disabled", |l| match l.split_whitespace().last() {
            Some("ok") => "loads",
            _ => "fails to load",
        })
        .to_owned()
}

/// The settings `containerd config dump` shows, when containerd can dump the config.
fn read_config_dump(config: &Path, cwd: &Path, view: &mut View) {
    let dump = Command::new("containerd")
        .arg("--config")
        .arg(config)
        .args(["config", "dump"])
        .current_dir(cwd)
        .output()
        .expect("containerd config dump");
    if !dump.status.success() {
        return;
    }
    let text = String::from_utf8_lossy(&dump.stdout);
    let doc: toml::Table = toml::from_str(&text).expect("containerd's own dump parses");
    let cri = doc
        .get("plugins")
        .and_then(|p| p.get("io.containerd.grpc.v1.cri"));
    let default = cri
        .and_then(|c| c.get("containerd"))
        .and_then(|c| c.get("default_runtime_name"))
        .and_then(|v| v.as_str())
        .unwrap_or("runc")
        .to_owned();
    let runtime = cri
        .and_then(|c| c.get("containerd"))
        .and_then(|c| c.get("runtimes"))
        .and_then(|r| r.get(&default));
    view.systemd_cgroup = Some(match runtime {
        None => "undefined".into(),
        Some(r) => match r.get("options").and_then(|o| o.get("SystemdCgroup")) {
            None => "false".into(),
            Some(v) => v.to_string().trim_matches('"').to_owned(),
        },
    });
    view.sandbox_image = cri
        .and_then(|c| c.get("sandbox_image"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    view.config_path = cri
        .and_then(|c| c.get("registry"))
        .and_then(|r| r.get("config_path"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
}

fn row<'a>(rows: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    rows.as_array()?
        .iter()
        .find(|r| r["key"] == key)
        .map(|r| &r["value"])
}

fn section<'a>(sections: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    sections.as_array()?.iter().find(|s| s["id"] == id)
}

/// runtime-audit's view of the same node.
fn tool_view(root: &Path, version: &str) -> View {
    let out = bin()
        .args([
            "inspect",
            "--format",
            "json",
            "--containerd-version",
            version,
            "--root",
        ])
        .arg(root)
        .output()
        .expect("run runtime-audit inspect");
    assert!(
        out.status.success(),
        "inspect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect JSON");
    let Some(ctd) = section(&doc["sections"], "containerd") else {
        return View::default();
    };
    let rows = &ctd["rows"];
    let mut view = View {
        starts: row(rows, "starts").and_then(serde_json::Value::as_bool),
        cri: row(rows, "cri plugin")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        ..View::default()
    };
    if view.starts == Some(true)
        && let Some(cri) = section(&ctd["sections"], "cri")
    {
        let r = &cri["rows"];
        view.systemd_cgroup = row(r, "default runtime SystemdCgroup").map(|v| match v {
            serde_json::Value::Null => "undefined".to_string(),
            v => v.to_string().trim_matches('"').to_owned(),
        });
        view.sandbox_image = row(r, "sandbox image")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        view.config_path = row(r, "registry config_path")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
    }
    view
}

fn differences(name: &str, tool: &View, real: &View) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |field: &str, t: &Option<String>, r: &Option<String>| {
        // Value fields are compared only when containerd could dump its config.
        if r.is_none() {
            return;
        }
        if t != r {
            let explained = EXPLAINED
                .iter()
                .any(|(n, f, _)| name.ends_with(n) && *f == field);
            if !explained {
                out.push(format!(
                    "{name}: {field}: runtime-audit says {t:?}, containerd says {r:?}"
                ));
            }
        }
    };
    let b = |v: Option<bool>| v.map(|b| b.to_string());
    check("starts", &b(tool.starts), &b(real.starts));
    check("cri", &tool.cri, &real.cri);
    // containerd dumps the CRI settings only when the plugin loaded.
    if real.cri.as_deref() == Some("loads") {
        check("systemd_cgroup", &tool.systemd_cgroup, &real.systemd_cgroup);
        check("sandbox_image", &tool.sandbox_image, &real.sandbox_image);
        check("config_path", &tool.config_path, &real.config_path);
    }
    out
}

#[test]
fn runtime_audit_agrees_with_real_containerd() {
    daemons::require_root_and(&[]);
    let version = containerd_version();
    let cases = cases();
    assert!(cases.len() > 10, "too few configs found: {}", cases.len());
    let work = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (i, case) in cases.iter().enumerate() {
        let tmp = work.path().join(format!("case{i}"));
        let root = tmp.join("node");
        match &case.source {
            Source::Tree(dir) => copy_tree(dir, &root),
            Source::File(f) => {
                fs::create_dir_all(root.join("etc/containerd")).expect("mkdir");
                fs::copy(f, root.join("etc/containerd/config.toml")).expect("copy");
            }
        }
        let config = root.join("etc/containerd/config.toml");
        let Ok(text) = fs::read_to_string(&config) else {
            continue; // not UTF-8 or unreadable on purpose: nothing to compare
        };
        fs::write(&config, isolate(&text, &tmp)).expect("write isolated config");
        let tool = tool_view(&root, &version);
        let (real, log) = containerd_view(&config, &root, &tmp);
        let diffs = differences(&case.name, &tool, &real);
        if !diffs.is_empty() {
            let tail: Vec<&str> = log.lines().rev().take(3).collect();
            failures.push(format!(
                "{}\n    containerd log: {}",
                diffs.join("\n"),
                tail.join(" | ")
            ));
        }
        checked += 1;
    }
    eprintln!("oracle: {checked} configs compared with containerd {version}");
    assert!(
        failures.is_empty(),
        "runtime-audit disagrees with containerd {version} on {} config(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let _ = repo();
}

//! The containerd oracle: every containerd config in `fixtures/` and in the corpus is given to
//! each real containerd release at hand and to `runtime-audit inspect --containerd-version
//! <release>`; they must agree on whether containerd starts, whether the CRI plugin loads, and
//! the effective SystemdCgroup of the default runtime, sandbox image and registry config_path.
//! Every disagreement is either a bug or is explained in `EXPLAINED` with the fact behind it.
//! RA107's deprecation warnings must be reported by the release too, key by key (a row of its
//! `ctr deprecations list` from 1.7 or a line of its log names the key), or the finding must say
//! why the release stays silent (and then the release must be silent), or be in
//! `SILENT_RELEASE` with the reason. And what
//! 2.1.9's `containerd config migrate` makes of each version 1 and 2 config must read the same
//! as the original. The classic mistakes of a migration, made on each release's own `config
//! default`, and each stock file on the other releases, are compared the same way. Every
//! config `runtime-audit fix --write` edits is compared again once fixed: the release starts
//! and loads CRI where no error is left, and runs with the SystemdCgroup the fix wrote.
//!
//! The releases: Debian's 1.6.20 installed on this machine (`.ci/run` installs it), and 1.7.24
//! and 2.1.9 unpacked by `tests/support/releases.sh` (`.ci/run` fetches them). One test per
//! release, so the releases run side by side.
//!
//! containerd runs as a child process in a mount namespace of its own with tmpfs over /run,
//! /var/lib, /opt and /etc/cni (containerd 2.x starts NRI and other plugins with sockets under
//! /run), on a temporary socket, root and state directory, with the config's listeners kept on
//! loopback or inside the temporary directory; it never pulls.

mod common;
mod daemons;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, corpus};

/// Disagreements that are understood: (release lines, config name suffix, field, the fact that
/// explains it).
const EXPLAINED: &[(&[&str], &str, &str, &str)] = &[
    (
        &["1.6", "1.7", "2.1"],
        "RA111/pass-present",
        "cri",
        "the base spec file is in the node's tree, where runtime-audit looks for it; containerd, run \
     on this machine, reads `base_runtime_spec` as a path of this machine, which has no \
     /etc/containerd/cri-base.json (and is never written to), so it fails as in RA111/missing",
    ),
    (
        &["1.6", "1.7", "2.1"],
        "RA111/pass-present",
        "starts",
        "as for `cri`: with CRI required (fix RA109), the same missing file stops containerd",
    ),
    (
        &["1.6", "1.7"],
        "RA003/systemd-cgroup-string",
        "systemd_cgroup",
        "containerd keeps runtime `options` as an untyped table, so `config dump` prints the string \
     \"true\"; the CRI plugin decodes it into typed runc options only when a container is created \
     (`generateRuntimeOptions` -> `optionsTree.Unmarshal`, pkg/cri/server/helpers.go in 1.6; 1.7.24 dumps and decodes it the same way), where \
     a string is not a boolean: containerd can never use it as `SystemdCgroup = true`, which is \
     what runtime-audit reports (effective false, and RA003)",
    ),
    (
        &["1.6", "1.7"],
        "RA107/aufs-snapshotter",
        "cri",
        "Debian's containerd 1.6.20 and 1.7.24 have no usable aufs snapshotter (this kernel has no aufs), so the CRI \
     plugin fails with `failed to create CRI service: failed to find snapshotter \"aufs\"`; whether \
     aufs exists depends on the host's kernel and build, which a config audit cannot see. RA107 \
     reports the snapshotter as removed in containerd 2.0",
    ),
    (
        &["1.6", "1.7", "2.1"],
        "RA112/snapshotter-lost-by-migrate-on-2.1",
        "cri",
        "no devmapper pool is configured on this host, so the CRI plugin of every release fails \
     with `failed to find snapshotter \"devmapper\"`; which snapshotters a host has configured is \
     not in the file. On 2.1.9 the failure is the point of the fixture: the running containerd \
     looks for the version 2 file's snapshotter, which `config migrate` and `config dump` show as \
     overlayfs (RA112 snapshotter-lost-by-migrate)",
    ),
    (
        &["2.1"],
        "RA003/systemd-cgroup-string",
        "systemd_cgroup",
        "as on 1.x, `config dump` of containerd 2.1.9 prints the runtime option as the string \
     \"true\": runtime `options` stay an untyped table until a container is created; a string is \
     not a boolean there (container creation was not exercised on 2.1.9 here)",
    ),
    (
        &["2.1"],
        "RA101/v3-images-disabled",
        "cri",
        "`disabled_plugins = [\"io.containerd.cri.v1.images\"]`: containerd 2.1.9 lists the \
     `io.containerd.grpc.v1` cri service as failing (`unable to load CRI image service plugin \
     dependency`), the tool says CRI is disabled (RA101): either way the node serves no CRI",
    ),
];

/// Deprecation warnings of runtime-audit the release does not report, understood: (release
/// lines, config name suffix ("" for any), the end of the key, why the release stays silent).
const SILENT_RELEASE: &[(&[&str], &str, &str, &str)] = &[
    (
        &["1.6", "1.7", "2.1"],
        "",
        ".runtime_type",
        "containerd judges a runtime type (the v1 shims `io.containerd.runtime.v1.linux` and \
     `io.containerd.runc.v1`) only when a pod's shim starts, and none does in the oracle; RA107 \
     warns because containerd 2.0 removed them",
    ),
    (
        &["1.6", "1.7", "2.1"],
        "RA107/aufs-snapshotter",
        "snapshotter",
        "the CRI plugin fails on the missing aufs snapshotter here (1.6.20 and 1.7.24: this \
     kernel has no aufs; 2.1.9: the aufs plugin is gone), before any deprecation is recorded; \
     RA107 warns that containerd 2.0 removed it",
    ),
    (
        &["1.6", "1.7"],
        "RA107/runtime-engine-with-runc-v2",
        ".runtime_engine",
        "the CRI plugin fails to load on this value (RA107 removed-breaks, seen with 1.6.20 and \
     1.7.24), before it records deprecations",
    ),
];

#[derive(Debug, Default, PartialEq)]
struct View {
    /// The deprecations the release lists (`ctr deprecations list`, 1.7 and later), a row each
    /// (id and message); for runtime-audit, the keys RA107 reports at warning or above.
    deprecations: Option<Vec<String>>,
    /// For runtime-audit, the keys among `deprecations` whose finding says the release reports
    /// nothing about them, and why.
    said_silent: Vec<String>,
    starts: Option<bool>,
    cri: Option<String>,
    systemd_cgroup: Option<String>,
    sandbox_image: Option<String>,
    config_path: Option<String>,
}

/// A containerd release to compare with: where its programs are (`bin`, or PATH for the
/// host's) and its version.
struct Release {
    bin: Option<PathBuf>,
    version: String,
}

impl Release {
    /// Debian's containerd installed on this machine.
    fn host() -> Release {
        Release::at(None)
    }

    /// A release unpacked by tests/support/releases.sh; None (said loudly) when it is not
    /// there, a failure under CI=true.
    fn unpacked(name: &str) -> Option<Release> {
        common::release_bin(name).map(|bin| Release::at(Some(bin)))
    }

    fn at(bin: Option<PathBuf>) -> Release {
        let mut release = Release {
            bin,
            version: String::new(),
        };
        release.version = release.read_version();
        release
    }

    fn program(&self, name: &str) -> PathBuf {
        self.bin
            .as_ref()
            .map_or_else(|| PathBuf::from(name), |b| b.join(name))
    }

    fn command(&self, name: &str) -> Command {
        Command::new(self.program(name))
    }

    /// "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", or
    /// "... github.com/containerd/containerd/v2 2.1.9+unknown": the version without Debian's
    /// suffixes.
    fn read_version(&self) -> String {
        let out = self
            .command("containerd")
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("containerd is not installed ({e}); the oracle needs Debian's containerd (see .ci/run)"));
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace()
            .nth(2)
            .and_then(|v| v.split(['~', '+']).next())
            .unwrap_or_else(|| panic!("cannot read containerd's version from {text:?}"))
            .to_owned()
    }

    /// The release line (`1.7`), as `EXPLAINED` names it.
    fn line(&self) -> &str {
        let end = self
            .version
            .match_indices('.')
            .nth(1)
            .map_or(self.version.len(), |(i, _)| i);
        &self.version[..end]
    }

    fn is_2x(&self) -> bool {
        !self.version.starts_with("1.")
    }
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

impl Case {
    /// Lays the case out as a node root: the fixture's tree, or the corpus file as the node's
    /// `etc/containerd/config.toml`.
    fn place(&self, root: &Path) {
        match &self.source {
            Source::Tree(dir) => copy_tree(dir, root),
            Source::File(f) => {
                fs::create_dir_all(root.join("etc/containerd")).expect("mkdir");
                fs::copy(f, root.join("etc/containerd/config.toml")).expect("copy");
            }
        }
    }
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
fn containerd_view(release: &Release, config: &Path, cwd: &Path, tmp: &Path) -> (View, String) {
    let sock = tmp.join("c.sock");
    let mut child = start_containerd(release, config, cwd, tmp, &sock);
    let mut view = View::default();
    if serves(&mut child, &sock) {
        view.starts = Some(true);
        view.cri = Some(cri_plugin_state(release, &sock));
        view.deprecations = deprecations(release, &sock);
    } else {
        view.starts = Some(false);
        view.cri = Some("not started".into());
    }
    let _ = child.kill();
    let log = child
        .wait_with_output()
        .map(|out| String::from_utf8_lossy(&out.stderr).into_owned())
        .unwrap_or_default();
    read_config_dump(release, config, cwd, &mut view);
    (view, log)
}

/// containerd on `config`, its socket at `sock` and its state under `tmp`, in a mount namespace
/// of its own (`unshare -m` makes its mounts private) with tmpfs over the host directories a
/// release may write to; `exec` keeps the child's pid containerd's.
fn start_containerd(
    release: &Release,
    config: &Path,
    cwd: &Path,
    tmp: &Path,
    sock: &Path,
) -> Child {
    daemons::in_own_mount_namespace(&release.program("containerd"))
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

/// The CRI plugin's state in `ctr plugins ls`: loads, fails to load, or disabled. On 2.x CRI is
/// three plugins (`io.containerd.cri.v1` runtime and images, and the `io.containerd.grpc.v1`
/// cri service on them): it loads when all three do, and is disabled when the service is not
/// listed (`disabled_plugins = ["cri"]` leaves runtime and images loaded, seen with 2.1.9).
fn cri_plugin_state(release: &Release, sock: &Path) -> String {
    // The plugin list is ready once the CRI plugin has been initialized.
    std::thread::sleep(Duration::from_millis(200));
    let out = release
        .command("ctr")
        .arg("--address")
        .arg(sock)
        .args(["plugins", "ls"])
        .output()
        .expect("run ctr");
    let list = String::from_utf8_lossy(&out.stdout);
    let parts: &[[&str; 2]] = if release.is_2x() {
        &[
            ["io.containerd.cri.v1", "runtime"],
            ["io.containerd.cri.v1", "images"],
            ["io.containerd.grpc.v1", "cri"],
        ]
    } else {
        &[["io.containerd.grpc.v1", "cri"]]
    };
    let states: Vec<Option<bool>> = parts
        .iter()
        .map(|part| {
            list.lines()
                .find(|l| l.split_whitespace().take(2).eq(part.iter().copied()))
                .map(|l| l.split_whitespace().last() == Some("ok"))
        })
        .collect();
    // The CRI service is the `io.containerd.grpc.v1` cri plugin, listed last: without it CRI is
    // disabled, whatever the plugins under it do.
    if states.last() == Some(&None) {
        "disabled"
    } else if states.iter().all(|s| *s == Some(true)) {
        "loads"
    } else {
        "fails to load"
    }
    .to_owned()
}

/// The deprecations the release lists for its config and use so far, a row each: the id and
/// the message, which names the key in backquotes. 1.6 has no such list: none is listed, and
/// its log is all it says.
fn deprecations(release: &Release, sock: &Path) -> Option<Vec<String>> {
    if release.line() == "1.6" {
        return Some(Vec::new());
    }
    let out = release
        .command("ctr")
        .arg("--address")
        .arg(sock)
        .args(["deprecations", "list"])
        .output()
        .expect("run ctr");
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// The settings `containerd config dump` shows, when containerd can dump the config. 1.x keeps
/// them in the one CRI plugin; 2.x keeps the runtimes in `io.containerd.cri.v1.runtime` and the
/// sandbox image and registry in `io.containerd.cri.v1.images`.
fn read_config_dump(release: &Release, config: &Path, cwd: &Path, view: &mut View) {
    let dump = release
        .command("containerd")
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
    let plugin = |id: &str| doc.get("plugins").and_then(|p| p.get(id));
    let (runtimes_in, images_in) = if release.is_2x() {
        (
            plugin("io.containerd.cri.v1.runtime"),
            plugin("io.containerd.cri.v1.images"),
        )
    } else {
        let cri = plugin("io.containerd.grpc.v1.cri");
        (cri, cri)
    };
    let containerd = runtimes_in.and_then(|c| c.get("containerd"));
    let default = containerd
        .and_then(|c| c.get("default_runtime_name"))
        .and_then(|v| v.as_str())
        .unwrap_or("runc")
        .to_owned();
    let runtime = containerd
        .and_then(|c| c.get("runtimes"))
        .and_then(|r| r.get(&default));
    view.systemd_cgroup = Some(match runtime {
        None => "undefined".into(),
        Some(r) => match r.get("options").and_then(|o| o.get("SystemdCgroup")) {
            None => "false".into(),
            Some(v) => v.to_string().trim_matches('"').to_owned(),
        },
    });
    let sandbox = if release.is_2x() {
        images_in
            .and_then(|c| c.get("pinned_images"))
            .and_then(|p| p.get("sandbox"))
    } else {
        images_in.and_then(|c| c.get("sandbox_image"))
    };
    view.sandbox_image = sandbox.and_then(|v| v.as_str()).map(str::to_owned);
    view.config_path = images_in
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
    let doc = common::inspect_json(root, version);
    let Some(ctd) = section(&doc["sections"], "containerd") else {
        return View::default();
    };
    let rows = &ctd["rows"];
    let mut view = View {
        deprecations: Some(warned_deprecations(root, version, false)),
        said_silent: warned_deprecations(root, version, true),
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

/// The fields the two views disagree on, a line each, and how many disagreements `EXPLAINED`
/// The keys runtime-audit warns about as deprecated that the release does not report, key by
/// key: no row of its deprecation list (`ctr deprecations list`; 1.6 has none) names the key,
/// no deprecation line of its log names it, and no `Ignoring unknown key` line names the key
/// or a table holding it.
fn unreported_deprecations(real: &View, tool: &View, log: &str) -> Vec<String> {
    let (Some(listed), Some(warned)) = (&real.deprecations, &tool.deprecations) else {
        return Vec::new();
    };
    let ignored: Vec<Vec<&str>> = log
        .lines()
        .filter(|l| l.contains("Ignoring unknown key"))
        .filter_map(|l| {
            let rest = l.split(" key=").nth(1)?;
            let value = match rest.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next()?,
                None => rest.split_whitespace().next()?,
            };
            Some(value.split(' ').collect())
        })
        .collect();
    warned
        .iter()
        .filter(|key| {
            let segments = key_segments(key);
            let below_plugin = match segments.first().map(String::as_str) {
                Some("plugins") => segments.get(2..).unwrap_or_default(),
                _ => &segments[..],
            };
            let last = segments.last().map_or("", String::as_str);
            let listed_here = listed.iter().any(|row| names_key(row, last));
            let logged = log.lines().any(|l| {
                (l.contains("deprecat") || l.contains("DEPRECATION")) && names_key(l, last)
            });
            let dropped = ignored.iter().any(|table| {
                table.len() <= below_plugin.len()
                    && table.iter().zip(below_plugin).all(|(a, b)| a == b)
            });
            !listed_here && !logged && !dropped
        })
        .cloned()
        .collect()
}

/// Whether a deprecation row or log line names `key`: in backquotes, as containerd's messages
/// write keys, or in the id, where `_` is written `-` (`cri-registry-mirrors`).
fn names_key(line: &str, key: &str) -> bool {
    line.contains(&format!("`{key}`"))
        || line.contains(&format!("\\\"{key}\\\""))
        || line
            .split_whitespace()
            .next()
            .is_some_and(|id| id.contains(&key.replace('_', "-")))
}

/// A dotted key split into its segments, quoted segments kept whole.
fn key_segments(key: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in key.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("one segment at least").push(c),
        }
    }
    out
}

/// The keys RA107 reports at warning or above on the node; with `said_silent`, only those whose
/// finding says the release reports nothing about them.
fn warned_deprecations(root: &Path, version: &str, said_silent: bool) -> Vec<String> {
    let out = bin()
        .args([
            "--format",
            "json",
            "--containerd-version",
            version,
            "--root",
        ])
        .arg(root)
        .output()
        .expect("run runtime-audit");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "RA107" && f["severity"] != "note")
        .filter(|f| {
            !said_silent
                || f["impact"]
                    .as_str()
                    .is_some_and(|i| i.contains("reports nothing about"))
        })
        .filter_map(|f| f["key"].as_str().map(str::to_owned))
        .collect()
}

/// The fields the two views disagree on, a line each, and how many disagreements `EXPLAINED`
/// explains.
fn differences(release: &Release, name: &str, tool: &View, real: &View) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut explained = 0;
    let mut check = |field: &str, t: &Option<String>, r: &Option<String>| {
        // Value fields are compared only when containerd could dump its config.
        if r.is_none() || t == r {
            return;
        }
        if EXPLAINED
            .iter()
            .any(|(l, n, f, _)| l.contains(&release.line()) && name.ends_with(n) && *f == field)
        {
            explained += 1;
        } else {
            out.push(format!(
                "{name}: {field}: runtime-audit says {t:?}, containerd says {r:?}"
            ));
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
    (out, explained)
}

/// Compares every config with `release`, prints the counts, and fails on any unexplained
/// disagreement.
fn agree_with(release: &Release) {
    daemons::require_root_and(&["unshare"]);
    let cases = cases();
    assert!(cases.len() > 10, "too few configs found: {}", cases.len());
    let work = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let (mut checked, mut agreeing, mut explained) = (0, 0, 0);
    let (mut warnings, mut silent_explained) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let tmp = work.path().join(format!("case{i}"));
        let root = tmp.join("node");
        case.place(&root);
        let config = root.join("etc/containerd/config.toml");
        let Ok(text) = fs::read_to_string(&config) else {
            continue; // not UTF-8 or unreadable on purpose: nothing to compare
        };
        fs::write(&config, isolate(&text, &tmp)).expect("write isolated config");
        let tool = tool_view(&root, &release.version);
        let (real, log) = containerd_view(release, &config, &root, &tmp);
        let (diffs, explained_here) = differences(release, &case.name, &tool, &real);
        if let (Some(_), Some(warned)) = (&real.deprecations, &tool.deprecations) {
            warnings += warned.len();
        }
        let unreported = unreported_deprecations(&real, &tool, &log);
        if real.deprecations.is_some() {
            let reported: Vec<&String> = tool
                .said_silent
                .iter()
                .filter(|key| !unreported.contains(key))
                .collect();
            if !reported.is_empty() {
                failures.push(format!(
                    "{}: runtime-audit says containerd {} reports nothing about {reported:?}, \
                     but it lists or logs them",
                    case.name, release.version
                ));
            }
        }
        let (silent, understood): (Vec<String>, Vec<String>) =
            unreported.into_iter().partition(|key| {
                !tool.said_silent.contains(key)
                    && !SILENT_RELEASE.iter().any(|(l, n, k, _)| {
                        l.contains(&release.line()) && case.name.ends_with(n) && key.ends_with(k)
                    })
            });
        silent_explained += understood.len();
        if !silent.is_empty() {
            failures.push(format!(
                "{}: runtime-audit warns that {silent:?} is deprecated; containerd {} neither lists \
                 nor logs it",
                case.name, release.version
            ));
        }
        explained += explained_here;
        checked += 1;
        if diffs.is_empty() {
            agreeing += 1;
        } else {
            let tail: Vec<&str> = log.lines().rev().take(3).collect();
            failures.push(format!(
                "{}\n    containerd log: {}",
                diffs.join("\n"),
                tail.join(" | ")
            ));
        }
    }
    eprintln!(
        "oracle: containerd {}: {checked} configs compared, {agreeing} agree \
         (with {explained} explained differences), {} disagree",
        release.version,
        failures.len()
    );
    {
        eprintln!(
            "oracle: containerd {}: {warnings} RA107 deprecation warnings; the release reports them \
             (its deprecation list or its log, key by key) but for {silent_explained}, explained by the \
             finding or in SILENT_RELEASE",
            release.version
        );
    }
    assert!(
        failures.is_empty(),
        "runtime-audit disagrees with containerd {} on {} config(s):\n{}",
        release.version,
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn runtime_audit_agrees_with_containerd_1_6() {
    agree_with(&Release::host());
}

#[test]
fn runtime_audit_agrees_with_containerd_1_7() {
    if let Some(release) = Release::unpacked("containerd-1.7.24") {
        agree_with(&release);
    }
}

#[test]
fn runtime_audit_agrees_with_containerd_2_1() {
    if let Some(release) = Release::unpacked("containerd-2.1.9") {
        agree_with(&release);
    }
}

/// `containerd config migrate` of 2.1.9 on every version 1 and 2 config (without imports,
/// which it does not follow) gives a version 3 file; runtime-audit must read the same settings
/// from the original (converted on load) and from the migrated file.
/// `runtime-audit fix --write` on a node for `release`: the fix document.
fn fix_node(root: &Path, release: &Release) -> serde_json::Value {
    let out = bin()
        .current_dir(root)
        .args(["fix", "--write", "--format", "json", "--root", "."])
        .args(["--containerd-version", &release.version])
        .output()
        .expect("run fix");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "fix printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The value a fix of config.toml wrote last for a key ending in `suffix`, if one did.
fn written_value(doc: &serde_json::Value, suffix: &str) -> Option<String> {
    doc["files"]
        .as_array()?
        .iter()
        .filter(|f| f["path"] == "/etc/containerd/config.toml" && f["written"] == true)
        .flat_map(|f| f["fixes"].as_array().cloned().unwrap_or_default())
        .flat_map(|x| x["edits"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["op"] == "set" && e["key"].as_str().is_some_and(|k| k.ends_with(suffix)))
        .filter_map(|e| e["value"].as_str().map(|v| v.trim_matches('"').to_owned()))
        .next_back()
}

/// Every config the fix edits, given to the release after `fix --write`: the release and the
/// tool agree on the fixed file as on any other; where the audit after the fix has no error
/// left on config.toml, the release starts and loads CRI (or keeps it disabled, a warning); and a SystemdCgroup, sandbox image or
/// registry config_path the fix wrote is the one the release runs with.
fn fixed_configs_hold_on(release: &Release) {
    daemons::require_root_and(&["unshare"]);
    let work = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let (mut fixed, mut loading, mut written) = (0, 0, 0);
    for (i, case) in cases().iter().enumerate() {
        let tmp = work.path().join(format!("case{i}"));
        let root = tmp.join("node");
        case.place(&root);
        let config = root.join("etc/containerd/config.toml");
        let Ok(before) = fs::read_to_string(&config) else {
            continue;
        };
        let doc = fix_node(&root, release);
        let after = fs::read_to_string(&config).unwrap_or_default();
        if after == before {
            continue;
        }
        fixed += 1;
        fs::write(&config, isolate(&after, &tmp)).expect("write isolated config");
        let tool = tool_view(&root, &release.version);
        let (real, log) = containerd_view(release, &config, &root, &tmp);
        let (diffs, explained) = differences(release, &case.name, &tool, &real);
        let tail: Vec<&str> = log.lines().rev().take(3).collect();
        if !diffs.is_empty() {
            failures.push(format!(
                "{} (fixed)\n    containerd log: {}",
                diffs.join("\n"),
                tail.join(" | ")
            ));
        }
        let errors_left = doc["after"]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| {
                f["severity"] == "error"
                    && f["location"]["file"]
                        .as_str()
                        .is_some_and(|file| file.starts_with("/etc/containerd/"))
            });
        // An explained difference is one this machine cannot show (a file only in the node's
        // tree): the release's outcome proves nothing about the fix there.
        // Where the tool itself says containerd will not start (an import it cannot read, a
        // warning), the agreement above is the check.
        if !errors_left && explained == 0 && tool.starts == Some(true) {
            // CRI disabled on purpose (no kubelet uses this containerd) is a warning, not an
            // error; anything else must load.
            if real.starts == Some(true)
                && matches!(real.cri.as_deref(), Some("loads" | "disabled"))
            {
                loading += 1;
            } else {
                failures.push(format!(
                    "{}: fixed with no error left, yet containerd {}: starts {:?}, CRI {:?}\n    containerd log: {}",
                    case.name, release.version, real.starts, real.cri, tail.join(" | ")
                ));
            }
        }
        // What a fix wrote is what the release runs with.
        if real.cri.as_deref() == Some("loads") {
            for (suffix, runs_with) in [
                (".SystemdCgroup", &real.systemd_cgroup),
                (".sandbox_image", &real.sandbox_image),
                (".pinned_images.sandbox", &real.sandbox_image),
                (".registry.config_path", &real.config_path),
            ] {
                let Some(value) = written_value(&doc, suffix) else {
                    continue;
                };
                written += 1;
                if runs_with.as_deref() != Some(value.as_str()) {
                    failures.push(format!(
                        "{}: the fix wrote {suffix} = {value}; containerd {} runs with {runs_with:?}",
                        case.name, release.version
                    ));
                }
            }
        }
    }
    eprintln!(
        "fix oracle: containerd {}: {fixed} configs fixed; {loading} with no error left start and load CRI; \
         {written} values written (SystemdCgroup, sandbox image, config_path) are the ones containerd runs with; \
         {} failures",
        release.version,
        failures.len()
    );
    assert!(fixed > 20, "too few configs fixed: {fixed}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixed_configs_hold_on_containerd_1_6() {
    fixed_configs_hold_on(&Release::host());
}

#[test]
fn fixed_configs_hold_on_containerd_1_7() {
    if let Some(release) = Release::unpacked("containerd-1.7.24") {
        fixed_configs_hold_on(&release);
    }
}

#[test]
fn fixed_configs_hold_on_containerd_2_1() {
    if let Some(release) = Release::unpacked("containerd-2.1.9") {
        fixed_configs_hold_on(&release);
    }
}

/// `containerd config dump` of `release` on `config`, parsed, without its `version` (a dump
/// says the version it writes, not the file's) and `imports` (the file's own path); None when
/// it refuses the file.
fn dump(release: &Release, config: &Path, cwd: &Path) -> Option<toml::Table> {
    let out = release
        .command("containerd")
        .arg("--config")
        .arg(config)
        .args(["config", "dump"])
        .current_dir(cwd)
        .output()
        .expect("containerd config dump");
    if !out.status.success() {
        return None;
    }
    let mut table: toml::Table = String::from_utf8_lossy(&out.stdout).parse().ok()?;
    table.remove("version");
    // The dump lists the file itself as imported, under its own path.
    table.remove("imports");
    // Plugin names are dumped as written (`cri`, `io.containerd.grpc.v1.cri`): what they
    // designate is compared on the running daemon instead.
    table.remove("disabled_plugins");
    table.remove("required_plugins");
    Some(table)
}

/// A config `runtime-audit fix --write` rewrote: its node, with the original kept aside.
struct Rewrite {
    tmp: PathBuf,
    root: PathBuf,
    config: PathBuf,
    original: PathBuf,
}

/// Lays `case` out under `tmp` and, when `wanted` accepts its config (without imports), runs
/// `fix --write` with `fix_args`; the rewrite when the fix changed the config.
fn rewrite(
    case: &Case,
    tmp: &Path,
    wanted: impl Fn(&toml::Table) -> bool,
    fix_args: &[&str],
) -> Option<Rewrite> {
    let root = tmp.join("node");
    case.place(&root);
    let config = root.join("etc/containerd/config.toml");
    let text = fs::read_to_string(&config).ok()?;
    let doc = text.parse::<toml::Table>().ok()?;
    if doc.contains_key("imports") || !wanted(&doc) {
        return None;
    }
    let original = tmp.join("original.toml");
    fs::copy(&config, &original).expect("keep the original");
    bin()
        .current_dir(&root)
        .args(["fix", "--write", "--format", "json", "--root", "."])
        .args(fix_args)
        .output()
        .expect("run fix");
    let after = fs::read_to_string(&config).unwrap_or_default();
    (after != text).then(|| Rewrite {
        tmp: tmp.to_path_buf(),
        root,
        config,
        original,
    })
}

/// A config's `version` (1 when it has none).
fn config_version(doc: &toml::Table) -> i64 {
    doc.get("version")
        .and_then(toml::Value::as_integer)
        .unwrap_or(1)
}

/// A parsed config for a failure message.
fn shown(table: Option<toml::Table>) -> String {
    table.map_or_else(
        || "(refused)".into(),
        |t| toml::to_string(&t).unwrap_or_default(),
    )
}

/// Every version 1 config `runtime-audit fix` rewrites as version 2 (RA103) means what the
/// original meant: containerd 1.6.20 and 1.7.24, which read both versions, start both alike
/// (CRI loaded, disabled or failing alike) and dump the same effective config for both. (2.1.9's own `config migrate` is no judge here: it drops a
/// version 1 file's CRI tables, the migration gap RA103 reports.)
#[test]
fn version_2_rewrites_mean_what_their_originals_meant() {
    let releases: Vec<Release> = std::iter::once(Release::host())
        .chain(Release::unpacked("containerd-1.7.24"))
        .collect();
    let work = tempfile::tempdir().expect("tempdir");
    let (mut rewritten, mut failures) = (0, Vec::new());
    for (i, case) in cases().iter().enumerate() {
        // Qualified tables in a version 1 file are ignored by 1.x, and counting them is what
        // the rewrite is for there (RA103 `qualified-tables-ignored`).
        let version_1 = |doc: &toml::Table| {
            let qualified = doc
                .get("plugins")
                .and_then(toml::Value::as_table)
                .is_some_and(|p| p.keys().any(|k| k.contains('.')));
            config_version(doc) == 1 && !qualified
        };
        let fix_args = ["--containerd-version", "1.7.24", "--select", "RA103"];
        let Some(Rewrite {
            tmp,
            root,
            config,
            original,
        }) = rewrite(
            case,
            &work.path().join(format!("case{i}")),
            version_1,
            &fix_args,
        )
        else {
            continue;
        };
        rewritten += 1;
        for release in &releases {
            // The daemon itself: starts or not, CRI loads, is disabled or fails, alike.
            let (was, now) = (
                start_state(
                    release,
                    &original,
                    &root,
                    &tmp.join(format!("original-{}", release.version)),
                ),
                start_state(
                    release,
                    &config,
                    &root,
                    &tmp.join(format!("rewrite-{}", release.version)),
                ),
            );
            // A version 1 file can stop containerd where its version 2 rewrite does not: a
            // full plugin id in required_plugins matches nothing in version 1 (RA102).
            let started_now = was.0 == Some(false) && now.0 == Some(true);
            if was != now && !started_now {
                failures.push(format!(
                    "{}: containerd {} runs the original as {was:?} and the rewrite as {now:?}",
                    case.name, release.version
                ));
            }
            let (a, b) = (
                dump(release, &original, &root),
                dump(release, &config, &root),
            );
            if a != b {
                failures.push(format!(
                    "{}: containerd {} reads the version 2 rewrite differently:\n--- original\n{}\n--- rewrite\n{}",
                    case.name,
                    release.version,
                    shown(a),
                    shown(b),
                ));
            }
        }
    }
    eprintln!(
        "oracle: version 2 rewrites: {rewritten} version 1 configs rewritten; containerd {} dump the \
         same config for the rewrite as for the original, but for {}",
        releases
            .iter()
            .map(|r| r.version.as_str())
            .collect::<Vec<_>>()
            .join(" and "),
        failures.len()
    );
    assert!(rewritten > 5, "too few rewrites: {rewritten}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `containerd config migrate` of `release` on `config`, parsed; None when it refuses it.
fn migrate(release: &Release, config: &Path, cwd: &Path) -> Option<toml::Table> {
    let out = release
        .command("containerd")
        .arg("--config")
        .arg(config)
        .args(["config", "migrate"])
        .current_dir(cwd)
        .output()
        .expect("containerd config migrate");
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).parse().ok()
}

/// Whether `release` starts on `file` and what becomes of CRI, run on its own in `dir`.
fn start_state(
    release: &Release,
    file: &Path,
    root: &Path,
    dir: &Path,
) -> (Option<bool>, Option<String>) {
    fs::create_dir_all(dir).expect("mkdir");
    let isolated = dir.join("config.toml");
    let text = fs::read_to_string(file).unwrap_or_default();
    fs::write(&isolated, isolate(&text, dir)).expect("write");
    let (view, _) = containerd_view(release, &isolated, root, dir);
    (view.starts, view.cri)
}

/// A dumped config with only its top-level settings and CRI plugins: a version 3 rewrite moves
/// the CRI tables and leaves other plugins' tables as written, which containerd's conversion
/// drops when the plugin is gone (`io.containerd.monitor.v1.cgroups`).
fn cri_tables(table: Option<toml::Table>) -> Option<toml::Table> {
    table.map(|mut t| {
        if let Some(toml::Value::Table(plugins)) = t.get_mut("plugins") {
            plugins.retain(|id, _| {
                id.starts_with("io.containerd.cri.") || id == "io.containerd.grpc.v1.cri"
            });
        }
        t
    })
}

/// Every version 2 config `runtime-audit fix` rewrites as version 3 for containerd 2.x
/// (RA112) is what containerd makes of the original: 2.1.9 starts both alike, dumps the same
/// effective config for both, and its own `config migrate` gives the same version 3 config
/// for both.
#[test]
fn version_3_rewrites_agree_with_config_migrate() {
    let Some(release) = Release::unpacked("containerd-2.1.9") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let (mut rewritten, mut failures) = (0, Vec::new());
    for (i, case) in cases().iter().enumerate() {
        let version_2 = |doc: &toml::Table| config_version(doc) == 2;
        let fix_args = [
            "--containerd-version",
            &release.version,
            "--select",
            "RA112",
        ];
        let Some(Rewrite {
            tmp,
            root,
            config,
            original,
        }) = rewrite(
            case,
            &work.path().join(format!("case{i}")),
            version_2,
            &fix_args,
        )
        else {
            continue;
        };
        rewritten += 1;
        let (was, now) = (
            start_state(&release, &original, &root, &tmp.join("original")),
            start_state(&release, &config, &root, &tmp.join("rewrite")),
        );
        if was != now {
            failures.push(format!(
                "{}: containerd {} runs the original as {was:?} and the rewrite as {now:?}",
                case.name, release.version
            ));
        }
        let (a, b) = (
            cri_tables(dump(&release, &original, &root)),
            cri_tables(dump(&release, &config, &root)),
        );
        if a != b {
            failures.push(format!(
                "{}: containerd {} dumps the rewrite differently:\n--- original\n{}\n--- rewrite\n{}",
                case.name,
                release.version,
                shown(a),
                shown(b)
            ));
        }
        let (a, b) = (
            cri_tables(migrate(&release, &original, &root)),
            cri_tables(migrate(&release, &config, &root)),
        );
        if a != b {
            failures.push(format!(
                "{}: config migrate gives another version 3 config for the rewrite:\n--- original\n{}\n--- rewrite\n{}",
                case.name,
                shown(a),
                shown(b)
            ));
        }
    }
    eprintln!(
        "oracle: version 3 rewrites: {rewritten} version 2 configs rewritten for containerd {}; it starts, \
         dumps and migrates each as its original but for {}",
        release.version,
        failures.len()
    );
    assert!(rewritten > 20, "too few rewrites: {rewritten}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn config_migrate_of_2_1_agrees_with_the_tool() {
    let Some(release) = Release::unpacked("containerd-2.1.9") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let (mut compared, mut with_cri, mut failures) = (0, 0, Vec::new());
    for (i, case) in cases().iter().enumerate() {
        let tmp = work.path().join(format!("case{i}"));
        let root = tmp.join("node");
        case.place(&root);
        let config = root.join("etc/containerd/config.toml");
        let Ok(text) = fs::read_to_string(&config) else {
            continue;
        };
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        let version = doc
            .get("version")
            .and_then(toml::Value::as_integer)
            .unwrap_or(1);
        if version > 2 || doc.contains_key("imports") {
            continue;
        }
        let migrated = release
            .command("containerd")
            .arg("--config")
            .arg(&config)
            .args(["config", "migrate"])
            .current_dir(&root)
            .output()
            .expect("containerd config migrate");
        if !migrated.status.success() {
            continue;
        }
        // The same node with the migrated config (files it names, like a base spec, kept).
        let migrated_root = tmp.join("migrated");
        copy_tree(&root, &migrated_root);
        fs::write(
            migrated_root.join("etc/containerd/config.toml"),
            &migrated.stdout,
        )
        .expect("write the migrated config");
        let original = tool_view(&root, &release.version);
        let converted = tool_view(&migrated_root, &release.version);
        compared += 1;
        let mut differ = Vec::new();
        if original.starts != converted.starts || original.cri != converted.cri {
            differ.push(format!(
                "starts/cri {:?}/{:?} vs {:?}/{:?}",
                original.starts, original.cri, converted.starts, converted.cri
            ));
        } else if original.cri.as_deref() == Some("loads") {
            with_cri += 1;
            for (field, a, b) in [
                (
                    "systemd_cgroup",
                    &original.systemd_cgroup,
                    &converted.systemd_cgroup,
                ),
                (
                    "sandbox_image",
                    &original.sandbox_image,
                    &converted.sandbox_image,
                ),
                ("config_path", &original.config_path, &converted.config_path),
            ] {
                if a != b {
                    differ.push(format!("{field}: {a:?} vs {b:?}"));
                }
            }
        }
        if !differ.is_empty() {
            failures.push(format!(
                "{}: the original reads differently from its migration: {}",
                case.name,
                differ.join("; ")
            ));
        }
    }
    eprintln!(
        "oracle: containerd config migrate {}: {compared} version 1/2 configs migrated \
         ({with_cri} with CRI settings compared), {} read differently",
        release.version,
        failures.len()
    );
    assert!(
        compared > 10 && with_cri > 10,
        "too few configs migrated: {compared} ({with_cri} with CRI)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A classic migration mistake made on a release's own `config default`: its name and the
/// edit, given the stock text and whether the file is version 3.
type Mistake = (&'static str, fn(&str, bool) -> Option<String>);

const MISTAKES: &[Mistake] = &[
    ("systemd-cgroup-in-options", |t, _| {
        Some(t.replacen("SystemdCgroup = false", "SystemdCgroup = true", 1))
    }),
    ("systemd-cgroup-in-runtime-table", |t, _| {
        let without = t.replacen("SystemdCgroup = false\n", "\n", 1);
        let header = without
            .lines()
            .find(|l| l.trim_end().ends_with("runtimes.runc]"))?;
        Some(without.replacen(header, &format!("{header}\n  SystemdCgroup = true"), 1))
    }),
    ("plugin-level-systemd-cgroup", |t, _| {
        t.contains("systemd_cgroup = false")
            .then(|| t.replacen("systemd_cgroup = false", "systemd_cgroup = true", 1))
    }),
    ("mirrors-with-config-path", |t, v3| {
        let (empty, set, table) = if v3 {
            (
                "config_path = ''",
                "config_path = '/etc/containerd/certs.d'",
                "[plugins.'io.containerd.cri.v1.images'.registry.mirrors.'docker.io']\n  endpoint = ['http://127.0.0.1:5000']\n",
            )
        } else {
            (
                "config_path = \"\"",
                "config_path = \"/etc/containerd/certs.d\"",
                "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n  endpoint = [\"http://127.0.0.1:5000\"]\n",
            )
        };
        Some(format!("{}\n{table}", t.replacen(empty, set, 1)))
    }),
    ("default-runtime-undefined", |t, v3| {
        let (from, to) = if v3 {
            (
                "default_runtime_name = 'runc'",
                "default_runtime_name = 'nvidia'",
            )
        } else {
            (
                "default_runtime_name = \"runc\"",
                "default_runtime_name = \"nvidia\"",
            )
        };
        Some(t.replacen(from, to, 1))
    }),
    ("sandbox-key-of-the-other-version", |t, v3| {
        Some(if v3 {
            t.replacen("      sandbox = ", "      sandbox_image = ", 1)
        } else {
            t.replacen("sandbox_image = ", "sandbox = ", 1)
        })
    }),
];

/// The stock configs in tests/data, by release, and whether each is version 3.
const STOCK: &[(&str, &str, bool)] = &[
    ("1.6", "containerd-1.6.20-config-default.toml", false),
    ("1.7", "containerd-1.7.24-config-default.toml", false),
    ("2.1", "containerd-2.1.9-config-default.toml", true),
];

/// The classic mistakes on each release's own `config default`, and each release's stock file
/// on the others (a version 3 file on 1.x, a version 2 file on 2.1): runtime-audit and the
/// release agree on each, as in the oracle.
#[test]
fn classic_mistakes_on_each_stock_config() {
    daemons::require_root_and(&["unshare"]);
    let releases: Vec<Release> = std::iter::once(Release::host())
        .chain(Release::unpacked("containerd-1.7.24"))
        .chain(Release::unpacked("containerd-2.1.9"))
        .collect();
    let work = tempfile::tempdir().expect("tempdir");
    let stock_text = |file: &str| {
        fs::read_to_string(common::repo().join("tests/data").join(file)).expect("stock config")
    };
    let (mut compared, mut failures) = (0, Vec::new());
    for release in &releases {
        let mut cases: Vec<(String, String)> = Vec::new();
        for (line, file, v3) in STOCK {
            let text = stock_text(file);
            if *line == release.line() {
                for (name, edit) in MISTAKES {
                    if let Some(edited) = edit(&text, *v3) {
                        cases.push((format!("classic/{line}/{name}"), edited));
                    }
                }
            } else {
                cases.push((format!("classic/{line}-stock-on-{}", release.line()), text));
            }
        }
        for (name, text) in cases {
            compared += 1;
            let tmp = work.path().join(format!("{}-{compared}", release.version));
            let root = tmp.join("node");
            fs::create_dir_all(root.join("etc/containerd")).expect("mkdir");
            let config = root.join("etc/containerd/config.toml");
            fs::write(&config, isolate(&text, &tmp)).expect("write config");
            let tool = tool_view(&root, &release.version);
            let (real, log) = containerd_view(release, &config, &root, &tmp);
            let (diffs, _) = differences(release, &name, &tool, &real);
            if !diffs.is_empty() {
                let tail: Vec<&str> = log.lines().rev().take(2).collect();
                failures.push(format!(
                    "containerd {}: {}\n    containerd log: {}",
                    release.version,
                    diffs.join("\n"),
                    tail.join(" | ")
                ));
            }
        }
    }
    eprintln!(
        "oracle: classic mistakes: {compared} edited stock configs on {} releases, {} disagree",
        releases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

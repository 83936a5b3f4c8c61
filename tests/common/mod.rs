//! Shared by the integration tests: locating fixtures and the corpus, running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("runtime-audit"));
    // Reproducible: no colors, a fixed "today", no policy file from the working directory.
    cmd.env("NO_COLOR", "1")
        .env("RUNTIME_AUDIT_TODAY", "2026-11-27")
        .env_remove("CLICOLOR_FORCE")
        .current_dir(repo().join("tests"));
    cmd
}

/// The shared real-world corpus: `RUNTIME_AUDIT_CORPUS` or `../shared/corpus`. Absent is
/// said loudly, and is a failure under `CI=true`.
/// How many cases a property test runs: `default`, or `PROPTEST_CASES` when set, for a longer
/// soak by hand.
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub(crate) fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("RUNTIME_AUDIT_CORPUS")
        .map_or_else(|| repo().join("../shared/corpus"), PathBuf::from);
    if dir.join("MANIFEST.tsv").is_file() {
        return Some(dir);
    }
    let msg = format!(
        "CORPUS MISSING: {} has no MANIFEST.tsv; set RUNTIME_AUDIT_CORPUS to the corpus directory",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    eprintln!("\n!!!!!!!! {msg} — corpus tests SKIPPED !!!!!!!!\n");
    None
}

/// `runtime-audit inspect --format json` of the node at `root` for a containerd release.
pub(crate) fn inspect_json(root: &Path, containerd_version: &str) -> serde_json::Value {
    let out = bin()
        .args([
            "inspect",
            "--format",
            "json",
            "--containerd-version",
            containerd_version,
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
    serde_json::from_slice(&out.stdout).expect("inspect JSON")
}

/// The programs of a release unpacked by tests/support/releases.sh (`containerd-2.1.9`):
/// `RUNTIME_AUDIT_RELEASES` or `~/.cache/runtime-audit/releases`, NAME/bin once verified. Absent
/// is said loudly, and is a failure under `CI=true` (.ci/run fetches every release).
pub(crate) fn release_bin(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("RUNTIME_AUDIT_RELEASES").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home).join(".cache/runtime-audit/releases")
        },
        PathBuf::from,
    );
    let dir = root.join(name);
    if dir.join(".verified").is_file() {
        return Some(dir.join("bin"));
    }
    let msg = format!(
        "RELEASE MISSING: {name} is not in {}; run tests/support/releases.sh {name}",
        root.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    eprintln!("\n!!!!!!!! {msg} — its tests SKIPPED !!!!!!!!\n");
    None
}

/// A fixture scenario.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    pub description: String,
    #[serde(default)]
    pub args: Vec<String>,
    pub node_file: Option<String>,
    pub fail: Option<Vec<String>>,
    pub rule: Option<String>,
    pub expect: Option<String>,
    pub cases: Option<Vec<String>>,
    /// Stubbed live probe results (used by the live issue).
    pub probes: Option<toml::Value>,
}

#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub name: String,
    pub dir: PathBuf,
    pub fail: Option<Vec<String>>,
    pub rule: Option<String>,
    pub expect: Option<String>,
    pub cases: Option<Vec<String>>,
    pub file: ScenarioFile,
}

impl Scenario {
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args = self.file.args.clone();
        if let Some(node) = &self.file.node_file {
            args.push("--node-file".into());
            args.push(node.clone());
        }
        args
    }

    pub(crate) fn snapshot_name(&self) -> String {
        self.name.replace('/', "__")
    }
}

/// Every scenario under fixtures/, sorted by name.
pub(crate) fn scenarios() -> Vec<Scenario> {
    let root = repo().join("fixtures");
    let mut out = Vec::new();
    collect_scenarios(&root, &root, &mut out);
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn collect_scenarios(root: &Path, dir: &Path, out: &mut Vec<Scenario>) {
    // Cluster scenarios are objects, not node trees: cluster_scenarios() reads them.
    if dir == root.join("clusters") {
        return;
    }
    let scenario = dir.join("scenario.toml");
    if scenario.is_file() {
        let text = std::fs::read_to_string(&scenario).expect("read scenario.toml");
        let file: ScenarioFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", scenario.display()));
        out.push(Scenario {
            name: dir.strip_prefix(root).unwrap_or(dir).display().to_string(),
            dir: dir.to_path_buf(),
            fail: file.fail.clone(),
            rule: file.rule.clone(),
            expect: file.expect.clone(),
            cases: file.cases.clone(),
            file,
        });
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        collect_scenarios(root, &d, out);
    }
}

/// A cluster scenario: `fixtures/clusters/rules/RACxx/<name>/scenario.toml` beside the object
/// files it audits (or naming them with `files`, relative to the scenario).
///
/// ```toml
/// description = "what this cluster is"
/// args = ["--containerd-version", "2.1.5"]
/// files = ["../../../recorded/nodes/eks-docker-1.22.json"]   # default: the scenario's directory
/// rule = "RAC01"
/// expect = "fail"
/// cases = ["dockershim"]
/// ```
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterScenario {
    pub description: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    pub rule: String,
    pub expect: String,
    pub cases: Option<Vec<String>>,
    /// Served by the API double and listed from it, instead of read with `-f`.
    #[serde(default)]
    pub api: bool,
    /// configz bodies by node name (paths relative to the scenario), and for every other node.
    #[serde(default)]
    pub configz: std::collections::BTreeMap<String, String>,
    pub configz_default: Option<String>,
    /// `[verb, resource]` pairs the double refuses with 403.
    #[serde(default)]
    pub forbidden: Vec<[String; 2]>,
    #[serde(skip)]
    pub dir: PathBuf,
    #[serde(skip)]
    pub name: String,
}

impl ClusterScenario {
    /// `cluster -f ...` and the scenario's own arguments.
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args = vec!["cluster".to_owned()];
        if self.files.is_empty() {
            args.extend(["-f".to_owned(), ".".to_owned()]);
        }
        for f in &self.files {
            args.extend(["-f".to_owned(), f.clone()]);
        }
        args.extend(self.args.iter().cloned());
        args
    }

    pub(crate) fn snapshot_name(&self) -> String {
        format!("clusters__{}", self.name.replace('/', "__"))
    }

    /// Runs the scenario with `extra` arguments: from files, or from the API double serving
    /// them (the server's address and the kubeconfig's path are replaced by `API` and
    /// `KUBECONFIG` in the output, which is the same on every run).
    pub(crate) fn run(&self, extra: &[&str]) -> Result<String, String> {
        let mut args = if self.api {
            vec!["cluster".to_owned()]
        } else {
            self.args()
        };
        if !self.api {
            args.extend(extra.iter().map(|a| (*a).to_owned()));
            return run_in(&self.dir, &args);
        }
        let server = self.serve()?;
        let home = tempfile::tempdir().map_err(|e| e.to_string())?;
        let kubeconfig = home.path().join("kubeconfig");
        server
            .write_kubeconfig(&kubeconfig)
            .map_err(|e| e.to_string())?;
        args.extend(["--kubeconfig".to_owned(), kubeconfig.display().to_string()]);
        args.extend(self.args.iter().cloned());
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let text = run_in(&self.dir, &args)?;
        Ok(text
            .replace(&kubeconfig.display().to_string(), "KUBECONFIG")
            .replace(&server.url, "API"))
    }

    fn serve(&self) -> Result<kube_double::Server, String> {
        let mut cluster = kube_double::Cluster::new();
        let files: Vec<PathBuf> = if self.files.is_empty() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
                .map_err(|e| e.to_string())?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            found.sort();
            found
        } else {
            self.files.iter().map(|f| self.dir.join(f)).collect()
        };
        for f in &files {
            cluster.add_file(f)?;
        }
        let read = |f: &str| std::fs::read(self.dir.join(f)).map_err(|e| format!("{f}: {e}"));
        for (node, f) in &self.configz {
            cluster.set_configz(node, read(f)?);
        }
        if let Some(f) = &self.configz_default {
            cluster.set_default_configz(read(f)?);
        }
        let faults = kube_double::Faults {
            forbidden: self
                .forbidden
                .iter()
                .map(|[verb, resource]| (verb.clone(), resource.clone()))
                .collect(),
            ..kube_double::Faults::default()
        };
        Ok(kube_double::Server::start(cluster, faults))
    }
}

/// Every cluster scenario, sorted by name.
pub(crate) fn cluster_scenarios() -> Vec<ClusterScenario> {
    let root = repo().join("fixtures/clusters/rules");
    let mut out = Vec::new();
    for rule in sorted_dirs(&root) {
        for dir in sorted_dirs(&rule) {
            let path = dir.join("scenario.toml");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut s: ClusterScenario =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            s.name = dir
                .strip_prefix(&root)
                .unwrap_or(&dir)
                .display()
                .to_string();
            s.dir = dir;
            out.push(s);
        }
    }
    out
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(std::result::Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Runs `runtime-audit ARGS` in `dir`; the output when it exits 0 or 1.
pub(crate) fn run_in(dir: &Path, args: &[String]) -> Result<String, String> {
    let out = bin()
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    verdict(&out)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Checks every item, then fails once listing every item that failed, with why.
pub(crate) fn assert_all<T>(
    items: &[T],
    name: impl Fn(&T) -> &str,
    check: impl Fn(&T) -> Result<(), String>,
) {
    let failures: Vec<String> = items
        .iter()
        .filter_map(|s| check(s).err().map(|e| format!("{}: {e}", name(s))))
        .collect();
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Runs `snapshots` with the settings of the human-output snapshots: tests/snapshots/human,
/// named without the test module.
pub(crate) fn human_snapshots(snapshots: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo().join("tests/snapshots/human"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(snapshots);
}

/// Exit 0 or 1 is a verdict; anything else is a failure to run, with what stderr said.
pub(crate) fn verdict(out: &std::process::Output) -> Result<(), String> {
    match out.status.code() {
        Some(0 | 1) => Ok(()),
        code => Err(format!(
            "exit {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// Runs an audit of `root` with `--format json` and parses the report. The working directory
/// is `root` itself, so paths in the output are the same on every machine (`--root .`, a
/// `--node-file` next to scenario.toml) and a `runtime-audit.toml` there is the policy.
pub(crate) fn run_json(
    root: &Path,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<serde_json::Value, String> {
    let mut cmd = bin();
    cmd.current_dir(root)
        .arg("--root")
        .arg(".")
        .arg("--format")
        .arg("json")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    verdict(&out)?;
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs an audit with human output (no colors).
pub(crate) fn run_human(root: &Path, args: &[String]) -> Result<String, String> {
    let mut all = vec!["--root".to_owned(), ".".to_owned()];
    all.extend_from_slice(args);
    run_in(root, &all)
}

/// `SARIF_VALIDATE`, or `shared/tools/sarif-validate` next to the repository (or next to
/// one of its parent directories, for worktrees).
pub(crate) fn sarif_validator() -> PathBuf {
    if let Some(p) = std::env::var_os("SARIF_VALIDATE") {
        return PathBuf::from(p);
    }
    let repo = repo();
    repo.ancestors()
        .skip(1)
        .map(|a| a.join("shared/tools/sarif-validate"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| repo.join("../shared/tools/sarif-validate"))
}

/// The JSON report's entry for rule `id`; fails the test when the rule did not run.
pub(crate) fn rule<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("{id} did not run: {report}"))
}

/// The JSON report's findings of rule `id`.
pub(crate) fn findings<'a>(report: &'a serde_json::Value, id: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["rule"] == id).collect())
        .unwrap_or_default()
}

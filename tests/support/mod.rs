//! Helpers for the output and command-line tests: temporary node trees, running the binary
//! with an exact environment, and reports built in memory for output shapes no fixture
//! produces yet (path-only findings, related locations, inconclusive rules).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use runtime_audit::engine::{Finding, Location, Related, RuleOutcome, RuleStatus};
use runtime_audit::model::live::{
    CgroupVersion, CriApi, CriEndpoint, CriVersion, DockerEndpoint, DockerVersion, HostFacts,
    KubeletLive, LiveFacts, Probe, ProbeFailure, ProbeMode, SocketFact, SocketNamer, SocketState,
};
use runtime_audit::model::source::SourceMapBuilder;
use runtime_audit::model::{
    Component, FileId, InputKind, InputRecord, InputState, NodeIdentity, SourceFile, SourceMap,
    Span, VersionUse,
};
use runtime_audit::report::Report;
use runtime_audit::report::live::LiveSummary;
use runtime_audit::vocabulary::{Area, CaseMeta, RuleMeta, Severity};

use crate::common;

/// A temporary directory holding a node tree (and possibly a policy file).
pub(crate) struct Node {
    pub dir: tempfile::TempDir,
}

impl Node {
    /// A node whose files are `(host path, contents)`.
    pub(crate) fn new(files: &[(&str, &str)]) -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        Node { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// Runs the binary in `cwd` with reproducible settings (see `common::bin`).
pub(crate) fn run(cwd: &Path, args: &[&str]) -> Output {
    run_env(cwd, args, &[])
}

pub(crate) fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = common::bin();
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run runtime-audit")
}

pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A policy file whose only exception expired before `RUNTIME_AUDIT_TODAY` (2026-11-27),
/// so RA004 reports one finding; `extra` is appended (e.g. a `[severity]` table).
pub(crate) fn expired_policy(extra: &str) -> String {
    format!(
        "[[exceptions]]\nrule = \"RA003\"\nreason = \"vendor config, fixed in OPS-1\"\nexpires = 2026-01-31\n{extra}"
    )
}

// ---- reports built in memory ------------------------------------------------------------

const CASE_A: CaseMeta = CaseMeta {
    id: "mismatch",
    severity: Severity::Error,
};
const CASE_B: CaseMeta = CaseMeta {
    id: "advice",
    severity: Severity::Note,
};

pub(crate) static SYNTHETIC_RULE: RuleMeta = RuleMeta {
    id: "RA998",
    name: "synthetic-shapes",
    area: Area::Cgroup,
    summary: "Exercises every location shape the outputs must render",
    cases: &[CASE_A, CASE_B],
    inputs: &[InputKind::KubeletConfig, InputKind::ContainerdConfig],
    doc: "# RA998 synthetic-shapes\n\n## What it checks\n\nNothing real: it carries every location shape.\n\n## Why it matters for the migration\n\nIt does not.\n\n## Example\n\n```toml\n# a comment line\nx = 1\n```\n\n## Remediation\n\nNone.\n\n## References\n\n- none\n",
};

pub(crate) static INCONCLUSIVE_RULE: RuleMeta = RuleMeta {
    id: "RA997",
    name: "synthetic-inconclusive",
    area: Area::Kubelet,
    summary: "Could not decide",
    cases: &[CASE_B],
    inputs: &[InputKind::KubeletConfig],
    doc: "# RA997 synthetic-inconclusive\n\n## What it checks\n\nNothing.\n",
};

const KUBELET: &str = "kind: KubeletConfiguration\ncgroupDriver: cgroupfs\n";
const CONTAINERD: &str = "version = 2\r\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\r\n\tSystemdCgroup = true\r\n# ünïcödé 漢字\r\nlast = [";
const ODD_PATH: &str = "/etc/containerd/certs.d/r.example:5000/hosts #1.toml";
const ODD: &str = "server = \"https://r.example:5000\"\n";

fn sources() -> Arc<SourceMap> {
    let b = SourceMapBuilder::default();
    b.add(SourceFile::new(
        "/var/lib/kubelet/config.yaml".into(),
        InputKind::KubeletConfig,
        KUBELET,
        &[],
    ));
    b.add(SourceFile::new(
        "/etc/containerd/config.toml".into(),
        InputKind::ContainerdConfig,
        CONTAINERD,
        &[],
    ));
    b.add(SourceFile::new(
        ODD_PATH.into(),
        InputKind::HostsToml,
        ODD,
        &[],
    ));
    b.add(SourceFile::new(
        "runtime-audit.toml".into(),
        InputKind::Policy,
        "",
        &[],
    ));
    Arc::new(b.finish())
}

fn span(map: &SourceMap, file: u32, needle: &str) -> Span {
    let text = map.get(FileId(file)).text();
    let start = text.find(needle).expect("needle");
    Span::new(FileId(file), start..start + needle.len())
}

fn finding(case: &'static CaseMeta, location: Location, message: &str) -> Finding {
    Finding {
        rule: &SYNTHETIC_RULE,
        case,
        severity: case.severity,
        message: message.into(),
        impact: "pods fail to start with `failed to create containerd task`".into(),
        fix: "Set `cgroupDriver: systemd` in /var/lib/kubelet/config.yaml.".into(),
        location,
        label: Some("the kubelet's driver".into()),
        key: Some("cgroupDriver".into()),
        actual: Some("cgroupfs".into()),
        expected: Some("systemd".into()),
        related: Vec::new(),
        versions: Vec::new(),
        affected: None,
    }
}

/// A report with every shape: spans with related locations in the same and another file,
/// a multi-line span over CRLF lines, a zero-length span at the end of a file without a
/// final newline, an empty file, a path-only finding, a path needing percent-encoding, a
/// relative path, a severity changed by policy, version facts, and an inconclusive rule.
pub(crate) fn synthetic_report() -> Report {
    let map = sources();
    let findings = synthetic_findings(&map);
    Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        node: NodeIdentity {
            name: "node-a".into(),
            source: "node-object",
        },
        root: "/host".into(),
        sources: map,
        inputs: vec![
            InputRecord {
                kind: InputKind::KubeletConfig,
                path: "/var/lib/kubelet/config.yaml".into(),
                state: InputState::Read,
                detail: None,
            },
            InputRecord {
                kind: InputKind::CrictlConfig,
                path: "/etc/crictl.yaml".into(),
                state: InputState::Unreadable,
                detail: Some("permission denied".into()),
            },
        ],
        versions: vec![kubelet_1_29()],
        findings,
        outcomes: vec![
            RuleOutcome {
                rule: &INCONCLUSIVE_RULE,
                status: RuleStatus::Inconclusive,
                reason: Some(
                    "kubelet config /var/lib/kubelet/config.yaml could not be read".into(),
                ),
                suppressed: 0,
            },
            RuleOutcome {
                rule: &SYNTHETIC_RULE,
                status: RuleStatus::Fail,
                reason: Some("assumed cgroup v2".into()),
                suppressed: 1,
            },
        ],
        fail_on: Some(Severity::Warning),
        policy_file: Some("runtime-audit.toml".into()),
        live: LiveSummary::new(&synthetic_live()),
    }
}

/// The kubelet version the synthetic report was evaluated for.
fn kubelet_1_29() -> VersionUse {
    VersionUse {
        component: Component::Kubelet,
        version: "1.29".into(),
        origin: "from --kubernetes-version".into(),
        assumed: false,
    }
}

/// The findings of the synthetic report, in report order (by file, then position).
fn synthetic_findings(map: &SourceMap) -> Vec<Finding> {
    let mut overridden = finding(
        &CASE_B,
        Location::Span(span(map, 2, "https://r.example:5000")),
        "a path that needs percent-encoding",
    );
    overridden.severity = Severity::Warning;
    let mut path_only = finding(
        &CASE_A,
        Location::Path("/run/containerd/containerd.sock".into()),
        "the socket is a directory",
    );
    path_only.label = None;
    let empty_file = finding(
        &CASE_B,
        Location::Span(Span::new(FileId(3), 0..0)),
        "the policy file is empty",
    );
    let mut findings = vec![
        related_finding(map),
        multi_line_finding(map),
        end_of_file_finding(map),
        overridden,
        path_only,
        empty_file,
    ];
    findings.sort_by_key(|f| match &f.location {
        Location::Span(s) => (map.get(s.file).host_path.clone(), s.start),
        Location::Path(p) => (p.clone(), 0),
        Location::Object(o) => (o.shown.clone(), 0),
    });
    findings
}

/// A finding with related locations in the same file, another file and a path, and versions.
fn related_finding(map: &SourceMap) -> Finding {
    let mut main = finding(
        &CASE_A,
        Location::Span(span(map, 0, "cgroupfs")),
        "the kubelet uses cgroupfs but containerd's runc uses systemd",
    );
    main.related = vec![
        Related {
            location: Location::Span(span(map, 0, "KubeletConfiguration")),
            label: "this file".into(),
        },
        Related {
            location: Location::Span(span(map, 1, "SystemdCgroup = true")),
            label: "containerd's runc runtime".into(),
        },
        Related {
            location: Location::Path("/etc/default/kubelet".into()),
            label: "not present".into(),
        },
    ];
    main.versions = vec![kubelet_1_29()];
    main
}

/// A finding whose span covers a table over several (CRLF) lines.
fn multi_line_finding(map: &SourceMap) -> Finding {
    let text = map.get(FileId(1)).text();
    let start = text.find("[plugins").expect("table");
    let end = text.find("true").expect("true") + 4;
    let mut f = finding(
        &CASE_B,
        Location::Span(Span::new(FileId(1), start..end)),
        "a multi-line table",
    );
    f.key = Some("plugins.cri.runc".into());
    f
}

/// A zero-length finding at the end of a file without a final newline, with no label,
/// values or key.
fn end_of_file_finding(map: &SourceMap) -> Finding {
    let len = map.get(FileId(1)).text().len();
    let mut f = finding(
        &CASE_A,
        Location::Span(Span::new(FileId(1), len..len)),
        "unclosed array at the end of the file",
    );
    f.label = None;
    f.actual = None;
    f.expected = None;
    f.key = None;
    f
}

/// Recorded live facts with every probe outcome: a socket and a missing one, a CRI endpoint
/// whose probes answered, failed and were skipped, and a Docker engine that answered.
pub(crate) fn synthetic_live() -> LiveFacts {
    LiveFacts {
        mode: ProbeMode::Recorded {
            path: "live-facts.json".into(),
        },
        sockets: vec![
            SocketFact {
                path: "/run/containerd/containerd.sock".into(),
                named_by: vec![SocketNamer::KubeletRuntimeEndpoint],
                state: SocketState::Socket {
                    mode: 0o660,
                    uid: 0,
                    gid: 0,
                },
            },
            SocketFact {
                path: "/var/run/dockershim.sock".into(),
                named_by: vec![SocketNamer::WellKnownPath],
                state: SocketState::Missing,
            },
        ],
        cri: vec![CriEndpoint {
            endpoint: "unix:///run/containerd/containerd.sock".into(),
            socket: "/run/containerd/containerd.sock".into(),
            api: Probe::Ok { value: CriApi::V1 },
            version: Probe::Ok {
                value: CriVersion {
                    runtime_name: "containerd".into(),
                    runtime_version: "1.7.13".into(),
                    runtime_api_version: "v1".into(),
                },
            },
            status: Probe::failed(ProbeFailure::Timeout, "no answer within 2s"),
            images: Probe::skipped("the Status call timed out"),
        }],
        docker: Some(DockerEndpoint {
            socket: "/var/run/docker.sock".into(),
            version: Probe::Ok {
                value: DockerVersion {
                    version: "20.10.24".into(),
                    api_version: "1.41".into(),
                },
            },
            info: Probe::failed(ProbeFailure::Protocol, "the reply was not JSON"),
            images: Probe::Ok { value: Vec::new() },
            containers: Probe::Ok { value: Vec::new() },
        }),
        host: HostFacts {
            cgroup: Probe::Ok {
                value: CgroupVersion::V2,
            },
        },
        kubelet: KubeletLive {
            node: Some("worker-1".into()),
            source: Some("https://10.0.0.1:6443/api/v1/nodes/worker-1/proxy/configz".into()),
            configz: Probe::failed(
                ProbeFailure::PermissionDenied,
                "403 Forbidden: the account may not get nodes/proxy",
            ),
            api_failure: Some("forbidden".into()),
        },
        node_object: None,
    }
}

/// The binary with the reproducible settings of `common::bin`, run in `cwd`, for tests that
/// need to change the environment further (colors).
pub(crate) fn command(cwd: &Path) -> std::process::Command {
    let mut cmd = common::bin();
    cmd.current_dir(cwd);
    cmd
}

//! Frames on awkward inputs: multi-line spans, long lines, tabs, CRLF, UTF-8, a span at the
//! end of a file without a final newline, an empty file, path-only and cross-file findings.

use std::sync::Arc;

use crate::engine::{Finding, Location, Related, RuleOutcome, RuleStatus};
use crate::model::source::SourceMapBuilder;
use crate::model::{FileId, InputKind, NodeIdentity, SourceFile, SourceMap, Span};
use crate::report::Report;
use crate::vocabulary::{Area, CaseMeta, RuleMeta, Severity};

static META: RuleMeta = RuleMeta {
    id: "RA999",
    name: "demo-rule",
    area: Area::Containerd,
    summary: "A demonstration rule",
    cases: &[CaseMeta {
        id: "demo",
        severity: Severity::Warning,
    }],
    inputs: &[InputKind::ContainerdConfig],
    doc: "# RA999 demo-rule\n",
};

fn sources(files: &[(&str, &str)]) -> Arc<SourceMap> {
    let b = SourceMapBuilder::default();
    for (path, text) in files {
        b.add(SourceFile::new(
            (*path).to_owned(),
            InputKind::ContainerdConfig,
            text,
            &[],
        ));
    }
    Arc::new(b.finish())
}

/// The span of the first occurrence of `needle` in file `file`.
fn span_of(map: &SourceMap, file: u32, needle: &str) -> Span {
    let text = map.get(FileId(file)).text();
    let start = text.find(needle).expect("needle in text");
    Span::new(FileId(file), start..start + needle.len())
}

fn finding(location: Location) -> Finding {
    Finding {
        rule: &META,
        case: &META.cases[0],
        severity: Severity::Warning,
        message: "something is wrong".into(),
        impact: "containerd ignores it.".into(),
        fix: "Change it.".into(),
        location,
        label: Some("here".into()),
        key: Some("k".into()),
        actual: None,
        expected: None,
        related: Vec::new(),
        versions: Vec::new(),
        affected: None,
    }
}

fn report(sources: Arc<SourceMap>, findings: Vec<Finding>) -> Report {
    Report {
        tool_version: "0.0.0",
        node: NodeIdentity {
            name: "node-a".into(),
            source: "flag",
        },
        root: "/".into(),
        sources,
        inputs: Vec::new(),
        versions: Vec::new(),
        outcomes: vec![RuleOutcome {
            rule: &META,
            status: if findings.is_empty() {
                RuleStatus::Pass
            } else {
                RuleStatus::Fail
            },
            reason: None,
            suppressed: 0,
        }],
        findings,
        fail_on: Some(Severity::Error),
        policy_file: None,
        live: crate::report::live::LiveSummary::new(&crate::model::live::LiveFacts::default()),
    }
}

fn plain(r: &Report) -> String {
    anstream::adapter::strip_str(&super::render(r)).to_string()
}

/// The frame of the single finding (everything before the summary).
fn frame_of(r: &Report) -> String {
    let text = plain(r);
    let end = text.find("0 errors").unwrap_or(text.len());
    text[..end].to_owned()
}

#[test]
fn multi_line_span() {
    let map = sources(&[(
        "/etc/containerd/config.toml",
        "version = 2\n[plugins]\n  a = [\n    \"x\",\n    \"y\",\n  ]\nb = 1\n",
    )]);
    let span = span_of(&map, 0, "[\n    \"x\",\n    \"y\",\n  ]");
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("--> /etc/containerd/config.toml:3:7"));
}

#[test]
fn long_line_is_cut_around_the_span() {
    let long = format!("key = \"{}TARGET{}\"\n", "a".repeat(300), "b".repeat(300));
    let map = sources(&[("/etc/long.toml", &long)]);
    let span = span_of(&map, 0, "TARGET");
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("TARGET"));
    assert!(out.lines().all(|l| l.chars().count() <= 160), "{out}");
}

#[test]
fn tabs_keep_the_caret_under_the_key() {
    let map = sources(&[("/etc/tabs.toml", "[a]\n\t\tSystemdCgroup = true\n")]);
    let span = span_of(&map, 0, "SystemdCgroup");
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    let line = out.lines().find(|l| l.contains("SystemdCgroup =")).unwrap();
    let carets = out.lines().find(|l| l.contains("^^^")).unwrap();
    assert_eq!(line.find('S'), carets.find('^'), "{out}");
}

#[test]
fn crlf_lines_show_no_carriage_returns() {
    let map = sources(&[("/etc/crlf.toml", "a = 1\r\nb = 2\r\nc = 3\r\n")]);
    let span = span_of(&map, 0, "b = 2");
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(!out.contains('\r') && !out.contains('␍'), "{out:?}");
    assert!(out.contains("--> /etc/crlf.toml:2:1"));
}

#[test]
fn utf8_columns_count_characters() {
    let map = sources(&[("/etc/utf8.toml", "# é ü 漢字\nname = \"ünï\" # 漢\nx = 1\n")]);
    let span = span_of(&map, 0, "\"ünï\"");
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("--> /etc/utf8.toml:2:8"));
}

#[test]
fn span_at_end_of_file_without_newline() {
    let map = sources(&[("/etc/eof.toml", "a = 1\nb = [")]);
    let text_len = map.get(FileId(0)).text().len();
    let span = Span::new(FileId(0), text_len..text_len);
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("--> /etc/eof.toml:2:6"));
}

#[test]
fn empty_file() {
    let map = sources(&[("/etc/empty.toml", "")]);
    let span = Span::new(FileId(0), 0..0);
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("--> /etc/empty.toml:1:1"));
}

#[test]
fn span_covering_its_line_break_stays_on_its_line() {
    let map = sources(&[("/etc/line.toml", "a = 1\nb = 2\nc = 3\n")]);
    let span = span_of(&map, 0, "b = 2\n");
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(!out.contains("4 |"), "{out}");
}

#[test]
fn path_only_finding_has_no_empty_frame() {
    let map = sources(&[]);
    let mut f = finding(Location::Path("/run/containerd/containerd.sock".into()));
    f.actual = Some("a directory".into());
    f.expected = Some("a socket".into());
    let r = report(map, vec![f]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("--> /run/containerd/containerd.sock"));
    assert!(!out.contains(" | "), "no source lines expected:\n{out}");
}

#[test]
fn related_locations_in_the_same_and_other_files() {
    let map = sources(&[
        (
            "/var/lib/kubelet/config.yaml",
            "kind: KubeletConfiguration\ncgroupDriver: cgroupfs\n",
        ),
        (
            "/etc/containerd/config.toml",
            "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n",
        ),
    ]);
    let primary = span_of(&map, 0, "cgroupfs");
    let same = span_of(&map, 0, "KubeletConfiguration");
    let other = span_of(&map, 1, "SystemdCgroup = true");
    let mut f = finding(Location::Span(primary));
    f.related = vec![
        Related {
            location: Location::Span(same),
            label: "in this kubelet config".into(),
        },
        Related {
            location: Location::Span(other),
            label: "containerd uses systemd".into(),
        },
        Related {
            location: Location::Path("/etc/default/kubelet".into()),
            label: "not present".into(),
        },
    ];
    f.actual = Some("cgroupfs".into());
    f.expected = Some("systemd".into());
    let r = report(map.clone(), vec![f]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("/etc/containerd/config.toml:3:3"), "{out}");
    assert!(out.contains("containerd uses systemd"));
    assert!(out.contains("/etc/default/kubelet: not present"));
}

#[test]
fn control_characters_do_not_reach_the_terminal() {
    let map = sources(&[("/etc/esc\u{1b}[31m.toml", "a = \"\u{1b}]0;pwned\u{7}\"\n")]);
    let span = span_of(&map, 0, "\"\u{1b}]0;pwned\u{7}\"");
    let mut f = finding(Location::Span(span));
    f.actual = Some("\u{1b}[2J".into());
    let r = report(map.clone(), vec![f]);
    // Our own styles are escape sequences too: look for the injected ones.
    let raw = super::render(&r);
    for injected in ["esc\u{1b}", "\u{1b}]0;", "\u{1b}[2J", "\u{7}"] {
        assert!(
            !raw.contains(injected),
            "{injected:?} reached the output: {raw:?}"
        );
    }
}

#[test]
fn summary_lists_inconclusive_rules_and_exit_reason() {
    let mut r = report(sources(&[]), Vec::new());
    r.outcomes[0].status = RuleStatus::Inconclusive;
    r.outcomes[0].reason = Some("kubelet config could not be read".into());
    r.policy_file = Some("runtime-audit.toml".into());
    let out = plain(&r);
    insta::assert_snapshot!(out);
    assert!(out.contains("RA999 demo-rule: kubelet config could not be read"));
    assert!(out.contains("exit 0: no finding at or above --fail-on error"));
}

#[test]
fn long_multi_line_span_is_folded() {
    let body: String = (0..30).map(|i| format!("    \"item{i}\",\n")).collect();
    let text = format!("version = 2\nlist = [\n{body}]\nafter = 1\n");
    let map = sources(&[("/etc/fold.toml", &text)]);
    let start = text.find('[').unwrap();
    let end = text.rfind(']').unwrap() + 1;
    let span = Span::new(FileId(0), start..end);
    let r = report(map.clone(), vec![finding(Location::Span(span))]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(out.lines().count() < 20, "{out}");
    assert!(out.contains("...") || out.contains("…"), "{out}");
}

#[test]
fn multi_line_fix_keeps_its_lines() {
    let map = sources(&[("/etc/fix.toml", "a = 1\n")]);
    let mut f = finding(Location::Span(span_of(&map, 0, "a = 1")));
    f.fix = "Set in /etc/containerd/config.toml:\n  [plugins.x]\n    SystemdCgroup = true".into();
    let r = report(map.clone(), vec![f]);
    let out = frame_of(&r);
    insta::assert_snapshot!(out);
    assert!(!out.contains("\\u{a}"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim_end().ends_with("SystemdCgroup = true")),
        "{out}"
    );
}

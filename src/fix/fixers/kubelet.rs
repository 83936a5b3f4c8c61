//! Fixes on the kubelet's command line (kubeadm-flags.env, /etc/default/kubelet, drop-ins).

use crate::engine::Location;
use crate::model::source::Span;
use crate::model::{Input, Origin};
use crate::rules::containerd_socket::containerd_endpoint;
use crate::rules::kubelet::settings::command_line_location;

use super::{Of, Op, Proposal};

/// The CNI flags whose value containerd must be given when it is not containerd's default.
const CNI_DEFAULTS: &[(&str, &str)] = &[
    ("cni-bin-dir", "/opt/cni/bin"),
    ("cni-conf-dir", "/etc/cni/net.d"),
];

/// RA501: a flag the kubelet removed with dockershim taken off its command line.
pub(super) fn removed_flag(of: &Of<'_>) -> Option<Proposal> {
    if of.case() != "removed" {
        return None;
    }
    let span = of.span()?;
    let kubelet = of.snap.kubelet.present()?;
    let flag = kubelet.flags.iter().find(|f| f.span == span)?;
    let value = flag.value.as_deref().unwrap_or("").trim_matches('"');
    if let Some((_, default)) = CNI_DEFAULTS.iter().find(|(n, _)| *n == flag.name)
        && value != *default
    {
        return of.manual(format!(
            "--{} points at {value}, not containerd's default {default}: give containerd that directory (its CNI settings) before dropping the flag",
            flag.name
        ));
    }
    drop_flag(of, &flag.name, span)
}

/// RA502 `removed`: `--container-runtime`, which kubelet 1.27 removed, taken off its command
/// line; its other cases move the kubelet to containerd.
pub(super) fn container_runtime_flag(of: &Of<'_>) -> Option<Proposal> {
    if of.case() != "removed" {
        return to_containerd(of);
    }
    let span = of.span()?;
    let kubelet = of.snap.kubelet.present()?;
    let flag = kubelet.flags.iter().find(|f| f.span == span)?;
    drop_flag(of, &flag.name, span)
}

/// The fix that takes the flag written at `span` off the kubelet's command line.
fn drop_flag(of: &Of<'_>, name: &str, span: Span) -> Option<Proposal> {
    of.fix(
        of.path_of(span.file),
        format!("drop --{name} from the kubelet's command line"),
        vec![drop_word(of, span)],
    )
}

/// The op that removes the word(s) written at `span` (a flag and its value).
pub(super) fn drop_word(of: &Of<'_>, span: Span) -> Op {
    Op::RemoveWord {
        range: span.range(),
        word: of.text(span).to_owned(),
    }
}

/// RA503 `docker-socket`, RA504, RA506 `mismatch`: the kubelet's endpoint, where a flag or
/// config.yaml writes it, set to the socket containerd serves.
pub(super) fn endpoint(of: &Of<'_>) -> Option<Proposal> {
    if (of.finding.rule.id, of.case()) == ("RA503", "unset-dockershim") {
        return to_containerd(of);
    }
    if !matches!(
        (of.finding.rule.id, of.case()),
        ("RA503", "docker-socket") | ("RA504", "no-scheme") | ("RA506", "mismatch")
    ) {
        return None;
    }
    let span = of.span()?;
    let written = of.text(span).to_owned();
    let (socket, origin) = containerd_endpoint(of.snap);
    let key = of.finding.key.as_deref().unwrap_or("the endpoint");
    of.fix(
        of.file()?,
        format!("{key}: {socket} ({origin})"),
        vec![Op::ReplaceWord {
            range: span.range(),
            word: written,
            with: socket,
        }],
    )
}

/// RA502 `dockershim-in-use` / `not-remote`, RA503 `unset-dockershim`: a kubelet before 1.27
/// moved from dockershim to containerd on its command line: `--container-runtime=remote`
/// (its `docker` value replaced, or the flag added before 1.24, where dockershim is the
/// default), and `--container-runtime-endpoint` set to containerd's socket when no endpoint is
/// set.
pub(super) fn to_containerd(of: &Of<'_>) -> Option<Proposal> {
    let kubelet = of.snap.kubelet.present()?;
    let version = of.snap.versions.kubelet.as_ref()?;
    if version.container_runtime_flag_removed() {
        return None;
    }
    let Location::Span(line) = command_line_location(kubelet) else {
        return of.manual("the kubelet's command line is not in a file runtime-audit read");
    };
    // Inside the closing quote of `KUBELET_KUBEADM_ARGS="…"`, else at the end of the line.
    let written = of.text(line);
    let at = if written.ends_with(['"', '\'']) {
        line.range().end - 1
    } else {
        line.range().end
    };
    let mut ops = Vec::new();
    match kubelet.flag("container-runtime") {
        Some(flag) if flag.value.as_deref() == Some("remote") => {}
        Some(flag) => {
            let Some(value) = flag.value_span else {
                return of.manual("--container-runtime has no value to replace");
            };
            ops.push(Op::ReplaceWord {
                range: value.range(),
                word: of.text(value).to_owned(),
                with: "remote".into(),
            });
        }
        None if version.has_dockershim() => ops.push(Op::InsertWord {
            at,
            word: "--container-runtime=remote".into(),
        }),
        None => {}
    }
    let (socket, origin) = containerd_endpoint(of.snap);
    if kubelet.effective.runtime_endpoint.is_unset() {
        ops.push(Op::InsertWord {
            at,
            word: format!("--container-runtime-endpoint={socket}"),
        });
    }
    if ops.is_empty() {
        return None;
    }
    of.fix(
        of.path_of(line.file),
        format!(
            "the kubelet talks CRI to containerd: --container-runtime=remote, endpoint {socket} ({origin}); drain the node before it restarts"
        ),
        ops,
    )
}

/// RA201 with containerd on systemd: the kubelet's driver set to systemd, where the flag or
/// config.yaml writes it, or as `cgroupDriver` added to a config.yaml that leaves it to the
/// default (cgroupfs). The node must be drained first: the kubelet cannot move running pods'
/// cgroups from one driver to the other.
pub(super) fn cgroup_driver_to_systemd(of: &Of<'_>) -> Option<Proposal> {
    let kubelet = of.snap.kubelet.present()?;
    let driver = kubelet.effective.cgroup_driver.known()?;
    let summary = "the kubelet's cgroup driver: systemd, as containerd's default runtime uses; drain the node before the kubelet restarts";
    match driver.origin {
        Origin::Set(span) => {
            let written = of.text(span).to_owned();
            if written.trim_matches(['"', '\'']) != driver.value {
                return of.manual("the driver's value is not written as one word");
            }
            of.fix(
                of.path_of(span.file),
                summary,
                vec![Op::ReplaceWord {
                    range: span.range(),
                    word: written,
                    with: "systemd".into(),
                }],
            )
        }
        Origin::Default { .. } => {
            let Input::Present(config) = &kubelet.config else {
                return of.manual(
                    "the kubelet reads no config.yaml: add cgroupDriver: systemd to its KubeletConfiguration",
                );
            };
            let text = of.snap.sources.get(config.document.file).text();
            if !plain_single_document(text) {
                return of.manual(format!(
                    "{} is not a plain single YAML document: add `cgroupDriver: systemd` by hand",
                    config.path
                ));
            }
            of.fix(
                of.path_of(config.document.file),
                summary,
                vec![Op::YamlSet {
                    key: "cgroupDriver".into(),
                    value: "systemd".into(),
                }],
            )
        }
    }
}

/// A block-style mapping in one document: a key appended at the end lands in it.
fn plain_single_document(text: &str) -> bool {
    let mut content = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let first = content.next().unwrap_or("---");
    let first_is_marker = first == "---";
    let starts_mapping =
        first_is_marker || first.contains(':') && !first.starts_with(['{', ' ', '-']);
    starts_mapping && content.all(|l| !l.starts_with("---") && !l.starts_with("..."))
}

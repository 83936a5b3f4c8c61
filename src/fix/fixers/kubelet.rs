//! Fixes on the kubelet's command line (kubeadm-flags.env, /etc/default/kubelet, drop-ins).

use crate::rules::containerd_socket::containerd_endpoint;

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
    of.fix(
        of.file()?,
        format!("drop --{} from the kubelet's command line", flag.name),
        vec![Op::RemoveWord {
            range: span.range(),
            word: of.text(span).to_owned(),
        }],
    )
}

/// RA502 `removed`: `--container-runtime`, which kubelet 1.27 removed, taken off its command
/// line.
pub(super) fn container_runtime_flag(of: &Of<'_>) -> Option<Proposal> {
    if of.case() != "removed" {
        return None;
    }
    let span = of.span()?;
    let kubelet = of.snap.kubelet.present()?;
    let flag = kubelet.flags.iter().find(|f| f.span == span)?;
    of.fix(
        of.file()?,
        format!("drop --{} from the kubelet's command line", flag.name),
        vec![Op::RemoveWord {
            range: span.range(),
            word: of.text(span).to_owned(),
        }],
    )
}

/// RA503 `docker-socket`, RA504, RA506 `mismatch`: the kubelet's endpoint, where a flag or
/// config.yaml writes it, set to the socket containerd serves.
pub(super) fn endpoint(of: &Of<'_>) -> Option<Proposal> {
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

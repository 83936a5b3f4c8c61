//! Fixes on the kubelet's command line (kubeadm-flags.env, /etc/default/kubelet, drop-ins).

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

//! RA205 cgroup-v1-host.

use crate::engine::{Emitter, Location};
use crate::model::kubelet::KubeletSettings;
use crate::model::live::{CgroupVersion, Probe};
use crate::model::{Component, NodeSnapshot, Span};

declare_rule! {
    id: "RA205",
    name: "cgroup-v1-host",
    area: Cgroup,
    summary: "The host runs cgroup v1: kubelet 1.35 and later refuse to start on it unless failCgroupV1 is false",
    inputs: [HostFacts, KubeletFlags, KubeletConfig],
    cases: [
        /// kubelet 1.35 and later refuse to start on cgroup v1 unless `failCgroupV1: false`.
        KubeletRefuses("kubelet-refuses", Error),
        /// cgroup v1 still works here, but is in maintenance and on its way out.
        Deprecated("deprecated", Warning),
    ],
}

const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// The kubelet's `failCgroupV1`: `--fail-cgroupv1` wins over the config file.
struct FailCgroupV1 {
    value: bool,
    /// Where it is set (None: the kubelet's default for its version).
    at: Option<Span>,
    how: String,
}

fn fail_cgroup_v1(k: &KubeletSettings) -> Option<FailCgroupV1> {
    if let Some(f) = k.flag("fail-cgroupv1") {
        // A bare boolean flag means true.
        let value = f
            .value
            .as_deref()
            .is_none_or(|v| !matches!(v.trim(), "false" | "0" | "f" | "F" | "FALSE" | "False"));
        return Some(FailCgroupV1 {
            value,
            at: Some(f.span),
            how: format!("--fail-cgroupv1={value} on the kubelet command line"),
        });
    }
    let cfg = k.config.present()?;
    let v = cfg.fail_cgroup_v1.as_ref()?;
    Some(FailCgroupV1 {
        value: v.value,
        at: Some(v.span),
        how: format!("failCgroupV1: {} in {}", v.value, cfg.path),
    })
}

#[expect(clippy::too_many_lines, reason = "to be split")]
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let cgroup = match &snap.live.host.cgroup {
        Probe::Ok { value } => *value,
        Probe::Failed { reason, .. } => {
            out.inconclusive(format!(
                "the host's cgroup version could not be read: {reason}"
            ));
            return;
        }
        Probe::Skipped { reason } => {
            out.not_applicable(format!("the host's cgroup version is unknown: {reason}"));
            return;
        }
    };
    let hierarchy = match cgroup {
        CgroupVersion::V2 => return,
        CgroupVersion::V1 => "cgroup v1",
        CgroupVersion::Hybrid => {
            "cgroup v1 with the v2 hierarchy only at /sys/fs/cgroup/unified (hybrid), which the kubelet treats as v1"
        }
    };
    let kubelet = snap.kubelet.present();
    let setting = kubelet.and_then(fail_cgroup_v1);
    let version = snap.versions.kubelet.as_ref();
    // kubelet >= 1.35 defaults failCgroupV1 to true; an explicit true refuses on any version
    // that knows the option.
    let refuses = match (&setting, version) {
        (Some(s), _) => s.value,
        (None, Some(v)) => v.refuses_cgroup_v1(),
        (None, None) => false,
    };
    if setting.is_none() && version.is_none() {
        out.assume("the kubelet version is unknown: from 1.35 the kubelet refuses to start on cgroup v1 unless failCgroupV1 is false");
    }
    let config_path = kubelet
        .and_then(|k| k.config.present())
        .map(|c| c.path.clone());
    // Where the fix goes: the setting when written; for the kubelet that refuses, its config
    // file (at `kind:`, where failCgroupV1 belongs); otherwise the host fact itself.
    let at = match (&setting, kubelet.and_then(|k| k.config.present())) {
        (Some(FailCgroupV1 { at: Some(span), .. }), _) => Location::Span(*span),
        (_, Some(cfg)) if refuses => Location::Span(
            cfg.kind
                .as_ref()
                .or(cfg.api_version.as_ref())
                .map_or(cfg.document, |k| k.span),
        ),
        _ => Location::Path(CGROUP_ROOT.into()),
    };
    let at_cgroup_root = matches!(&at, Location::Path(_));
    let kubelet_words = match version {
        Some(v) => v.to_string(),
        None => "the kubelet (version unknown)".to_owned(),
    };
    let setting_words = setting.as_ref().map_or_else(
        || match version {
            Some(v) if v.refuses_cgroup_v1() => {
                "failCgroupV1 is not set, and defaults to true from 1.35".to_owned()
            }
            _ => "failCgroupV1 is not set".to_owned(),
        },
        |s| s.how.clone(),
    );
    let where_to = config_path
        .as_deref()
        .unwrap_or("/var/lib/kubelet/config.yaml");
    let mut b = if refuses {
        out.finding(
            Case::KubeletRefuses,
            at,
            format!("the host runs {hierarchy}, and {kubelet_words} refuses to start on it: {setting_words}"),
        )
        .impact(
            "The kubelet exits at start with `kubelet is configured to not run on a host using cgroup v1` and the \
             node goes NotReady; kubeadm 1.35 preflight (SystemVerification) fails on cgroup v1 too.",
        )
        .fix(format!(
            "Move the host to cgroup v2 (boot with `systemd.unified_cgroup_hierarchy=1`, use the systemd cgroup driver \
             on both sides), or, as a stop-gap, set `failCgroupV1: false` in {where_to} (and drop \
             `--fail-cgroupv1` from the command line) before upgrading the kubelet."
        ))
        .label(if setting.is_some() {
            "the kubelet refuses cgroup v1"
        } else {
            "no failCgroupV1 in this file"
        })
        .key("failCgroupV1")
        .actual(format!("{hierarchy}; {setting_words}"))
        .expected("cgroup v2, or failCgroupV1: false")
    } else {
        out.finding(
            Case::Deprecated,
            at,
            match (kubelet, version) {
                (None, None) => format!("the host runs {hierarchy}"),
                _ => format!(
                    "the host runs {hierarchy}: {kubelet_words} still starts on it ({setting_words})"
                ),
            },
        )
        .impact(
            "cgroup v1 is in maintenance mode: kubelet 1.35 and later refuse to start on it unless failCgroupV1 is \
             false (`kubelet is configured to not run on a host using cgroup v1`), and containerd 2.2 deprecates it. \
             The next kubelet upgrade is where the node stops.",
        )
        .fix(
            "Plan the move to cgroup v2 with the migration (boot with `systemd.unified_cgroup_hierarchy=1`; the \
             Kubernetes docs recommend the systemd cgroup driver with cgroup v2 on both kubelet and containerd); \
             until then keep `failCgroupV1: false` in the kubelet config when upgrading to 1.35.",
        )
        .key("cgroup-version")
        .actual(hierarchy)
        .expected("cgroup v2")
    };
    if !at_cgroup_root {
        b = b.related(Location::Path(CGROUP_ROOT.into()), hierarchy);
    }
    if let Some(v) = version {
        b = b.version(Component::Kubelet, v.fact());
    }
    b.emit();
}

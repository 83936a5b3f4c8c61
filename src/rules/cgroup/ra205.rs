//! RA205 cgroup-v1-host.

use crate::engine::{Emitter, Location};
use crate::model::kubelet::{KubeletConfigFile, KubeletSettings};
use crate::model::live::{CgroupVersion, Probe};
use crate::model::{Component, NodeSnapshot, Span};
use crate::release::KubeletRelease;

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
    let config = kubelet.and_then(|k| k.config.present());
    CgroupV1Host {
        hierarchy,
        refuses,
        at: fix_location(setting.as_ref(), config, refuses),
        kubelet_read: kubelet.is_some(),
        version,
        setting,
        config_path: config.map(|c| c.path.as_str()),
    }
    .emit(out);
}

/// Where the fix goes: the setting when written; for the kubelet that refuses, its config
/// file (at `kind:`, where failCgroupV1 belongs); otherwise the host fact itself.
fn fix_location(
    setting: Option<&FailCgroupV1>,
    config: Option<&KubeletConfigFile>,
    refuses: bool,
) -> Location {
    match (setting, config) {
        (Some(FailCgroupV1 { at: Some(span), .. }), _) => Location::Span(*span),
        (_, Some(cfg)) if refuses => Location::Span(
            cfg.kind
                .as_ref()
                .or(cfg.api_version.as_ref())
                .map_or(cfg.document, |k| k.span),
        ),
        _ => Location::Path(CGROUP_ROOT.into()),
    }
}

/// A cgroup v1 host, and what the kubelet does on it.
struct CgroupV1Host<'a> {
    /// `cgroup v1`, or the hybrid layout in words.
    hierarchy: &'static str,
    /// The kubelet refuses to start here (else it still starts: cgroup v1 is deprecated).
    refuses: bool,
    at: Location,
    /// The kubelet's settings were read.
    kubelet_read: bool,
    version: Option<&'a KubeletRelease>,
    setting: Option<FailCgroupV1>,
    /// The kubelet config file, where `failCgroupV1` goes.
    config_path: Option<&'a str>,
}

impl CgroupV1Host<'_> {
    const REFUSES_IMPACT: &'static str = "The kubelet exits at start with `kubelet is configured to not run on a host using cgroup v1` and the \
         node goes NotReady; kubeadm 1.35 preflight (SystemVerification) fails on cgroup v1 too.";

    const DEPRECATED_IMPACT: &'static str = "cgroup v1 is in maintenance mode: kubelet 1.35 and later refuse to start on it unless failCgroupV1 is \
         false (`kubelet is configured to not run on a host using cgroup v1`), and containerd 2.2 deprecates it. \
         The next kubelet upgrade is where the node stops.";

    const DEPRECATED_FIX: &'static str = "Plan the move to cgroup v2 with the migration (boot with `systemd.unified_cgroup_hierarchy=1`; the \
         Kubernetes docs recommend the systemd cgroup driver with cgroup v2 on both kubelet and containerd); \
         until then keep `failCgroupV1: false` in the kubelet config when upgrading to 1.35.";

    fn kubelet_words(&self) -> String {
        match self.version {
            Some(v) => v.to_string(),
            None => "the kubelet (version unknown)".to_owned(),
        }
    }

    /// The kubelet's failCgroupV1 as written, or its default.
    fn setting_words(&self) -> String {
        self.setting.as_ref().map_or_else(
            || match self.version {
                Some(v) if v.refuses_cgroup_v1() => {
                    "failCgroupV1 is not set, and defaults to true from 1.35".to_owned()
                }
                _ => "failCgroupV1 is not set".to_owned(),
            },
            |s| s.how.clone(),
        )
    }

    fn message(&self) -> String {
        let hierarchy = self.hierarchy;
        if self.refuses {
            format!(
                "the host runs {hierarchy}, and {} refuses to start on it: {}",
                self.kubelet_words(),
                self.setting_words()
            )
        } else if !self.kubelet_read && self.version.is_none() {
            format!("the host runs {hierarchy}")
        } else {
            format!(
                "the host runs {hierarchy}: {} still starts on it ({})",
                self.kubelet_words(),
                self.setting_words()
            )
        }
    }

    fn refuses_fix(&self) -> String {
        format!(
            "Move the host to cgroup v2 (boot with `systemd.unified_cgroup_hierarchy=1`, use the systemd cgroup driver \
             on both sides), or, as a stop-gap, set `failCgroupV1: false` in {} (and drop \
             `--fail-cgroupv1` from the command line) before upgrading the kubelet.",
            self.config_path.unwrap_or("/var/lib/kubelet/config.yaml")
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let at_cgroup_root = matches!(&self.at, Location::Path(_));
        let mut b = if self.refuses {
            out.finding(Case::KubeletRefuses, self.at.clone(), self.message())
                .impact(Self::REFUSES_IMPACT)
                .fix(self.refuses_fix())
                .label(if self.setting.is_some() {
                    "the kubelet refuses cgroup v1"
                } else {
                    "no failCgroupV1 in this file"
                })
                .key("failCgroupV1")
                .actual(format!("{}; {}", self.hierarchy, self.setting_words()))
                .expected("cgroup v2, or failCgroupV1: false")
        } else {
            out.finding(Case::Deprecated, self.at.clone(), self.message())
                .impact(Self::DEPRECATED_IMPACT)
                .fix(Self::DEPRECATED_FIX)
                .key("cgroup-version")
                .actual(self.hierarchy)
                .expected("cgroup v2")
        };
        if !at_cgroup_root {
            b = b.related(Location::Path(CGROUP_ROOT.into()), self.hierarchy);
        }
        if let Some(v) = self.version {
            b = b.version(Component::Kubelet, v.fact());
        }
        b.emit();
    }
}

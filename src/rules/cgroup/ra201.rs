//! RA201 cgroup-driver-mismatch.

use crate::engine::{Emitter, Location};
use crate::model::containerd::{ContainerdConfig, CriLayout, Runtime};
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::model::{Component, NodeSnapshot, Origin};
use crate::release::{ContainerdRelease, KubeletRelease};
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA201",
    name: "cgroup-driver-mismatch",
    area: Cgroup,
    summary: "The kubelet's cgroup driver differs from the SystemdCgroup setting of containerd's default runtime",
    inputs: [ContainerdConfig, KubeletFlags, KubeletConfig],
    cases: [
        Mismatch("mismatch", Error),
        FromCri("kubelet-setting-ignored", Note),
    ],
}

const GATE: &str = "KubeletCgroupDriverFromCRI";

/// The two drivers differ; which case that is depends on whether the kubelet still uses its
/// own setting or takes containerd's.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(kubelet) = out.need(&snap.kubelet, "kubelet configuration") else {
        return;
    };
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let Some(runtime) = cfg.cri.default_runtime() else {
        out.inconclusive(format!(
            "containerd's default runtime {:?} is not defined (see RA108), so its cgroup driver is unknown",
            cfg.cri.default_runtime_name.value
        ));
        return;
    };
    if !runtime.is_runc_based() {
        out.inconclusive(format!(
            "containerd's default runtime {:?} has runtime_type {:?}, not a runc-based runtime that takes SystemdCgroup",
            runtime.name, runtime.runtime_type.value
        ));
        return;
    }
    let kubelet_driver = match &kubelet.effective.cgroup_driver {
        Setting::Known(e) => e,
        Setting::Unknown { reason } => {
            out.inconclusive(format!("the kubelet's cgroup driver is unknown: {reason}"));
            return;
        }
        Setting::Unset => {
            out.inconclusive("the kubelet's cgroup driver is not known");
            return;
        }
    };
    let containerd_driver = if runtime.systemd_cgroup.value {
        "systemd"
    } else {
        "cgroupfs"
    };
    if kubelet_driver.value == containerd_driver {
        return;
    }
    let release = containerd_release(snap, out);
    if takes_driver_from_cri(snap, kubelet, release, out) {
        // A default is simply unused: nothing written misleads anyone.
        if !kubelet_driver.is_default() {
            KubeletSettingIgnored {
                kubelet_driver: &kubelet_driver.value,
                containerd_driver,
                at: kubelet_location(kubelet, cfg),
                kubelet: snap.versions.kubelet.as_ref(),
                release,
            }
            .emit(out);
        }
        return;
    }
    Mismatch {
        kubelet_driver: &kubelet_driver.value,
        kubelet_origin: origin_text(snap, &kubelet_driver.origin),
        kubelet_at: kubelet_location(kubelet, cfg),
        runtime: &runtime.name,
        containerd_driver,
        containerd_origin: origin_text(snap, &runtime.systemd_cgroup.origin),
        containerd_at: containerd_location(runtime, cfg),
        layout: cfg.cri.layout,
        kubelet: snap.versions.kubelet.as_ref(),
        release,
    }
    .emit(out);
}

/// The kubelet set to one driver while it takes containerd's (the KubeletCgroupDriverFromCRI
/// gate with containerd 2.x): harmless, but misleading.
struct KubeletSettingIgnored<'a> {
    kubelet_driver: &'a str,
    containerd_driver: &'static str,
    /// Where the kubelet's driver is set.
    at: Location,
    kubelet: Option<&'a KubeletRelease>,
    release: &'a ContainerdRelease,
}

impl KubeletSettingIgnored<'_> {
    const FIX: &'static str = "Delete cgroupDriver from the kubelet config (and any --cgroup-driver flag) so containerd's SystemdCgroup is the one source of truth.";

    fn message(&self) -> String {
        format!(
            "the kubelet is set to the {} cgroup driver, but with {GATE} ({}) and {} it uses containerd's driver, {}: its own setting is ignored",
            self.kubelet_driver,
            self.kubelet
                .map_or_else(|| "kubelet version unknown".to_string(), ToString::to_string),
            self.release.describe_in_full(),
            self.containerd_driver
        )
    }

    fn impact(&self) -> String {
        format!(
            "Nothing breaks: pods get {} cgroups. The kubelet logs that its cgroupDriver option is deprecated, and the setting misleads whoever reads the node's config.",
            self.containerd_driver
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut f = out
            .finding(Case::FromCri, self.at.clone(), self.message())
            .label("ignored: containerd decides")
            .impact(self.impact())
            .fix(Self::FIX)
            .key("cgroupDriver")
            .actual(self.kubelet_driver)
            .expected(format!(
                "unset (containerd decides: {})",
                self.containerd_driver
            ))
            .release(self.release);
        if let Some(k) = self.kubelet {
            f = f.version(Component::Kubelet, k.fact());
        }
        f.emit();
    }
}

/// The kubelet and containerd's default runtime on different drivers, each using its own.
struct Mismatch<'a> {
    kubelet_driver: &'a str,
    /// `set in <file>`, or why the default.
    kubelet_origin: String,
    kubelet_at: Location,
    /// containerd's default runtime.
    runtime: &'a str,
    containerd_driver: &'static str,
    containerd_origin: String,
    containerd_at: Location,
    /// The config's CRI layout, which names the table of the fix.
    layout: CriLayout,
    kubelet: Option<&'a KubeletRelease>,
    release: &'a ContainerdRelease,
}

impl Mismatch<'_> {
    fn message(&self) -> String {
        format!(
            "the kubelet uses the {} cgroup driver ({}) but containerd's default runtime {:?} uses {} ({})",
            self.kubelet_driver,
            self.kubelet_origin,
            self.runtime,
            self.containerd_driver,
            self.containerd_origin,
        )
    }

    fn impact(&self) -> &'static str {
        if self.containerd_driver == "systemd" {
            "Pods fail to start: `failed to create containerd task: OCI runtime create failed: expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"/kubepods/burstable/pod.../...\" instead: unknown` (containerd#4857)."
        } else {
            "Pods start, but two cgroup managers fight over the node: sandboxes are recreated (SandboxChanged), pods restart across the node under load (containerd#7276, kubernetes#110177). containerd 1.x has no startup check that would stop this."
        }
    }

    fn fix(&self) -> String {
        fix_text(self.layout, self.runtime)
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let kubelet_label = format!("the kubelet uses {}", self.kubelet_driver);
        // Point at the side that is not systemd: the recommended state is systemd on both.
        let (primary, label, related, related_label) = if self.containerd_driver == "cgroupfs" {
            (
                self.containerd_at.clone(),
                "containerd uses cgroupfs".to_string(),
                self.kubelet_at.clone(),
                kubelet_label,
            )
        } else {
            (
                self.kubelet_at.clone(),
                kubelet_label,
                self.containerd_at.clone(),
                "containerd uses systemd".to_string(),
            )
        };
        let mut f = out
            .finding(Case::Mismatch, primary, self.message())
            .label(label)
            .related(related, related_label)
            .impact(self.impact())
            .fix(self.fix())
            .key("cgroup-driver")
            .actual(format!(
                "kubelet {}, containerd {}",
                self.kubelet_driver, self.containerd_driver
            ))
            .expected("the same driver on both (systemd on systemd hosts)")
            .release(self.release);
        if let Some(k) = self.kubelet {
            f = f.version(Component::Kubelet, k.fact());
        }
        f.emit();
    }
}

/// The kubelet takes the driver from the CRI runtime when the feature gate is on (beta and on
/// by default from 1.31, GA in 1.34; opt-in alpha 1.28-1.30) and the runtime reports it
/// (containerd 2.0+). With containerd 1.x it falls back to its own setting (migration-facts
/// CGRP-001).
fn takes_driver_from_cri(
    snap: &NodeSnapshot,
    kubelet: &KubeletSettings,
    release: &ContainerdRelease,
    out: &mut Emitter<Case>,
) -> bool {
    if !release.reports_cgroup_driver() {
        return false;
    }
    let gate = kubelet
        .config
        .present()
        .and_then(|c| c.feature_gate(GATE))
        .map(|g| g.value);
    let Some(k) = &snap.versions.kubelet else {
        out.assume(format!(
            "kubelet version unknown: assumed to use its own cgroup driver (true before 1.31 or with {GATE} off)"
        ));
        return false;
    };
    k.cgroup_driver_from_cri(gate)
}

/// "set in /var/lib/kubelet/config.yaml", or the default's reason.
fn origin_text(snap: &NodeSnapshot, origin: &Origin) -> String {
    match origin {
        Origin::Set(span) => format!("set in {}", snap.sources.get(span.file).host_path),
        Origin::Default { note } => note.clone(),
    }
}

fn kubelet_location(kubelet: &KubeletSettings, cfg: &ContainerdConfig) -> Location {
    if let Some(span) = kubelet
        .effective
        .cgroup_driver
        .known()
        .and_then(crate::model::input::Effective::span)
    {
        return Location::Span(span);
    }
    if let Some(c) = kubelet.config.present() {
        return Location::Path(c.path.clone());
    }
    kubelet.flag_sources.first().map_or_else(
        || Location::Path(cfg.path.clone()),
        |s| Location::Path(s.path.clone()),
    )
}

fn containerd_location(runtime: &Runtime, cfg: &ContainerdConfig) -> Location {
    runtime
        .systemd_cgroup
        .span()
        .or(runtime.options)
        .or(runtime.defined_at)
        .map_or_else(|| Location::Path(cfg.path.clone()), Location::Span)
}

fn fix_text(layout: CriLayout, runtime: &str) -> String {
    let table = match layout {
        CriLayout::V1 => format!("[plugins.cri.containerd.runtimes.{runtime}.options]"),
        CriLayout::V2 => {
            format!("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.{runtime}.options]")
        }
        CriLayout::V3 => format!(
            "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.{runtime}.options]"
        ),
    };
    format!(
        "Use systemd on both (required with cgroup v2): in /etc/containerd/config.toml set\n  {table}\n    SystemdCgroup = true\nand in /var/lib/kubelet/config.yaml `cgroupDriver: systemd` (remove any --cgroup-driver flag). Drain the node, restart containerd, then the kubelet; changing the driver of a node that ran pods can break sandbox re-creation (reprovisioning is safest)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mismatch_says_what_breaks_with_containerds_driver() {
        let release = ContainerdRelease::target("1.7.28");
        let mismatch = |containerd_driver| Mismatch {
            kubelet_driver: if containerd_driver == "systemd" {
                "cgroupfs"
            } else {
                "systemd"
            },
            kubelet_origin: "set in /var/lib/kubelet/config.yaml".to_owned(),
            kubelet_at: Location::Path("/var/lib/kubelet/config.yaml".to_owned()),
            runtime: "runc",
            containerd_driver,
            containerd_origin: "containerd's default".to_owned(),
            containerd_at: Location::Path("/etc/containerd/config.toml".to_owned()),
            layout: CriLayout::V2,
            kubelet: None,
            release: &release,
        };
        assert!(mismatch("systemd").impact().starts_with("Pods fail to start"));
        assert!(mismatch("cgroupfs").impact().contains("two cgroup managers"));
        assert!(mismatch("cgroupfs").message().starts_with(
            "the kubelet uses the systemd cgroup driver (set in /var/lib/kubelet/config.yaml) but containerd's default runtime \"runc\" uses cgroupfs"
        ));
        assert!(
            mismatch("cgroupfs")
                .fix()
                .contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]")
        );
    }
}

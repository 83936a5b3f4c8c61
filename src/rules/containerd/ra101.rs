//! RA101 cri-plugin-disabled.
//!
//! A containerd that is not the kubelet's runtime may disable CRI on purpose (Talos runs a
//! system containerd without it next to the CRI one). So the severity follows what links this
//! containerd to the kubelet: the kubelet's endpoint when it is known, else the config itself.

use crate::engine::Emitter;
use crate::model::containerd::ContainerdConfig;
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::release::KubeletRelease;
use crate::model::{Component, NodeSnapshot, Span, Spanned};
use crate::rules::kubelet::common::{CONTAINERD_DEFAULT, Endpoint};

use super::common;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA101",
    name: "cri-plugin-disabled",
    area: Containerd,
    summary: "disabled_plugins turns off the CRI plugin the kubelet needs",
    inputs: [ContainerdConfig, KubeletFlags, KubeletConfig],
    cases: [
        Disabled("disabled", Error),
        OtherRuntime("disabled-kubelet-uses-other-runtime", Note),
        Unlinked("disabled-no-kubelet-link", Note),
    ],
}

/// The kubelet's view of the runtime socket.
enum KubeletLink {
    /// No kubelet configuration on this node, or no way to tell its endpoint.
    Unknown,
    /// The kubelet talks (or will talk, once switched from Docker) to this containerd.
    ThisContainerd(String),
    /// The kubelet talks to another CRI runtime's socket.
    Other {
        endpoint: String,
        span: Option<Span>,
    },
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let disabling: Vec<&Spanned<String>> = cfg
        .disabled_plugins
        .iter()
        // An entry that stops containerd altogether is RA102's finding.
        .filter(|p| release.disables_cri(&p.value, cfg, p.span))
        .collect();
    if disabling.is_empty() {
        return;
    }
    let link = kubelet_link(
        snap.kubelet.present(),
        snap.versions.kubelet.as_ref(),
        &cfg.grpc_address.value,
    );
    let configured = cri_configured(cfg);
    for entry in disabling {
        report(snap, cfg, release, entry, &link, configured, out);
    }
}

#[expect(clippy::too_many_lines, reason = "to be split")]
fn report(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    entry: &Spanned<String>,
    link: &KubeletLink,
    configured: Option<Span>,
    out: &mut Emitter<Case>,
) {
    let socket = Endpoint::parse(&cfg.grpc_address.value).path;
    let what = if entry.value == "io.containerd.cri.v1.images" {
        "the CRI image service, which the CRI plugin depends on,"
    } else if entry.value == "io.containerd.cri.v1.runtime" {
        "the CRI runtime service, which the CRI plugin depends on,"
    } else {
        "the CRI plugin"
    };
    let message = format!(
        "`disabled_plugins` entry {:?} turns off {what} on {}: this containerd (socket {socket}) serves no Kubernetes CRI API",
        entry.value,
        release.describe()
    );
    let impact = format!(
        "kubeadm preflight fails with `[ERROR CRI]: container runtime is not running: ... validate service \
         connection: CRI v1 runtime API is not implemented for endpoint \"unix://{socket}\": rpc error: code = \
         Unimplemented desc = unknown service runtime.v1.RuntimeService`; the kubelet cannot create any pod and \
         the node stays NotReady (older stacks: `unknown service runtime.v1alpha2.RuntimeService`)."
    );
    let remaining = cfg.disabled_plugins.len() > 1;
    let docker_note = if entry.value == "cri" {
        " Docker's containerd.io package ships this line; `containerd config default > /etc/containerd/config.toml` \
         writes a complete config with CRI enabled instead."
    } else {
        ""
    };
    let delete = format!(
        "delete {:?} from `disabled_plugins`{} in {} and restart containerd (`systemctl restart containerd`).{docker_note}",
        entry.value,
        if remaining {
            ""
        } else {
            " (or the whole `disabled_plugins = [...]` line)"
        },
        common::file_of(snap, entry.span)
    );
    let (case, message, impact) = match link {
        KubeletLink::ThisContainerd(why) => {
            (Case::Disabled, format!("{message}; {why}"), impact.clone())
        }
        KubeletLink::Other { endpoint, .. } => (
            Case::OtherRuntime,
            format!(
                "{message}. The kubelet's runtime endpoint is {endpoint}, another socket, so this may be on purpose \
                 (a system containerd next to the one serving CRI)"
            ),
            format!(
                "None for the kubelet as long as {endpoint} is served by another CRI runtime. If this containerd is \
                 meant to become the kubelet's runtime: {impact}"
            ),
        ),
        KubeletLink::Unknown => {
            if let Some(why) = docker_signature(entry).or_else(|| {
                configured.map(|s| {
                    format!(
                        "the same config sets CRI settings ({}), so CRI is meant to run",
                        common::at_line(snap, s)
                    )
                })
            }) {
                (Case::Disabled, format!("{message}; {why}"), impact.clone())
            } else {
                (
                    Case::Unlinked,
                    format!(
                        "{message}. No kubelet configuration on this node names a runtime endpoint, and the config \
                         sets no CRI settings, so this containerd may not be meant to serve the kubelet"
                    ),
                    format!(
                        "None if another runtime serves the kubelet. If the kubelet is to use this containerd: {impact}"
                    ),
                )
            }
        }
    };
    let fix = if case == Case::Disabled {
        capitalized(&delete)
    } else {
        format!(
            "Nothing to do if another runtime serves the kubelet. If this containerd is to serve it, {delete}"
        )
    };
    let mut b = out
        .finding(case, entry.span, message)
        .impact(impact)
        .fix(fix)
        .key("disabled_plugins")
        .label("disables CRI")
        .actual(entry.value.clone());
    if let KubeletLink::Other {
        span: Some(span), ..
    } = link
    {
        b = b.related(*span, "the kubelet's runtime endpoint");
    }
    // The kubelet's version decides its default endpoint.
    if let Some(kv) = snap.versions.kubelet.as_ref()
        && !matches!(link, KubeletLink::Unknown)
    {
        b = b.version(Component::Kubelet, kv.fact());
    }
    b.release(release).emit();
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Docker's containerd.io package disables CRI with exactly the short name `cri`
/// (docker/containerd-packaging `common/containerd.toml`): a package default, not a decision.
fn docker_signature(entry: &Spanned<String>) -> Option<String> {
    (entry.value == "cri").then(|| {
        "`\"cri\"` is what Docker's containerd.io package ships, and this node is moving from Docker to containerd"
            .to_string()
    })
}

/// The header of a CRI table this config writes, if any: someone configured CRI.
fn cri_configured(cfg: &ContainerdConfig) -> Option<Span> {
    cfg.cri.tables.first().map(|t| t.span)
}

/// What the kubelet's configuration says about the socket it uses.
fn kubelet_link(
    kubelet: Option<&KubeletSettings>,
    kubelet_version: Option<&KubeletRelease>,
    grpc_address: &str,
) -> KubeletLink {
    let Some(kubelet) = kubelet else {
        return KubeletLink::Unknown;
    };
    let socket = Endpoint::parse(grpc_address);
    let (endpoint, span) = match &kubelet.effective.runtime_endpoint {
        Setting::Known(e) => (e.value.clone(), e.span()),
        // The kubelet's config could not be read: nothing says which socket it uses.
        Setting::Unknown { .. } => return KubeletLink::Unknown,
        Setting::Unset => {
            // Unset: dockershim up to kubelet 1.23, containerd's default socket after.
            let Some(v) = kubelet_version else {
                return KubeletLink::ThisContainerd(
                    "the kubelet on this node sets no runtime endpoint, so it uses the default one, which is containerd's \
                     from kubelet 1.24 (dockershim before)"
                        .to_string(),
                );
            };
            if v.has_dockershim() {
                return KubeletLink::ThisContainerd(format!(
                    "the kubelet {} still uses dockershim, and this containerd is what it moves to",
                    v.version()
                ));
            }
            (CONTAINERD_DEFAULT.to_string(), None)
        }
    };
    let parsed = Endpoint::parse(&endpoint);
    if parsed.docker_era().is_some() {
        return KubeletLink::ThisContainerd(format!(
            "the kubelet still talks to Docker ({endpoint}), and this containerd is what it moves to"
        ));
    }
    if parsed.same_socket(&socket) {
        return KubeletLink::ThisContainerd(format!(
            "the kubelet's runtime endpoint {endpoint} is this containerd's socket"
        ));
    }
    KubeletLink::Other { endpoint, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::Effective;
    use crate::model::FileId;
    use crate::model::kubelet::KubeletEffective;

    fn kubelet(endpoint: Option<&str>) -> KubeletSettings {
        let span = Span::new(FileId(0), 0..1);
        KubeletSettings {
            flag_sources: Vec::new(),
            flags: Vec::new(),
            positional: Vec::new(),
            service: crate::model::kubelet::KubeletService::default(),
            config: crate::model::Input::Absent {
                path: "/var/lib/kubelet/config.yaml".into(),
            },
            instance_config: crate::model::Input::Absent {
                path: "/var/lib/kubelet/instance-config.yaml".into(),
            },
            effective: KubeletEffective {
                cgroup_driver: Setting::Known(Effective::default(
                    "cgroupfs".to_string(),
                    "kubelet default",
                )),
                runtime_endpoint: match endpoint {
                    Some(e) => Setting::Known(Effective::set(e.to_string(), span)),
                    None => Setting::Unset,
                },
                image_endpoint: Setting::Unset,
                container_runtime: None,
                pod_infra_image: None,
                config_path: None,
            },
        }
    }
    const SOCKET: &str = "/run/containerd/containerd.sock";

    #[test]
    fn the_kubelet_endpoint_decides_whose_runtime_this_is() {
        let v = |s: &str| Some(KubeletRelease::target(s));
        assert!(matches!(
            kubelet_link(None, None, SOCKET),
            KubeletLink::Unknown
        ));
        let this = kubelet(Some("unix:///var/run/containerd/containerd.sock"));
        assert!(matches!(
            kubelet_link(Some(&this), None, SOCKET),
            KubeletLink::ThisContainerd(_)
        ));
        let docker = kubelet(Some("unix:///var/run/dockershim.sock"));
        assert!(matches!(
            kubelet_link(Some(&docker), v("1.23.4").as_ref(), SOCKET),
            KubeletLink::ThisContainerd(_)
        ));
        let talos = kubelet(Some("unix:///run/containerd/containerd.sock"));
        assert!(matches!(
            kubelet_link(Some(&talos), None, "/system/run/containerd/containerd.sock"),
            KubeletLink::Other { .. }
        ));
        let crio = kubelet(Some("unix:///var/run/crio/crio.sock"));
        assert!(matches!(
            kubelet_link(Some(&crio), None, SOCKET),
            KubeletLink::Other { .. }
        ));
        let unset = kubelet(None);
        assert!(matches!(
            kubelet_link(Some(&unset), v("1.22.0").as_ref(), SOCKET),
            KubeletLink::ThisContainerd(_)
        ));
        assert!(matches!(
            kubelet_link(Some(&unset), v("1.29.0").as_ref(), SOCKET),
            KubeletLink::ThisContainerd(_)
        ));
        assert!(matches!(
            kubelet_link(Some(&unset), v("1.29.0").as_ref(), "/run/other.sock"),
            KubeletLink::Other { .. }
        ));
    }
}

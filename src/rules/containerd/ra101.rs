//! RA101 cri-plugin-disabled.
//!
//! A containerd that is not the kubelet's runtime may disable CRI on purpose (Talos runs a
//! system containerd without it next to the CRI one). So the severity follows what links this
//! containerd to the kubelet: the kubelet's endpoint when it is known, else the config itself.

use crate::release::containerd_defaults::CRI_ENDPOINT;
use crate::engine::Emitter;
use crate::model::containerd::ContainerdConfig;
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::release::KubeletRelease;
use crate::model::{Component, NodeSnapshot, Span, Spanned};
use crate::model::endpoint::Endpoint;

use super::config_words;
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
    // The kubelet's version decides its default endpoint, so the link depends on it.
    let kubelet = snap
        .versions
        .kubelet
        .as_ref()
        .filter(|_| !matches!(link, KubeletLink::Unknown));
    let configured = cri_configured(cfg);
    for entry in disabling {
        CriDisabled {
            entry: &entry.value,
            socket: cfg.grpc_address.value.path().to_owned(),
            file: config_words::file_of(snap, entry.span),
            others_remain: cfg.disabled_plugins.len() > 1,
            reach: reach(snap, entry, &link, configured),
            kubelet,
            release,
        }
        .emit(entry.span, out);
    }
}

/// Whom turning CRI off hurts.
enum Reach<'l> {
    /// The kubelet, which uses (or will use) this containerd, for the reason given.
    Kubelet(String),
    /// Nobody, as long as another runtime serves the kubelet's endpoint.
    OtherRuntime {
        endpoint: &'l str,
        span: Option<Span>,
    },
    /// Nothing ties this containerd to the kubelet.
    Unlinked,
}

/// Without a kubelet to ask, a config that is Docker's package default or that configures
/// CRI means CRI is wanted.
fn reach<'l>(
    snap: &NodeSnapshot,
    entry: &Spanned<String>,
    link: &'l KubeletLink,
    configured: Option<Span>,
) -> Reach<'l> {
    match link {
        KubeletLink::ThisContainerd(why) => Reach::Kubelet(why.clone()),
        KubeletLink::Other { endpoint, span } => Reach::OtherRuntime {
            endpoint,
            span: *span,
        },
        KubeletLink::Unknown => docker_signature(entry)
            .or_else(|| {
                configured.map(|s| {
                    format!(
                        "the same config sets CRI settings ({}), so CRI is meant to run",
                        config_words::at_line(snap, s)
                    )
                })
            })
            .map_or(Reach::Unlinked, Reach::Kubelet),
    }
}

/// A `disabled_plugins` entry that turns CRI off.
struct CriDisabled<'a> {
    /// `cri`, `io.containerd.grpc.v1.cri`, `io.containerd.cri.v1.images`, ...
    entry: &'a str,
    /// The socket containerd serves.
    socket: String,
    /// The file that disables it.
    file: &'a str,
    /// Other entries stay in `disabled_plugins`, so the line stays.
    others_remain: bool,
    reach: Reach<'a>,
    /// The kubelet release the reach depends on, if it does.
    kubelet: Option<&'a KubeletRelease>,
    release: &'a ContainerdRelease,
}

impl CriDisabled<'_> {
    fn case(&self) -> Case {
        match self.reach {
            Reach::Kubelet(_) => Case::Disabled,
            Reach::OtherRuntime { .. } => Case::OtherRuntime,
            Reach::Unlinked => Case::Unlinked,
        }
    }

    fn message(&self) -> String {
        let what = match self.entry {
            "io.containerd.cri.v1.images" => {
                "the CRI image service, which the CRI plugin depends on,"
            }
            "io.containerd.cri.v1.runtime" => {
                "the CRI runtime service, which the CRI plugin depends on,"
            }
            _ => "the CRI plugin",
        };
        let message = format!(
            "`disabled_plugins` entry {:?} turns off {what} on {}: this containerd (socket {}) serves no Kubernetes CRI API",
            self.entry,
            self.release.describe(),
            self.socket
        );
        match &self.reach {
            Reach::Kubelet(why) => format!("{message}; {why}"),
            Reach::OtherRuntime { endpoint, .. } => format!(
                "{message}. The kubelet's runtime endpoint is {endpoint}, another socket, so this may be on purpose \
                 (a system containerd next to the one serving CRI)"
            ),
            Reach::Unlinked => format!(
                "{message}. No kubelet configuration on this node names a runtime endpoint, and the config \
                 sets no CRI settings, so this containerd may not be meant to serve the kubelet"
            ),
        }
    }

    fn impact(&self) -> String {
        let impact = format!(
            "kubeadm preflight fails with `[ERROR CRI]: container runtime is not running: ... validate service \
             connection: CRI v1 runtime API is not implemented for endpoint \"unix://{}\": rpc error: code = \
             Unimplemented desc = unknown service runtime.v1.RuntimeService`; the kubelet cannot create any pod and \
             the node stays NotReady (older stacks: `unknown service runtime.v1alpha2.RuntimeService`).",
            self.socket
        );
        match &self.reach {
            Reach::Kubelet(_) => impact,
            Reach::OtherRuntime { endpoint, .. } => format!(
                "None for the kubelet as long as {endpoint} is served by another CRI runtime. If this containerd is \
                 meant to become the kubelet's runtime: {impact}"
            ),
            Reach::Unlinked => format!(
                "None if another runtime serves the kubelet. If the kubelet is to use this containerd: {impact}"
            ),
        }
    }

    fn fix(&self) -> String {
        let docker_note = if self.entry == "cri" {
            " Docker's containerd.io package ships this line; `containerd config default > /etc/containerd/config.toml` \
             writes a complete config with CRI enabled instead."
        } else {
            ""
        };
        let delete = format!(
            "delete {:?} from `disabled_plugins`{} in {} and restart containerd (`systemctl restart containerd`).{docker_note}",
            self.entry,
            if self.others_remain {
                ""
            } else {
                " (or the whole `disabled_plugins = [...]` line)"
            },
            self.file
        );
        match self.reach {
            Reach::Kubelet(_) => capitalized(&delete),
            Reach::OtherRuntime { .. } | Reach::Unlinked => format!(
                "Nothing to do if another runtime serves the kubelet. If this containerd is to serve it, {delete}"
            ),
        }
    }

    fn emit(self, at: Span, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(self.case(), at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key("disabled_plugins")
            .label("disables CRI")
            .actual(self.entry);
        if let Reach::OtherRuntime {
            span: Some(span), ..
        } = self.reach
        {
            b = b.related(span, "the kubelet's runtime endpoint");
        }
        if let Some(kv) = self.kubelet {
            b = b.version(Component::Kubelet, kv.fact());
        }
        b.release(self.release).emit();
    }
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
    socket: &Endpoint,
) -> KubeletLink {
    let Some(kubelet) = kubelet else {
        return KubeletLink::Unknown;
    };
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
            (Endpoint::parse(CRI_ENDPOINT), None)
        }
    };
    if endpoint.docker_era().is_some() {
        return KubeletLink::ThisContainerd(format!(
            "the kubelet still talks to Docker ({endpoint}), and this containerd is what it moves to"
        ));
    }
    if endpoint.same_socket(socket) {
        return KubeletLink::ThisContainerd(format!(
            "the kubelet's runtime endpoint {endpoint} is this containerd's socket"
        ));
    }
    KubeletLink::Other {
        endpoint: endpoint.to_string(),
        span,
    }
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
                    Some(e) => Setting::Known(Effective::set(Endpoint::parse(e), span)),
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
    fn the_fix_deletes_the_entry_and_says_when_nothing_is_to_do() {
        let release = ContainerdRelease::target("1.7.28");
        let disabled = |reach| CriDisabled {
            entry: "cri",
            socket: SOCKET.to_owned(),
            file: "/etc/containerd/config.toml",
            others_remain: false,
            reach,
            kubelet: None,
            release: &release,
        };
        let kubelet = disabled(Reach::Kubelet("the kubelet uses it".to_owned()));
        assert_eq!(kubelet.case(), Case::Disabled);
        assert!(kubelet.fix().starts_with(
            "Delete \"cri\" from `disabled_plugins` (or the whole `disabled_plugins = [...]` line) in /etc/containerd/config.toml"
        ));
        assert!(kubelet.fix().contains("Docker's containerd.io package ships this line"));
        let unlinked = disabled(Reach::Unlinked);
        assert_eq!(unlinked.case(), Case::Unlinked);
        assert!(unlinked.fix().starts_with(
            "Nothing to do if another runtime serves the kubelet. If this containerd is to serve it, delete \"cri\""
        ));
    }

    #[test]
    fn the_kubelet_endpoint_decides_whose_runtime_this_is() {
        let v = |s: &str| Some(KubeletRelease::target(s));
        let containerd = Endpoint::parse(SOCKET);
        let socket = |s: &str| Endpoint::parse(s);
        assert!(matches!(
            kubelet_link(None, None, &containerd),
            KubeletLink::Unknown
        ));
        let this = kubelet(Some("unix:///var/run/containerd/containerd.sock"));
        assert!(matches!(
            kubelet_link(Some(&this), None, &containerd),
            KubeletLink::ThisContainerd(_)
        ));
        let docker = kubelet(Some("unix:///var/run/dockershim.sock"));
        assert!(matches!(
            kubelet_link(Some(&docker), v("1.23.4").as_ref(), &containerd),
            KubeletLink::ThisContainerd(_)
        ));
        let talos = kubelet(Some("unix:///run/containerd/containerd.sock"));
        assert!(matches!(
            kubelet_link(Some(&talos), None, &socket("/system/run/containerd/containerd.sock")),
            KubeletLink::Other { .. }
        ));
        let crio = kubelet(Some("unix:///var/run/crio/crio.sock"));
        assert!(matches!(
            kubelet_link(Some(&crio), None, &containerd),
            KubeletLink::Other { .. }
        ));
        let unset = kubelet(None);
        assert!(matches!(
            kubelet_link(Some(&unset), v("1.22.0").as_ref(), &containerd),
            KubeletLink::ThisContainerd(_)
        ));
        assert!(matches!(
            kubelet_link(Some(&unset), v("1.29.0").as_ref(), &containerd),
            KubeletLink::ThisContainerd(_)
        ));
        assert!(matches!(
            kubelet_link(Some(&unset), v("1.29.0").as_ref(), &socket("/run/other.sock")),
            KubeletLink::Other { .. }
        ));
    }
}

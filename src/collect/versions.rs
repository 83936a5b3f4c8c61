//! Which versions rules evaluate against: migration targets from the command line first,
//! then what live daemons report, then the Node object.

use crate::model::node::NodeObject;
use crate::model::{Input, Version, VersionFact, VersionOrigin, version::NodeRuntime};
use crate::release::{ContainerdRelease, KubeletRelease, Versions};

use crate::model::live::LiveFacts;

use super::CollectOptions;

/// The versions known before the containerd config is read: the containerd release is
/// known or unknown here; `containerd::normalize` may assume it from the config's `version`.
pub(crate) fn resolve(
    opts: &CollectOptions,
    node: &Input<NodeObject>,
    live: &LiveFacts,
) -> Versions {
    let node = node.present();
    let kubelet = match opts.kubernetes_version.as_deref().and_then(Version::parse) {
        Some(version) => Some(VersionFact {
            version,
            origin: VersionOrigin::Cli {
                flag: "--kubernetes-version",
            },
        }),
        None => node
            .and_then(|n| n.kubelet_version.as_ref())
            .and_then(|kv| {
                Version::parse(&kv.value).map(|version| VersionFact {
                    version,
                    origin: VersionOrigin::NodeObject {
                        field: "status.nodeInfo.kubeletVersion",
                        span: kv.span,
                    },
                })
            }),
    };

    let runtime = node
        .and_then(|n| n.container_runtime_version.as_ref())
        .map(|rv| {
            let (name, rest) = rv
                .value
                .split_once("://")
                .unwrap_or(("", rv.value.as_str()));
            NodeRuntime {
                name: name.to_owned(),
                version: Version::parse(rest),
                span: rv.span,
            }
        });
    let from_node = |wanted: &str| {
        runtime.as_ref().filter(|r| r.name == wanted).and_then(|r| {
            r.version.clone().map(|version| VersionFact {
                version,
                origin: VersionOrigin::NodeObject {
                    field: "status.nodeInfo.containerRuntimeVersion",
                    span: r.span,
                },
            })
        })
    };

    let containerd = match opts.containerd_version.as_deref().and_then(Version::parse) {
        Some(version) => Some(VersionFact {
            version,
            origin: VersionOrigin::Cli {
                flag: "--containerd-version",
            },
        }),
        None => live_containerd(live).or_else(|| from_node("containerd")),
    };
    Versions {
        kubelet: kubelet.map(KubeletRelease::new),
        containerd: ContainerdRelease::resolve(containerd.as_ref(), None),
        docker: live_docker(live).or_else(|| from_node("docker")),
        node_runtime: runtime,
    }
}

/// The containerd version a running CRI endpoint reports (`Version.runtime_version`).
fn live_containerd(live: &LiveFacts) -> Option<VersionFact> {
    live.cri.iter().find_map(|e| {
        let v = e.version.ok()?;
        if v.runtime_name != "containerd" {
            return None;
        }
        Some(VersionFact {
            version: Version::parse(&v.runtime_version)?,
            origin: VersionOrigin::Probe {
                what: format!("CRI Version on {}", e.socket),
            },
        })
    })
}

/// The Docker Engine version from `/version`.
fn live_docker(live: &LiveFacts) -> Option<VersionFact> {
    let d = live.docker.as_ref()?;
    Some(VersionFact {
        version: Version::parse(&d.version.ok()?.version)?,
        origin: VersionOrigin::Probe {
            what: format!("Docker /version on {}", d.socket),
        },
    })
}

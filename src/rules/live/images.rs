//! Docker's images against containerd's `k8s.io` namespace (what the CRI image service
//! lists): which Docker images containerd lacks, compared by repository tag, by digest and by
//! image id.

use super::probe_results;
use super::sockets;
use crate::release::containerd_defaults::GRPC_ADDRESS;
use crate::vocabulary::RuleCase;
use std::collections::HashSet;

use crate::engine::Emitter;
use crate::model::NodeSnapshot;
use crate::model::live::SocketPath;
use crate::model::live::{
    CriApi, CriEndpoint, DockerContainer, DockerEndpoint, DockerImage, Probe, ProbeFailure,
    SocketState,
};

use super::probe_results::failure_words;

/// A reference in the fully qualified form containerd stores: `nginx` and
/// `docker.io/nginx:latest` both become `docker.io/library/nginx:latest`.
pub(crate) fn normalize(reference: &str) -> String {
    let r = reference.trim();
    let (name, digest) = match r.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (r, None),
    };
    // A tag is after the last ':' that follows the last '/' (a registry port is not a tag).
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let first = repo.split('/').next().unwrap_or("");
    let has_domain =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let repo = if has_domain {
        repo.to_owned()
    } else if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    };
    let repo = repo
        .strip_prefix("index.docker.io/")
        .map_or(repo.clone(), |rest| format!("docker.io/{rest}"));
    match (tag, digest) {
        (_, Some(d)) => format!("{repo}@{d}"),
        (Some(t), None) => format!("{repo}:{t}"),
        (None, None) => format!("{repo}:latest"),
    }
}

/// The digest of a `repo@sha256:...` reference.
pub(crate) fn digest(reference: &str) -> Option<&str> {
    reference.split_once('@').map(|(_, d)| d)
}

/// Docker's placeholders for an untagged or undigested image.
fn is_placeholder(reference: &str) -> bool {
    reference == "<none>:<none>" || reference == "<none>@<none>"
}

pub(crate) fn tags(image: &DockerImage) -> impl Iterator<Item = &String> {
    image.repo_tags.iter().filter(|t| !is_placeholder(t))
}

pub(crate) fn digests(image: &DockerImage) -> impl Iterator<Item = &String> {
    image.repo_digests.iter().filter(|t| !is_placeholder(t))
}

/// How to name an image in a message: its first tag, else its first digest reference, else
/// its short id.
pub(crate) fn display(image: &DockerImage) -> String {
    tags(image)
        .chain(digests(image))
        .next()
        .cloned()
        .unwrap_or_else(|| short_id(&image.id))
}

fn short_id(id: &str) -> String {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.chars().take(12).collect()
}

/// What containerd's `k8s.io` namespace holds, as far as matching needs.
#[derive(Default)]
pub(crate) struct K8sImages {
    tags: HashSet<String>,
    digests: HashSet<String>,
    ids: HashSet<String>,
}

impl K8sImages {
    pub(crate) fn has(&self, image: &DockerImage) -> bool {
        self.ids.contains(&image.id)
            || tags(image).any(|t| self.tags.contains(&normalize(t)))
            || digests(image)
                .filter_map(|d| digest(d))
                .any(|d| self.digests.contains(d))
    }
}

/// containerd's images, or how they are known.
pub(crate) struct Containerd<'s> {
    pub(crate) images: K8sImages,
    pub(crate) endpoint: &'s CriEndpoint,
    /// The CRI image service does not exist (the plugin is disabled): nothing in `k8s.io` is
    /// visible to the kubelet, and the comparison is against an empty list.
    pub(crate) assumed_empty: Option<String>,
}

/// containerd's CRI endpoint and its image list; None after setting the status when they
/// are not known.
pub(crate) fn containerd<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut Emitter<C>,
) -> Option<Containerd<'s>> {
    let grpc = snap
        .containerd
        .present()
        .map_or(SocketPath::known(GRPC_ADDRESS), |c| {
            SocketPath::new(c.grpc_address.value.path())
        });
    let endpoint = snap
        .live
        .cri
        .iter()
        .find(|c| {
            c.version
                .ok()
                .is_some_and(|v| v.runtime_name == "containerd")
        })
        .or_else(|| snap.live.cri.iter().find(|c| c.socket == grpc));
    let Some(endpoint) = endpoint else {
        let why = match sockets::socket_fact(snap, &grpc).map(|s| &s.state) {
            Some(state @ (SocketState::Missing | SocketState::NotASocket { .. })) => format!(
                "containerd is not running here ({grpc} {})",
                sockets::state_words(state)
            ),
            _ => format!("its socket {grpc} was not probed over CRI"),
        };
        out.inconclusive(format!(
            "what containerd's k8s.io namespace holds is unknown: {why}"
        ));
        return None;
    };
    let no_cri = matches!(endpoint.api.ok(), Some(CriApi::None))
        || matches!(
            endpoint.images,
            Probe::Failed {
                failure: ProbeFailure::Unimplemented,
                ..
            }
        );
    match &endpoint.images {
        Probe::Ok { value } => {
            let mut images = K8sImages::default();
            for i in value {
                images.ids.insert(i.id.clone());
                images.tags.extend(i.repo_tags.iter().map(|t| normalize(t)));
                images.digests.extend(
                    i.repo_digests
                        .iter()
                        .filter_map(|d| digest(d))
                        .map(str::to_owned),
                );
            }
            Some(Containerd {
                images,
                endpoint,
                assumed_empty: None,
            })
        }
        _ if no_cri => {
            let why = format!(
                "containerd on {} serves no CRI image service (its CRI plugin is not running, see RA802): the kubelet can use none of its images, so every Docker image counts as missing from k8s.io",
                endpoint.socket
            );
            out.assume(why.clone());
            Some(Containerd {
                images: K8sImages::default(),
                endpoint,
                assumed_empty: Some(why),
            })
        }
        Probe::Failed { failure, reason } => {
            out.inconclusive(format!(
                "containerd's image list (CRI ListImages on {}): {} ({reason})",
                endpoint.socket,
                failure_words(*failure)
            ));
            None
        }
        Probe::Skipped { reason } => {
            out.inconclusive(format!(
                "containerd's image list (CRI ListImages on {}) was not probed: {reason}",
                endpoint.socket
            ));
            None
        }
    }
}

/// Whether a container runs this image.
pub(crate) fn runs(container: &DockerContainer, image: &DockerImage) -> bool {
    container.image_id == image.id
        || container.image == image.id
        || tags(image).any(|t| normalize(t) == normalize(&container.image))
}

/// Docker's images that containerd lacks, with Docker's image and container lists.
pub(crate) struct DockerOnly<'s> {
    pub(crate) docker: &'s DockerEndpoint,
    pub(crate) images: Vec<&'s DockerImage>,
    pub(crate) containers: Option<&'s [DockerContainer]>,
    pub(crate) containerd: Containerd<'s>,
}

/// Every input of the image rules; None after setting the status.
pub(crate) fn docker_only<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut Emitter<C>,
) -> Option<DockerOnly<'s>> {
    let docker = probe_results::docker(snap, out)?;
    let images = probe_results::value(out, &docker.images, "Docker's image list")?;
    let containerd = containerd(snap, out)?;
    let containers = match &docker.containers {
        Probe::Ok { value } => Some(value.as_slice()),
        other => {
            out.assume(format!(
                "Docker's container list is unknown ({}): no image counts as used by a container",
                other.reason().unwrap_or("not probed")
            ));
            None
        }
    };
    let only: Vec<&DockerImage> = images
        .iter()
        .filter(|i| !containerd.images.has(i))
        .collect();
    Some(DockerOnly {
        docker,
        images: only,
        containers,
        containerd,
    })
}

impl DockerOnly<'_> {
    /// Running containers of this image.
    pub(crate) fn users<'c>(
        &'c self,
        image: &'c DockerImage,
    ) -> impl Iterator<Item = &'c DockerContainer> {
        self.containers
            .unwrap_or_default()
            .iter()
            .filter(move |c| c.state == "running" && runs(c, image))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_containerd() {
        assert_eq!(normalize("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(normalize("nginx:1.25"), "docker.io/library/nginx:1.25");
        assert_eq!(normalize("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(
            normalize("registry.internal:5000/team/app"),
            "registry.internal:5000/team/app:latest"
        );
        assert_eq!(normalize("localhost/app:dev"), "localhost/app:dev");
        assert_eq!(
            normalize("nginx@sha256:abc"),
            "docker.io/library/nginx@sha256:abc"
        );
        assert_eq!(
            normalize("docker.io/library/nginx:1.25"),
            normalize("nginx:1.25")
        );
        assert_eq!(digest("x@sha256:abc"), Some("sha256:abc"));
    }

    #[test]
    fn matches_by_tag_digest_or_id() {
        let mut k8s = K8sImages::default();
        k8s.tags.insert(normalize("docker.io/library/nginx:1.25"));
        k8s.digests.insert("sha256:d1".into());
        k8s.ids.insert("sha256:i1".into());
        let image = |tags: &[&str], digests: &[&str], id: &str| DockerImage {
            id: id.into(),
            repo_tags: tags.iter().map(std::string::ToString::to_string).collect(),
            repo_digests: digests
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
        };
        assert!(k8s.has(&image(&["nginx:1.25"], &[], "sha256:x")));
        assert!(k8s.has(&image(
            &["mirror/app:1"],
            &["mirror/app@sha256:d1"],
            "sha256:x"
        )));
        assert!(k8s.has(&image(&[], &[], "sha256:i1")));
        assert!(!k8s.has(&image(&["nginx:1.26"], &["<none>@<none>"], "sha256:y")));
        assert_eq!(
            display(&image(&["<none>:<none>"], &[], "sha256:0123456789abcdef")),
            "0123456789ab"
        );
    }
}

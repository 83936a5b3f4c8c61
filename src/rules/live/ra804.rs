//! RA804 docker-only-images.

use crate::model::live::SocketPath;
use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Location};
use crate::model::NodeSnapshot;

use super::images::{self, display};
use super::probe_results::{container_words, is_sandbox};

declare_rule! {
    id: "RA804",
    name: "docker-only-images",
    area: Live,
    summary: "Images in Docker's store that containerd's k8s.io namespace lacks; error when a kubelet-managed container runs one",
    inputs: [RuntimeSocket],
    cases: [
        Unused("not-in-use", Warning),
        InUse("in-use", Error),
    ],
}

/// Each image only Docker has is a finding by who runs it: kubelet-managed containers make it
/// an error, none (or unmanaged ones only) a warning; pause images and unused dangling ones
/// are not reported.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(only) = images::docker_only(snap, out) else {
        return;
    };
    let containerd = ContainerdStore {
        socket: &only.containerd.endpoint.socket,
        serves_images: only.containerd.assumed_empty.is_none(),
    };
    for image in &only.images {
        let name = display(image);
        let users: Vec<_> = only.users(image).collect();
        let by_sandboxes_only = !users.is_empty()
            && users
                .iter()
                .all(|c| c.is_kubelet_managed() && is_sandbox(c));
        let is_dangling = images::tags(image).next().is_none();
        if by_sandboxes_only {
            out.assume(format!(
                "{name} is used only by pod sandboxes (pause containers): containerd pulls its own sandbox image (RA301)"
            ));
            continue;
        }
        if is_dangling && users.is_empty() {
            continue;
        }
        let image = DockerOnlyImage {
            name,
            has_registry_origin: images::digests(image).next().is_some(),
            docker_socket: &only.docker.socket,
            containerd: &containerd,
        };
        let pods: Vec<String> = users
            .iter()
            .filter(|c| c.is_kubelet_managed() && !is_sandbox(c))
            .map(|c| container_words(c))
            .collect();
        if pods.is_empty() {
            let unmanaged = users
                .iter()
                .filter(|c| !c.is_kubelet_managed())
                .map(|c| c.name().to_owned())
                .collect();
            NotInUse { image, unmanaged }.emit(out);
        } else {
            InUse { image, pods }.emit(out);
        }
    }
}

/// Where the kubelet looks for images after the switch.
struct ContainerdStore<'a> {
    socket: &'a SocketPath,
    /// containerd serves a CRI image service; without one the kubelet finds no image at all.
    serves_images: bool,
}

impl ContainerdStore<'_> {
    /// Why the kubelet would not find an image there.
    fn lacks_it(&self) -> String {
        let containerd_socket = self.socket;
        if self.serves_images {
            format!(
                "containerd's k8s.io namespace (CRI ListImages on {containerd_socket}) lacks it"
            )
        } else {
            format!(
                "containerd on {containerd_socket} serves no CRI image service, so the kubelet would find none of its images"
            )
        }
    }
}

/// An image in Docker's store that containerd's k8s.io namespace lacks.
struct DockerOnlyImage<'a> {
    /// As Docker lists it: a tag, else a digest or the image ID.
    name: String,
    /// Docker knows a registry digest for it: containerd can pull it again.
    has_registry_origin: bool,
    docker_socket: &'a SocketPath,
    containerd: &'a ContainerdStore<'a>,
}

impl DockerOnlyImage<'_> {
    /// What it takes containerd to get the image.
    fn pull(&self) -> &'static str {
        if self.has_registry_origin {
            "containerd has to pull it again from its registry, which needs the registry reachable from the node and its credentials"
        } else {
            "it has no registry origin (RA805), so containerd cannot pull it at all"
        }
    }

    fn fix(&self) -> String {
        let name = &self.name;
        format!(
            "Make it available to containerd before the switch: push it to a registry the node can pull from, or copy it: \
             `docker save {name} | ctr -n k8s.io images import -` (then `crictl images` lists it)."
        )
    }

    /// The finding for this image, at Docker's socket: the parts every case shares.
    fn finding<'e>(
        &self,
        out: &'e mut Emitter<Case>,
        case: Case,
        message: String,
        impact: String,
    ) -> FindingBuilder<'e> {
        out.finding(case, Location::Path(self.docker_socket.to_string()), message)
            .label(format!("Docker has {}", self.name))
            .impact(impact)
            .fix(self.fix())
            .key(self.key())
    }

    fn key(&self) -> String {
        format!("image {}", images::normalize(&self.name))
    }
}

/// An image no kubelet-managed container runs: pods that use it later do not find it.
struct NotInUse<'a> {
    image: DockerOnlyImage<'a>,
    /// The containers outside Kubernetes that run it, by name.
    unmanaged: Vec<String>,
}

impl NotInUse<'_> {
    fn message(&self) -> String {
        format!(
            "image {} is in Docker's image store, but {}",
            self.image.name,
            self.image.containerd.lacks_it()
        )
    }

    fn impact(&self) -> String {
        let name = &self.image.name;
        let pull = self.image.pull();
        let unmanaged = if self.unmanaged.is_empty() {
            String::new()
        } else {
            format!(
                " The unmanaged container(s) {} run it today (RA806).",
                self.unmanaged.join(", ")
            )
        };
        format!(
            "Pods that use {name} after the switch do not find it on the node: {pull}. Where the pull cannot \
             succeed they fail with ErrImagePull (ErrImageNeverPull with `imagePullPolicy: Never`).{unmanaged}"
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        self.image
            .finding(out, Case::Unused, self.message(), self.impact())
            .actual("only in Docker's store")
        .expected("also in containerd's k8s.io namespace")
        .emit();
    }
}

/// An image kubelet-managed containers run: their pods are re-created without it.
struct InUse<'a> {
    image: DockerOnlyImage<'a>,
    /// The containers, with their pods (`app (pod default/web-0)`).
    pods: Vec<String>,
}

impl InUse<'_> {
    fn message(&self) -> String {
        let one = self.pods.len() == 1;
        format!(
            "the kubelet-managed container{} {} run{} image {}, which is in Docker's image store, but {}",
            if one { "" } else { "s" },
            self.pods.join(", "),
            if one { "s" } else { "" },
            self.image.name,
            self.image.containerd.lacks_it()
        )
    }

    fn impact(&self) -> String {
        let name = &self.image.name;
        let pull = self.image.pull();
        format!(
            "When the node switches to containerd these pods are re-created and {name} is not there: {pull}. \
             Where that fails the pods stay in ErrImagePull / ImagePullBackOff (ErrImageNeverPull with \
             `imagePullPolicy: Never`): the image is \"on the node\", but not where the kubelet looks."
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        self.image
            .finding(out, Case::InUse, self.message(), self.impact())
            .actual(format!("used by {}", self.pods.join(", ")))
        .expected("in containerd's k8s.io namespace before the switch")
        .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CONTAINERD_SOCKET: SocketPath = SocketPath::known("/run/containerd/containerd.sock");

    static DOCKER_SOCKET: SocketPath = SocketPath::known("/var/run/docker.sock");

    const CONTAINERD: ContainerdStore<'static> = ContainerdStore {
        socket: &CONTAINERD_SOCKET,
        serves_images: true,
    };

    fn image(has_registry_origin: bool) -> DockerOnlyImage<'static> {
        DockerOnlyImage {
            name: "registry.internal/app:1.2".to_owned(),
            has_registry_origin,
            docker_socket: &DOCKER_SOCKET,
            containerd: &CONTAINERD,
        }
    }

    #[test]
    fn the_verb_agrees_with_the_number_of_containers() {
        let one = InUse {
            image: image(true),
            pods: vec!["app (pod default/web-0)".to_owned()],
        };
        assert!(one.message().starts_with(
            "the kubelet-managed container app (pod default/web-0) runs image registry.internal/app:1.2,"
        ));
        let two = InUse {
            image: image(true),
            pods: vec!["a".to_owned(), "b".to_owned()],
        };
        assert!(
            two.message()
                .starts_with("the kubelet-managed containers a, b run image")
        );
    }

    #[test]
    fn an_image_without_a_registry_origin_cannot_be_pulled_again() {
        let unused = |has_registry_origin, unmanaged: &[&str]| NotInUse {
            image: image(has_registry_origin),
            unmanaged: unmanaged.iter().map(|&c| c.to_owned()).collect(),
        };
        assert!(
            unused(false, &[])
                .impact()
                .contains("so containerd cannot pull it at all")
        );
        assert!(
            unused(true, &[])
                .impact()
                .contains("has to pull it again from its registry")
        );
        assert!(
            unused(true, &["backup"])
                .impact()
                .ends_with(" The unmanaged container(s) backup run it today (RA806).")
        );
    }

    #[test]
    fn without_an_image_service_containerd_has_none_of_the_images() {
        let store = ContainerdStore {
            socket: &CONTAINERD_SOCKET,
            serves_images: false,
        };
        assert!(store.lacks_it().contains("serves no CRI image service"));
        assert!(
            CONTAINERD
                .lacks_it()
                .contains("(CRI ListImages on /run/containerd/containerd.sock) lacks it")
        );
    }
}

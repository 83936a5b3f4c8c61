//! RA805 local-only-images.

use crate::engine::{Emitter, Location};
use crate::model::NodeSnapshot;

use super::probe_results::container_words;
use super::images::{self, display};

declare_rule! {
    id: "RA805",
    name: "local-only-images",
    area: Live,
    summary: "Docker-only images with no registry origin (no RepoDigests: built or loaded locally) cannot be pulled after the switch",
    inputs: [RuntimeSocket],
    cases: [
        LocalOnly("no-registry-origin", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(only) = images::docker_only(snap, out) else {
        return;
    };
    let socket = only.docker.socket.clone();
    for image in &only.images {
        if images::digests(image).next().is_some() {
            continue;
        }
        let users: Vec<String> = only.users(image).map(container_words).collect();
        if images::tags(image).next().is_none() && users.is_empty() {
            // An untagged, unused layer of a local build: nothing can refer to it by name.
            continue;
        }
        let name = display(image);
        let normalized = images::normalize(&name);
        let used = if users.is_empty() {
            String::new()
        } else {
            format!(
                " It is used by the running container(s) {}.",
                users.join(", ")
            )
        };
        out.finding(
            Case::LocalOnly,
            Location::Path(socket.to_string()),
            format!(
                "image {name} exists only in Docker's image store and has no registry origin (no RepoDigests: it was built or loaded on this node)"
            ),
        )
        .label(format!("Docker has {name}, from no registry"))
        .impact(format!(
            "After the switch nothing can provide it: containerd resolves {name} as {normalized} and tries to pull it \
             from there, which fails or fetches a different image; pods using it end in ErrImagePull (the exact pull \
             error depends on the registry).{used}"
        ))
        .fix(format!(
            "Push it to a registry the nodes can pull from (`docker tag {name} <registry>/{name}` and `docker push`) \
             and reference that name in the pod specs; as a stop-gap copy it into containerd on this node: \
             `docker save {name} | ctr -n k8s.io images import -`."
        ))
        .key(format!("image {normalized}"))
        .actual("no RepoDigests")
        .expected("an image pulled from (or pushed to) a registry")
        .emit();
    }
}

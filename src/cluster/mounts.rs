//! What in a pod's spec ties it to Docker on the node: hostPath volumes onto Docker's socket,
//! dockershim's socket, the directories that hold them, Docker's data and log directories;
//! and containers that run Docker themselves (docker-in-docker images, a Docker CLI in a
//! privileged container).

use super::objects::{Container, Object};

/// Why a hostPath volume matters when Docker leaves the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum MountClass {
    /// `/var/run/docker.sock`, `/run/docker.sock` or any `…/docker.sock`.
    DockerSocket,
    /// dockershim's socket, gone with dockershim in kubelet 1.24.
    DockershimSocket,
    /// `/var/run` or `/run`: the directory that holds docker.sock, mounted whole.
    RunDirectory,
    /// `/var/lib/docker/containers`: Docker's JSON log files, which log collectors tail.
    DockerLogs,
    /// The rest of `/var/lib/docker`: Docker's images, containers and volumes.
    DockerData,
}

impl MountClass {
    /// The class of a hostPath, None when it has nothing to do with Docker.
    pub(crate) fn of(path: &str) -> Option<MountClass> {
        let path = normalise(path);
        let under =
            |dir: &str| path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'));
        if path.ends_with("dockershim.sock") {
            Some(MountClass::DockershimSocket)
        } else if path.ends_with("/docker.sock") {
            Some(MountClass::DockerSocket)
        } else if path == "/var/run" || path == "/run" {
            Some(MountClass::RunDirectory)
        } else if under("/var/lib/docker/containers") {
            Some(MountClass::DockerLogs)
        } else if under("/var/lib/docker") {
            Some(MountClass::DockerData)
        } else {
            None
        }
    }
}

/// `/var/run/`, `//var//run` and `/var/run/.` are all `/var/run`.
pub(crate) fn normalise(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

/// A hostPath volume of interest and the containers that mount it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostMount {
    pub(crate) class: MountClass,
    /// The path as written in the volume.
    pub(crate) path: String,
    /// The path with repeated and trailing slashes removed: what findings are keyed by.
    pub(crate) normalised: String,
    pub(crate) volume: String,
    /// `container (mountPath)` for each container that mounts the volume.
    pub(crate) mounted_by: Vec<String>,
    /// Every mount of it is read-only.
    pub(crate) read_only: bool,
}

/// Why a container is taken to run Docker itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum DockerUse {
    /// A docker-in-docker image: it runs its own dockerd.
    DindImage,
    /// A privileged container whose command runs the `docker` CLI, or the `docker` CLI image
    /// with Docker's socket mounted.
    DockerCli,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DockerContainer {
    pub(crate) why: DockerUse,
    pub(crate) container: String,
    pub(crate) image: String,
}

fn containers<'o, 'a>(pod: &'o Object<'a>) -> impl Iterator<Item = &'o Container<'a>> {
    pod.spec
        .containers
        .iter()
        .chain(&pod.spec.init_containers)
        .chain(&pod.spec.ephemeral_containers)
}

/// The pod's hostPath volumes of interest.
pub(crate) fn host_mounts(pod: &Object<'_>) -> Vec<HostMount> {
    let mut found = Vec::new();
    for volume in &pod.spec.volumes {
        let Some(host) = &volume.host_path else {
            continue;
        };
        let Some(class) = MountClass::of(&host.path) else {
            continue;
        };
        let mut mounted_by = Vec::new();
        let mut read_only = true;
        for c in containers(pod) {
            for m in c.volume_mounts.iter().filter(|m| m.name == volume.name) {
                mounted_by.push(format!("{} ({})", c.name, m.mount_path));
                read_only &= m.read_only.unwrap_or(false);
            }
        }
        found.push(HostMount {
            class,
            normalised: normalise(&host.path),
            path: host.path.to_string(),
            volume: volume.name.to_string(),
            read_only: read_only && !mounted_by.is_empty(),
            mounted_by,
        });
    }
    found
}

/// The pod's containers that run Docker themselves, as far as the spec shows it.
pub(crate) fn docker_containers(pod: &Object<'_>, mounts: &[HostMount]) -> Vec<DockerContainer> {
    let socket_volumes: Vec<&str> = mounts
        .iter()
        .filter(|m| matches!(m.class, MountClass::DockerSocket | MountClass::RunDirectory))
        .map(|m| m.volume.as_str())
        .collect();
    let mut found = Vec::new();
    for c in containers(pod) {
        // The socket counts for the container that mounts it, not for its neighbours.
        let socket_mounted = c
            .volume_mounts
            .iter()
            .any(|m| socket_volumes.contains(&m.name.as_ref()));
        let (repository, tag) = image_parts(&c.image);
        let privileged = c
            .security_context
            .as_ref()
            .and_then(|s| s.privileged)
            .unwrap_or(false);
        let why = if is_dind(repository, tag) {
            Some(DockerUse::DindImage)
        } else if (privileged || socket_mounted) && runs_docker_cli(c)
            || socket_mounted && repository == "docker"
        {
            Some(DockerUse::DockerCli)
        } else {
            None
        };
        if let Some(why) = why {
            found.push(DockerContainer {
                why,
                container: c.name.to_string(),
                image: c.image.to_string(),
            });
        }
    }
    found
}

/// The repository's last path element and the tag: `docker.io/library/docker:24-dind` gives
/// (`docker`, `24-dind`).
fn image_parts(image: &str) -> (&str, &str) {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.split_once(':') {
        Some((repo, tag)) => (repo, tag),
        None => (last, ""),
    }
}

fn is_dind(repository: &str, tag: &str) -> bool {
    (repository == "docker" && tag.contains("dind")) || repository.contains("dind")
}

/// The command or its arguments run `docker`: the word itself, a path ending in `/docker`,
/// or a shell script line calling it.
fn runs_docker_cli(c: &Container<'_>) -> bool {
    c.command.iter().chain(&c.args).any(|word| {
        word.split(|ch: char| ch.is_whitespace() || ch == ';' || ch == '&' || ch == '|')
            .any(|w| w == "docker" || w.ends_with("/docker"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classed_after_normalising() {
        for (path, class) in [
            ("/var/run/docker.sock", Some(MountClass::DockerSocket)),
            ("/run/docker.sock", Some(MountClass::DockerSocket)),
            (
                "/var/run/dockershim.sock",
                Some(MountClass::DockershimSocket),
            ),
            ("/var/run/", Some(MountClass::RunDirectory)),
            ("//run", Some(MountClass::RunDirectory)),
            ("/var/lib/docker/containers", Some(MountClass::DockerLogs)),
            ("/var/lib/docker/containers/", Some(MountClass::DockerLogs)),
            ("/var/lib/docker", Some(MountClass::DockerData)),
            ("/var/lib/docker/overlay2", Some(MountClass::DockerData)),
            ("/var/lib/dockerd", None),
            ("/var/run/containerd/containerd.sock", None),
            ("/var/log", None),
            ("/run/xtables.lock", None),
        ] {
            assert_eq!(MountClass::of(path), class, "{path}");
        }
    }

    #[test]
    fn dind_images_and_docker_clis() {
        assert_eq!(image_parts("docker:24.0.7-dind"), ("docker", "24.0.7-dind"));
        assert!(is_dind("docker", "dind-rootless"));
        assert!(is_dind("jenkins-dind", "1"));
        assert!(!is_dind("docker", "24-cli"));
        assert_eq!(
            image_parts("registry.example.com:5000/ci/docker@sha256:ab"),
            ("docker", "")
        );
    }
}

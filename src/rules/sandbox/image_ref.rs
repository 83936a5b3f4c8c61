//! Image references as containerd resolves them, to compare two spellings of one image.

/// `pause:3.9` → `docker.io/library/pause:3.9`; `k8s.gcr.io/pause` → `k8s.gcr.io/pause:latest`.
pub(crate) fn normalize(image: &str) -> String {
    let image = image.trim();
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let first = name.split('/').next().unwrap_or("");
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut full = if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    let last = full.rsplit('/').next().unwrap_or("");
    if digest.is_none() && !last.contains(':') {
        full.push_str(":latest");
    }
    match digest {
        Some(d) => format!("{full}@{d}"),
        None => full,
    }
}

/// The registry host of a reference.
pub(crate) fn registry(image: &str) -> String {
    normalize(image).split('/').next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_containerd() {
        assert_eq!(normalize("pause:3.9"), "docker.io/library/pause:3.9");
        assert_eq!(
            normalize("rancher/pause:3.6"),
            "docker.io/rancher/pause:3.6"
        );
        assert_eq!(normalize("k8s.gcr.io/pause"), "k8s.gcr.io/pause:latest");
        assert_eq!(
            normalize("localhost:5000/pause:1"),
            "localhost:5000/pause:1"
        );
        assert_eq!(
            normalize("registry.k8s.io/pause@sha256:abc"),
            "registry.k8s.io/pause@sha256:abc"
        );
        assert_eq!(registry("k8s.gcr.io/pause:3.6"), "k8s.gcr.io");
    }
}

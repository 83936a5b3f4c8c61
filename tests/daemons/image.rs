//! A container image built offline, for tests that need one in containerd's store: an OCI
//! image layout with one tiny layer, as a tarball `ctr images import` takes.

use std::path::{Path, PathBuf};
use std::process::Command;

use runtime_audit::model::live::{CriEndpoint, CriImage};

fn sha256(path: &Path) -> String {
    super::require_root_and(&["sha256sum"]);
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("sha256sum prints a digest")
        .to_owned()
}

/// Stores `path` as a blob of the layout and returns its descriptor fields.
fn blob(layout: &Path, path: &Path) -> (String, u64) {
    let digest = sha256(path);
    let size = std::fs::metadata(path).expect("blob size").len();
    let target = layout.join("blobs/sha256").join(&digest);
    std::fs::copy(path, target).expect("copy blob");
    (format!("sha256:{digest}"), size)
}

fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("no Go architecture name known for {other}"),
    }
}

/// An OCI image layout tarball with one tiny layer, named `name`, built offline.
pub(crate) fn image_tarball(work: &Path, name: &str) -> PathBuf {
    super::require_root_and(&["tar"]);
    let layout = work.join("layout");
    std::fs::create_dir_all(layout.join("blobs/sha256")).expect("mkdir layout");
    let rootfs = work.join("rootfs");
    std::fs::create_dir_all(&rootfs).expect("mkdir rootfs");
    std::fs::write(rootfs.join("hello.txt"), "hello from a local image\n").expect("write file");
    let layer = work.join("layer.tar");
    let status = Command::new("tar")
        .arg("-cf")
        .arg(&layer)
        .arg("-C")
        .arg(&rootfs)
        .arg("hello.txt")
        .status()
        .expect("run tar");
    assert!(status.success(), "tar of the layer");
    let (layer_digest, layer_size) = blob(&layout, &layer);

    let config = work.join("config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"architecture":"{}","os":"linux","config":{{"Cmd":["/hello.txt"]}},"rootfs":{{"type":"layers","diff_ids":["{layer_digest}"]}}}}"#,
            go_arch()
        ),
    )
    .expect("write config");
    let (config_digest, config_size) = blob(&layout, &config);

    let manifest = work.join("manifest.json");
    std::fs::write(
        &manifest,
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_digest}","size":{layer_size}}}]}}"#
        ),
    )
    .expect("write manifest");
    let (manifest_digest, manifest_size) = blob(&layout, &manifest);

    std::fs::write(
        layout.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest_digest}","size":{manifest_size},"annotations":{{"io.containerd.image.name":"{name}","org.opencontainers.image.ref.name":"1.0"}}}}]}}"#
        ),
    )
    .expect("write index");
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("write oci-layout");

    let tarball = work.join("image.tar");
    let status = Command::new("tar")
        .arg("-cf")
        .arg(&tarball)
        .arg("-C")
        .arg(&layout)
        .args(["oci-layout", "index.json", "blobs"])
        .status()
        .expect("run tar");
    assert!(status.success(), "tar of the layout");
    tarball
}

/// The image `name` as the CRI probe listed it; fails the test when ListImages did not answer
/// or lacks it.
pub(crate) fn listed_image<'e>(out: &'e CriEndpoint, name: &str) -> &'e CriImage {
    let images = out
        .images
        .ok()
        .unwrap_or_else(|| panic!("ListImages answers: {out:#?}"));
    images
        .iter()
        .find(|i| i.repo_tags.iter().any(|t| t == name))
        .unwrap_or_else(|| panic!("{name} imported into k8s.io is listed: {images:#?}"))
}

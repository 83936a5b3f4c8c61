//! The sandbox (pause) image: containerd's, which creates every pod sandbox, set to the one
//! the kubelet names, on registry.k8s.io; the kubelet's ignored flag dropped with it.

use crate::rules::sandbox::image_ref::normalize;

use super::super::edit::Scalar;
use super::{Of, Op, Proposal};

/// The frozen registry, and the name RA303 advises instead.
const LEGACY_REGISTRY: &str = "k8s.gcr.io/";
const REGISTRY: &str = "registry.k8s.io/";

/// RA301, RA302, RA303: containerd's sandbox image set to the kubelet's
/// `--pod-infra-container-image` when it has one, else its own image moved from k8s.gcr.io
/// to registry.k8s.io; the flag, which containerd ignores, dropped once containerd names that
/// image and the kubelet talks CRI. All files are written, or none.
pub(super) fn sandbox_image(of: &Of<'_>) -> Option<Proposal> {
    let cfg = of.snap.containerd.present()?;
    let kubelet_flag = of
        .snap
        .kubelet
        .present()
        .and_then(|k| k.effective.pod_infra_image.as_ref())
        .map(|f| f.value.clone());
    let target = match &kubelet_flag {
        // The kubelet's choice is carried as it is; on the frozen registry, which image
        // replaces it is the user's choice.
        Some(flag) if flag.starts_with(LEGACY_REGISTRY) => {
            return of.manual(format!(
                "the kubelet names {flag:?}, on the frozen k8s.gcr.io: choose its replacement (`kubeadm config images list` names the pause image of your Kubernetes version) and set it in containerd"
            ));
        }
        Some(flag) => flag.clone(),
        // The audit's own advice for containerd's image on k8s.gcr.io (RA303).
        None => {
            let image = &cfg.cri.sandbox_image.value;
            match image.strip_prefix(LEGACY_REGISTRY) {
                Some(rest) => format!("{REGISTRY}{rest}"),
                None => image.clone(),
            }
        }
    };
    let file = cfg.files.first()?.file;
    let layout = match of.readable_layout(cfg, file) {
        Ok(layout) => layout,
        Err(reason) => return of.manual(reason),
    };
    let mut fixes = Vec::new();
    if normalize(&cfg.cri.sandbox_image.value) != normalize(&target) {
        let named = if kubelet_flag.is_some() {
            ", the one the kubelet names"
        } else {
            ""
        };
        fixes.push(of.edit(
            of.path_of(file),
            format!("containerd's sandbox image set to {target:?}{named}"),
            vec![Op::TomlSet {
                path: layout.sandbox_path(),
                value: Scalar::Str(target.clone()),
            }],
        ));
    }
    // Under dockershim the flag still chooses the pause image: it stays until the kubelet
    // talks CRI (1.24+, or `--container-runtime=remote` before).
    let on_cri = of.snap.kubelet.present().is_some_and(|k| {
        let remote = k
            .effective
            .container_runtime
            .as_ref()
            .is_some_and(|r| r.value == "remote");
        of.snap
            .versions
            .kubelet
            .as_ref()
            .is_some_and(|v| !v.has_dockershim() || remote)
    });
    if let Some(kubelet) = of.snap.kubelet.present().filter(|_| on_cri) {
        let flags: Vec<_> = kubelet.flags_named("pod-infra-container-image").collect();
        for flag in flags {
            fixes.push(of.edit(
                of.path_of(flag.span.file),
                "drop --pod-infra-container-image: containerd names the pause image",
                vec![super::kubelet::drop_word(of, flag.span)],
            ));
        }
    }
    if fixes.is_empty() {
        return None;
    }
    Some(Proposal::Together(fixes))
}

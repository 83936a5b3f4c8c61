//! RA507 kubelet-endpoint-flag-deprecated.

use crate::model::endpoint::Endpoint;
use crate::engine::Emitter;
use crate::model::{Component, Input, NodeSnapshot};

use super::settings::{self, Which, flag_location, flag_text};

declare_rule! {
    id: "RA507",
    name: "kubelet-endpoint-flag-deprecated",
    area: Kubelet,
    summary: "--container-runtime-endpoint / --image-service-endpoint on kubelet 1.27+: deprecated in favour of the config file",
    inputs: [KubeletFlags, KubeletSystemdDropIn],
    cases: [
        Deprecated("deprecated", Note),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let present: Vec<Which> = [Which::Runtime, Which::Image]
        .into_iter()
        .filter(|w| k.flag(w.flag()).is_some())
        .collect();
    if present.is_empty() {
        return;
    }
    let Some(v) = snap.versions.kubelet.as_ref() else {
        out.inconclusive(
            "the endpoint flags are deprecated from kubelet 1.27 (and the only way before it); the kubelet version is unknown (pass --kubernetes-version)",
        );
        return;
    };
    if !v.runtime_endpoint_in_config() {
        return;
    }
    let config = match &k.config {
        Input::Present(c) => c.path.clone(),
        _ => "the kubelet config file (the file --config names, e.g. /var/lib/kubelet/config.yaml)"
            .to_owned(),
    };
    for which in present {
        let Some(f) = k.flag(which.flag()) else {
            continue;
        };
        let count = k.flags_named(which.flag()).count();
        let repeats = if count > 1 {
            format!(" (written {count} times; the last one wins)")
        } else {
            String::new()
        };
        let written = f.value.clone().unwrap_or_default();
        // Moving a wrong socket into the config file would not help: suggest containerd's.
        let endpoint = Endpoint::parse(&written);
        let stale = match crate::rules::containerd_socket::containerd_socket(snap) {
            Some(c) => !c.same_socket(&endpoint),
            None => endpoint.docker_era().is_some(),
        };
        let value = if stale {
            crate::rules::containerd_socket::containerd_endpoint(snap).0
        } else {
            written
        };
        let stale_note = if stale {
            " (containerd's socket, not the one the flag names now: see RA503/RA506)"
        } else {
            ""
        };
        out.finding(
            Case::Deprecated,
            f.span,
            format!(
                "`--{}` is deprecated on {}: the endpoint belongs in the config file's `{}`{repeats}",
                which.flag(),
                v,
                which.field()
            ),
        )
        .impact(format!(
            "The kubelet logs `Flag --{} has been deprecated, This parameter should be set via the config file specified by the Kubelet's --config flag.` on every start; the flag still wins over the config file. kubeadm 1.34+ (NodeLocalCRISocket) removes this flag from kubeadm-flags.env on upgrade.",
            which.flag()
        ))
        .fix(format!(
            "Set `{}: {value}` in {config}{stale_note}, then delete `{}` from {}, {}.",
            which.field(),
            flag_text(snap, f),
            flag_location(snap, f),
            settings::restart(k)
        ))
        .key(format!("--{}", which.flag()))
        .label("deprecated flag")
        .actual(flag_text(snap, f))
        .expected(format!("{}: {value}", which.field()))
        .version(Component::Kubelet, v.fact())
        .emit();
    }
}

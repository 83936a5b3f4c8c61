//! RA504 kubelet-endpoint-no-scheme.

use crate::engine::Emitter;
use crate::model::NodeSnapshot;

use super::settings::{self, Which, endpoint_fix, endpoint_place, unknown_endpoints};

declare_rule! {
    id: "RA504",
    name: "kubelet-endpoint-no-scheme",
    area: Kubelet,
    summary: "The kubelet's CRI endpoint has no `unix://` scheme (deprecated form)",
    inputs: [KubeletFlags, KubeletSystemdDropIn, KubeletConfig],
    cases: [
        NoScheme("no-scheme", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    for which in [Which::Runtime, Which::Image] {
        let Some(e) = which.setting(k).known() else {
            continue;
        };
        let endpoint = e.value.clone();
        if endpoint.scheme().is_some() || e.value.written().trim().is_empty() {
            continue;
        }
        let Some(span) = e.span() else { continue };
        let full = format!("unix://{}", e.value.written().trim());
        out.finding(
            Case::NoScheme,
            span,
            format!(
                "the kubelet's {} `{}`, {}, has no `unix://` scheme",
                which.noun(),
                e.value,
                endpoint_place(snap, k, which, span)
            ),
        )
        .impact(format!(
            "The kubelet falls back to `{full}` and logs `Using this endpoint is deprecated, please consider using full URL format` on every start; kubeadm prints the same deprecation for schemeless sockets and may refuse them in a future release."
        ))
        .fix(endpoint_fix(snap, k, which, span, &full))
        .key(which.field())
        .label("no unix://")
        .actual(e.value.to_string())
        .expected(full.clone())
        .emit();
    }
    if let Some(reason) = unknown_endpoints(k) {
        out.inconclusive(reason);
    }
}

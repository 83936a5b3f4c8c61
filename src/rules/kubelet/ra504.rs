//! RA504 kubelet-endpoint-no-scheme.

use crate::engine::{Area, Case, Emitter, Rule, RuleMeta, Severity};
use crate::model::{InputKind, NodeSnapshot};

use super::common::{self, Endpoint, Which, endpoint_fix, endpoint_place, unknown_endpoints};

static NO_SCHEME: Case = Case {
    id: "no-scheme",
    severity: Severity::Warning,
};

static META: RuleMeta = RuleMeta {
    id: "RA504",
    name: "kubelet-endpoint-no-scheme",
    area: Area::Kubelet,
    summary: "The kubelet's CRI endpoint has no `unix://` scheme (deprecated form)",
    cases: &[&NO_SCHEME],
    inputs: &[
        InputKind::KubeletFlags,
        InputKind::KubeletSystemdDropIn,
        InputKind::KubeletConfig,
    ],
    doc: include_str!("../../../rules/RA504.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
    let Some(k) = common::kubelet(snap, out) else {
        return;
    };
    for which in [Which::Runtime, Which::Image] {
        let Some(e) = which.setting(k).known() else {
            continue;
        };
        let endpoint = Endpoint::parse(&e.value);
        if endpoint.scheme.is_some() || e.value.trim().is_empty() {
            continue;
        }
        let Some(span) = e.span() else { continue };
        let full = format!("unix://{}", e.value.trim());
        out.finding(
            &NO_SCHEME,
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
        .actual(e.value.clone())
        .expected(full.clone())
        .emit();
    }
    if let Some(reason) = unknown_endpoints(k) {
        out.inconclusive(reason);
    }
}

//! RA505 kubelet-endpoint-config-unsupported.

use crate::release::kubernetes::DefaultEndpoint;
use crate::engine::Emitter;
use crate::model::kubelet::Setting;
use crate::model::{Component, NodeSnapshot};

use super::settings::{self, Which, command_line_location, file_of, setting_flag, where_to_add_flags};
use crate::rules::containerd_socket::containerd_endpoint;

declare_rule! {
    id: "RA505",
    name: "kubelet-endpoint-config-unsupported",
    area: Kubelet,
    summary: "The runtime endpoint is only in config.yaml (`containerRuntimeEndpoint`) on a kubelet older than 1.27, which ignores that field",
    inputs: [KubeletFlags, KubeletSystemdDropIn, KubeletConfig],
    cases: [
        FieldIgnored("field-ignored", Error),
        NoDefault("no-default", Error),
    ],
}

const NOT_SPECIFIED: &str = "failed to validate kubelet flags: the container runtime endpoint address was not specified or empty, use --container-runtime-endpoint to set";

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let version = snap.versions.kubelet.as_ref();
    let (target, target_origin) = containerd_endpoint(snap);
    match &k.effective.runtime_endpoint {
        Setting::Unknown { reason } => {
            out.inconclusive(format!(
                "the kubelet's container runtime endpoint is unknown: {reason}"
            ));
        }
        Setting::Known(e) => {
            let Some(span) = e.span() else { return };
            if setting_flag(k, Which::Runtime.flag(), span).is_some() {
                return;
            }
            // Set by the config field alone.
            let Some(v) = version else {
                out.inconclusive(
                    "`containerRuntimeEndpoint` is set only in the config file: kubelets before 1.27 ignore that field; the kubelet version is unknown (pass --kubernetes-version)",
                );
                return;
            };
            if v.runtime_endpoint_in_config() {
                return;
            }
            let consequence = if v.has_dockershim() {
                "The field is ignored and the kubelet keeps its default, dockershim: the node is not migrated.".to_owned()
            } else if v.default_runtime_endpoint() == DefaultEndpoint::Containerd {
                "The field is ignored: the kubelet uses the flag's default instead of this socket."
                    .to_owned()
            } else {
                format!("The field is ignored and the kubelet refuses to start: `{NOT_SPECIFIED}`.")
            };
            out.finding(
                Case::FieldIgnored,
                span,
                format!(
                    "`containerRuntimeEndpoint: {}` is set only in {}, but {} has no such field (it exists from 1.27)",
                    e.value,
                    file_of(snap, span),
                    v
                ),
            )
            .impact(consequence)
            .fix(format!(
                "Add `--container-runtime-endpoint={}` to {}, {}.{}",
                e.value,
                where_to_add_flags(snap, k),
                settings::restart(k),
                if v.has_dockershim() {
                    " On 1.23 and earlier also add `--container-runtime=remote`."
                } else {
                    ""
                }
            ))
            .key("containerRuntimeEndpoint")
            .label("ignored before 1.27")
            .actual(format!("containerRuntimeEndpoint: {}", e.value))
            .expected(format!("--container-runtime-endpoint={}", e.value))
            .version(Component::Kubelet, v.fact())
            .emit();
        }
        Setting::Unset => {
            let Some(v) = version else { return };
            if v.default_runtime_endpoint() != DefaultEndpoint::None {
                return;
            }
            out.finding(
                Case::NoDefault,
                command_line_location(k),
                format!(
                    "no container runtime endpoint is set and {v} has no default for it"
                ),
            )
            .impact(format!("The kubelet refuses to start: `{NOT_SPECIFIED}`."))
            .fix(format!(
                "Add `--container-runtime-endpoint={target}` to {}, {}. `{target}` is {target_origin}.",
                where_to_add_flags(snap, k),
                settings::restart(k)
            ))
            .key("containerRuntimeEndpoint")
            .actual("unset")
            .expected(format!("--container-runtime-endpoint={target}"))
            .version(Component::Kubelet, v.fact())
            .emit();
        }
    }
}

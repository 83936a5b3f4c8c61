//! RA505 kubelet-endpoint-config-unsupported.

use crate::engine::{Emitter, Location};
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::Setting;
use crate::model::{Component, NodeSnapshot, Span};
use crate::release::KubeletRelease;
use crate::release::kubernetes::DefaultEndpoint;

use super::settings::{
    self, Which, command_line_location, file_of, setting_flag, where_to_add_flags,
};
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

/// A kubelet older than 1.27 reads its endpoint only from the flag: an endpoint set only in
/// config.yaml is ignored, and none at all is fatal on a release without a default.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let version = snap.versions.kubelet.as_ref();
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
            FieldIgnored {
                kubelet: v,
                endpoint: &e.value,
                file: file_of(snap, span),
                add_to: where_to_add_flags(snap, k),
                restart: settings::restart(k),
            }
            .emit(out, span);
        }
        Setting::Unset => {
            let Some(v) = version else { return };
            if v.default_runtime_endpoint() != DefaultEndpoint::None {
                return;
            }
            let (target, target_origin) = containerd_endpoint(snap);
            NoDefault {
                kubelet: v,
                target,
                target_origin,
                add_to: where_to_add_flags(snap, k),
                restart: settings::restart(k),
            }
            .emit(out, command_line_location(k));
        }
    }
}

/// `containerRuntimeEndpoint` set only in config.yaml, on a kubelet that has no such field.
struct FieldIgnored<'a> {
    kubelet: &'a KubeletRelease,
    endpoint: &'a Endpoint,
    /// The config file that sets it.
    file: String,
    /// Where the kubelet's flags are added, in words.
    add_to: String,
    restart: &'static str,
}

impl FieldIgnored<'_> {
    fn message(&self) -> String {
        format!(
            "`containerRuntimeEndpoint: {}` is set only in {}, but {} has no such field (it exists from 1.27)",
            self.endpoint, self.file, self.kubelet
        )
    }

    /// What the kubelet does without the field: its default endpoint, or none.
    fn impact(&self) -> String {
        let v = self.kubelet;
        if v.has_dockershim() {
            "The field is ignored and the kubelet keeps its default, dockershim: the node is not migrated.".to_owned()
        } else if v.default_runtime_endpoint() == DefaultEndpoint::Containerd {
            "The field is ignored: the kubelet uses the flag's default instead of this socket."
                .to_owned()
        } else {
            format!("The field is ignored and the kubelet refuses to start: `{NOT_SPECIFIED}`.")
        }
    }

    fn fix(&self) -> String {
        format!(
            "Add `--container-runtime-endpoint={}` to {}, {}.{}",
            self.endpoint,
            self.add_to,
            self.restart,
            if self.kubelet.has_dockershim() {
                " On 1.23 and earlier also add `--container-runtime=remote`."
            } else {
                ""
            }
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Span) {
        out.finding(Case::FieldIgnored, at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key("containerRuntimeEndpoint")
            .label("ignored before 1.27")
            .actual(format!("containerRuntimeEndpoint: {}", self.endpoint))
            .expected(format!("--container-runtime-endpoint={}", self.endpoint))
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

/// No endpoint at all, on a kubelet that has no default for it (1.26).
struct NoDefault<'a> {
    kubelet: &'a KubeletRelease,
    /// containerd's endpoint, and where it comes from.
    target: String,
    target_origin: String,
    add_to: String,
    restart: &'static str,
}

impl NoDefault<'_> {
    fn message(&self) -> String {
        let v = self.kubelet;
        format!("no container runtime endpoint is set and {v} has no default for it")
    }

    fn fix(&self) -> String {
        let (target, target_origin) = (&self.target, &self.target_origin);
        format!(
            "Add `--container-runtime-endpoint={target}` to {}, {}. `{target}` is {target_origin}.",
            self.add_to, self.restart
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Location) {
        out.finding(Case::NoDefault, at, self.message())
            .impact(format!("The kubelet refuses to start: `{NOT_SPECIFIED}`."))
            .fix(self.fix())
            .key("containerRuntimeEndpoint")
            .actual("unset")
            .expected(format!("--container-runtime-endpoint={}", self.target))
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_ignored<'a>(kubelet: &'a KubeletRelease, endpoint: &'a Endpoint) -> FieldIgnored<'a> {
        FieldIgnored {
            kubelet,
            endpoint,
            file: "/var/lib/kubelet/config.yaml".to_owned(),
            add_to: "KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env".to_owned(),
            restart: "then `systemctl restart kubelet`",
        }
    }

    #[test]
    fn an_ignored_field_leaves_the_kubelet_on_its_own_default() {
        let endpoint = Endpoint::parse("unix:///run/containerd/containerd.sock");
        let dockershim = KubeletRelease::target("1.23.17");
        let containerd = KubeletRelease::target("1.25.16");
        let none = KubeletRelease::target("1.26.15");
        assert!(
            field_ignored(&dockershim, &endpoint)
                .impact()
                .contains("dockershim: the node is not migrated")
        );
        assert!(
            field_ignored(&containerd, &endpoint)
                .impact()
                .contains("uses the flag's default")
        );
        assert!(
            field_ignored(&none, &endpoint)
                .impact()
                .contains(NOT_SPECIFIED)
        );
    }

    #[test]
    fn only_a_dockershim_kubelet_is_also_told_to_add_container_runtime_remote() {
        let endpoint = Endpoint::parse("unix:///run/containerd/containerd.sock");
        let dockershim = KubeletRelease::target("1.23.17");
        let later = KubeletRelease::target("1.26.15");
        assert!(
            field_ignored(&dockershim, &endpoint)
                .fix()
                .ends_with(" On 1.23 and earlier also add `--container-runtime=remote`.")
        );
        assert_eq!(
            field_ignored(&later, &endpoint).fix(),
            "Add `--container-runtime-endpoint=unix:///run/containerd/containerd.sock` to KUBELET_KUBEADM_ARGS in \
             /var/lib/kubelet/kubeadm-flags.env, then `systemctl restart kubelet`."
        );
    }
}

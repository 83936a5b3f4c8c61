//! RA507 kubelet-endpoint-flag-deprecated.

use crate::engine::Emitter;
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::KubeletSettings;
use crate::model::{Component, Input, NodeSnapshot, Span};
use crate::release::KubeletRelease;
use crate::rules::containerd_socket::{containerd_endpoint, containerd_socket};

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

/// From kubelet 1.27 each endpoint flag is deprecated; the fix moves its value to the config
/// file, or containerd's socket when the flag names a stale one.
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
    let config = config_file(k);
    for which in present {
        let Some(f) = k.flag(which.flag()) else {
            continue;
        };
        let written = f.value.clone().unwrap_or_default();
        // Moving a wrong socket into the config file would not help: suggest containerd's.
        let endpoint = Endpoint::parse(&written);
        let stale = match containerd_socket(snap) {
            Some(c) => !c.same_socket(&endpoint),
            None => endpoint.docker_era().is_some(),
        };
        DeprecatedFlag {
            which,
            kubelet: v,
            times: k.flags_named(which.flag()).count(),
            value: if stale {
                containerd_endpoint(snap).0
            } else {
                written
            },
            stale,
            config: &config,
            text: flag_text(snap, f),
            location: flag_location(snap, f),
            restart: settings::restart(k),
        }
        .emit(out, f.span);
    }
}

/// The kubelet's config file: its path when it is read, else how to find it.
fn config_file(k: &KubeletSettings) -> String {
    match &k.config {
        Input::Present(c) => c.path.clone(),
        _ => "the kubelet config file (the file --config names, e.g. /var/lib/kubelet/config.yaml)"
            .to_owned(),
    }
}

/// An endpoint flag on a kubelet that takes the endpoint from its config file.
struct DeprecatedFlag<'a> {
    which: Which,
    kubelet: &'a KubeletRelease,
    /// How many times the flag is written.
    times: usize,
    /// The value the config file should get.
    value: String,
    /// The flag names another socket than containerd's: `value` is containerd's.
    stale: bool,
    /// The kubelet's config file, in words.
    config: &'a str,
    /// The flag as written, and where.
    text: String,
    location: String,
    restart: &'static str,
}

impl DeprecatedFlag<'_> {
    fn message(&self) -> String {
        let count = self.times;
        let repeats = if count > 1 {
            format!(" (written {count} times; the last one wins)")
        } else {
            String::new()
        };
        format!(
            "`--{}` is deprecated on {}: the endpoint belongs in the config file's `{}`{repeats}",
            self.which.flag(),
            self.kubelet,
            self.which.field()
        )
    }

    fn impact(&self) -> String {
        format!(
            "The kubelet logs `Flag --{} has been deprecated, This parameter should be set via the config file specified by the Kubelet's --config flag.` on every start; the flag still wins over the config file. kubeadm 1.34+ (NodeLocalCRISocket) removes this flag from kubeadm-flags.env on upgrade.",
            self.which.flag()
        )
    }

    fn fix(&self) -> String {
        let (value, config) = (&self.value, self.config);
        let stale_note = if self.stale {
            " (containerd's socket, not the one the flag names now: see RA503/RA506)"
        } else {
            ""
        };
        format!(
            "Set `{}: {value}` in {config}{stale_note}, then delete `{}` from {}, {}.",
            self.which.field(),
            self.text,
            self.location,
            self.restart
        )
    }

    fn emit(self, out: &mut Emitter<Case>, at: Span) {
        out.finding(Case::Deprecated, at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(format!("--{}", self.which.flag()))
            .label("deprecated flag")
            .actual(self.text.clone())
            .expected(format!("{}: {}", self.which.field(), self.value))
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deprecated<'a>(
        kubelet: &'a KubeletRelease,
        times: usize,
        stale: bool,
    ) -> DeprecatedFlag<'a> {
        DeprecatedFlag {
            which: Which::Runtime,
            kubelet,
            times,
            value: "unix:///run/containerd/containerd.sock".to_owned(),
            stale,
            config: "/var/lib/kubelet/config.yaml",
            text: "--container-runtime-endpoint=unix:///run/containerd/containerd.sock".to_owned(),
            location: "KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env".to_owned(),
            restart: "then `systemctl restart kubelet`",
        }
    }

    #[test]
    fn a_repeated_flag_says_which_one_wins() {
        let kubelet = KubeletRelease::target("1.29.4");
        assert!(
            deprecated(&kubelet, 2, false)
                .message()
                .ends_with("`containerRuntimeEndpoint` (written 2 times; the last one wins)")
        );
        assert!(
            deprecated(&kubelet, 1, false)
                .message()
                .ends_with("`containerRuntimeEndpoint`")
        );
    }

    #[test]
    fn the_fix_says_when_the_value_is_containerds_instead_of_the_flags() {
        let kubelet = KubeletRelease::target("1.29.4");
        assert!(deprecated(&kubelet, 1, true).fix().starts_with(
            "Set `containerRuntimeEndpoint: unix:///run/containerd/containerd.sock` in /var/lib/kubelet/config.yaml \
             (containerd's socket, not the one the flag names now: see RA503/RA506), then delete"
        ));
        assert!(deprecated(&kubelet, 1, false).fix().starts_with(
            "Set `containerRuntimeEndpoint: unix:///run/containerd/containerd.sock` in /var/lib/kubelet/config.yaml, \
             then delete `--container-runtime-endpoint=unix:///run/containerd/containerd.sock` from"
        ));
    }
}

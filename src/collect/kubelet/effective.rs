//! What the kubelet will use: a flag wins over the config file, which wins over the
//! kubelet's default. A config file the kubelet refuses makes every value it could have set
//! unknown, unless a flag sets it anyway.

use crate::model::endpoint::Endpoint;
use crate::model::kubelet::{Flag, KubeletConfigFile, KubeletEffective, Setting};
use crate::model::{Effective, Input, Spanned};

use super::ConfigNamedBy;

/// The config file as far as effective values are concerned.
enum ConfigState<'a> {
    /// The kubelet reads no config file: defaults apply.
    None { note: String },
    /// Read and usable.
    Usable(&'a KubeletConfigFile),
    /// The kubelet refuses it (or it could not be read): its values are unknown.
    Refused { reason: String },
}

fn config_state<'a>(
    config: &'a Input<KubeletConfigFile>,
    named_by: &ConfigNamedBy,
) -> ConfigState<'a> {
    match config {
        Input::Present(c) if c.wrong_types.is_empty() => ConfigState::Usable(c),
        Input::Present(c) => ConfigState::Refused {
            reason: format!(
                "the kubelet refuses {} (`{}` has the wrong type or value)",
                c.path,
                c.wrong_types
                    .iter()
                    .map(|w| w.value.as_str())
                    .collect::<Vec<_>>()
                    .join("`, `")
            ),
        },
        Input::Absent { path } => match named_by {
            ConfigNamedBy::Flag => ConfigState::Refused {
                reason: format!(
                    "--config names {path}, which does not exist: the kubelet does not start"
                ),
            },
            ConfigNamedBy::AssumedDropin => ConfigState::None {
                note: format!("{path} (named by the assumed kubeadm drop-in) is absent"),
            },
            ConfigNamedBy::Nothing => ConfigState::None {
                note: "no --config".into(),
            },
        },
        Input::Unreadable { path, reason } => ConfigState::Refused {
            reason: format!("{path} could not be read: {reason}"),
        },
        Input::Invalid { path, reason, .. } => ConfigState::Refused {
            reason: format!("{path} is not valid: {reason}"),
        },
    }
}

fn last<'a>(flags: &'a [Flag], name: &str) -> Option<&'a Flag> {
    flags.iter().rev().find(|f| f.name == name)
}

fn from_flag(f: &Flag) -> Effective<String> {
    Effective::set(
        f.value.clone().unwrap_or_default(),
        f.value_span.unwrap_or(f.span),
    )
}

/// flag > config field > `otherwise`.
fn setting(
    flags: &[Flag],
    flag: &str,
    state: &ConfigState,
    field: impl Fn(&KubeletConfigFile) -> Option<Spanned<String>>,
    otherwise: Setting<String>,
) -> Setting<String> {
    if let Some(f) = last(flags, flag) {
        return Setting::Known(from_flag(f));
    }
    match state {
        ConfigState::Refused { reason } => Setting::Unknown {
            reason: reason.clone(),
        },
        ConfigState::Usable(c) => match field(c) {
            Some(v) => Setting::Known(Effective::set(v.value, v.span)),
            None => otherwise,
        },
        ConfigState::None { .. } => otherwise,
    }
}

/// An endpoint of the config file as the text written, to weigh it against the flags.
fn endpoint_text(e: Option<&Spanned<Endpoint>>) -> Option<Spanned<String>> {
    e.map(|e| Spanned::new(e.value.written().to_owned(), e.span))
}

pub(crate) fn resolve(
    flags: &[Flag],
    config: &Input<KubeletConfigFile>,
    named_by: &ConfigNamedBy,
) -> KubeletEffective {
    let state = config_state(config, named_by);
    let default_note = match &state {
        ConfigState::None { note } => format!("kubelet default ({note})"),
        _ => "kubelet default".to_owned(),
    };
    KubeletEffective {
        cgroup_driver: setting(
            flags,
            "cgroup-driver",
            &state,
            |c| c.cgroup_driver.clone(),
            Setting::Known(Effective::default("cgroupfs".to_owned(), default_note)),
        ),
        runtime_endpoint: setting(
            flags,
            "container-runtime-endpoint",
            &state,
            |c| endpoint_text(c.container_runtime_endpoint.as_ref()),
            Setting::Unset,
        )
        .map(|e| Endpoint::parse(&e)),
        image_endpoint: setting(
            flags,
            "image-service-endpoint",
            &state,
            |c| endpoint_text(c.image_service_endpoint.as_ref()),
            Setting::Unset,
        )
        .map(|e| Endpoint::parse(&e)),
        container_runtime: last(flags, "container-runtime").and_then(Flag::value_spanned),
        pod_infra_image: last(flags, "pod-infra-container-image").and_then(Flag::value_spanned),
        config_path: last(flags, "config").and_then(Flag::value_spanned),
    }
}

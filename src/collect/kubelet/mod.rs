//! The kubelet's command line and config file.
//!
//! `service` rebuilds the command line systemd hands the kubelet (unit, drop-ins,
//! environment files, `ExecStart=` expansion), `flags` parses it like the kubelet,
//! `config` reads the config file the command line names, and `effective` merges them the
//! way the kubelet does.

pub mod config;
mod effective;
mod envfile;
mod flags;
mod service;
mod unit;
mod words;

use crate::model::Input;
use crate::model::kubelet::{KubeletService, KubeletSettings};
use crate::model::Spanned;

use super::Ctx;
use super::fs::join_host;

pub use service::{ASSUMED_DROPIN, ETC_DEFAULT, ETC_SYSCONFIG, KUBEADM_FLAGS};

/// Where the config file path came from.
pub(crate) enum ConfigNamedBy {
    /// A `--config` flag written in a file.
    Flag,
    /// The assumed kubeadm drop-in's `KUBELET_CONFIG_ARGS`.
    AssumedDropin,
    /// Nothing names a config file.
    Nothing,
}

pub fn collect(ctx: &Ctx) -> Input<KubeletSettings> {
    let service = match service::collect(ctx) {
        Ok(s) => s,
        Err(u) => {
            return Input::Unreadable {
                path: u.path,
                reason: u.reason,
            };
        }
    };
    let parsed = flags::parse(&service.args);

    // The last --config wins; a written one comes after the assumed drop-in's.
    let written = parsed.flags.iter().rev().find(|f| f.name == "config");
    let assumed = parsed.assumed.iter().rev().find(|(n, _)| n == "config");
    let (config_path, named_by) = match (written, assumed) {
        (Some(f), _) => (f.value.clone().unwrap_or_default(), ConfigNamedBy::Flag),
        (None, Some((_, v))) => (v.clone().unwrap_or_default(), ConfigNamedBy::AssumedDropin),
        (None, None) => (String::new(), ConfigNamedBy::Nothing),
    };
    let config = if config_path.is_empty() {
        Input::Absent {
            path: match named_by {
                ConfigNamedBy::Nothing => "(no --config on the kubelet command line)".into(),
                _ => "(--config is empty)".into(),
            },
        }
    } else {
        // systemd starts services in `/`: a relative --config is relative to it.
        let path = if config_path.starts_with('/') {
            config_path.clone()
        } else {
            join_host("/", &config_path)
        };
        config::read_config(ctx, &path)
    };
    let instance_config = config::read_instance_config(ctx);

    if !service.found_anything && config.is_absent() && instance_config.is_absent() {
        return Input::Absent {
            path: KUBEADM_FLAGS.into(),
        };
    }

    let effective = effective::resolve(&parsed.flags, &config, &named_by);
    Input::Present(KubeletSettings {
        flag_sources: service.sources,
        flags: parsed.flags,
        positional: parsed
            .positional
            .into_iter()
            .filter_map(|(text, span)| Some(Spanned::new(text, span?)))
            .collect(),
        service: KubeletService {
            assumed_dropin: service.assumed_dropin,
            unit_files: service.unit_files,
            exec_start: service.exec_start,
            environment_files: service.environment_files,
            variables: service.variables,
            notes: service.notes,
        },
        config,
        instance_config,
        effective,
    })
}

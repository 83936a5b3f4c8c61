//! The kubelet's command line and config file.
//!
//! `service` rebuilds the command line systemd hands the kubelet (unit, drop-ins,
//! environment files, `ExecStart=` expansion), `flags` parses it like the kubelet,
//! `config` reads the config file the command line names, and `effective` merges them the
//! way the kubelet does.

pub(crate) mod config;
mod effective;
mod envfile;
mod flags;
mod service;
mod unit;
mod words;

use crate::model::Input;
use crate::model::Spanned;
use crate::model::kubelet::{KubeletService, KubeletSettings};

use super::Ctx;
use super::fs::join_host;

pub(crate) use service::{ASSUMED_DROPIN, KUBEADM_FLAGS};

/// Where the config file path came from.
pub(crate) enum ConfigNamedBy {
    /// A `--config` flag written in a file.
    Flag,
    /// The assumed kubeadm drop-in's `KUBELET_CONFIG_ARGS`.
    AssumedDropin,
    /// Nothing names a config file.
    Nothing,
}

pub(crate) fn collect(ctx: &Ctx) -> Input<KubeletSettings> {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::service::{ETC_DEFAULT, ETC_SYSCONFIG};
    use super::*;
    use crate::collect::fs::HostFs;
    use crate::model::kubelet::Setting;

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Collects under a temporary root; returns the settings and the file texts by id.
    fn run(files: &[(&str, &str)]) -> (Input<KubeletSettings>, Vec<(String, String)>) {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in files {
            write(dir.path(), p, t);
        }
        let fs = HostFs::new(dir.path()).unwrap();
        let ctx = Ctx::new(&fs);
        let settings = collect(&ctx);
        let (sources, _, _) = ctx.finish();
        let texts = sources
            .iter()
            .map(|(_, f)| (f.host_path.clone(), f.text().to_owned()))
            .collect();
        (settings, texts)
    }

    fn at(texts: &[(String, String)], span: crate::model::Span) -> (String, String) {
        let (path, text) = &texts[span.file.0 as usize];
        (path.clone(), text[span.range()].to_owned())
    }

    #[test]
    fn assumed_dropin_reads_kubeadm_flags_and_config() {
        let (s, texts) = run(&[
            (
                KUBEADM_FLAGS,
                "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --enforce-node-allocatable='' --v=4\"\n",
            ),
            (ETC_DEFAULT, "KUBELET_EXTRA_ARGS=--cgroup-driver=systemd\n"),
            (
                "/var/lib/kubelet/config.yaml",
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\n",
            ),
        ]);
        let s = s.present().expect("present");
        assert!(s.service.assumed_dropin);
        let names: Vec<&str> = s.flags.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "container-runtime-endpoint",
                "enforce-node-allocatable",
                "v",
                "cgroup-driver"
            ]
        );
        let e = s.flag("enforce-node-allocatable").unwrap();
        assert_eq!(e.value.as_deref(), Some(""));
        assert_eq!(at(&texts, e.span).1, "--enforce-node-allocatable=''");
        assert_eq!(at(&texts, e.value_span.unwrap()).1, "''");
        assert_eq!(e.via, "KUBELET_KUBEADM_ARGS");
        // The flag in /etc/default/kubelet wins over config.yaml.
        let driver = s.effective.cgroup_driver.known().unwrap();
        assert_eq!(driver.value, "systemd");
        assert_eq!(
            at(&texts, driver.span().unwrap()),
            (ETC_DEFAULT.to_owned(), "systemd".to_owned())
        );
        assert!(s.config.is_present());
        assert!(s.effective.config_path.is_none());
        assert_eq!(
            s.effective
                .runtime_endpoint
                .known()
                .unwrap()
                .value
                .written(),
            "unix:///var/run/containerd/containerd.sock"
        );
    }

    #[test]
    fn drop_ins_override_by_name_and_environment_files_win() {
        let (s, texts) = run(&[
            (
                "/lib/systemd/system/kubelet.service",
                "[Service]\nExecStart=/usr/bin/kubelet\n",
            ),
            (
                "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
                "[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--from-usr\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n",
            ),
            (
                "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                "[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--from-etc\" \"OTHER=x\"\nEnvironmentFile=-/etc/sysconfig/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS --node-ip=${NODE_IP} --literal\n",
            ),
            (
                "/etc/systemd/system/kubelet.service.d/20-runtime.conf",
                "[Service]\nEnvironment=NODE_IP=10.1.2.3\n",
            ),
            (
                ETC_SYSCONFIG,
                "KUBELET_EXTRA_ARGS=--from-file --config /etc/k/c.yaml\n",
            ),
        ]);
        let s = s.present().expect("present");
        assert!(!s.service.assumed_dropin);
        let got: Vec<(String, Option<String>)> = s
            .flags
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        // /etc's 10-kubeadm.conf replaces /usr/lib's; the environment file overrides
        // Environment=; ${NODE_IP} is substituted inside the word.
        assert_eq!(
            got,
            [
                ("from-file".into(), None),
                ("config".into(), Some("/etc/k/c.yaml".into())),
                ("node-ip".into(), Some("10.1.2.3".into())),
                ("literal".into(), None),
            ]
        );
        let literal = s.flag("literal").unwrap();
        assert_eq!(
            at(&texts, literal.span).0,
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
        );
        let config = s.flag("config").unwrap();
        assert_eq!(at(&texts, config.span).1, "--config /etc/k/c.yaml");
        // --config names a file that does not exist: the kubelet does not start.
        assert!(matches!(s.effective.cgroup_driver, Setting::Unknown { .. }));
        assert_eq!(s.service.unit_files.len(), 3);
    }

    #[test]
    fn invalid_config_makes_its_values_unknown_but_flags_still_win() {
        let (s, _) = run(&[
            (
                KUBEADM_FLAGS,
                "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n",
            ),
            (
                "/var/lib/kubelet/config.yaml",
                "kind: KubeletConfiguration\ncgroupDriver: [\n",
            ),
        ]);
        let s = s.present().unwrap();
        assert!(matches!(s.config, Input::Invalid { .. }));
        assert!(s.effective.cgroup_driver.unknown_reason().is_some());
        assert!(s.effective.runtime_endpoint.known().is_some());
        assert!(s.effective.image_endpoint.unknown_reason().is_some());
    }

    #[test]
    fn nothing_on_the_node_is_absent() {
        let (s, _) = run(&[("/etc/hostname", "n1\n")]);
        assert!(s.is_absent());
    }

    #[test]
    fn template_leftovers_and_stray_words_do_not_break_parsing() {
        let (s, _) = run(&[(
            ETC_DEFAULT,
            "KUBELET_EXTRA_ARGS=--node-labels=${node_labels} --network-plugin=cni stray \"--unterminated\n",
        )]);
        let s = s.present().unwrap();
        assert_eq!(
            s.flag("node-labels").unwrap().value.as_deref(),
            Some("${node_labels}")
        );
        assert!(s.flag("network-plugin").is_some());
        assert_eq!(s.positional.len(), 1);
    }
}

#[cfg(test)]
mod robustness {
    use proptest::prelude::*;

    use super::envfile;
    use super::flags::{self, Arg};
    use super::unit;
    use super::words::{SplitRules, covering, split};
    use crate::model::FileId;

    proptest! {
        /// Whatever the file holds, the layers never panic and every span stays inside it.
        #[test]
        fn any_text_parses_with_spans_inside(text in r#"(?s)[A-Z_=\"'\\ \t\n#;$\{\}a-z0-9./:-]{0,200}"#) {
            let file = FileId(0);
            let in_bounds = |s: crate::model::Span| (s.end as usize) <= text.len() && s.start <= s.end;
            for a in envfile::parse(file, &text) {
                prop_assert!(in_bounds(a.span));
                let words = split(&a.value, SplitRules { c_escapes: false, relax: true }).unwrap_or_default();
                let args: Vec<Arg> = words
                    .into_iter()
                    .map(|w| Arg {
                        raw: a.value[w.consumed.clone()].to_vec(),
                        raw_index: w.source_index.iter().map(|i| i - w.consumed.start).collect(),
                        chars: w.chars,
                        via: "T".into(),
                    })
                    .collect();
                for f in flags::parse(&args).flags {
                    prop_assert!(in_bounds(f.span));
                    if let Some(v) = f.value_span {
                        prop_assert!(in_bounds(v));
                    }
                }
            }
            for s in unit::parse(file, &text) {
                prop_assert!(in_bounds(s.span));
                if let Ok(cmd) = unit::command(&s.value) {
                    for w in &cmd.words {
                        if let Some(span) = covering(&cmd.input[w.consumed.clone()]) {
                            prop_assert!(in_bounds(span));
                        }
                    }
                }
                let _ = unit::environment(&s.value);
            }
        }
    }
}

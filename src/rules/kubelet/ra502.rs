//! RA502 kubelet-container-runtime-flag.

use crate::release::containerd_defaults::CRI_ENDPOINT;
use crate::engine::{Emitter, Location};
use crate::model::kubelet::{Flag, KubeletSettings};
use crate::model::{Component, NodeSnapshot, Span};
use crate::release::KubeletRelease;

use super::settings::{self, command_line_location, flag_location, flag_text, where_to_add_flags};

declare_rule! {
    id: "RA502",
    name: "kubelet-container-runtime-flag",
    area: Kubelet,
    summary: "--container-runtime keeps dockershim in use (1.23 and earlier), is not `remote` (1.24-1.26), or is set at all (removed in 1.27)",
    inputs: [KubeletFlags, KubeletSystemdDropIn],
    cases: [
        DockershimInUse("dockershim-in-use", Error),
        NotRemote("not-remote", Error),
        Removed("removed", Error),
    ],
}

const REMOTE_VERSION_UNKNOWN: &str = "--container-runtime=remote is required up to kubelet 1.23 and removed in 1.27; the kubelet version is unknown (pass --kubernetes-version)";

const UNSET_VERSION_UNKNOWN: &str = "without --container-runtime=remote a kubelet 1.23 or earlier keeps using dockershim, while 1.24 and later need no flag; the kubelet version is unknown (pass --kubernetes-version)";

/// Each kubelet line wants something else of the flag: `remote` while dockershim exists
/// (1.23 and earlier), `remote` or nothing until 1.26, nothing from 1.27.
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let flag = k.flag("container-runtime");
    let remote = flag.is_some_and(|f| f.value.as_deref() == Some("remote"));
    let Some(v) = snap.versions.kubelet.as_ref() else {
        match flag {
            _ if remote => out.inconclusive(REMOTE_VERSION_UNKNOWN),
            None => out.inconclusive(UNSET_VERSION_UNKNOWN),
            Some(f) => WrongOnEveryVersion {
                value: f.value.clone().unwrap_or_default(),
                flag: WrittenFlag::new(snap, k, f),
            }
            .emit(out),
        }
        return;
    };
    if v.has_dockershim() {
        if !remote {
            let flag = match flag {
                Some(f) => RuntimeFlag::Written(WrittenFlag::new(snap, k, f)),
                None => RuntimeFlag::Missing {
                    at: command_line_location(k),
                    add_to: where_to_add_flags(snap, k),
                    add_endpoint: k.effective.runtime_endpoint.is_unset(),
                    restart: settings::restart(k),
                },
            };
            DockershimInUse { kubelet: v, flag }.emit(out);
        }
    } else if !v.container_runtime_flag_removed() {
        if let Some(f) = flag
            && !remote
        {
            NotRemote {
                kubelet: v,
                value: f.value.clone().unwrap_or_default(),
                flag: WrittenFlag::new(snap, k, f),
            }
            .emit(out);
        }
    } else {
        for f in k.flags_named("container-runtime") {
            Removed {
                kubelet: v,
                flag: WrittenFlag::new(snap, k, f),
            }
            .emit(out);
        }
    }
}

/// A `--container-runtime` on the command line, in the words a fix needs.
struct WrittenFlag {
    span: Span,
    /// As written in its file: `--container-runtime=docker`.
    text: String,
    /// Where: `KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env`.
    location: String,
    /// What to run after editing it.
    restart: &'static str,
}

impl WrittenFlag {
    fn new(snap: &NodeSnapshot, k: &KubeletSettings, f: &Flag) -> Self {
        WrittenFlag {
            span: f.span,
            text: flag_text(snap, f),
            location: flag_location(snap, f),
            restart: settings::restart(k),
        }
    }
}

/// A value other than `remote` on a kubelet of unknown version: no version takes it.
struct WrongOnEveryVersion {
    value: String,
    flag: WrittenFlag,
}

impl WrongOnEveryVersion {
    const IMPACT: &'static str = "The kubelet either stays on dockershim or refuses to start (`failed to run Kubelet: using dockershim is not supported` / `unknown flag: --container-runtime`).";

    fn message(&self) -> String {
        format!(
            "`--container-runtime={}` is wrong on every kubelet version: up to 1.23 it keeps dockershim, 1.24-1.26 accept only `remote`, 1.27 removed the flag (the kubelet version is unknown)",
            self.value
        )
    }

    fn fix(&self) -> String {
        let WrittenFlag {
            text,
            location,
            restart,
            ..
        } = &self.flag;
        format!(
            "Delete `{text}` from {location} (on a kubelet 1.23 or earlier write `--container-runtime=remote` instead), {restart}."
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        out.finding(Case::NotRemote, self.flag.span, self.message())
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key("--container-runtime")
            .label("not `remote`")
            .actual(self.flag.text)
            .expected("no --container-runtime (1.24+), or `remote` (1.23 and earlier)")
            .emit();
    }
}

/// The flag a dockershim kubelet needs to leave dockershim: written wrong, or missing.
enum RuntimeFlag {
    Written(WrittenFlag),
    Missing {
        /// Where the kubelet's command line is written.
        at: Location,
        /// The file (and variable) to add flags to, in words.
        add_to: String,
        /// No runtime endpoint is set either: `remote` alone would name none.
        add_endpoint: bool,
        restart: &'static str,
    },
}

/// A kubelet 1.23 or earlier without `--container-runtime=remote`: it keeps dockershim.
struct DockershimInUse<'v> {
    kubelet: &'v KubeletRelease,
    flag: RuntimeFlag,
}

impl DockershimInUse<'_> {
    const IMPACT: &'static str = "The kubelet keeps running pods through Docker whatever --container-runtime-endpoint says: the node is not migrated (`kubectl get node -o wide` still shows docker://).";

    /// What is on the command line now.
    fn actual(&self) -> String {
        match &self.flag {
            RuntimeFlag::Written(f) => f.text.clone(),
            RuntimeFlag::Missing { .. } => "no --container-runtime (default `docker`)".to_owned(),
        }
    }

    fn message(&self) -> String {
        format!(
            "{} uses its built-in dockershim unless `--container-runtime=remote` is set; found {}",
            self.kubelet,
            self.actual()
        )
    }

    fn fix(&self) -> String {
        match &self.flag {
            RuntimeFlag::Written(f) => format!(
                "Change `{}` to `--container-runtime=remote` in {}, {}.",
                f.text, f.location, f.restart
            ),
            RuntimeFlag::Missing {
                add_to,
                add_endpoint,
                restart,
                ..
            } => {
                let endpoint = if *add_endpoint {
                    format!(" --container-runtime-endpoint={CRI_ENDPOINT}")
                } else {
                    String::new()
                };
                format!("Add `--container-runtime=remote{endpoint}` to {add_to}, {restart}.")
            }
        }
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let at = match &self.flag {
            RuntimeFlag::Written(f) => Location::Span(f.span),
            RuntimeFlag::Missing { at, .. } => at.clone(),
        };
        out.finding(Case::DockershimInUse, at, self.message())
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key("--container-runtime")
            .actual(self.actual())
            .expected("--container-runtime=remote")
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

/// A value other than `remote` on kubelet 1.24-1.26, which have no dockershim to select.
struct NotRemote<'v> {
    kubelet: &'v KubeletRelease,
    value: String,
    flag: WrittenFlag,
}

impl NotRemote<'_> {
    fn message(&self) -> String {
        format!(
            "{} accepts only `--container-runtime=remote` (dockershim was removed in 1.24); found `{}`",
            self.kubelet, self.flag.text
        )
    }

    /// The kubelet's own error, which names `docker` differently from any other value.
    fn impact(&self) -> String {
        if self.value == "docker" {
            "The kubelet refuses to start: `failed to run Kubelet: using dockershim is not supported`.".to_owned()
        } else {
            format!(
                "The kubelet refuses to start: `unsupported CRI runtime: \"{}\", only \"remote\" is currently supported`.",
                self.value
            )
        }
    }

    fn fix(&self) -> String {
        format!(
            "Delete `{}` from {} (or write `--container-runtime=remote`, which 1.27 removes too), {}.",
            self.flag.text, self.flag.location, self.flag.restart
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        out.finding(Case::NotRemote, self.flag.span, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key("--container-runtime")
            .label("dockershim is gone")
            .actual(self.flag.text.clone())
            .expected("--container-runtime=remote, or no flag")
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

/// The flag at all on kubelet 1.27 and later, which removed it.
struct Removed<'v> {
    kubelet: &'v KubeletRelease,
    flag: WrittenFlag,
}

impl Removed<'_> {
    const IMPACT: &'static str = "`failed to parse kubelet flag: unknown flag: --container-runtime`: the kubelet crash-loops and the node goes NotReady.";

    fn message(&self) -> String {
        format!(
            "`--container-runtime` was removed in kubelet 1.27; {} refuses to start with it",
            self.kubelet
        )
    }

    fn fix(&self) -> String {
        format!(
            "Delete `{}` from {}, {}.",
            self.flag.text, self.flag.location, self.flag.restart
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        out.finding(Case::Removed, self.flag.span, self.message())
            .impact(Self::IMPACT)
            .fix(self.fix())
            .key("--container-runtime")
            .label("removed in 1.27")
            .actual(self.flag.text)
            .version(Component::Kubelet, self.kubelet.fact())
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileId;

    fn written(text: &str) -> WrittenFlag {
        WrittenFlag {
            span: Span::new(FileId(0), 0..1),
            text: text.to_owned(),
            location: "KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env".to_owned(),
            restart: "then `systemctl restart kubelet`",
        }
    }

    #[test]
    fn not_remote_quotes_the_error_the_kubelet_gives_for_its_value() {
        let kubelet = KubeletRelease::target("1.25.0");
        let docker = NotRemote {
            kubelet: &kubelet,
            value: "docker".to_owned(),
            flag: written("--container-runtime=docker"),
        };
        assert!(docker.impact().contains("using dockershim is not supported"));
        let crio = NotRemote {
            kubelet: &kubelet,
            value: "crio".to_owned(),
            flag: written("--container-runtime=crio"),
        };
        assert!(crio.impact().contains("unsupported CRI runtime: \"crio\""));
    }

    #[test]
    fn a_missing_flag_is_added_with_an_endpoint_only_when_none_is_set() {
        let kubelet = KubeletRelease::target("1.23.4");
        let missing = |add_endpoint| DockershimInUse {
            kubelet: &kubelet,
            flag: RuntimeFlag::Missing {
                at: Location::Path("/var/lib/kubelet/kubeadm-flags.env".to_owned()),
                add_to: "KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env".to_owned(),
                add_endpoint,
                restart: "then `systemctl restart kubelet`",
            },
        };
        assert!(missing(true).fix().starts_with(
            "Add `--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock` to"
        ));
        assert!(missing(false).fix().starts_with("Add `--container-runtime=remote` to"));
        assert!(missing(false).message().ends_with("found no --container-runtime (default `docker`)"));
    }
}

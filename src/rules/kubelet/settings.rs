//! Where the kubelet's settings are written (flags in which variable of which file, fields of
//! its config file) and how a fix names the place to change them.

use crate::engine::Location;
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::{Flag, KubeletSettings, Setting};
use crate::model::{Input, NodeSnapshot, Span};
use crate::vocabulary::RuleCase;

/// The host path of the file a span points into.
pub(crate) fn file_of(snap: &NodeSnapshot, span: Span) -> String {
    snap.sources.get(span.file).host_path.clone()
}

/// The flag as written in its file (`--network-plugin cni`, quotes included), or as the
/// kubelet receives it when the source cannot be quoted.
pub(crate) fn flag_text(snap: &NodeSnapshot, f: &Flag) -> String {
    snap.sources
        .get(f.span.file)
        .text()
        .get(f.span.range())
        .filter(|t| !t.contains('\n'))
        .map_or_else(|| flag_word(f), str::to_owned)
}

/// `--name=value` or `--name`, as the kubelet receives it.
pub(crate) fn flag_word(f: &Flag) -> String {
    match &f.value {
        Some(v) => format!("--{}={v}", f.name),
        None => format!("--{}", f.name),
    }
}

/// Where a flag is written: `KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env`.
pub(crate) fn flag_location(snap: &NodeSnapshot, f: &Flag) -> String {
    let path = file_of(snap, f.span);
    if f.via == "ExecStart" {
        format!("the ExecStart= line of {path}")
    } else {
        format!("{} in {path}", f.via)
    }
}

/// Where the kubelet's command line is written, for findings about a missing flag: the
/// `KUBELET_KUBEADM_ARGS` assignment, else another variable the command uses, else the
/// `ExecStart=` line, else kubeadm-flags.env.
pub(crate) fn command_line_location(k: &KubeletSettings) -> Location {
    let vars = &k.service.variables;
    vars.iter()
        .find(|v| v.name == "KUBELET_KUBEADM_ARGS")
        .and_then(|v| v.span)
        .or_else(|| vars.iter().find_map(|v| v.span))
        .or(k.service.exec_start)
        .or_else(|| k.flags.first().map(|f| f.span))
        .map_or_else(
            || Location::Path(crate::collect::kubelet::KUBEADM_FLAGS.to_owned()),
            Location::Span,
        )
}

/// The file to add a kubelet flag to, in words.
pub(crate) fn where_to_add_flags(snap: &NodeSnapshot, k: &KubeletSettings) -> String {
    match command_line_location(k) {
        Location::Span(s) => {
            let var = k
                .service
                .variables
                .iter()
                .find(|v| v.span.is_some_and(|vs| vs == s))
                .map(|v| v.name.clone());
            match var {
                Some(v) => format!("{v} in {}", file_of(snap, s)),
                None => file_of(snap, s),
            }
        }
        Location::Path(p) => format!("KUBELET_KUBEADM_ARGS in {p}"),
        Location::Object(o) => o.shown.clone(),
    }
}

/// The kubelet's two CRI endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    Runtime,
    Image,
}

impl Which {
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Which::Runtime => "container-runtime-endpoint",
            Which::Image => "image-service-endpoint",
        }
    }

    pub(crate) fn field(self) -> &'static str {
        match self {
            Which::Runtime => "containerRuntimeEndpoint",
            Which::Image => "imageServiceEndpoint",
        }
    }

    pub(crate) fn setting(self, k: &KubeletSettings) -> &Setting<Endpoint> {
        match self {
            Which::Runtime => &k.effective.runtime_endpoint,
            Which::Image => &k.effective.image_endpoint,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Which::Runtime => "container runtime endpoint",
            Which::Image => "image service endpoint",
        }
    }
}

/// Why the kubelet's endpoints cannot be known, if one of them cannot (both come from the
/// same config file, so one reason covers both).
pub(crate) fn unknown_endpoints(k: &KubeletSettings) -> Option<String> {
    let runtime = k.effective.runtime_endpoint.unknown_reason();
    let image = k.effective.image_endpoint.unknown_reason();
    let which = match (runtime, image) {
        (Some(_), Some(_)) => "runtime and image endpoints are",
        (Some(_), None) => "runtime endpoint is",
        (None, Some(_)) => "image endpoint is",
        (None, None) => return None,
    };
    Some(format!(
        "the kubelet's {which} unknown: {}",
        runtime.or(image).unwrap_or_default()
    ))
}

/// The flag that set an effective value at `span`, if a flag did.
pub(crate) fn setting_flag<'k>(k: &'k KubeletSettings, name: &str, span: Span) -> Option<&'k Flag> {
    k.flags
        .iter()
        .rev()
        .find(|f| f.name == name && (f.span == span || f.value_span == Some(span)))
}

/// Where an endpoint value was set: `set by --flag in VAR in FILE` or `set by field in FILE`.
pub(crate) fn endpoint_place(
    snap: &NodeSnapshot,
    k: &KubeletSettings,
    which: Which,
    span: Span,
) -> String {
    match setting_flag(k, which.flag(), span) {
        Some(f) => format!("set by `--{}` in {}", which.flag(), flag_location(snap, f)),
        None => format!("set by `{}` in {}", which.field(), file_of(snap, span)),
    }
}

/// How to make an endpoint `new`, wherever it is set now.
pub(crate) fn endpoint_fix(
    snap: &NodeSnapshot,
    k: &KubeletSettings,
    which: Which,
    span: Span,
    new: &str,
) -> String {
    let restart = restart(k);
    match setting_flag(k, which.flag(), span) {
        Some(f) => format!(
            "Change `{}` to `--{}={new}` in {}, {restart}.",
            flag_text(snap, f),
            which.flag(),
            flag_location(snap, f)
        ),
        None => format!(
            "Set `{}: {new}` in {}, {restart}.",
            which.field(),
            file_of(snap, span)
        ),
    }
}

/// What to run after editing the kubelet's files.
pub(crate) fn restart(k: &KubeletSettings) -> &'static str {
    if k.service.assumed_dropin {
        "then `systemctl restart kubelet`"
    } else {
        "then `systemctl daemon-reload && systemctl restart kubelet`"
    }
}

/// The kubelet settings, or None after setting the status (not-applicable when absent,
/// inconclusive when unreadable).
pub(crate) fn kubelet<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut crate::engine::Emitter<C>,
) -> Option<&'s KubeletSettings> {
    match &snap.kubelet {
        Input::Present(k) => Some(k),
        other => {
            out.need(other, "kubelet command line or config");
            None
        }
    }
}

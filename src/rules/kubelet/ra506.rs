//! RA506 kubelet-endpoint-socket-mismatch.

use crate::release::containerd_defaults::CRI_ENDPOINT;
use crate::release::kubernetes::DefaultEndpoint;
use crate::engine::emitter::FindingBuilder;
use crate::engine::{Emitter, Location};
use crate::model::containerd::ContainerdConfig;
use crate::model::kubelet::{KubeletSettings, Setting};
use crate::model::{Component, Input, NodeSnapshot, Span};
use crate::release::KubeletRelease;

use super::settings::{self, Which, command_line_location, endpoint_fix, endpoint_place, unknown_endpoints, where_to_add_flags};
use crate::model::endpoint::Endpoint;

declare_rule! {
    id: "RA506",
    name: "kubelet-endpoint-socket-mismatch",
    area: Kubelet,
    summary: "The kubelet's CRI endpoint is not the socket containerd listens on (`[grpc] address`)",
    inputs: [KubeletFlags, KubeletSystemdDropIn, KubeletConfig, ContainerdConfig],
    cases: [
        Mismatch("mismatch", Error),
        DefaultMismatch("default-mismatch", Error),
    ],
}

const IMPACT: &str = "The kubelet dials a socket containerd does not serve: `connect: no such file or directory` (or another runtime answers), the node goes NotReady and no pod starts.";

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = settings::kubelet(snap, out) else {
        return;
    };
    let containerd = match &snap.containerd {
        Input::Present(c) => c,
        other => {
            out.need(other, "containerd config");
            return;
        }
    };
    let listening = Listening::new(snap, containerd);
    let version = snap.versions.kubelet.as_ref();
    let mut undecided: Vec<String> = unknown_endpoints(k).into_iter().collect();

    for which in [Which::Runtime, Which::Image] {
        match which.setting(k) {
            Setting::Known(e) => {
                let endpoint = e.value.clone();
                if endpoint.same_socket(listening.socket) {
                    continue;
                }
                if endpoint.docker_era().is_some() {
                    out.assume(format!(
                        "{} is a Docker-era socket, reported by RA503",
                        e.value
                    ));
                    continue;
                }
                let Some(span) = e.span() else { continue };
                Mismatch {
                    which,
                    value: e.value.written(),
                    span,
                    place: endpoint_place(snap, k, which, span),
                    fix: endpoint_fix(snap, k, which, span, &listening.target),
                    listening: &listening,
                    kubelet: version,
                }
                .emit(out);
            }
            Setting::Unset if which == Which::Runtime => {
                let Some(v) = version else {
                    undecided.push("no runtime endpoint is set and the kubelet version (which decides the default) is unknown".to_owned());
                    continue;
                };
                runtime_endpoint_unset(snap, k, v, &listening, out);
            }
            Setting::Unknown { .. } | Setting::Unset => {}
        }
    }
    if !undecided.is_empty() {
        out.inconclusive(undecided.join("; "));
    }
}

/// No runtime endpoint set: the kubelet's default, which its version decides, must be
/// containerd's socket.
fn runtime_endpoint_unset(
    snap: &NodeSnapshot,
    k: &KubeletSettings,
    v: &KubeletRelease,
    listening: &Listening<'_>,
    out: &mut Emitter<Case>,
) {
    match v.default_runtime_endpoint() {
        DefaultEndpoint::Dockershim => {
            out.not_applicable(
                "no runtime endpoint is set: on this kubelet that means dockershim (RA503)",
            );
            return;
        }
        DefaultEndpoint::None => {
            out.not_applicable("no runtime endpoint is set and kubelet 1.26 has no default (RA505)");
            return;
        }
        DefaultEndpoint::Containerd => {}
    }
    // 1.24 and 1.25: the default is the reference's, not the config file's.
    if !v.runtime_endpoint_in_config() {
        out.assume("kubelet 1.24/1.25 without an endpoint uses unix:///run/containerd/containerd.sock (reference KLT-003, kubernetes PR #107624)");
    }
    if Endpoint::parse(CRI_ENDPOINT).same_socket(listening.socket) {
        return;
    }
    DefaultMismatch {
        kubelet: v,
        at: command_line_location(k),
        add_to: where_to_add_flags(snap, k),
        restart: settings::restart(k),
        listening,
    }
    .emit(out);
}

/// The socket containerd listens on, as the findings name it.
struct Listening<'c> {
    config: &'c ContainerdConfig,
    socket: &'c Endpoint,
    /// The endpoint to give the kubelet: `unix://<socket>`.
    target: String,
    /// Where the socket comes from, in words.
    origin: String,
}

impl<'c> Listening<'c> {
    fn new(snap: &NodeSnapshot, config: &'c ContainerdConfig) -> Self {
        let socket = &config.grpc_address.value;
        let origin = match config.grpc_address.span() {
            Some(s) => format!("`[grpc] address` in {}", settings::file_of(snap, s)),
            None => format!(
                "containerd's default, as {} sets no `[grpc] address`",
                config.path
            ),
        };
        Listening {
            config,
            target: format!("unix://{}", socket.path()),
            socket,
            origin,
        }
    }

    /// Points at where containerd's socket is set (or its config file, for the default).
    fn related<'e>(&self, b: FindingBuilder<'e>) -> FindingBuilder<'e> {
        match self.config.grpc_address.span() {
            Some(s) => b.related(s, "containerd listens here"),
            None => b.related(
                Location::Path(self.config.path.clone()),
                format!("containerd listens on its default {}", self.socket.path()),
            ),
        }
    }
}

/// An endpoint set to another socket than the one containerd listens on.
struct Mismatch<'a> {
    which: Which,
    value: &'a str,
    span: Span,
    /// Where it is set, in words.
    place: String,
    fix: String,
    listening: &'a Listening<'a>,
    kubelet: Option<&'a KubeletRelease>,
}

impl Mismatch<'_> {
    fn message(&self) -> String {
        format!(
            "the kubelet's {} `{}`, {}, is not the socket containerd listens on, `{}` ({}); /run and /var/run are the same directory",
            self.which.noun(),
            self.value,
            self.place,
            self.listening.socket.path(),
            self.listening.origin
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let b = out
            .finding(Case::Mismatch, self.span, self.message())
            .impact(IMPACT)
            .fix(self.fix)
            .key(self.which.field())
            .label("not containerd's socket")
            .actual(self.value)
            .expected(self.listening.target.clone());
        let mut b = self.listening.related(b);
        if let Some(v) = self.kubelet {
            b = b.version(Component::Kubelet, v.fact());
        }
        b.emit();
    }
}

/// No runtime endpoint set, and the kubelet's default is not containerd's socket.
struct DefaultMismatch<'a> {
    kubelet: &'a KubeletRelease,
    /// Where the kubelet's command line is written.
    at: Location,
    /// The file (and variable) to add flags to, in words.
    add_to: String,
    restart: &'static str,
    listening: &'a Listening<'a>,
}

impl DefaultMismatch<'_> {
    fn message(&self) -> String {
        format!(
            "no runtime endpoint is set, so {} uses its default `{CRI_ENDPOINT}`, but containerd listens on `{}` ({})",
            self.kubelet, self.listening.socket.path(), self.listening.origin
        )
    }

    fn fix(&self) -> String {
        let target = &self.listening.target;
        format!(
            "Add `--container-runtime-endpoint={target}` to {} (or, on 1.27 and later, set `containerRuntimeEndpoint: {target}` in the kubelet config file), {}.",
            self.add_to, self.restart
        )
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let b = out
            .finding(Case::DefaultMismatch, self.at.clone(), self.message())
            .impact(IMPACT)
            .fix(self.fix())
            .key("containerRuntimeEndpoint")
            .actual(format!("unset (default {CRI_ENDPOINT})"))
            .expected(self.listening.target.clone())
            .version(Component::Kubelet, self.kubelet.fact());
        self.listening.related(b).emit();
    }
}

//! Collection: the only place that touches the node (its files, and through `live` its
//! sockets). It reads, parses and normalizes into the snapshot, and never decides whether
//! something is wrong.

pub(crate) mod api;
pub(crate) mod containerd;
pub(crate) mod crictl;
pub(crate) mod docker;
pub(crate) mod fs;
pub(crate) mod hosts;
pub(crate) mod kubelet;
pub mod live;
pub(crate) mod manifests;
pub(crate) mod node;
pub(crate) mod policy;
pub(crate) mod suggest;
pub(crate) mod tree;
pub(crate) mod versions;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

use crate::model;
use crate::model::policy::Date;
use crate::model::source::SourceMapBuilder;
use crate::model::{
    FileId, Input, InputKind, InputProblem, InputRecord, InputState, NodeIdentity, NodeSnapshot,
    Problem, SourceFile, Span,
};

pub use api::ApiOptions;
use fs::{HostFs, ReadError};

/// Default host path of containerd's config.
pub(crate) const CONTAINERD_CONFIG: &str = "/etc/containerd/config.toml";

/// What to collect and from where.
#[derive(Clone, Debug, Default)]
pub struct CollectOptions {
    /// The node's filesystem root (`/` on the node itself).
    pub root: PathBuf,
    /// Host path of containerd's config (default [`CONTAINERD_CONFIG`]).
    pub containerd_config: Option<String>,
    /// A Node object file on the auditing machine (not under the root).
    pub node_file: Option<PathBuf>,
    /// Which node of a node list file to audit.
    pub node_name: Option<String>,
    /// Migration targets.
    pub kubernetes_version: Option<String>,
    pub containerd_version: Option<String>,
    /// The policy file (`runtime-audit.toml`), on the auditing machine.
    pub policy_file: Option<PathBuf>,
    /// Today's date, for exception expiry.
    pub today: Option<Date>,
    /// Live probes, or recorded facts, or none.
    pub live: live::LiveOptions,
    /// The Kubernetes API: the Node object and the kubelet's configz.
    pub api: ApiOptions,
}

/// Why no audit could run at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot audit root {0}")]
    Root(String),
    #[error("{0}")]
    Policy(String),
    #[error("{0}")]
    Live(String),
}

/// Reads everything and builds the snapshot.
pub fn collect(opts: &CollectOptions) -> Result<NodeSnapshot, CollectError> {
    let started = std::time::Instant::now();
    let host = HostFs::new(&opts.root).map_err(CollectError::Root)?;
    let ctx = Ctx::new(&host);
    let containerd_path = opts
        .containerd_config
        .clone()
        .unwrap_or_else(|| CONTAINERD_CONFIG.to_string());

    // Sockets named on the command line and the well-known ones are probed while files are
    // read; the ones the files name are added once they are parsed.
    let running = live::start(&opts.live);

    // One file after another: a node's inputs are a few small files, read in well under a
    // millisecond, while starting threads for them costs more (benches/bench.sh); the probes
    // already run on their own thread meanwhile.
    let loaded = containerd::load(&ctx, &containerd_path);
    let kubelet = kubelet::collect(&ctx);
    let crictl = crictl::collect(&ctx);
    let docker = docker::collect(&ctx);
    let static_pods = manifests::collect(&ctx);
    let node = node::collect(&ctx, opts.node_file.as_deref(), opts.node_name.as_deref());
    // The API is asked once the node's name is known (a `--node-file` may give it); its
    // deadline is the probes', counted from the audit's start.
    let asking = start_api(&ctx, opts, &node, started);
    let policy = policy::collect(&ctx, opts.policy_file.as_deref(), opts.today);
    let policy = policy.map_err(CollectError::Policy)?;

    let live = match &opts.live {
        live::LiveOptions::Recorded { path } => {
            live::recorded::load(&ctx, path).map_err(CollectError::Live)?
        }
        live::LiveOptions::Offline { reason } => live::offline(reason),
        live::LiveOptions::Probe { .. } => {
            let grpc = containerd::grpc_address_hint(&loaded);
            running.map_or_else(
                || live::offline("no socket to probe"),
                |r| r.finish(&kubelet, grpc.as_ref(), &crictl),
            )
        }
    };
    let from_api = match asking {
        Ok(running) => running.finish(),
        Err(not_used) => not_used,
    };
    let live = match &opts.live {
        // Recorded facts carry the host facts and the kubelet's configz of the recorded node.
        live::LiveOptions::Recorded { .. } => live,
        _ => model::live::LiveFacts {
            host: live::host::facts(&host),
            kubelet: from_api.kubelet_live(),
            node_object: from_api.recorded_node(),
            ..live
        },
    };
    let node = match (&opts.node_file, &opts.live, &live.node_object) {
        (Some(_), _, _) => node,
        (None, live::LiveOptions::Recorded { path }, Some(recorded)) => {
            node_from_record(&ctx, recorded, path)
        }
        (None, _, _) => node_from_api(&ctx, node, &from_api),
    };
    record_api(&ctx, &from_api);

    let mut versions = versions::resolve(opts, &node, &live);
    let (containerd, release) =
        containerd::normalize(&ctx, &loaded, versions.containerd.known_fact());
    versions.containerd = release;
    let registry_hosts = hosts::collect(&ctx, &containerd);
    let identity = identity(&ctx, &node);

    let (sources, inputs, problems) = ctx.finish();
    Ok(NodeSnapshot {
        root: opts.root.display().to_string(),
        identity,
        sources: Arc::new(sources),
        inputs,
        problems,
        versions,
        containerd,
        registry_hosts,
        kubelet,
        crictl,
        docker,
        node,
        policy,
        live,
        static_pods,
    })
}

/// Starts asking the API for the node named by `--node`, `NODE_NAME`, the `--node-file` or
/// the host name; the Node object itself only when no `--node-file` gives it.
fn start_api(
    ctx: &Ctx,
    opts: &CollectOptions,
    node: &Input<model::node::NodeObject>,
    started: std::time::Instant,
) -> Result<api::Running, api::Outcome> {
    let on_host = matches!(opts.api.0, api::ApiMode::On { on_host: true, .. });
    let hostname_file = ctx.fs.read_text("/etc/hostname").ok();
    let kernel_hostname = on_host
        .then(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .flatten();
    let env = std::env::var("NODE_NAME").ok();
    let name = api::node_name(
        opts.node_name.as_deref(),
        env.as_deref(),
        node.present()
            .and_then(|n| n.name.as_ref())
            .map(|n| n.value.as_str()),
        hostname_file.as_deref(),
        kernel_hostname.as_deref(),
    );
    api::start(&opts.api, name, opts.node_file.is_none(), started)
}

/// The Node object the API gave, or why there is none (`absent` when the API is not used).
fn node_from_api(
    ctx: &Ctx,
    absent: Input<model::node::NodeObject>,
    outcome: &api::Outcome,
) -> Input<model::node::NodeObject> {
    match outcome {
        api::Outcome::NotUsed { reason, said: true } => Input::Absent {
            path: format!("(no --node-file, and the Kubernetes API is not used: {reason})"),
        },
        api::Outcome::NotUsed { said: false, .. } => absent,
        api::Outcome::Used(read) => match &read.node {
            Some(Ok(n)) => node::from_api(ctx, &n.location, &n.body, n.selected_by.clone()),
            Some(Err((at, failed))) => node::api_failure(ctx, at, &failed.sentence),
            None => absent,
        },
    }
}

/// The Node object recorded with the live facts, read as the API's answer was.
fn node_from_record(
    ctx: &Ctx,
    recorded: &model::live::RecordedNode,
    path: &std::path::Path,
) -> Input<model::node::NodeObject> {
    match recorded {
        model::live::RecordedNode::Read {
            location,
            selected_by,
            body,
        } => node::from_api(
            ctx,
            location,
            body,
            format!("{selected_by}, recorded in {}", path.display()),
        ),
        model::live::RecordedNode::Failed { location, reason } => node::api_failure(
            ctx,
            location,
            &format!("{reason} (recorded in {})", path.display()),
        ),
    }
}

/// The API in the inputs summary: not found (absent), the connection failed, or the
/// kubelet's configz read or not.
fn record_api(ctx: &Ctx, outcome: &api::Outcome) {
    const API: &str = "the Kubernetes API";
    match outcome {
        api::Outcome::NotUsed { reason, said: true } => {
            ctx.record(
                InputKind::KubernetesApi,
                API,
                InputState::Absent,
                Some(reason.clone()),
            );
        }
        api::Outcome::NotUsed { said: false, .. } => {}
        api::Outcome::Used(read) => match (&read.configz_source, &read.configz) {
            (Some(at), Ok(_)) => ctx.record(
                InputKind::KubernetesApi,
                at,
                InputState::Read,
                read.credentials
                    .as_ref()
                    .map(|c| format!("with the credentials of {c}")),
            ),
            (Some(at), Err(f)) => ctx.record(
                InputKind::KubernetesApi,
                at,
                InputState::Unreadable,
                Some(f.sentence.clone()),
            ),
            (None, Err(f)) => ctx.record(
                InputKind::KubernetesApi,
                read.server.as_deref().unwrap_or(API),
                InputState::Unreadable,
                Some(f.sentence.clone()),
            ),
            (None, Ok(_)) => {}
        },
    }
}

fn identity(ctx: &Ctx, node: &crate::model::Input<crate::model::node::NodeObject>) -> NodeIdentity {
    if let Some(name) = node.present().and_then(|n| n.name.as_ref()) {
        return NodeIdentity {
            name: name.value.clone(),
            source: "node-object",
        };
    }
    if let Ok(text) = ctx.fs.read_text("/etc/hostname") {
        let name = text.trim();
        if !name.is_empty() && name.len() <= 253 && !name.contains(char::is_whitespace) {
            return NodeIdentity {
                name: name.to_owned(),
                source: "hostname-file",
            };
        }
    }
    NodeIdentity {
        name: "unknown".into(),
        source: "unknown",
    }
}

/// The outcome of reading one file.
pub(crate) enum Read {
    Absent,
    Unreadable(String),
    Text(String),
}

impl Read {
    /// The text, or the input an absent or unreadable file is (its record and problem are
    /// already made by [`Ctx::read`]).
    pub(crate) fn or_input<T>(self, path: &str) -> Result<String, Input<T>> {
        match self {
            Read::Text(text) => Ok(text),
            Read::Absent => Err(Input::Absent { path: path.into() }),
            Read::Unreadable(reason) => Err(Input::Unreadable {
                path: path.into(),
                reason,
            }),
        }
    }
}

/// Shared by collectors: the filesystem, the source map, and the inputs/problems records.
/// Reads only the policy file, for commands that audit no node (`cluster`).
pub(crate) fn policy_only(
    explicit: Option<&std::path::Path>,
    today: Option<crate::model::policy::Date>,
) -> Result<(crate::model::policy::PolicyFacts, crate::model::SourceMap), String> {
    let fs = fs::HostFs::new(std::path::Path::new("/"))?;
    let ctx = Ctx::new(&fs);
    let facts = policy::collect(&ctx, explicit, today)?;
    let (sources, _, _) = ctx.finish();
    Ok((facts, sources))
}

pub(crate) struct Ctx<'a> {
    pub(crate) fs: &'a HostFs,
    sources: SourceMapBuilder,
    records: RefCell<Vec<InputRecord>>,
    problems: RefCell<Vec<InputProblem>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(fs: &'a HostFs) -> Self {
        Ctx {
            fs,
            sources: SourceMapBuilder::default(),
            records: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
        }
    }

    /// Reads a host file. Absent and unreadable files are recorded (unreadable ones as a
    /// problem); a file that was read is recorded once registered with [`Ctx::add_file`].
    pub(crate) fn read(&self, kind: InputKind, host_path: &str) -> Read {
        let result = self.fs.read_text(host_path);
        self.read_result(kind, host_path, result)
    }

    /// Same as [`Ctx::read`] for a file outside the root (`--node-file`, the policy file).
    pub(crate) fn read_local(&self, kind: InputKind, path: &std::path::Path) -> Read {
        let result = fs::read_local_text(path);
        self.read_result(kind, &path.display().to_string(), result)
    }

    fn read_result(&self, kind: InputKind, path: &str, result: Result<String, ReadError>) -> Read {
        match result {
            Ok(text) => Read::Text(text),
            Err(ReadError::NotFound) => {
                self.record(kind, path, InputState::Absent, None);
                Read::Absent
            }
            Err(ReadError::Unreadable(reason)) => {
                self.record(kind, path, InputState::Unreadable, Some(reason.clone()));
                self.problem(
                    kind,
                    path,
                    Problem::Unreadable {
                        reason: reason.clone(),
                    },
                );
                Read::Unreadable(reason)
            }
        }
    }

    /// Registers a file that was read, so spans can point into it. Credential-looking values
    /// (`password = ...`, `token: ...`) are masked at once, whatever the format and whether
    /// or not it parses; collectors that understand the structure mask more precisely.
    pub(crate) fn add_file(&self, kind: InputKind, host_path: &str, text: &str) -> FileId {
        self.record(kind, host_path, InputState::Read, None);
        let secrets = containerd::lexical_secret_ranges(text);
        self.sources
            .add(SourceFile::new(host_path.to_owned(), kind, text, &secrets))
    }

    /// Masks secret byte ranges of a registered file.
    pub(crate) fn mask_secrets(&self, file: FileId, secrets: &[std::ops::Range<usize>]) {
        self.sources.mask_secrets(file, secrets);
    }

    /// The host path of a registered file.
    pub(crate) fn source_path(&self, file: FileId) -> String {
        self.sources.path(file)
    }

    /// The text of a span (secrets already masked), shortened for a message.
    pub(crate) fn snippet(&self, span: Span) -> String {
        let text = self.sources.snippet(span);
        let one_line = text.lines().next().unwrap_or("");
        if one_line.chars().count() > 60 || one_line.len() < text.len() {
            format!("{}…", one_line.chars().take(60).collect::<String>())
        } else {
            one_line.to_owned()
        }
    }

    /// Records a syntax error and marks the input invalid.
    pub(crate) fn syntax_error(
        &self,
        kind: InputKind,
        path: &str,
        format: &'static str,
        message: impl Into<String>,
        span: Option<Span>,
    ) {
        let message = message.into();
        self.set_state(
            path,
            InputState::Invalid,
            Some(format!("{format} syntax error: {message}")),
        );
        self.problem(
            kind,
            path,
            Problem::Syntax {
                format,
                message,
                span,
            },
        );
    }

    /// Adds an entry to the inputs summary.
    pub(crate) fn record(
        &self,
        kind: InputKind,
        path: &str,
        state: InputState,
        detail: Option<String>,
    ) {
        let mut records = self.records.borrow_mut();
        records.push(InputRecord {
            kind,
            path: path.to_owned(),
            state,
            detail,
        });
    }

    /// Marks a file that was read as invalid for a reason other than syntax (a Node file
    /// holding several nodes and no way to pick one; a document of the wrong shape).
    pub(crate) fn invalid(&self, path: &str, reason: impl Into<String>) {
        self.set_state(path, InputState::Invalid, Some(reason.into()));
    }

    fn set_state(&self, path: &str, state: InputState, detail: Option<String>) {
        let mut records = self.records.borrow_mut();
        if let Some(r) = records.iter_mut().rev().find(|r| r.path == path) {
            r.state = state;
            r.detail = detail;
        }
    }

    /// Records a problem with an input file (e.g. [`Problem::WrongType`]).
    pub(crate) fn problem(&self, kind: InputKind, path: &str, problem: Problem) {
        let mut problems = self.problems.borrow_mut();
        problems.push(InputProblem {
            kind,
            path: path.to_owned(),
            problem,
        });
    }

    fn finish(self) -> (crate::model::SourceMap, Vec<InputRecord>, Vec<InputProblem>) {
        let mut records = self.records.into_inner();
        records.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
        records.dedup_by(|a, b| a.kind == b.kind && a.path == b.path);
        let mut problems = self.problems.into_inner();
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        (self.sources.finish(), records, problems)
    }
}

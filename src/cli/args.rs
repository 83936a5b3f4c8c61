//! Argument definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::vocabulary::Severity;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "runtime-audit",
    version,
    about = "Preflight audit of a Kubernetes node moving from Docker (dockershim) to containerd",
    long_about = "Reads the node's containerd, kubelet, crictl and Docker configuration (and the \
                  Node object), checks them against the migration rule set, and reports what \
                  will break, where, and how to fix it. It never changes the host.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 such findings; 2 the audit could not run."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) audit: AuditArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum Command {
    /// Audit the node (the default command).
    Audit(AuditArgs),
    /// List the rule catalog.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Print the effective configuration of every input and where each value came from.
    Inspect(InspectArgs),
    /// Show the edits that fix the findings (a diff per file); --write applies them.
    Fix(FixArgs),
    Cluster(ClusterArgs),
}

/// `runtime-audit cluster`: every node and workload of a cluster, from its objects.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 such findings; 2 no object could be read."
)]
pub(crate) struct ClusterArgs {
    /// Kubernetes objects to audit: a file (JSON or YAML: a List as `kubectl get
    /// nodes,pods,replicasets,jobs -A -o json` prints it, single objects, or a stream of
    /// them), a directory of such files, or `-` for standard input. Repeatable.
    /// Without it, the objects are listed from the Kubernetes API.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub(crate) files: Vec<String>,
    #[command(flatten)]
    pub(crate) api: ApiArgs,
    /// Objects per LIST page.
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) chunk_size: u32,
    /// Nodes whose kubelet configz is read at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,
    /// How long one API request may take, headers and body.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub(crate) request_timeout: std::time::Duration,
    /// The containerd release the Docker nodes move to: their kubelets are judged against it.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub(crate) containerd_version: Option<String>,
    /// The node label whose values name the pools of the rollout summary (default: the pool
    /// label most nodes carry, such as eks.amazonaws.com/nodegroup).
    #[arg(long, value_name = "LABEL")]
    pub(crate) group_by: Option<String>,
    /// Output format for stdout (or --output).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) format: OutputFormat,
    /// Write the --format output to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) rules: RuleChoice,
    /// No progress on stderr (it is shown only when stderr is a terminal).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    /// When to use colors (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

/// Where and what to read.
#[derive(Debug, Clone, Args)]
pub(crate) struct NodeArgs {
    /// The node's filesystem root; files are read under it (e.g. a mounted host at /host).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// containerd config path on the node.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/etc/containerd/config.toml"
    )]
    pub(crate) containerd_config: String,
    /// The Node object, as `kubectl get node NAME -o yaml` (or `-o json`) prints it.
    #[arg(long, value_name = "FILE")]
    pub(crate) node_file: Option<PathBuf>,
    /// The audited node's name: which node of a --node-file list to audit, and the Node the
    /// Kubernetes API is asked for (default: NODE_NAME, else the Node labelled
    /// kubernetes.io/hostname=<host name>).
    #[arg(long, visible_alias = "node", value_name = "NAME")]
    pub(crate) node_name: Option<String>,
    /// The Kubernetes version you are migrating to (e.g. 1.29); used before versions found on the node.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub(crate) kubernetes_version: Option<String>,
    /// The containerd version you are migrating to (e.g. 1.7.13).
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub(crate) containerd_version: Option<String>,
    #[command(flatten)]
    pub(crate) live: LiveArgs,
    /// The Kubernetes API, for the Node object and the kubelet's running configuration.
    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

/// How to reach the Kubernetes API.
#[derive(Debug, Clone, Args)]
pub(crate) struct ApiArgs {
    /// The kubeconfig (default: KUBECONFIG, then ~/.kube/config, then the pod's service
    /// account).
    #[arg(long, value_name = "FILE")]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current-context).
    #[arg(long, value_name = "NAME")]
    pub(crate) context: Option<String>,
    /// Requests per second to the API server at most (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 1000.0)]
    pub(crate) qps: f64,
    /// Requests allowed at once above --qps.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub(crate) burst: u32,
}

/// Live probes of the runtime sockets.
#[derive(Debug, Clone, Args)]
pub(crate) struct LiveArgs {
    /// Do not probe any socket (files only).
    #[arg(long, conflicts_with = "live_facts")]
    pub(crate) offline: bool,
    /// containerd's socket (probed even with --root).
    #[arg(long, value_name = "PATH")]
    pub(crate) containerd_socket: Option<String>,
    /// Docker's socket (probed even with --root).
    #[arg(long, value_name = "PATH")]
    pub(crate) docker_socket: Option<String>,
    /// How long the audit waits for the running daemons, from its start (the report follows
    /// within it).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub(crate) probe_timeout: std::time::Duration,
    /// Use live facts recorded earlier with --save-live-facts instead of probing.
    #[arg(long, value_name = "FILE")]
    pub(crate) live_facts: Option<PathBuf>,
}

/// Which rules and cases count: the command line's and the policy file's.
#[derive(Debug, Clone, Args)]
pub(crate) struct RuleChoice {
    /// Run only these rules (ids, id prefixes or names; comma-separated or repeated), or
    /// report only these cases of a rule (`RA405:docker-hub-alias`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub(crate) select: Vec<String>,
    /// Never run these rules (ids, id prefixes or names), or never report these cases of a
    /// rule (`RA405:docker-hub-alias`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub(crate) ignore: Vec<String>,
    /// Policy file (default: ./runtime-audit.toml when present).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    pub(crate) node: NodeArgs,
    /// Output format for stdout (or --output).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) format: OutputFormat,
    /// Write the --format output to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Also write a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json_output: Option<PathBuf>,
    /// Also write a SARIF report to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) sarif_output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) rules: RuleChoice,
    /// When to use colors (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Write the live facts probed (sockets, CRI, Docker, host) to FILE, to audit them again
    /// elsewhere with --live-facts.
    #[arg(long, value_name = "FILE")]
    pub(crate) save_live_facts: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Exit codes: 0 nothing to fix; 1 fixes proposed (dry run), or findings at or above --fail-on left after --write or to a person; 2 fix could not run."
)]
pub(crate) struct FixArgs {
    #[command(flatten)]
    pub(crate) node: NodeArgs,
    /// Apply the fixes: each file is replaced atomically, its owner and mode kept and the old
    /// file kept beside it as FILE.runtime-audit.bak; then the node is audited again.
    #[arg(long)]
    pub(crate) write: bool,
    /// Output format for stdout.
    #[arg(long, value_enum, default_value_t = FixFormat::Human)]
    pub(crate) format: FixFormat,
    /// Findings at or above this severity that no fix resolves make the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) rules: RuleChoice,
    /// When to use colors (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FixFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub(crate) fn to_anstream(self) -> anstream::ColorChoice {
        match self {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CatalogFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct RulesArgs {
    /// `human` (a table by area), `json` (machine-readable) or `markdown` (docs/rules.md).
    #[arg(long, value_enum, default_value_t = CatalogFormat::Human)]
    pub(crate) format: CatalogFormat,
    /// When to use colors (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ExplainArgs {
    /// Rule id (RA201) or name (cgroup-driver-mismatch).
    pub(crate) rule: String,
    /// When to use colors (NO_COLOR is honoured in auto mode).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InspectFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct InspectArgs {
    #[command(flatten)]
    pub(crate) node: NodeArgs,
    #[arg(long, value_enum, default_value_t = InspectFormat::Human)]
    pub(crate) format: InspectFormat,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

fn parse_version(s: &str) -> Result<String, String> {
    crate::model::Version::parse(s)
        .map(|_| s.to_owned())
        .ok_or_else(|| format!("{s:?} is not a version like 1.29 or 1.7.13"))
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration like 2s or 500ms: {e}"))?;
    if d.is_zero() || d > std::time::Duration::from_secs(300) {
        return Err(format!(
            "{s:?}: the probe timeout must be between 1ms and 5m"
        ));
    }
    Ok(d)
}

/// When the exit code turns 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub(crate) fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

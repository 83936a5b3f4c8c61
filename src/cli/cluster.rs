//! `runtime-audit cluster -f FILE`: reads the objects, runs the cluster rules, renders.

use std::io::IsTerminal;

use crate::api::ApiSettings;
use crate::cluster::read::api::ApiRead;
use crate::cluster::{self, Target};
use crate::collect;
use crate::engine;
use crate::model::{Version, VersionFact, VersionOrigin};
use crate::release::ContainerdRelease;
use crate::report::cluster::{ClusterReport, human, json, sarif};
use crate::rules;

use super::args::{ApiArgs, ClusterArgs, OutputFormat};
use super::audit::{build_policy, today, write_file};

pub(crate) fn run(args: &ClusterArgs) -> Result<u8, String> {
    let (policy_facts, policy_sources) =
        collect::policy_only(args.rules.config.as_deref(), Some(today()))?;
    let policy = build_policy(&args.rules, &policy_facts, &policy_sources)?;
    let target = Target {
        containerd: args.containerd_version.as_deref().and_then(|v| {
            let version = Version::parse(v)?;
            Some(ContainerdRelease::resolve(
                Some(&VersionFact {
                    version,
                    origin: VersionOrigin::Cli {
                        flag: "--containerd-version",
                    },
                }),
                None,
            ))
        }),
    };
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let facts = if args.files.is_empty() {
        let how = ApiRead {
            settings: api_settings(&args.api, args.request_timeout),
            page_size: args.chunk_size,
            concurrency: usize::from(args.concurrency),
        };
        cluster::gather_api(&how, target, progress)
            .map_err(|f| format!("cannot read the cluster from the Kubernetes API: {f}"))?
    } else {
        cluster::gather(&args.files, &mut std::io::stdin().lock(), target, progress)
    };
    let rollout = cluster::rollout::rollout(facts.nodes(), args.group_by.as_deref());
    let evaluation = engine::evaluate_cluster(&facts, &rules::all(), &policy, &policy_facts);
    let report = ClusterReport {
        facts: &facts,
        evaluation: &evaluation,
        rollout: &rollout,
        fail_on: args.fail_on.threshold(),
        policy_file: policy_facts.file.as_deref(),
    };
    let text = match args.format {
        OutputFormat::Human => human::render(&report),
        OutputFormat::Json => json::render(&report),
        OutputFormat::Sarif => sarif::render(&report),
    };
    let human = args.format == OutputFormat::Human;
    match &args.output {
        Some(path) => write_file(path, &text, human, args.color)?,
        None if human => super::print(&text, args.color)?,
        None => super::print_plain(&text)?,
    }
    Ok(report.exit_code())
}

pub(crate) fn api_settings(args: &ApiArgs, timeout: std::time::Duration) -> ApiSettings {
    ApiSettings {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        timeout,
        qps: args.qps,
        burst: args.burst,
    }
}

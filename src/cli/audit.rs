//! The audit command: collect, evaluate, render every requested output.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::collect::api::{ApiMode, ApiOptions};
use crate::collect::live::{Explicit, LiveOptions};
use crate::collect::{self, CollectOptions};
use crate::engine::{self, Policy, Selector, SelectorError, SeverityOverride};
use crate::model::policy::Date;
use crate::model::policy::PolicyFacts;
use crate::model::{NodeSnapshot, SourceMap};
use crate::report::{self, Report};
use crate::rules;
use crate::vocabulary::Severity;

use super::args::{AuditArgs, ColorChoice, NodeArgs, OutputFormat, RuleChoice};

pub(crate) fn run(args: &AuditArgs) -> Result<u8, String> {
    let snapshot = collect_node(&args.node, args.rules.config.as_deref())?;
    if let Some(path) = &args.save_live_facts {
        let json = serde_json::to_string_pretty(&snapshot.live).map_err(|e| e.to_string())?;
        write_file(path, &format!("{json}\n"), false, ColorChoice::Never)?;
    }
    let policy = build_policy(&args.rules, &snapshot.policy, &snapshot.sources)?;
    let all = rules::all();
    let evaluation = engine::evaluate(&snapshot, &all, &policy);
    let report = Report::new(&snapshot, evaluation, args.fail_on.threshold());

    let primary = render(&report, args.format);
    match &args.output {
        Some(path) => write_file(
            path,
            &primary,
            args.format == OutputFormat::Human,
            args.color,
        )?,
        None => {
            if args.format == OutputFormat::Human {
                super::print(&primary, args.color)?;
            } else {
                super::print_plain(&primary)?;
            }
        }
    }
    if let Some(path) = &args.json_output {
        write_file(
            path,
            &report::json::render(&report),
            false,
            ColorChoice::Never,
        )?;
    }
    if let Some(path) = &args.sarif_output {
        write_file(
            path,
            &report::sarif::render(&report),
            false,
            ColorChoice::Never,
        )?;
    }
    Ok(report.exit_code())
}

/// Collects the node, or explains why no audit can run.
pub(crate) fn collect_node(
    node: &NodeArgs,
    policy_file: Option<&Path>,
) -> Result<NodeSnapshot, String> {
    let opts = CollectOptions {
        root: node.root.clone(),
        containerd_config: Some(node.containerd_config.clone()),
        node_file: node.node_file.clone(),
        node_name: node.node_name.clone(),
        kubernetes_version: node.kubernetes_version.clone(),
        containerd_version: node.containerd_version.clone(),
        policy_file: policy_file.map(Path::to_path_buf),
        today: Some(today()),
        live: live_options(node),
        api: api_options(node),
    };
    collect::collect(&opts).map_err(|e| e.to_string())
}

/// Probes run on the node itself; with `--root` (a mounted or copied filesystem) only the
/// sockets named on the command line are probed.
fn live_options(node: &NodeArgs) -> LiveOptions {
    let l = &node.live;
    if let Some(path) = &l.live_facts {
        return LiveOptions::Recorded { path: path.clone() };
    }
    if l.offline {
        return LiveOptions::Offline {
            reason: "--offline".into(),
        };
    }
    let explicit = Explicit {
        containerd: l.containerd_socket.clone(),
        docker: l.docker_socket.clone(),
    };
    let on_host = std::fs::canonicalize(&node.root).is_ok_and(|p| p == Path::new("/"));
    if !on_host && explicit.containerd.is_none() && explicit.docker.is_none() {
        return LiveOptions::Offline {
            reason: format!(
                "--root {} audits files only (name sockets with --containerd-socket or --docker-socket to probe them)",
                node.root.display()
            ),
        };
    }
    LiveOptions::Probe {
        explicit,
        discover: on_host,
        timeout: l.probe_timeout,
    }
}

/// The API is used on the node itself whenever a kubeconfig or the pod's service account is
/// found; with `--root DIR` only when `--kubeconfig` or `--context` names one; never offline
/// or with recorded live facts (they carry the kubelet's configz).
fn api_options(node: &NodeArgs) -> ApiOptions {
    let l = &node.live;
    let off = |reason: String| ApiOptions(ApiMode::Off { reason });
    if l.live_facts.is_some() {
        return off("--live-facts (the recorded facts carry the kubelet's configz)".into());
    }
    if l.offline {
        return off("--offline".into());
    }
    let on_host = std::fs::canonicalize(&node.root).is_ok_and(|p| p == Path::new("/"));
    let named = node.api.kubeconfig.is_some() || node.api.context.is_some();
    if !on_host && !named {
        return off(format!(
            "--root {} audits files only (name a kubeconfig with --kubeconfig to read the node from the API)",
            node.root.display()
        ));
    }
    ApiOptions(ApiMode::On {
        settings: super::cluster::api_settings(&node.api, l.probe_timeout),
        timeout: l.probe_timeout,
        on_host,
    })
}

/// Today's date; `RUNTIME_AUDIT_TODAY=YYYY-MM-DD` pins it for reproducible runs.
pub(crate) fn today() -> Date {
    if let Some(d) = std::env::var("RUNTIME_AUDIT_TODAY")
        .ok()
        .as_deref()
        .and_then(Date::parse)
    {
        return d;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_unix_days((secs / 86_400) as i64)
}

/// Command-line selection plus the policy file's.
pub(crate) fn build_policy(
    choice: &RuleChoice,
    facts: &PolicyFacts,
    sources: &SourceMap,
) -> Result<Policy, String> {
    let all = rules::all();
    let file = facts.file.as_deref().unwrap_or("runtime-audit.toml");
    let mut policy = Policy::default();
    let selector = |text: &str, origin: &str| -> Result<Option<Selector>, String> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        Selector::parse(text, &all)
            .map(Some)
            .map_err(|e| format!("{origin}: {}", super::rules_cmd::no_such_selector(&e, &all)))
    };
    let at = |span: crate::model::Span| {
        let p = sources.position(span);
        format!("policy file {file}:{}:{}", p.line, p.column)
    };
    for s in &choice.select {
        policy.select.extend(selector(s, "--select")?);
    }
    for s in &choice.ignore {
        policy.ignore.extend(selector(s, "--ignore")?);
    }
    for s in &facts.select {
        policy.select.extend(selector(&s.value, &at(s.span))?);
    }
    for s in &facts.ignore {
        policy.ignore.extend(selector(&s.value, &at(s.span))?);
    }
    for (rule, sev) in &facts.severity {
        let target = match selector(&rule.value, &at(rule.span))? {
            Some(Selector::Case { rule, case }) => (rule.id, Some(case.id)),
            _ => match engine::find_rule(&rule.value, &all) {
                Some(meta) => (meta.id, None),
                None => {
                    return Err(format!(
                        "{}: {}",
                        at(rule.span),
                        super::rules_cmd::unknown_rule(&rule.value, &all)
                    ));
                }
            },
        };
        let Ok(severity) = sev.value.parse::<Severity>() else {
            return Err(format!(
                "{}: severity {:?} is not one of error, warning, note",
                at(sev.span),
                sev.value
            ));
        };
        policy.severity.push(SeverityOverride {
            rule: target.0,
            case: target.1,
            severity,
        });
    }
    for e in &facts.exceptions {
        let known = match Selector::parse(&e.rule, &all) {
            Ok(Selector::Case { .. }) => Ok(()),
            Ok(Selector::Rules(_)) | Err(SelectorError::UnknownRule(_)) => {
                match engine::find_rule(&e.rule, &all) {
                    Some(_) => Ok(()),
                    None => Err(super::rules_cmd::unknown_rule(&e.rule, &all)),
                }
            }
            Err(err) => Err(super::rules_cmd::no_such_selector(&err, &all)),
        };
        known.map_err(|m| format!("{}: exception: {m}", at(e.span)))?;
    }
    Ok(policy)
}

fn render(report: &Report, format: OutputFormat) -> String {
    match format {
        OutputFormat::Human => report::human::render(report),
        OutputFormat::Json => report::json::render(report),
        OutputFormat::Sarif => report::sarif::render(report),
    }
}

/// Writes an output file; human text keeps colors only with `--color always`.
pub(crate) fn write_file(
    path: &Path,
    text: &str,
    styled: bool,
    color: ColorChoice,
) -> Result<(), String> {
    let mut file =
        File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let written = if styled && color != ColorChoice::Always {
        // Human text carries styles; strip them for a file unless asked to keep them.
        let mut out = anstream::AutoStream::new(file, anstream::ColorChoice::Never);
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    } else {
        // JSON and SARIF never carry styles: no need to scan them.
        file.write_all(text.as_bytes())
    };
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

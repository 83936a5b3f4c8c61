//! RA701 crictl-config-missing.

use crate::collect::crictl::CRICTL_CONFIG;
use crate::engine::{Emitter, Location};
use crate::model::{Input, NodeSnapshot};

use super::recommended::{is_kubernetes_node, recommended};

declare_rule! {
    id: "RA701",
    name: "crictl-config-missing",
    area: Crictl,
    summary: "No /etc/crictl.yaml or no runtime-endpoint in it: crictl probes default endpoints (dockershim first before v1.30)",
    inputs: [CrictlConfig],
    cases: [
        Missing("missing", Warning),
        NoEndpoint("no-endpoint", Warning),
    ],
}

const IMPACT: &str = "Every crictl command warns `WARN runtime connect using default endpoints: [...]. As the default settings are now deprecated, you should set the endpoint instead.`; crictl before v1.30 tries unix:///var/run/dockershim.sock first (`ERRO validate service connection: ... dial unix /var/run/dockershim.sock: connect: no such file or directory`), each attempt costing up to the 2s timeout, and crictl 1.26.0 does not fall back correctly.";

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    if !is_kubernetes_node(snap) {
        out.not_applicable("no kubelet, containerd or Node input: not a Kubernetes node");
        return;
    }
    let (content, why) = recommended(snap);
    match &snap.crictl {
        Input::Absent { path } => {
            out.finding(
                Case::Missing,
                Location::Path(path.clone()),
                format!("{path} does not exist: crictl has no runtime endpoint configured"),
            )
            .impact(IMPACT)
            .fix(format!(
                "Create {CRICTL_CONFIG} with:\n{content}({why}; `crictl config --set runtime-endpoint=...` writes the same file)."
            ))
            .key(CRICTL_CONFIG)
            .actual("no crictl.yaml")
            .expected(content.trim_end().replace('\n', "; "))
            .emit();
        }
        Input::Present(c) if c.runtime_endpoint.is_none() => {
            out.finding(
                Case::NoEndpoint,
                c.document,
                format!("{} sets no `runtime-endpoint`", c.path),
            )
            .impact(IMPACT)
            .fix(format!("Write into {}:\n{content}({why}).", c.path))
            .key("runtime-endpoint")
            .label("no runtime-endpoint")
            .actual("runtime-endpoint unset")
            .expected(content.lines().next().unwrap_or_default().to_owned())
            .emit();
        }
        Input::Present(_) => {}
        other => {
            out.need(other, "crictl config");
        }
    }
}

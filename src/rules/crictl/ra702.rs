//! RA702 crictl-endpoint-stale.

use crate::engine::{Area, Case, Emitter, Rule, RuleMeta, Severity};
use crate::model::{Input, InputKind, NodeSnapshot};
use crate::rules::kubelet::common::{Endpoint, containerd_endpoint, containerd_socket};

static DOCKER_SOCKET: Case = Case {
    id: "docker-socket",
    severity: Severity::Warning,
};

static OTHER_SOCKET: Case = Case {
    id: "other-socket",
    severity: Severity::Warning,
};

static META: RuleMeta = RuleMeta {
    id: "RA702",
    name: "crictl-endpoint-stale",
    area: Area::Crictl,
    summary: "crictl.yaml points at dockershim, Docker or cri-dockerd, or at another socket than containerd's",
    cases: &[&DOCKER_SOCKET, &OTHER_SOCKET],
    inputs: &[InputKind::CrictlConfig, InputKind::ContainerdConfig],
    doc: include_str!("../../../rules/RA702.md"),
};

pub static RULE: Rule = Rule { meta: &META, check };

fn check(snap: &NodeSnapshot, out: &mut Emitter) {
    let c = match &snap.crictl {
        Input::Present(c) => c,
        other => {
            out.need(other, "crictl config");
            return;
        }
    };
    let containerd = containerd_socket(snap);
    if containerd.is_none() {
        out.assume(
            "containerd's config was not read: only Docker-era sockets are recognized as stale",
        );
    }
    let (target, target_origin) = containerd_endpoint(snap);
    let mut checked = false;
    for (key, value) in [
        ("runtime-endpoint", &c.runtime_endpoint),
        ("image-endpoint", &c.image_endpoint),
    ] {
        let Some(v) = value else { continue };
        checked = true;
        let e = Endpoint::parse(&v.value);
        if containerd.as_ref().is_some_and(|s| s.same_socket(&e)) {
            continue;
        }
        let (case, what) = match (e.docker_era(), &containerd) {
            (Some(kind), _) => (&DOCKER_SOCKET, kind.describe().to_owned()),
            (None, Some(s)) => (
                &OTHER_SOCKET,
                format!(
                    "not the socket containerd listens on, `{}` ({target_origin})",
                    s.path
                ),
            ),
            (None, None) => continue,
        };
        out.finding(
            case,
            v.span,
            format!("`{key}: {}` in {} is {what}", v.value, c.path),
        )
        .impact(
            "crictl talks to the wrong runtime or to nothing (`validate service connection: ... connect: no such file or directory`): `crictl ps`, `crictl pull` and `crictl images` do not show what the kubelet runs on containerd, and troubleshooting after the switch is misled.",
        )
        .fix(format!(
            "Set `{key}: {target}` in {} (`{target}` is {target_origin}).",
            c.path
        ))
        .key(key)
        .label(if case.id == "docker-socket" { "Docker-era socket" } else { "not containerd's socket" })
        .actual(v.value.clone())
        .expected(target.clone())
        .emit();
    }
    if !checked {
        out.not_applicable(format!("{} sets no endpoint (RA701)", c.path));
    }
}

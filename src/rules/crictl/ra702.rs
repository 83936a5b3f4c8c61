//! RA702 crictl-endpoint-stale.

use crate::engine::Emitter;
use crate::model::{Input, NodeSnapshot};
use crate::rules::containerd_socket::{containerd_endpoint, containerd_socket};

declare_rule! {
    id: "RA702",
    name: "crictl-endpoint-stale",
    area: Crictl,
    summary: "crictl.yaml points at dockershim, Docker or cri-dockerd, or at another socket than containerd's",
    inputs: [CrictlConfig, ContainerdConfig],
    cases: [
        DockerSocket("docker-socket", Warning),
        OtherSocket("other-socket", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
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
        let e = &v.value;
        if containerd.is_some_and(|s| s.same_socket(e)) {
            continue;
        }
        let (case, what) = match (e.docker_era(), containerd) {
            (Some(kind), _) => (Case::DockerSocket, kind.describe().to_owned()),
            (None, Some(s)) => (
                Case::OtherSocket,
                format!(
                    "not the socket containerd listens on, `{}` ({target_origin})",
                    s.path()
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
        .label(if case == Case::DockerSocket { "Docker-era socket" } else { "not containerd's socket" })
        .actual(v.value.to_string())
        .expected(target.clone())
        .emit();
    }
    if !checked {
        out.not_applicable(format!("{} sets no endpoint (RA701)", c.path));
    }
}

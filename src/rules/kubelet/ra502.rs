//! RA502 kubelet-container-runtime-flag.

use crate::engine::Emitter;
use crate::model::{Component, NodeSnapshot};

use super::common::{
    self, command_line_location, flag_location, flag_text, where_to_add_flags,
};

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

#[expect(clippy::too_many_lines, reason = "to be split")]
fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(k) = common::kubelet(snap, out) else {
        return;
    };
    let flag = k.flag("container-runtime");
    let value = flag.map(|f| f.value.clone().unwrap_or_default());
    let Some(v) = snap.versions.kubelet.as_ref() else {
        match value.as_deref() {
            Some("remote") => out.inconclusive(
                "--container-runtime=remote is required up to kubelet 1.23 and removed in 1.27; the kubelet version is unknown (pass --kubernetes-version)",
            ),
            None => out.inconclusive(
                "without --container-runtime=remote a kubelet 1.23 or earlier keeps using dockershim, while 1.24 and later need no flag; the kubelet version is unknown (pass --kubernetes-version)",
            ),
            Some(other) => {
                let Some(f) = flag else { return };
                out.finding(
                    Case::NotRemote,
                    f.span,
                    format!(
                        "`--container-runtime={other}` is wrong on every kubelet version: up to 1.23 it keeps dockershim, 1.24-1.26 accept only `remote`, 1.27 removed the flag (the kubelet version is unknown)"
                    ),
                )
                .impact("The kubelet either stays on dockershim or refuses to start (`failed to run Kubelet: using dockershim is not supported` / `unknown flag: --container-runtime`).")
                .fix(format!(
                    "Delete `{}` from {} (on a kubelet 1.23 or earlier write `--container-runtime=remote` instead), {}.",
                    flag_text(snap, f),
                    flag_location(snap, f),
                    common::restart(k)
                ))
                .key("--container-runtime")
                .label("not `remote`")
                .actual(flag_text(snap, f))
                .expected("no --container-runtime (1.24+), or `remote` (1.23 and earlier)")
                .emit();
            }
        }
        return;
    };
    let version = v.to_string();
    let endpoint = k
        .effective
        .runtime_endpoint
        .known().map_or_else(|| common::CONTAINERD_DEFAULT.to_owned(), |e| e.value.clone());

    if v.has_dockershim() {
        if value.as_deref() == Some("remote") {
            return;
        }
        let (at, actual, fix) = match flag {
            Some(f) => (
                f.span.into(),
                flag_text(snap, f),
                format!(
                    "Change `{}` to `--container-runtime=remote` in {}, {}.",
                    flag_text(snap, f),
                    flag_location(snap, f),
                    common::restart(k)
                ),
            ),
            None => (
                command_line_location(k),
                "no --container-runtime (default `docker`)".to_owned(),
                format!(
                    "Add `--container-runtime=remote{}` to {}, {}.",
                    if k.effective.runtime_endpoint.is_unset() {
                        format!(" --container-runtime-endpoint={endpoint}")
                    } else {
                        String::new()
                    },
                    where_to_add_flags(snap, k),
                    common::restart(k)
                ),
            ),
        };
        out.finding(
            Case::DockershimInUse,
            at,
            format!(
                "{version} uses its built-in dockershim unless `--container-runtime=remote` is set; found {actual}"
            ),
        )
        .impact("The kubelet keeps running pods through Docker whatever --container-runtime-endpoint says: the node is not migrated (`kubectl get node -o wide` still shows docker://).")
        .fix(fix)
        .key("--container-runtime")
        .actual(actual)
        .expected("--container-runtime=remote")
        .version(Component::Kubelet, v.fact())
        .emit();
        return;
    }

    let Some(f) = flag else {
        return;
    };
    let word = flag_text(snap, f);
    if !v.container_runtime_flag_removed() {
        if value.as_deref() == Some("remote") {
            return;
        }
        let value = value.unwrap_or_default();
        let impact = if value == "docker" {
            "The kubelet refuses to start: `failed to run Kubelet: using dockershim is not supported`.".to_owned()
        } else {
            format!(
                "The kubelet refuses to start: `unsupported CRI runtime: \"{value}\", only \"remote\" is currently supported`."
            )
        };
        out.finding(
            Case::NotRemote,
            f.span,
            format!("{version} accepts only `--container-runtime=remote` (dockershim was removed in 1.24); found `{word}`"),
        )
        .impact(impact)
        .fix(format!(
            "Delete `{word}` from {} (or write `--container-runtime=remote`, which 1.27 removes too), {}.",
            flag_location(snap, f),
            common::restart(k)
        ))
        .key("--container-runtime")
        .label("dockershim is gone")
        .actual(word.clone())
        .expected("--container-runtime=remote, or no flag")
        .version(Component::Kubelet, v.fact())
        .emit();
        return;
    }

    for f in k.flags_named("container-runtime") {
        out.finding(
            Case::Removed,
            f.span,
            format!("`--container-runtime` was removed in kubelet 1.27; {version} refuses to start with it"),
        )
        .impact("`failed to parse kubelet flag: unknown flag: --container-runtime`: the kubelet crash-loops and the node goes NotReady.")
        .fix(format!(
            "Delete `{}` from {}, {}.",
            flag_text(snap, f),
            flag_location(snap, f),
            common::restart(k)
        ))
        .key("--container-runtime")
        .label("removed in 1.27")
        .actual(flag_text(snap, f))
        .version(Component::Kubelet, v.fact())
        .emit();
    }
}

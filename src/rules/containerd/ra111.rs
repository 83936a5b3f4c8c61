//! RA111 base-runtime-spec-missing.

use crate::engine::Emitter;
use crate::model::NodeSnapshot;
use crate::model::containerd::Runtime;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA111",
    name: "base-runtime-spec-missing",
    area: Containerd,
    summary: "A runtime's base_runtime_spec names a file the node does not have; the CRI plugin fails to load",
    inputs: [ContainerdConfig],
    cases: [
        Missing("missing", Error),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let unchecked: Vec<&str> = cfg
        .cri
        .runtimes
        .iter()
        .filter(|r| r.base_runtime_spec.is_some() && r.base_runtime_spec_found.is_none())
        .map(|r| r.name.as_str())
        .collect();
    if !unchecked.is_empty() {
        out.inconclusive(format!(
            "the base_runtime_spec of {} could not be looked for on the node",
            unchecked.join(", ")
        ));
    }
    for runtime in cfg
        .cri
        .runtimes
        .iter()
        .filter(|r| r.base_runtime_spec_found == Some(false))
    {
        Missing { runtime }.emit(release, out);
    }
}

/// A runtime whose base spec file is not on the node.
struct Missing<'a> {
    runtime: &'a Runtime,
}

impl Missing<'_> {
    fn path(&self) -> &str {
        self.runtime
            .base_runtime_spec
            .as_ref()
            .map_or("", |s| s.value.as_str())
    }

    fn message(&self) -> String {
        format!(
            "runtime `{}` takes its base OCI spec from {}, which is not on the node: the CRI plugin fails to load",
            self.runtime.name,
            self.path()
        )
    }

    fn impact(&self) -> String {
        let path = self.path();
        format!(
            "containerd starts without CRI and logs `failed to load plugin io.containerd.grpc.v1.cri` \
             error=\"failed to create CRI service: failed to load base OCI spec from file: {path}: failed to open \
             base OCI spec: {path}: open {path}: no such file or directory\" (seen with containerd 1.6.20 and \
             1.7.24); the kubelet gets `unknown service runtime.v1.RuntimeService` and no pod starts."
        )
    }

    fn fix(&self) -> String {
        format!(
            "Put the spec file at {} (kind generates its own with `ctr oci spec` and edits it), or remove \
             `base_runtime_spec` from runtime `{}` to use containerd's built-in spec.",
            self.path(),
            self.runtime.name
        )
    }

    fn emit(self, release: &crate::release::ContainerdRelease, out: &mut Emitter<Case>) {
        let Some(spec) = &self.runtime.base_runtime_spec else {
            return;
        };
        let b = out
            .finding(Case::Missing, spec.span, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(format!("runtimes.{}.base_runtime_spec", self.runtime.name))
            .label("no such file on the node")
            .actual(spec.value.clone());
        b.release(release).emit();
    }
}

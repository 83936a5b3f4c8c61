//! The built-in plugins other than CRI, whose tables containerd accepts with opaque contents.
//!
//! Short v1 names: the `corePlugins` map of `v1Migrate` in the server config (1.x and 2.x) plus
//! the `*-service` names it maps to `io.containerd.service.v1.*`; 1.x looks v1 tables up by the
//! plugin's short ID. Fully qualified ids: 1.6.20 `config default`, the 2.0-era dump, the 2.3
//! `config default` and man page.

use super::fields::{PluginId, V1_7, V2_0, V2_1, V2_3};
use crate::model::containerd::CriLayout;

macro_rules! plugin_ids {
    ($list:ident, $names:ident: $(($id:expr, $since:expr, $until:expr)),* $(,)?) => {
        static $list: &[PluginId] = &[$(PluginId { id: $id, since: $since, until: $until }),*];
        static $names: &[&str] = &[$($id),*];
    };
}

plugin_ids!(OTHER_V1, OTHER_V1_NAMES:
    ("cgroups", None, None),
    ("linux", None, Some(V2_0)),
    ("scheduler", None, None),
    ("bolt", None, None),
    ("task", None, None),
    ("opt", None, None),
    ("restart", None, None),
    ("tracing", None, None),
    ("otlp", None, None),
    ("aufs", None, Some(V2_0)),
    ("btrfs", None, None),
    ("devmapper", None, None),
    ("native", None, None),
    ("overlayfs", None, None),
    ("zfs", None, None),
    ("diff-service", None, None),
    ("tasks-service", None, None),
    ("containers-service", None, None),
    ("content-service", None, None),
    ("images-service", None, None),
    ("leases-service", None, None),
    ("namespaces-service", None, None),
    ("snapshots-service", None, None),
    ("introspection-service", None, None),
);

plugin_ids!(OTHER_QUALIFIED, OTHER_QUALIFIED_NAMES:
    ("io.containerd.gc.v1.scheduler", None, None),
    ("io.containerd.internal.v1.opt", None, None),
    ("io.containerd.internal.v1.restart", None, Some(V2_0)),
    ("io.containerd.internal.v1.tracing", None, None),
    ("io.containerd.tracing.processor.v1.otlp", None, None),
    ("io.containerd.metadata.v1.bolt", None, None),
    ("io.containerd.monitor.v1.cgroups", None, Some(V2_0)),
    ("io.containerd.runtime.v1.linux", None, Some(V2_0)),
    ("io.containerd.runtime.v2.task", None, None),
    ("io.containerd.service.v1.diff-service", None, None),
    ("io.containerd.service.v1.tasks-service", None, None),
    ("io.containerd.snapshotter.v1.aufs", None, Some(V2_0)),
    ("io.containerd.snapshotter.v1.btrfs", None, None),
    ("io.containerd.snapshotter.v1.devmapper", None, None),
    ("io.containerd.snapshotter.v1.native", None, None),
    ("io.containerd.snapshotter.v1.overlayfs", None, None),
    ("io.containerd.snapshotter.v1.zfs", None, None),
    // Absent from 1.6.20, present in the 2.0 dump; 1.7 introduced NRI and the transfer
    // service: earliest consistent 1.7.
    ("io.containerd.nri.v1.nri", Some(V1_7), None),
    ("io.containerd.transfer.v1.local", Some(V1_7), None),
    ("io.containerd.snapshotter.v1.blockfile", Some(V1_7), None),
    ("io.containerd.image-verifier.v1.bindir", Some(V1_7), None),
    // 2.0 renames and additions (2.0-era dump).
    ("io.containerd.monitor.container.v1.restart", Some(V2_0), None),
    ("io.containerd.monitor.task.v1.cgroups", Some(V2_0), None),
    ("io.containerd.shim.v1.manager", Some(V2_0), None),
    // erofs: in the 2.3 `config default`, absent from the 2.0 dump: 2.1.
    ("io.containerd.differ.v1.erofs", Some(V2_1), None),
    ("io.containerd.snapshotter.v1.erofs", Some(V2_1), None),
    ("io.containerd.mount-handler.v1.erofs", Some(V2_1), None),
    // Version 4 server plugins (2.3).
    ("io.containerd.server.v1.grpc", Some(V2_3), None),
    ("io.containerd.server.v1.grpc-tcp", Some(V2_3), None),
    ("io.containerd.server.v1.ttrpc", Some(V2_3), None),
    ("io.containerd.server.v1.debug", Some(V2_3), None),
    ("io.containerd.server.v1.metrics", Some(V2_3), None),
    ("io.containerd.metrics.v1.grpc-prometheus", Some(V2_3), None),
);

/// Built-in plugin ids other than CRI whose tables containerd accepts (contents opaque).
pub(crate) fn other_plugin_ids(layout: CriLayout) -> &'static [&'static str] {
    match layout {
        CriLayout::V1 => OTHER_V1_NAMES,
        CriLayout::V2 | CriLayout::V3 => OTHER_QUALIFIED_NAMES,
    }
}

/// [`other_plugin_ids`] with the releases that register each plugin.
pub(crate) fn other_plugins(layout: CriLayout) -> &'static [PluginId] {
    match layout {
        CriLayout::V1 => OTHER_V1,
        CriLayout::V2 | CriLayout::V3 => OTHER_QUALIFIED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_ranges_are_ordered() {
        for layout in [CriLayout::V1, CriLayout::V2, CriLayout::V3] {
            for p in other_plugins(layout) {
                if let (Some(s), Some(u)) = (p.since, p.until) {
                    assert!(s < u, "{}", p.id);
                }
            }
            let names: Vec<_> = other_plugins(layout).iter().map(|p| p.id).collect();
            assert_eq!(names, other_plugin_ids(layout));
        }
    }
}

//! RA112 config-version-2-on-2x.

use crate::engine::Emitter;
use crate::model::NodeSnapshot;
use crate::model::containerd::ContainerdConfig;
use crate::release::{ContainerdRelease, containerd_defaults};
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA112",
    name: "config-version-2-on-2x",
    area: Containerd,
    summary: "containerd 2.x converts a version 2 config to version 3 every time it starts",
    inputs: [ContainerdConfig],
    cases: [
        Converted("converted-on-start", Note),
        SnapshotterLostByMigrate("snapshotter-lost-by-migrate", Warning),
    ],
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    if !release.is_2x() {
        out.not_applicable(format!("{} reads version 2 as it is", release.describe()));
        return;
    }
    for file in &cfg.files {
        let Some(version) = file.version.as_ref().filter(|v| v.value == 2) else {
            continue;
        };
        let b = out
            .finding(
                Case::Converted,
                version.span,
                format!(
                    "{} is a version 2 config: {} converts it to version 3 every time it starts",
                    file.path,
                    release.describe()
                ),
            )
            .impact(
                "Nothing breaks: containerd logs `Configuration migrated from version 2, use `containerd config \
                 migrate` to avoid migration` at every start (seen with 2.1.9) and reads the CRI settings \
                 through that conversion, while its documentation, `config default` and `config dump` speak \
                 version 3 only.",
            )
            .fix(format!(
                "Rewrite {} as version 3: `containerd config migrate` prints it (without comments), or \
                 `runtime-audit fix --write` moves the CRI settings to the version 3 plugins in place.",
                file.path
            ))
            .key("version")
            .label("converted at every start")
            .expected("version = 3");
        b.release(release).emit();
    }
    snapshotter_lost_by_migrate(cfg, release, out);
}

/// containerd 2.1.9 runs CRI with a version 2 file's `containerd.snapshotter` (its images plugin
/// looks for that snapshotter at start), but `containerd config migrate` and `config dump` show
/// overlayfs in its place: a version 3 file written from `config migrate` loses the setting.
fn snapshotter_lost_by_migrate(cfg: &ContainerdConfig, release: &ContainerdRelease, out: &mut Emitter<Case>) {
    let snapshotter = &cfg.cri.snapshotter;
    let Some(span) = snapshotter.span() else {
        return;
    };
    if cfg.file_version(span.file) != 2 || snapshotter.value == containerd_defaults::SNAPSHOTTER {
        return;
    }
    let b = out
        .finding(
            Case::SnapshotterLostByMigrate,
            span,
            format!(
                "`containerd.snapshotter = {:?}` in a version 2 config is lost by `containerd config migrate` of {}: the version 3 file it prints uses {}",
                snapshotter.value,
                release.describe(),
                containerd_defaults::SNAPSHOTTER
            ),
        )
        .impact(format!(
            "The running containerd honours the setting (seen with 2.1.9: at start its CRI image service looks \
             for the {wanted:?} snapshotter), but `containerd config migrate` and `config dump` show `snapshotter = \
             '{overlay}'` under `io.containerd.cri.v1.images`. A version 3 file written from `config migrate`'s \
             output moves the node's pods to {overlay}: images are unpacked (or pulled) again, and whatever the node \
             chose {wanted} for (Kata on devmapper, zfs or btrfs storage, lazy pulling) silently stops applying; \
             `config dump` hides the setting even now.",
            overlay = containerd_defaults::SNAPSHOTTER,
            wanted = snapshotter.value
        ))
        .fix(format!(
            "When the file is rewritten as version 3, write the snapshotter where version 3 reads it, \
             `[plugins.'io.containerd.cri.v1.images'] snapshotter = {:?}`, whatever `containerd config migrate` \
             prints. Check what {} runs with through CRI (`crictl info`), not `config dump`.",
            snapshotter.value,
            release.describe()
        ))
        .key("containerd.snapshotter")
        .label("lost by `containerd config migrate`")
        .actual(containerd_defaults::SNAPSHOTTER)
        .expected(snapshotter.value.clone());
    b.release(release).emit();
}

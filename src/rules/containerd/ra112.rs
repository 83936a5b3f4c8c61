//! RA112 config-version-2-on-2x.

use crate::engine::Emitter;
use crate::model::NodeSnapshot;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA112",
    name: "config-version-2-on-2x",
    area: Containerd,
    summary: "containerd 2.x converts a version 2 config to version 3 every time it starts",
    inputs: [ContainerdConfig],
    cases: [
        Converted("converted-on-start", Note),
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
}

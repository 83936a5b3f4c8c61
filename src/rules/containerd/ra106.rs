//! RA106 config-unknown-key: keys the schema of this config version does not know.

use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, KeyEntry, KeyStatus};
use crate::model::NodeSnapshot;

use super::config_words;
use crate::release::ContainerdRelease;
use crate::rules::releases::containerd_release;

declare_rule! {
    id: "RA106",
    name: "config-unknown-key",
    area: Containerd,
    summary: "A key containerd does not know at that place: a typo or a misplaced setting, silently ignored",
    inputs: [ContainerdConfig],
    cases: [
        Unknown("unknown", Warning),
        Relevant("unknown-migration-setting", Error),
    ],
}

/// Settings the migration depends on: losing one breaks pods or the kubelet's view.
fn relevant_setting(words: &[&str]) -> Option<&'static str> {
    for w in words {
        let w = w.to_ascii_lowercase();
        if w.contains("systemdcgroup") || w.contains("systemd_cgroup") {
            return Some("the cgroup driver (SystemdCgroup)");
        }
        if w.contains("sandbox") {
            return Some("the sandbox (pause) image");
        }
        if w.contains("registry")
            || w.contains("config_path")
            || w.contains("mirrors")
            || w == "endpoint"
        {
            return Some("registry configuration");
        }
        if w.contains("disabled_plugin") || w.contains("required_plugin") {
            return Some("which plugins run (CRI)");
        }
    }
    None
}

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let Some(cfg) = out.need(&snap.containerd, "containerd config") else {
        return;
    };
    let release = containerd_release(snap, out);
    let candidates: Vec<&KeyEntry> = cfg
        .keys
        .iter()
        .filter(|k| match &k.status {
            KeyStatus::Unknown { .. } => true,
            // A misplaced SystemdCgroup is RA202's finding.
            KeyStatus::Misplaced { .. } => {
                k.path.last() != Some("SystemdCgroup")
            }
            _ => false,
        })
        .collect();
    for k in crate::model::containerd::outermost(&candidates) {
        report(snap, cfg, release, k, out);
    }
}

fn report(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    release: &ContainerdRelease,
    k: &KeyEntry,
    out: &mut Emitter<Case>,
) {
    let segs = k.path.segments();
    let whole = k.path.to_string();
    let name = k.path.last().unwrap_or(&whole);
    let (intended, how) = match &k.status {
        KeyStatus::Unknown {
            suggestion: Some(s),
        } => (Some(s.as_str()), format!("did you mean `{s}`?")),
        KeyStatus::Misplaced { should_be } => (
            Some(should_be.as_str()),
            format!("it belongs under `{should_be}`"),
        ),
        _ => (None, "no similar key is known here".to_string()),
    };
    // The key's own path, what it most likely means, and every key written below it (an
    // unknown `[plugin."..."]` table holds the registry settings that are lost).
    let below = cfg
        .keys
        .iter()
        .filter(|e| e.key.file == k.key.file && e.path.is_under(&k.path))
        .flat_map(|e| e.path.segments());
    let mut words: Vec<&str> = segs.iter().map(String::as_str).collect();
    words.extend(below.map(String::as_str));
    // The rest of the header or dotted key it starts (`[plugin."...".registry.mirrors]`).
    let line = snap
        .sources
        .get(k.key.file)
        .line_text(snap.sources.position(k.key).line);
    // Only the key part: a value (`"registry.k8s.io/pause"`) says nothing about the key.
    let key_part = line.split('=').next().unwrap_or(line);
    words.extend(
        key_part
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty()),
    );
    if let Some(i) = intended {
        words.push(i);
    }
    let relevant = relevant_setting(&words);
    let case = if relevant.is_some() {
        Case::Relevant
    } else {
        Case::Unknown
    };
    let message = format!(
        "`{}` is not a key {} knows at this place in a {} config; {how}",
        k.path,
        release.describe(),
        config_words::version_label(cfg)
    );
    let logged = if release.is_1x() {
        "containerd 1.x ignores unknown keys without any log line"
    } else {
        "containerd 2.x logs `Ignoring unknown key in TOML` (or `... for plugin`) and goes on"
    };
    let impact = match relevant {
        Some(what) => format!(
            "{logged}: the setting does not apply, so {what} stays at containerd's default. That is what breaks \
             after the switch (a cgroup driver mismatch, the wrong pause image, pulls that ignore your registry \
             settings)."
        ),
        None => format!("{logged}: the setting has no effect."),
    };
    let fix = match (&k.status, intended) {
        (KeyStatus::Misplaced { should_be }, _) => format!(
            "Move `{name}` to `{should_be}` in {}.",
            config_words::file_of(snap, k.key)
        ),
        (_, Some(s)) => format!(
            "Rename `{name}` to `{s}` (line {} of {}), then check the result with `containerd config dump`.",
            snap.sources.position(k.key).line,
            config_words::file_of(snap, k.key)
        ),
        _ => format!(
            "Delete `{name}` or move it where containerd reads it (`containerd config default` prints every key a \
             release knows); check with `containerd config dump`{}.",
            if release.is_1x() {
                ""
            } else {
                " and `journalctl -u containerd | grep \"Ignoring unknown key\"`"
            }
        ),
    };
    let mut b = out
        .finding(case, k.key, message)
        .impact(impact)
        .fix(fix)
        .key(k.path.to_string())
        .label("unknown key")
        .actual(name.to_string());
    if let Some(i) = intended {
        b = b.expected(i.to_string());
    }
    b.release(release).emit();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_settings_are_recognized() {
        assert!(relevant_setting(&["SystemCgroup", "SystemdCgroup"]).is_some());
        assert!(relevant_setting(&["plugin", "registry", "mirrors"]).is_some());
        assert!(relevant_setting(&["sandbox_imag"]).is_some());
        assert!(relevant_setting(&["disabled_plugin"]).is_some());
        assert!(relevant_setting(&["oom_scor"]).is_none());
    }
}

//! RA106 config-unknown-key: keys the schema of this config version does not know.

use crate::engine::Emitter;
use crate::model::containerd::{ContainerdConfig, KeyEntry, KeyStatus};
use crate::model::{NodeSnapshot, Span};

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

/// Every unknown or misplaced key is reported once, at the outermost such key: the keys
/// written in a table containerd does not know are part of that table's finding.
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
            KeyStatus::Misplaced { .. } => k.path.last() != Some("SystemdCgroup"),
            _ => false,
        })
        .collect();
    for k in crate::model::containerd::outermost(&candidates) {
        UnknownKey::new(snap, cfg, release, k).emit(out);
    }
}

/// What an unknown key was most likely meant as.
#[derive(Clone, Copy)]
enum Meant<'k> {
    /// A known key of a similar name at this place.
    Typo(&'k str),
    /// A known key written at the wrong place: where it belongs.
    Misplaced(&'k str),
    /// Nothing similar is known here.
    Nothing,
}

impl<'k> Meant<'k> {
    fn of(status: &'k KeyStatus) -> Self {
        match status {
            KeyStatus::Unknown {
                suggestion: Some(s),
            } => Meant::Typo(s),
            KeyStatus::Misplaced { should_be } => Meant::Misplaced(should_be),
            _ => Meant::Nothing,
        }
    }

    /// The key it most likely is.
    fn intended(self) -> Option<&'k str> {
        match self {
            Meant::Typo(s) | Meant::Misplaced(s) => Some(s),
            Meant::Nothing => None,
        }
    }
}

/// The migration setting an unknown key most likely is, judged by every word around it: the
/// key's own path, what it most likely means, and every key written below it (an unknown
/// `[plugin."..."]` table holds the registry settings that are lost).
fn lost_setting(
    snap: &NodeSnapshot,
    cfg: &ContainerdConfig,
    k: &KeyEntry,
    meant: Meant<'_>,
) -> Option<&'static str> {
    let below = cfg
        .keys
        .iter()
        .filter(|e| e.key.file == k.key.file && e.path.is_under(&k.path))
        .flat_map(|e| e.path.segments());
    let mut words: Vec<&str> = k.path.segments().iter().map(String::as_str).collect();
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
    if let Some(i) = meant.intended() {
        words.push(i);
    }
    relevant_setting(&words)
}

/// A key containerd does not know where it is written, and what it seems meant as.
struct UnknownKey<'a> {
    at: Span,
    /// The whole path, as containerd reads it.
    path: String,
    /// The key's own name: the path's last segment.
    name: String,
    meant: Meant<'a>,
    /// The migration setting it most likely is, which then stays at containerd's default.
    lost: Option<&'static str>,
    /// The config's version, in words (`version 2`).
    config_version: String,
    file: &'a str,
    line: usize,
    release: &'a ContainerdRelease,
}

impl<'a> UnknownKey<'a> {
    fn new(
        snap: &'a NodeSnapshot,
        cfg: &ContainerdConfig,
        release: &'a ContainerdRelease,
        k: &'a KeyEntry,
    ) -> Self {
        let path = k.path.to_string();
        let meant = Meant::of(&k.status);
        UnknownKey {
            at: k.key,
            name: k.path.last().unwrap_or(&path).to_owned(),
            path,
            meant,
            lost: lost_setting(snap, cfg, k, meant),
            config_version: config_words::version_label(cfg),
            file: config_words::file_of(snap, k.key),
            line: snap.sources.position(k.key).line,
            release,
        }
    }

    fn case(&self) -> Case {
        if self.lost.is_some() {
            Case::Relevant
        } else {
            Case::Unknown
        }
    }

    fn message(&self) -> String {
        let how = match self.meant {
            Meant::Typo(s) => format!("did you mean `{s}`?"),
            Meant::Misplaced(should_be) => format!("it belongs under `{should_be}`"),
            Meant::Nothing => "no similar key is known here".to_string(),
        };
        format!(
            "`{}` is not a key {} knows at this place in a {} config; {how}",
            self.path,
            self.release.describe(),
            self.config_version
        )
    }

    /// What containerd does about the key, which depends on its major version.
    fn logged(&self) -> &'static str {
        if self.release.is_1x() {
            "containerd 1.x ignores unknown keys without any log line"
        } else {
            "containerd 2.x logs `Ignoring unknown key in TOML` (or `... for plugin`) and goes on"
        }
    }

    fn impact(&self) -> String {
        let logged = self.logged();
        match self.lost {
            Some(what) => format!(
                "{logged}: the setting does not apply, so {what} stays at containerd's default. That is what breaks \
                 after the switch (a cgroup driver mismatch, the wrong pause image, pulls that ignore your registry \
                 settings)."
            ),
            None => format!("{logged}: the setting has no effect."),
        }
    }

    fn fix(&self) -> String {
        let name = &self.name;
        match self.meant {
            Meant::Misplaced(should_be) => {
                format!("Move `{name}` to `{should_be}` in {}.", self.file)
            }
            Meant::Typo(s) => format!(
                "Rename `{name}` to `{s}` (line {} of {}), then check the result with `containerd config dump`.",
                self.line, self.file
            ),
            Meant::Nothing => format!(
                "Delete `{name}` or move it where containerd reads it (`containerd config default` prints every key a \
                 release knows); check with `containerd config dump`{}.",
                if self.release.is_1x() {
                    ""
                } else {
                    " and `journalctl -u containerd | grep \"Ignoring unknown key\"`"
                }
            ),
        }
    }

    fn emit(self, out: &mut Emitter<Case>) {
        let mut b = out
            .finding(self.case(), self.at, self.message())
            .impact(self.impact())
            .fix(self.fix())
            .key(self.path.clone())
            .label("unknown key")
            .actual(self.name.clone());
        if let Some(i) = self.meant.intended() {
            b = b.expected(i.to_string());
        }
        b.release(self.release).emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileId;

    #[test]
    fn migration_settings_are_recognized() {
        assert!(relevant_setting(&["SystemCgroup", "SystemdCgroup"]).is_some());
        assert!(relevant_setting(&["plugin", "registry", "mirrors"]).is_some());
        assert!(relevant_setting(&["sandbox_imag"]).is_some());
        assert!(relevant_setting(&["disabled_plugin"]).is_some());
        assert!(relevant_setting(&["oom_scor"]).is_none());
    }

    fn unknown_key<'a>(
        meant: Meant<'a>,
        lost: Option<&'static str>,
        release: &'a ContainerdRelease,
    ) -> UnknownKey<'a> {
        UnknownKey {
            at: Span::new(FileId(0), 0..1),
            path: "plugins.\"io.containerd.grpc.v1.cri\".sandbox_imag".to_owned(),
            name: "sandbox_imag".to_owned(),
            meant,
            lost,
            config_version: "version 2".to_owned(),
            file: "/etc/containerd/config.toml",
            line: 12,
            release,
        }
    }

    #[test]
    fn the_fix_follows_what_the_key_seems_meant_as() {
        let release = ContainerdRelease::target("1.7.28");
        let typo = unknown_key(Meant::Typo("sandbox_image"), None, &release);
        assert!(typo.fix().starts_with(
            "Rename `sandbox_imag` to `sandbox_image` (line 12 of /etc/containerd/config.toml)"
        ));
        assert!(typo.message().ends_with("; did you mean `sandbox_image`?"));
        let misplaced = unknown_key(Meant::Misplaced("plugins.x.sandbox_image"), None, &release);
        assert_eq!(
            misplaced.fix(),
            "Move `sandbox_imag` to `plugins.x.sandbox_image` in /etc/containerd/config.toml."
        );
    }

    #[test]
    fn only_containerd_2_is_told_to_look_for_its_log_line() {
        let v1 = ContainerdRelease::target("1.7.28");
        let v2 = ContainerdRelease::target("2.1.4");
        assert!(
            !unknown_key(Meant::Nothing, None, &v1)
                .fix()
                .contains("journalctl")
        );
        assert!(
            unknown_key(Meant::Nothing, None, &v2)
                .fix()
                .contains("journalctl")
        );
        assert!(
            unknown_key(Meant::Nothing, None, &v1)
                .impact()
                .starts_with("containerd 1.x ignores unknown keys without any log line")
        );
    }

    #[test]
    fn a_lost_migration_setting_is_named_in_the_impact_and_raises_the_case() {
        let release = ContainerdRelease::target("2.1.4");
        let lost = unknown_key(Meant::Nothing, Some("the sandbox (pause) image"), &release);
        assert_eq!(lost.case(), Case::Relevant);
        assert!(
            lost.impact()
                .contains("so the sandbox (pause) image stays at containerd's default")
        );
        assert_eq!(
            unknown_key(Meant::Nothing, None, &release).case(),
            Case::Unknown
        );
    }
}

//! The containerd release the verdicts are for, and what that release does with a config.
//!
//! The release is resolved once, in collect: a version given or found (`--containerd-version`,
//! a probe, the Node object), else one assumed from the config's `version` header (2 → the
//! 1.7 line, 3 and later → the 2.3 line), else unknown. An unknown release is never guessed:
//! its predicates answer for "no release known", and rules say so in their status.

use std::fmt;

use crate::model::containerd::{ContainerdConfig, CriLayout, RemovedOption};
use crate::model::{Span, Version, VersionFact, VersionOrigin};

/// A release number, `major.minor.patch`: what thresholds and the config schema's
/// availability ranges compare. A line given without a patch (`1.7`) is its first release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ReleaseNumber(pub(crate) u64, pub(crate) u64, pub(crate) u64);

impl ReleaseNumber {
    /// Parses `1.7`, `2.0.0` or `1.6.29` (missing parts are 0); None for anything else.
    pub(crate) fn parse(text: &str) -> Option<ReleaseNumber> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(ReleaseNumber(major, minor, patch))
    }

    fn of(v: &Version) -> ReleaseNumber {
        ReleaseNumber(v.major, v.minor, v.patch)
    }
}

impl fmt::Display for ReleaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The release line assumed for a config with no known release: the newest line that reads
/// the config's `version` as its own.
const ASSUMED_1X: &str = "1.7";
const ASSUMED_2X: &str = "2.3";

/// What a release does with a config `version` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ConfigVersionSupport {
    Reads,
    /// containerd refuses to start; `max` is the highest version it reads.
    Refuses {
        max: i64,
        message: String,
    },
    /// A 1.x release from before the upper-bound check: it starts, and reads none of the
    /// version's CRI tables.
    IgnoresCriTables,
    /// A 1.6 or 1.7 line without its patch release: refuses or ignores, the patch decides.
    RefusesOrIgnores,
}

/// The containerd release at hand.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ContainerdRelease {
    /// The version and where it came from; an assumed release has an `Assumed` origin.
    /// None: nothing says which release.
    fact: Option<VersionFact>,
}

impl ContainerdRelease {
    /// The release for a known version (if any) and the config's merged `version` header
    /// (None when no config was read).
    pub(crate) fn resolve(
        known: Option<&VersionFact>,
        config_version: Option<i64>,
    ) -> ContainerdRelease {
        if let Some(f) = known {
            return ContainerdRelease {
                fact: Some(f.clone()),
            };
        }
        let Some(config_version) = config_version else {
            return ContainerdRelease { fact: None };
        };
        let (line, format) = if config_version >= 3 {
            (ASSUMED_2X, "the containerd 2.x format")
        } else {
            (ASSUMED_1X, "the containerd 1.x format")
        };
        let version = Version::parse(line).expect("assumed lines are versions");
        ContainerdRelease {
            fact: Some(VersionFact {
                version,
                origin: VersionOrigin::Assumed {
                    reason: format!(
                        "no containerd version given (--containerd-version) or found on the node; config version {config_version} is {format}"
                    ),
                },
            }),
        }
    }

    /// A release given as `--containerd-version`, for tests.
    #[cfg(test)]
    pub(crate) fn target(version: &str) -> ContainerdRelease {
        ContainerdRelease {
            fact: Some(VersionFact {
                version: Version::parse(version).expect("a version"),
                origin: VersionOrigin::Cli {
                    flag: "--containerd-version",
                },
            }),
        }
    }

    // ---- which release, and how to say it ------------------------------------------------

    /// The version verdicts are for (known or assumed).
    pub(crate) fn version(&self) -> Option<&Version> {
        self.fact.as_ref().map(|f| &f.version)
    }

    /// The version when it was given or found, not assumed: what findings cite.
    pub(crate) fn known_fact(&self) -> Option<&VersionFact> {
        self.fact.as_ref().filter(|f| !f.is_assumed())
    }

    /// Whether this is exactly the release `running` (its patch known and equal).
    pub(crate) fn is_exactly(&self, running: &Version) -> bool {
        self.version().is_some_and(|v| {
            v.has_patch
                && (v.major, v.minor, v.patch) == (running.major, running.minor, running.patch)
        })
    }

    /// Whether nothing says which release.
    pub(crate) fn is_unknown(&self) -> bool {
        self.fact.is_none()
    }

    /// What a rule's verdict rests on when the release was not given or found: "containerd
    /// 1.7 (assumed: ...)" or "containerd version unknown (...)". None for a known release.
    pub(crate) fn assumption(&self) -> Option<String> {
        match &self.fact {
            None => Some(
                "containerd version unknown (no --containerd-version, no config to assume from)"
                    .into(),
            ),
            Some(f) if f.is_assumed() => {
                Some(format!("containerd {} ({})", f.version.short(), f.origin))
            }
            Some(_) => None,
        }
    }

    /// The version the effective values were computed for: "1.7.13", or a line, "1.7".
    pub(crate) fn evaluated(&self) -> String {
        self.version()
            .map_or_else(|| "(version unknown)".into(), Version::short)
    }

    /// Where the version came from: "from --containerd-version", "assumed: ...".
    pub(crate) fn origin(&self) -> String {
        self.fact.as_ref().map_or_else(
            || "nothing says which release".into(),
            |f| f.origin.to_string(),
        )
    }

    /// The version alone: "1.7.16", "1.7", or "(version unknown)".
    pub(crate) fn line_label(&self) -> String {
        self.version()
            .map_or_else(|| "(version unknown)".into(), ToString::to_string)
    }

    /// "containerd 1.7.16" / "containerd 1.7 (assumed)" / "containerd (version unknown)".
    pub(crate) fn label(&self) -> String {
        match &self.fact {
            None => "containerd (version unknown)".into(),
            Some(f) if !f.is_assumed() => format!("containerd {}", f.version),
            Some(f) => format!("containerd {} (assumed)", f.version),
        }
    }

    /// The label with where a known version came from: "containerd 1.7.16 (from
    /// --containerd-version)".
    pub(crate) fn describe(&self) -> String {
        match &self.fact {
            Some(f) if !f.is_assumed() => format!("containerd {} ({})", f.version, f.origin),
            _ => self.label(),
        }
    }

    /// The label with where the version came from, the assumption's reason included:
    /// "containerd 1.7 (assumed: no containerd version given ...)".
    pub(crate) fn describe_in_full(&self) -> String {
        match &self.fact {
            Some(f) => format!("containerd {} ({})", f.version, f.origin),
            None => self.label(),
        }
    }

    // ---- the release line -------------------------------------------------------------------

    fn number(&self) -> Option<ReleaseNumber> {
        self.version().map(ReleaseNumber::of)
    }

    /// At or after `major.minor.patch` (false when unknown).
    fn from(&self, major: u64, minor: u64, patch: u64) -> bool {
        self.number()
            .is_some_and(|n| n >= ReleaseNumber(major, minor, patch))
    }

    /// Before `major.minor.patch` (false when unknown).
    fn before(&self, major: u64, minor: u64, patch: u64) -> bool {
        self.number()
            .is_some_and(|n| n < ReleaseNumber(major, minor, patch))
    }

    pub(crate) fn is_1x(&self) -> bool {
        self.version().is_some_and(|v| v.major < 2)
    }

    pub(crate) fn is_2x(&self) -> bool {
        self.version().is_some_and(|v| v.major >= 2)
    }

    /// `(major, minor)`; None when unknown.
    pub(crate) fn line(&self) -> Option<(u64, u64)> {
        self.version().map(|v| (v.major, v.minor))
    }

    /// Only the `major.minor` line is known (`1.7`), not the patch release.
    pub(crate) fn line_only(&self) -> bool {
        self.version().is_some_and(|v| !v.has_patch)
    }

    /// Whether the release reads something available from `since` (inclusive) until `until`
    /// (exclusive); true when the release is unknown, so that an unknown release never makes
    /// a key "ignored".
    pub(crate) fn within(
        &self,
        since: Option<ReleaseNumber>,
        until: Option<ReleaseNumber>,
    ) -> bool {
        let Some(r) = self.number() else { return true };
        since.is_none_or(|s| r >= s) && until.is_none_or(|u| r < u)
    }

    /// At or after a release written as text (`"2.0"`, `"1.6.29"`); true when the release is
    /// unknown or the text is not a version.
    pub(crate) fn reached(&self, version: &str) -> bool {
        let Some(r) = self.number() else { return true };
        ReleaseNumber::parse(version).is_none_or(|v| r >= v)
    }

    /// Whether the release has deprecated (or removed) an option: from the release that
    /// deprecated it, or removed it when it was never deprecated first; always when the
    /// release is unknown. A 1.x node is not told about what containerd 2.1 deprecated.
    pub(crate) fn has_deprecated(&self, option: &RemovedOption) -> bool {
        option
            .deprecated_in
            .or(option.removed_in)
            .is_none_or(|from| self.reached(from))
    }

    /// Whether the release converts a deprecated option of a file of this version into its
    /// replacement as it loads it, and so reports nothing: 2.x turns a version-2 file's
    /// `cni.bin_dir` into `bin_dirs` (seen with 2.1.9 in `config dump`: `bin_dirs` holds the
    /// value, `bin_dir = ''`, and no deprecation is listed or logged).
    pub(crate) fn converts_on_load(&self, option: &RemovedOption, config_version: i64) -> bool {
        self.is_2x() && config_version == 2 && option.converted_by_2x
    }

    /// Whether the release still reads a deprecated option (it has not removed it); false when
    /// the release is unknown.
    pub(crate) fn still_reads(&self, option: &RemovedOption) -> bool {
        option.removed_in.is_none_or(|r| !self.reached(r))
    }

    // ---- the config `version` header ----------------------------------------------------------

    /// The highest config `version` the release reads: 2 on 1.x, 3 on 2.0–2.2, 4 from 2.3
    /// (migration facts CTD-CFG-002).
    pub(crate) fn max_config_version(&self) -> i64 {
        if self.is_1x() {
            2
        } else if self.from(2, 3, 0) {
            4
        } else {
            3
        }
    }

    /// Whether the release checks the header against the highest version it reads: every 2.x,
    /// and 1.6.32+ / 1.7.17+, which also announce in their version-1 deprecation log that 2.x
    /// converts such files on every start. A 1.6 or 1.7 line without its patch is not counted.
    pub(crate) fn checks_config_version(&self) -> bool {
        match self.version() {
            None => false,
            Some(v) if v.major >= 2 => true,
            Some(v) => match v.minor {
                6 => self.from(1, 6, 32),
                7 => self.from(1, 7, 17),
                m => m > 7,
            },
        }
    }

    /// What the release does with a config `version` header.
    pub(crate) fn config_version_support(&self, version: i64) -> ConfigVersionSupport {
        let Some(v) = self.version() else {
            return ConfigVersionSupport::Reads;
        };
        let max = self.max_config_version();
        if version <= max {
            return ConfigVersionSupport::Reads;
        }
        if self.is_2x() {
            return ConfigVersionSupport::Refuses {
                max,
                message: format!(
                    "expected containerd config version equal to or less than `{max}`, got `{version}`"
                ),
            };
        }
        // 1.6.32 and 1.7.17 added the upper bound; earlier 1.x has none.
        if matches!(v.minor, 6 | 7) && self.line_only() {
            ConfigVersionSupport::RefusesOrIgnores
        } else if self.checks_config_version() {
            ConfigVersionSupport::Refuses {
                max,
                message: format!("unsupported config version `{version}`"),
            }
        } else {
            ConfigVersionSupport::IgnoresCriTables
        }
    }

    /// The CRI table layout the release reads for a config version. A 1.x release that
    /// accepts a version-3 file reads it like version 2, by full plugin URI: the
    /// `io.containerd.grpc.v1.cri` table is read, the `io.containerd.cri.v1.*` tables are not
    /// (seen with 1.6.20: `sandbox_image` under `io.containerd.grpc.v1.cri` in a version-3
    /// file applies). 2.x migrates versions 1 and 2 on every start, but 2.0–2.2 take a
    /// version-1 file straight to version 3: the short ids are renamed, the CRI plugin's own
    /// split never runs, and its runtime and image settings stay in `io.containerd.grpc.v1.cri`,
    /// where the version-3 schema ignores them (seen with 2.1.9: "Ignoring unknown key in TOML
    /// for plugin" key="containerd runtimes runc", and `config dump` shows the defaults). Such a
    /// file is read as version 3.
    pub(crate) fn reads(&self, config_version: i64) -> CriLayout {
        match (self.is_1x(), config_version) {
            (true, ..=1) => CriLayout::V1,
            (false, ..=1) if self.migrates_version_1_in_one_step() => CriLayout::V3,
            (true, _) | (false, ..=2) => CriLayout::V2,
            (false, _) => CriLayout::V3,
        }
    }

    /// containerd 2.0–2.2 migrate a version-1 file straight to the current version on load,
    /// so the CRI plugin's own version 2 → 3 conversion never runs (migration facts
    /// CTD-CFG-001(c), seen with 2.1.9); 2.3 migrates per file.
    pub(crate) fn migrates_version_1_in_one_step(&self) -> bool {
        self.is_2x() && self.before(2, 3, 0)
    }

    // ---- plugins ------------------------------------------------------------------------------

    /// The plugin ids that make up the CRI service, any of which disabled or failing takes it
    /// down: one plugin on containerd 1.x, split in three from 2.0.
    pub(crate) fn cri_plugin_ids(&self) -> &'static [&'static str] {
        if self.is_1x() {
            &[CRI_GRPC_ID]
        } else {
            &[CRI_GRPC_ID, CRI_RUNTIME_ID, CRI_IMAGES_ID]
        }
    }

    /// The entries of `disabled_plugins` that disable the CRI service for a config version.
    pub(crate) fn cri_disabled_by(&self, config_version: i64) -> &'static [&'static str] {
        match (self.is_1x(), self.reads(config_version)) {
            // A version-1 file on 1.x disables by short id; the full id does nothing there
            // (seen with 1.6.20).
            (true, CriLayout::V1) => &["cri"],
            (true, _) => &[CRI_GRPC_ID],
            // 2.x renames a version-1 file's short `cri` to the full id before matching.
            (false, _) if config_version <= 1 => {
                &["cri", CRI_GRPC_ID, CRI_RUNTIME_ID, CRI_IMAGES_ID]
            }
            (false, _) => self.cri_plugin_ids(),
        }
    }

    /// Whether the release finds a version-1 file's short `[plugins.cri]` table under its full
    /// id: 2.x renames short ids as it loads a version-1 file (`v1Migrate`); 1.x, and 2.x for
    /// files of version 2 and later, read only the full id.
    pub(crate) fn renames_short_plugin_ids(&self, config_version: i64) -> bool {
        self.is_2x() && config_version <= 1
    }

    /// The plugin URI form the release's config check accepts: 1.x wants four dot-separated
    /// parts (`len(strings.Split(p, ".")) < 4` is rejected; seen with 1.6.20 for
    /// `io.containerd.cri`), 2.x any dot.
    pub(crate) fn is_plugin_uri(&self, name: &str) -> bool {
        if self.is_1x() {
            name.split('.').count() >= 4
        } else {
            name.contains('.')
        }
    }

    /// The `version` that decides how an entry of `disabled_plugins` / `required_plugins` at
    /// `span` is read: 1.x reads the merged config's, 2.x each file's (it migrates version-1
    /// files one by one as it loads them).
    pub(crate) fn plugin_names_version(&self, cfg: &ContainerdConfig, span: Span) -> i64 {
        if self.is_1x() {
            cfg.version.value
        } else {
            cfg.file_version(span.file)
        }
    }

    /// Whether an entry of `disabled_plugins` / `required_plugins` makes containerd refuse to
    /// start for its form: both lines check the entries of a config (1.x) or file (2.x) of
    /// version 2 or later, after 2.x renamed a version-1 file's short names.
    pub(crate) fn refuses_plugin_name(
        &self,
        entry: &str,
        cfg: &ContainerdConfig,
        span: Span,
    ) -> bool {
        self.plugin_names_version(cfg, span) >= 2 && !self.is_plugin_uri(entry)
    }

    /// The plugin id an entry of `disabled_plugins` / `required_plugins` designates on this
    /// release, or None when it designates nothing there.
    ///
    /// containerd 1.x identifies plugins by their short id in a version-1 config and by their
    /// full URI otherwise (seen with 1.6.20: `io.containerd.grpc.v1.cri` in a version-1 file
    /// disables nothing, and as a required plugin makes containerd exit). containerd 2.x
    /// renames short names of version-1 files to URIs as it loads each file, then matches URIs.
    pub(crate) fn designated_plugin(
        &self,
        entry: &str,
        cfg: &ContainerdConfig,
        span: Span,
    ) -> Option<String> {
        let version_1 = self.plugin_names_version(cfg, span) <= 1;
        if self.is_1x() && version_1 {
            // Short ids only; `cri` is the CRI plugin's.
            return (!entry.contains('.')).then(|| v1_plugin_uri(entry));
        }
        if version_1 {
            return Some(v1_plugin_uri(entry));
        }
        Some(entry.to_string())
    }

    /// Whether an entry of `disabled_plugins` takes the CRI service down on this release (an
    /// entry that stops containerd altogether aside).
    pub(crate) fn disables_cri(&self, entry: &str, cfg: &ContainerdConfig, span: Span) -> bool {
        !self.refuses_plugin_name(entry, cfg, span)
            && self
                .designated_plugin(entry, cfg, span)
                .is_some_and(|id| self.cri_plugin_ids().contains(&id.as_str()))
    }

    /// Whether a required plugin written as a URI in a version-1 config matches nothing, so
    /// that containerd exits once its plugins are loaded (1.x, seen with 1.6.20).
    pub(crate) fn misses_required_uri_in_version_1(&self, config_version: i64) -> bool {
        self.is_1x() && config_version <= 1
    }

    /// Whether plugin table keys must be URIs: 1.x refuses to start a config of version 2 or
    /// later with `[plugins.cri]` (`invalid plugin key URI`).
    pub(crate) fn checks_plugin_table_keys(&self, config_version: i64) -> bool {
        self.is_1x() && config_version >= 2
    }

    // ---- the CRI plugin's validation ------------------------------------------------------

    /// Whether a value of the wrong type in a CRI plugin table (outside runtime `options`) stops
    /// containerd: 1.x decodes the table at start and exits (seen with 1.6.20); 2.x decodes a
    /// version-2 file's CRI table when it converts it, and exits the same way (seen with 2.1.9:
    /// `containerd: toml: cannot decode TOML integer into string` for an integer
    /// `sandbox_image`).
    pub(crate) fn type_errors_in_cri_tables_are_fatal(&self, config_version: i64) -> bool {
        self.is_1x() || config_version == 2
    }

    /// Whether a version-2 file's explicit `io.containerd.cri.v1.runtime` or `images` table
    /// wins over the CRI plugin's conversion: 2.0–2.2 convert the `io.containerd.grpc.v1.cri`
    /// settings only into a split plugin the file does not write itself. Seen with 2.1.9: with
    /// `[plugins.'io.containerd.cri.v1.runtime'...runc.options] SystemdCgroup = true` in a
    /// version-2 file, `config dump` keeps it, and a runtime defined under
    /// `io.containerd.grpc.v1.cri` is gone. 2.3 migrates per file (migration facts N.2).
    pub(crate) fn keeps_explicit_split_cri_tables(&self) -> bool {
        self.is_2x() && self.before(2, 3, 0)
    }

    /// Whether a plugin table in an imported file replaces the same table of an earlier file as
    /// a whole (1.x, seen with 1.6.20 and 1.7.24); 2.x merges them key by key (seen with 2.1.9:
    /// an import setting only the sandbox image keeps the main file's SystemdCgroup).
    pub(crate) fn replaces_imported_plugin_tables(&self) -> bool {
        !self.is_2x()
    }

    /// Whether containerd's built-in `runc` runtime survives a config that defines runtimes: 2.x
    /// decodes the config over its defaults, so `runc` stays next to the runtimes defined and
    /// a `runc` table without `runtime_type` keeps `io.containerd.runc.v2` (seen with 2.1.9 in
    /// `containerd config dump`); 1.x replaces the whole map (seen with 1.6.20).
    pub(crate) fn keeps_builtin_runc(&self) -> bool {
        self.is_2x()
    }

    /// Whether the deprecated `default_runtime` and `untrusted_workload_runtime` tables become
    /// the runtimes `default` and `untrusted` (1.x CRI `validateConfig`); 2.x ignores them.
    pub(crate) fn converts_legacy_runtime_tables(&self) -> bool {
        self.is_1x()
    }

    /// Whether the CRI plugin refuses `configs.<host>.tls` next to `config_path` (1.x); 2.x
    /// has no `tls` table any more.
    pub(crate) fn refuses_tls_with_config_path(&self) -> bool {
        self.is_1x()
    }

    /// Whether the CRI plugin checks the options only the v1 shim takes (`systemd_cgroup`,
    /// `runtime_engine`, `runtime_root`, `no_pivot`) and its duration strings at start (1.x).
    pub(crate) fn validates_v1_shim_options(&self) -> bool {
        self.is_1x()
    }

    /// Plugin-level `systemd_cgroup = true` where it does harm: on 1.x unless the default
    /// runtime is the v1 shim (the CRI plugin fails to load), on 2.x always (the key no longer
    /// exists).
    pub(crate) fn harmful_legacy_systemd_cgroup<'c>(
        &self,
        cfg: &'c ContainerdConfig,
    ) -> Option<&'c crate::model::Spanned<bool>> {
        let legacy = cfg.cri.legacy_systemd_cgroup.as_ref().filter(|s| s.value)?;
        let v1_default = cfg
            .cri
            .default_runtime()
            .is_some_and(|r| r.runtime_type.value == V1_SHIM);
        (!self.validates_v1_shim_options() || !v1_default).then_some(legacy)
    }

    /// Whether setting both `cni.bin_dir` and `cni.bin_dirs` fails the CRI plugin. The written
    /// facts (CTD-CFG-007) say so for the release that deprecated `bin_dir`, 2.1; the real
    /// containerd 2.1.9 loads CRI with both set and only logs the deprecation, so 2.1 does not
    /// refuse, and the written fact is kept for 2.2 and later, which were not run here.
    pub(crate) fn refuses_cni_bin_dir_with_bin_dirs(&self) -> bool {
        self.from(2, 2, 0)
    }

    // ---- registries ----------------------------------------------------------------------------

    /// Whether containerd has a default `config_path` when none is set (2.2+).
    pub(crate) fn has_default_config_path(&self) -> bool {
        self.from(2, 2, 0)
    }

    /// Whether an explicit empty `config_path`, or one beside `mirrors`, still gets the default
    /// (2.2.0 and 2.2.1, containerd#12612, fixed in 2.2.2).
    pub(crate) fn forces_default_config_path(&self) -> bool {
        self.from(2, 2, 0) && self.before(2, 2, 2)
    }

    /// Whether pulls go through the transfer service, which reads only hosts.toml (2.1+ CRI).
    pub(crate) fn pulls_through_transfer_service(&self) -> bool {
        self.from(2, 1, 0)
    }

    /// Whether hosts.toml `dial_timeout` is read ([`HOSTS_DIAL_TIMEOUT_SINCE`]); true when the
    /// release is unknown.
    pub(crate) fn reads_hosts_dial_timeout(&self) -> bool {
        self.within(Some(HOSTS_DIAL_TIMEOUT_SINCE), None)
    }

    /// Whether hosts.toml `proxy` is read: documented on containerd's main branch but absent
    /// from the parser of every release checked (through 2.3); assumed from 2.4.
    pub(crate) fn reads_hosts_proxy(&self) -> bool {
        self.from(2, 4, 0)
    }

    /// Whether a hosts.toml without a `[host]` table is rejected as a whole (`invalid `host`
    /// tree`): 1.x, seen with 1.6.20; the fix (containerd PR #10028) reached only a later 1.7
    /// patch release, UNVERIFIED which.
    pub(crate) fn rejects_hosts_without_host_table(&self) -> bool {
        self.is_1x()
    }

    /// Whether a later patch release of this line fixes the missing `[host]` table (the 1.7
    /// line, PR #10028).
    pub(crate) fn line_fixes_missing_host_table(&self) -> bool {
        self.version().is_some_and(|v| v.major == 1 && v.minor >= 7)
    }

    /// Whether the CRI runtime reports its cgroup driver to the kubelet (2.0+), so that a
    /// kubelet taking it from CRI follows containerd's setting.
    pub(crate) fn reports_cgroup_driver(&self) -> bool {
        self.is_2x()
    }

    // ---- the sandbox image and the CRI API -------------------------------------------------

    /// Whether the CRI plugin reports the sandbox image as pinned, so that kubelet 1.29+
    /// image GC leaves it alone (1.6.22+, 1.7.3+, 2.x). None when a 1.6 or 1.7 line is known
    /// without its patch: the patch decides.
    pub(crate) fn pins_sandbox_image(&self) -> Option<bool> {
        let v = self.version()?;
        if v.major >= 2 || self.from(1, 7, 3) || (v.is_line(1, 6) && self.from(1, 6, 22)) {
            return Some(true);
        }
        if self.line_only() && (v.is_line(1, 6) || v.is_line(1, 7)) {
            return None;
        }
        Some(false)
    }

    /// Whether the CRI plugin serves CRI v1 (1.6+); earlier releases serve only v1alpha2.
    pub(crate) fn serves_cri_v1(&self) -> bool {
        self.from(1, 6, 0)
    }
}

/// The first release whose hosts.toml parser reads `dial_timeout`.
pub(crate) const HOSTS_DIAL_TIMEOUT_SINCE: ReleaseNumber = ReleaseNumber(2, 1, 0);

/// CRI plugin ids.
pub(crate) const CRI_V1_ID: &str = "cri";
pub(crate) const CRI_GRPC_ID: &str = "io.containerd.grpc.v1.cri";
pub(crate) const CRI_RUNTIME_ID: &str = "io.containerd.cri.v1.runtime";
pub(crate) const CRI_IMAGES_ID: &str = "io.containerd.cri.v1.images";

/// Plugin ids that hold CRI settings, in any layout.
pub(crate) const CRI_TABLE_IDS: &[&str] = &[CRI_V1_ID, CRI_GRPC_ID, CRI_RUNTIME_ID, CRI_IMAGES_ID];

/// The runtime type of the removed v1 shim; the only one plugin-level `systemd_cgroup` (and
/// `runtime_engine`, `runtime_root`, `no_pivot`) serve on 1.x.
pub(crate) const V1_SHIM: &str = "io.containerd.runtime.v1.linux";

/// The short ids of containerd's own plugins in a version 1 config, with their full ids.
const V1_PLUGIN_IDS: &[(&str, &str)] = &[
    ("cri", CRI_GRPC_ID),
    ("cgroups", "io.containerd.monitor.v1.cgroups"),
    ("linux", "io.containerd.runtime.v1.linux"),
    ("scheduler", "io.containerd.gc.v1.scheduler"),
    ("bolt", "io.containerd.metadata.v1.bolt"),
    ("task", "io.containerd.runtime.v2.task"),
    ("opt", "io.containerd.internal.v1.opt"),
    ("restart", "io.containerd.internal.v1.restart"),
    ("tracing", "io.containerd.internal.v1.tracing"),
    ("otlp", "io.containerd.tracing.processor.v1.otlp"),
    ("aufs", "io.containerd.snapshotter.v1.aufs"),
    ("btrfs", "io.containerd.snapshotter.v1.btrfs"),
    ("devmapper", "io.containerd.snapshotter.v1.devmapper"),
    ("native", "io.containerd.snapshotter.v1.native"),
    ("overlayfs", "io.containerd.snapshotter.v1.overlayfs"),
    ("zfs", "io.containerd.snapshotter.v1.zfs"),
];

/// The full id of one of containerd's own plugins by its short version 1 id; None for a name
/// that is not one of them.
pub(crate) fn known_v1_plugin_uri(short: &str) -> Option<&'static str> {
    V1_PLUGIN_IDS
        .iter()
        .find(|(s, _)| *s == short)
        .map(|(_, full)| *full)
}

/// How containerd 2.x names a plugin written without a dot in a version-1 file
/// (`v1MigratePluginName` in `cmd/containerd/server/config/config.go`); 1.x uses the same
/// short ids for its built-in plugins.
pub(crate) fn v1_plugin_uri(short: &str) -> String {
    if short.contains('.') {
        return short.to_string();
    }
    if let Some(full) = known_v1_plugin_uri(short) {
        return full.to_string();
    }
    if short.ends_with("-service") {
        return format!("io.containerd.service.v1.{short}");
    }
    format!("io.containerd.grpc.v1.{short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(v: &str) -> ContainerdRelease {
        ContainerdRelease::target(v)
    }

    #[test]
    fn assumed_from_the_config_version_and_never_guessed_without_one() {
        let r = ContainerdRelease::resolve(None, Some(2));
        assert_eq!(r.evaluated(), "1.7");
        assert!(r.known_fact().is_none() && r.line_only() && r.is_1x());
        assert_eq!(r.label(), "containerd 1.7 (assumed)");
        assert_eq!(ContainerdRelease::resolve(None, Some(3)).evaluated(), "2.3");
        let unknown = ContainerdRelease::resolve(None, None);
        assert!(unknown.is_unknown() && !unknown.is_1x() && !unknown.is_2x());
        assert_eq!(unknown.label(), "containerd (version unknown)");
        assert_eq!(
            unknown.config_version_support(9),
            ConfigVersionSupport::Reads
        );
    }

    #[test]
    fn config_versions_per_release() {
        use ConfigVersionSupport as S;
        assert_eq!(
            release("1.6.20").config_version_support(3),
            S::IgnoresCriTables
        );
        assert!(matches!(
            release("1.7.17").config_version_support(3),
            S::Refuses { max: 2, .. }
        ));
        assert_eq!(
            release("1.7").config_version_support(3),
            S::RefusesOrIgnores
        );
        assert!(matches!(
            release("2.1.9").config_version_support(4),
            S::Refuses { max: 3, .. }
        ));
        assert_eq!(release("2.3.0").config_version_support(4), S::Reads);
        assert_eq!(release("1.6.20").reads(1), CriLayout::V1);
        assert_eq!(release("1.6.20").reads(3), CriLayout::V2);
        assert_eq!(release("2.1.9").reads(2), CriLayout::V2);
        assert_eq!(release("2.1.9").reads(3), CriLayout::V3);
    }

    #[test]
    fn plugin_names_per_release() {
        assert!(!release("1.6.20").is_plugin_uri("io.containerd.cri"));
        assert!(release("2.1.9").is_plugin_uri("io.containerd.cri"));
        assert!(!release("2.1.9").is_plugin_uri("cri"));
    }

    #[test]
    fn version_one_names_migrate_like_containerd_2() {
        assert_eq!(v1_plugin_uri("cri"), CRI_GRPC_ID);
        assert_eq!(
            v1_plugin_uri("restart"),
            "io.containerd.internal.v1.restart"
        );
        assert_eq!(
            v1_plugin_uri("diff-service"),
            "io.containerd.service.v1.diff-service"
        );
        assert_eq!(v1_plugin_uri("foo"), "io.containerd.grpc.v1.foo");
        assert_eq!(v1_plugin_uri("a.b"), "a.b");
    }

    #[test]
    fn sandbox_pinning_needs_the_patch_on_1_6_and_1_7() {
        assert_eq!(release("1.6.21").pins_sandbox_image(), Some(false));
        assert_eq!(release("1.6.22").pins_sandbox_image(), Some(true));
        assert_eq!(release("1.7").pins_sandbox_image(), None);
        assert_eq!(release("2.0").pins_sandbox_image(), Some(true));
        assert_eq!(release("1.5.9").pins_sandbox_image(), Some(false));
    }
}

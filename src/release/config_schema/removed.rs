//! The options containerd deprecated or removed (migration facts CTD-CFG-007, containerd
//! `RELEASES.md` at each tag). The key tables of [`super::server`] and [`super::cri`] point at
//! these from the field that carries the option.

use crate::model::containerd::{ReadAt, RemovedOption};

/// `[plugins."io.containerd.grpc.v1.cri"] systemd_cgroup`.
pub(crate) static SYSTEMD_CGROUP: RemovedOption = RemovedOption {
    option: "systemd_cgroup",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "on 1.3-1.7 the CRI plugin fails to load when it is set with a runc.v2 default runtime (`systemd_cgroup` only works for runtime io.containerd.runtime.v1.linux); on 2.x it is an unknown key and ignored",
    replacement: "containerd.runtimes.runc.options.SystemdCgroup",
    breaks: true,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".containerd] untrusted_workload_runtime`.
pub(crate) static UNTRUSTED_WORKLOAD_RUNTIME: RemovedOption = RemovedOption {
    option: "untrusted_workload_runtime",
    deprecated_in: Some("1.2"),
    removed_in: Some("2.0"),
    effect: "ignored as an unknown key from containerd 2.0",
    replacement: "an `untrusted` runtime in `containerd.runtimes` selected with a RuntimeClass",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".containerd] default_runtime`.
pub(crate) static DEFAULT_RUNTIME: RemovedOption = RemovedOption {
    option: "default_runtime",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "ignored as an unknown key from containerd 2.0",
    replacement: "containerd.default_runtime_name naming a runtime in containerd.runtimes",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".containerd.runtimes.*] runtime_engine`.
pub(crate) static RUNTIME_ENGINE: RemovedOption = RemovedOption {
    option: "runtime_engine",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "on 1.x the CRI plugin fails to load when it is set on a runtime other than io.containerd.runtime.v1.linux (`runtime_engine` only works for runtime io.containerd.runtime.v1.linux); ignored from 2.0",
    replacement: "the runtime's `options` (BinaryName) with runtime_type io.containerd.runc.v2",
    breaks: true,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".containerd.runtimes.*] runtime_root`.
pub(crate) static RUNTIME_ROOT: RemovedOption = RemovedOption {
    option: "runtime_root",
    deprecated_in: Some("1.3"),
    removed_in: Some("2.0"),
    effect: "on 1.x the CRI plugin fails to load when it is set on a runtime other than io.containerd.runtime.v1.linux (`runtime_root` only works for runtime io.containerd.runtime.v1.linux); ignored from 2.0",
    replacement: "the runtime's `options.Root`",
    breaks: true,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri"] disable_cgroup`. The facts table places it under `runtimes.*`; the sources
/// (1.x PluginConfig, 2.x RuntimeConfig) have it at the CRI plugin level only, and 2.x has no
/// such field.
pub(crate) static DISABLE_CGROUP: RemovedOption = RemovedOption {
    option: "disable_cgroup",
    deprecated_in: None,
    removed_in: Some("2.0"),
    effect: "ignored as an unknown key from containerd 2.0",
    replacement: "cgroup v2 delegation",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".containerd] no_pivot`.
pub(crate) static NO_PIVOT: RemovedOption = RemovedOption {
    option: "no_pivot",
    deprecated_in: None,
    removed_in: Some("2.0"),
    effect: "on 1.x the CRI plugin fails to load when it is true with a default runtime other than io.containerd.runtime.v1.linux (`no_pivot` only works for runtime io.containerd.runtime.v1.linux); ignored from 2.0",
    replacement: "the runtime's `options.NoPivotRoot`",
    breaks: true,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// runc `options.CriuPath`.
pub(crate) static CRIU_PATH: RemovedOption = RemovedOption {
    option: "CriuPath",
    deprecated_in: Some("1.7"),
    removed_in: Some("2.0"),
    effect: "ignored from containerd 2.0",
    replacement: "put `criu` in $PATH",
    breaks: false,
    read_at: ReadAt::ShimStart,
    converted_by_2x: false,
};

/// `[...cri".registry] auths`.
pub(crate) static REGISTRY_AUTHS: RemovedOption = RemovedOption {
    option: "registry.auths",
    deprecated_in: Some("1.3"),
    removed_in: None,
    effect: "still read as of containerd 2.3; removal planned (target moved from 2.0 to 2.4)",
    replacement: "imagePullSecrets, or credentials in hosts.toml-aware tooling",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".registry] mirrors`.
pub(crate) static REGISTRY_MIRRORS: RemovedOption = RemovedOption {
    option: "registry.mirrors",
    deprecated_in: Some("1.5"),
    removed_in: None,
    effect: "still read as of containerd 2.3; removal planned (target moved from 2.0 to 2.4); cannot be combined with config_path",
    replacement: "registry.config_path with hosts.toml files",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".registry] configs`.
pub(crate) static REGISTRY_CONFIGS: RemovedOption = RemovedOption {
    option: "registry.configs",
    deprecated_in: Some("1.5"),
    removed_in: None,
    effect: "still read as of containerd 2.3; removal planned (target moved from 2.0 to 2.4)",
    replacement: "registry.config_path with hosts.toml files",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".registry.configs."<host>".tls]`.
pub(crate) static REGISTRY_CONFIGS_TLS: RemovedOption = RemovedOption {
    option: "registry.configs.<host>.tls",
    deprecated_in: Some("1.5"),
    removed_in: Some("2.0"),
    effect: "ignored from containerd 2.0, so pulls from that registry fail TLS verification",
    replacement: "hosts.toml `ca`, `client` and `skip_verify` under registry.config_path",
    breaks: true,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// `[...cri".cni] bin_dir` (v3: `io.containerd.cri.v1.runtime`).
pub(crate) static CNI_BIN_DIR: RemovedOption = RemovedOption {
    option: "cni.bin_dir",
    deprecated_in: Some("2.1"),
    removed_in: None,
    effect: "still read; removal targeted for 2.4; with both bin_dir and bin_dirs set, containerd 2.1.9 loads CRI and logs the deprecation, and 2.2 and later are documented to fail (`cni.bin_dir` and `cni.bin_dirs` cannot be set at the same time)",
    replacement: "cni.bin_dirs",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: true,
};

/// `enable_cdi` (v3 runtime).
pub(crate) static ENABLE_CDI: RemovedOption = RemovedOption {
    option: "enable_cdi",
    deprecated_in: Some("2.2"),
    removed_in: None,
    effect: "still read; removal targeted for 2.4 (CDI is always on)",
    replacement: "remove the key",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

/// Top-level `plugin_dir` (Go plugins).
pub(crate) static PLUGIN_DIR: RemovedOption = RemovedOption {
    option: "plugin_dir",
    deprecated_in: Some("2.0"),
    removed_in: Some("2.1"),
    effect: "Go plugins are no longer loaded from containerd 2.1",
    replacement: "proxy plugins or external binary plugins",
    breaks: false,
    read_at: ReadAt::ConfigLoad,
    converted_by_2x: false,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{ContainerdRelease, ReleaseNumber};

    const ALL: [&RemovedOption; 15] = [
        &SYSTEMD_CGROUP,
        &UNTRUSTED_WORKLOAD_RUNTIME,
        &DEFAULT_RUNTIME,
        &RUNTIME_ENGINE,
        &RUNTIME_ROOT,
        &DISABLE_CGROUP,
        &NO_PIVOT,
        &CRIU_PATH,
        &REGISTRY_AUTHS,
        &REGISTRY_MIRRORS,
        &REGISTRY_CONFIGS,
        &REGISTRY_CONFIGS_TLS,
        &CNI_BIN_DIR,
        &ENABLE_CDI,
        &PLUGIN_DIR,
    ];

    #[test]
    fn removed_options_carry_parsable_versions() {
        for r in ALL {
            for text in [r.deprecated_in, r.removed_in].into_iter().flatten() {
                assert!(ReleaseNumber::parse(text).is_some(), "{}: {text}", r.option);
            }
            assert!(
                r.deprecated_in.is_some() || r.removed_in.is_some(),
                "{}",
                r.option
            );
        }
    }

    /// Reports name an option by `option` alone (`inspect`: "deprecated/removed option
    /// runtime_root"), so no two may share it.
    #[test]
    fn removed_options_have_distinct_names() {
        let mut names: Vec<_> = ALL.iter().map(|r| r.option).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "{names:?}");
    }

    #[test]
    fn removal_follows_the_release() {
        let target = ContainerdRelease::target;
        assert!(target("1.7.0").has_deprecated(&CRIU_PATH));
        assert!(!target("1.6.20").has_deprecated(&CRIU_PATH));
        assert!(!target("1.7.5").has_deprecated(&DISABLE_CGROUP));
        assert!(target("2.0.0").has_deprecated(&DISABLE_CGROUP));
        assert!(ContainerdRelease::default().has_deprecated(&SYSTEMD_CGROUP));
    }
}

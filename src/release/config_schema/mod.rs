//! What containerd knows: the keys of its config per config `version` and per containerd
//! release, with their types, the releases that read them, and the options it deprecated or
//! removed. Data only; `collect::containerd::inventory` walks a parsed file against it.
//!
//! The tables, by what they describe: [`server`] the top-level (server) keys, [`cri`] the CRI
//! plugin in every layout, [`plugins`] the other built-in plugin ids, [`removed`] the options
//! containerd deprecated or removed. This module holds the vocabulary they are written in.
//! Built-in default values are not keys: they live in [`crate::release::containerd_defaults`].
//!
//! Sources (each table names its own):
//! - 1.x server config: `services/server/config/config.go` (Config, GRPCConfig, TTRPCConfig,
//!   Debug, MetricsConfig, CgroupConfig, ProxyPlugin, StreamProcessor, `v1Migrate`).
//! - 2.x server config: `cmd/containerd/server/config/config.go` (same structs; ProxyPlugin
//!   gains `exports`), the 2.3 man page `docs/man/containerd-config.toml.5.md` (version 4,
//!   `capabilities`, server plugins) and a `containerd config default` of 2.3.x (version 4).
//! - 1.x CRI: `pkg/cri/config/config.go` (PluginConfig, ContainerdConfig, Runtime, CniConfig,
//!   Registry, RegistryConfig, TLSConfig, AuthConfig, Mirror, ImageDecryption,
//!   X509KeyPairStreaming) and the `containerd config default` of the installed 1.6.20
//!   (`tests/data/containerd-1.6.20-config-default.toml`).
//! - 2.x CRI: `internal/cri/config/config.go` (RuntimeConfig, ImageConfig, ServerConfig),
//!   `plugins/cri/images/plugin.go` (`configMigration`: which v2 keys move to
//!   `io.containerd.cri.v1.images`), a 2.0-era `containerd config dump` (corpus
//!   `eks-nodeadm-e2e-containerdv2-config`) and the 2.3 `config default`.
//! - runc options: `runtime/v2/runc/options/oci.proto` (1.x) and
//!   `api/types/runc/options/oci.proto` (2.x; `criu_path` reserved, "Removed in containerd
//!   v2.0").
//! - Deprecations: migration facts CTD-CFG-007 (containerd `RELEASES.md` at each tag).
//!
//! Where the exact first release of a key could not be read at a tag, `since` is the earliest
//! release consistent with the sources read (a key absent from a 2.0 dump and present in a
//! 2.3 dump gets 2.1), so that an unverified bound never produces a false "ignored" verdict
//! for an older release; the field's comment says so.
//!
//! Key matching: containerd's TOML decoders (go-toml v1 in 1.x, v2 in 2.x) fall back to a
//! case-insensitive match of a struct field, as Go's encoding/json does. Seen with the installed
//! 1.6.20: `SANDBOX_IMAGE = "..."` under the CRI plugin shows up as `sandbox_image` in
//! `containerd config dump`. [`find_field`] matches the same way.

mod cri;
mod fields;
mod plugins;
pub(crate) mod removed;
mod server;

pub(crate) use cri::{
    CRI_GRPC_ID, CRI_IMAGES_ID, CRI_RUNTIME_ID, CRI_V1_ID, RUNTIME_OPTIONS_KEY, RUNTIME_TYPE_KEY,
    cri_plugin_since, cri_plugins, is_runtime_table, moves_from_containerd_to_images, runc_options,
    takes_runc_options, v2_cri_fields, v3_plugin_of_v2_key,
};
pub(crate) use fields::{Field, Ty, find_field};
pub(crate) use plugins::{other_plugin_ids, other_plugins};
pub(crate) use server::{PLUGINS_KEY, pre_v4_table, top_level, v4_moved_keys};

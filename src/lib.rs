//! runtime-audit: a preflight auditor for Kubernetes nodes moving from Docker (dockershim)
//! to containerd.
//!
//! Data flows one way: `collect` (all I/O) builds a [`model::NodeSnapshot`], the `engine`
//! runs the pure `rules` over it in parallel, and `report` renders the result. `fix` turns
//! findings into edits of the node's files, written only on request.

pub mod api;
pub mod cli;
pub mod cluster;
pub mod collect;
pub mod engine;
pub mod fix;
pub mod inspect;
pub mod model;
pub mod release;
pub mod report;
pub mod rules;
pub mod vocabulary;

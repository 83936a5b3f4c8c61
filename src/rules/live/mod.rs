//! RA8xx: what only a running node shows — runtime sockets, the CRI API, Docker's images and
//! containers, and workloads that depend on Docker.

mod common;
mod images;
mod ra801;
mod ra802;
mod ra803;
mod ra804;
mod ra805;
mod ra806;
mod ra807;
mod ra808;
mod ra809;

pub(crate) use common::{DockerState, docker_state};

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[
    &ra801::RULE,
    &ra802::RULE,
    &ra803::RULE,
    &ra804::RULE,
    &ra805::RULE,
    &ra806::RULE,
    &ra807::RULE,
    &ra808::RULE,
    &ra809::RULE,
];

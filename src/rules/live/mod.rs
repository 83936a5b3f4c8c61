//! RA8xx: what only a running node shows — runtime sockets, the CRI API, Docker's images and
//! containers, and workloads that depend on Docker.

mod images;
mod probe_results;
mod sockets;

area_rules!(
    ra801, ra802, ra803, ra804, ra805, ra806, ra807, ra808, ra809, ra810
);

pub(crate) use probe_results::{DockerState, docker_state};

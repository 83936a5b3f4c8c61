//! The Kubernetes API: the connection (kubeconfig or the pod's service account), GETs that
//! honour a client rate limit and say why they failed, and the kubelet's configz.

mod client;
mod configz;
mod failure;
mod limiter;
mod query;

pub(crate) use client::{Api, ApiSettings, Ask};
pub(crate) use configz::{KubeletConfigz, fetch as fetch_configz};
pub(crate) use failure::ApiFailure;
pub(crate) use query::escape as query_escape;

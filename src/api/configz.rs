//! The running kubelet's configuration, as `GET /api/v1/nodes/NAME/proxy/configz` returns it:
//! `{"kubeletconfig": {...}}`. Only what the rules read is kept.

use serde::Deserialize;

use super::client::{Api, Ask};
use super::failure::ApiFailure;

/// What the rules read of a running kubelet's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KubeletConfigz {
    /// `systemd` or `cgroupfs`.
    pub(crate) cgroup_driver: Option<String>,
    /// In the configuration from kubelet 1.27 (a flag before, which configz does not show).
    pub(crate) container_runtime_endpoint: Option<String>,
    pub(crate) image_service_endpoint: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    kubeletconfig: KubeletConfigz,
}

/// Reads a configz body.
pub(crate) fn parse(body: &[u8]) -> Result<KubeletConfigz, String> {
    serde_json::from_slice::<Body>(body)
        .map(|b| b.kubeletconfig)
        .map_err(|e| format!("not a kubelet configz body ({{\"kubeletconfig\": {{...}}}}): {e}"))
}

/// GETs one node's configz.
pub(crate) async fn fetch(api: &Api, node: &str) -> Result<KubeletConfigz, ApiFailure> {
    let what = format!("Node {node}'s kubelet configz");
    let path = format!("/api/v1/nodes/{node}/proxy/configz");
    let body = api
        .get(
            &path,
            Ask {
                what: &what,
                verb: "get",
                resource: "nodes/proxy",
            },
        )
        .await?;
    parse(&body).map_err(|detail| ApiFailure::NotKubernetes { what, detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/fixtures/clusters/recorded/configz/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn reads_the_driver_and_the_endpoint_where_the_kubelet_has_it() {
        let old = parse(&recorded("kubelet-1.24.json")).expect("1.24 parses");
        assert_eq!(old.cgroup_driver.as_deref(), Some("systemd"));
        assert_eq!(old.container_runtime_endpoint, None);
        let new = parse(&recorded("kubelet-1.31-cri-dockerd-observed.json")).expect("1.31 parses");
        assert_eq!(
            new.container_runtime_endpoint.as_deref(),
            Some("unix:///var/run/cri-dockerd.sock")
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_shape_expected() {
        let e = parse(b"{\"kind\":\"Status\"}").expect_err("no kubeletconfig");
        assert!(e.contains("kubeletconfig"), "{e}");
    }
}

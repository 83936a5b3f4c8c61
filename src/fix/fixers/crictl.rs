//! Fixes in /etc/crictl.yaml: crictl pointed at containerd.

use crate::rules::containerd_socket::containerd_endpoint;

use super::{Of, Op, Proposal};

/// The crictl.yaml the audit reads.
const CRICTL_YAML: &str = "/etc/crictl.yaml";

/// RA701 / RA702: `runtime-endpoint` and `image-endpoint` set to containerd's socket, in a new
/// file when there is none.
pub(super) fn endpoint(of: &Of<'_>) -> Option<Proposal> {
    let (socket, origin) = containerd_endpoint(of.snap);
    let keys: &[&str] = match (of.finding.rule.id, of.case()) {
        ("RA701", "missing" | "no-endpoint") => &["runtime-endpoint", "image-endpoint"],
        ("RA702", "docker-socket" | "other-socket") => match of.finding.key.as_deref() {
            Some(key @ ("runtime-endpoint" | "image-endpoint")) => {
                return of.fix(
                    of.file()?,
                    format!("{key}: {socket} ({origin})"),
                    vec![Op::YamlSet {
                        key: key.to_owned(),
                        value: socket.clone(),
                    }],
                );
            }
            _ => return None,
        },
        _ => return None,
    };
    let file = of.file().unwrap_or_else(|| CRICTL_YAML.to_owned());
    of.fix(
        file,
        format!("point crictl at containerd: {socket} ({origin})"),
        keys.iter()
            .map(|k| Op::YamlSet {
                key: (*k).to_owned(),
                value: socket.clone(),
            })
            .collect(),
    )
}

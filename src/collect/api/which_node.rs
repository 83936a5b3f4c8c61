//! Which node the audit is about, for the API: `--node`, `NODE_NAME`, the `--node-file`'s
//! Node, else the host name, looked up by the `kubernetes.io/hostname` label.

/// How the audited node is named for the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NodeName {
    /// By name, and what named it (`--node`, `NODE_NAME`, `--node-file`).
    Given { name: String, by: String },
    /// The host name, to look up by the `kubernetes.io/hostname` label; and where it was read.
    Hostname { host: String, from: &'static str },
    /// No name: why.
    Unknown { why: String },
}

/// The node's name for the API: `--node`, `NODE_NAME`, the `--node-file`'s Node, else the host
/// name (the audited root's `/etc/hostname`, or on the host the kernel's).
pub(crate) fn node_name(
    flag: Option<&str>,
    env: Option<&str>,
    file_node: Option<&str>,
    hostname_file: Option<&str>,
    kernel_hostname: Option<&str>,
) -> NodeName {
    let given = |name: &str, by: &str| NodeName::Given {
        name: name.to_owned(),
        by: by.to_owned(),
    };
    let usable = |s: &&str| {
        let s = s.trim();
        !s.is_empty() && s.len() <= 253 && !s.contains(char::is_whitespace)
    };
    if let Some(n) = flag.filter(usable) {
        return given(n.trim(), "--node");
    }
    if let Some(n) = env.filter(usable) {
        return given(n.trim(), "NODE_NAME");
    }
    if let Some(n) = file_node.filter(usable) {
        return given(n.trim(), "--node-file");
    }
    if let Some(h) = hostname_file.filter(usable) {
        return NodeName::Hostname {
            host: h.trim().to_owned(),
            from: "/etc/hostname",
        };
    }
    if let Some(h) = kernel_hostname.filter(usable) {
        return NodeName::Hostname {
            host: h.trim().to_owned(),
            from: "the kernel's host name",
        };
    }
    NodeName::Unknown {
        why: "no --node, no NODE_NAME, no --node-file and no host name".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_environment_then_the_file_then_the_host_name() {
        assert_eq!(
            node_name(Some("a"), Some("b"), Some("c"), Some("d"), Some("e")),
            NodeName::Given {
                name: "a".into(),
                by: "--node".into()
            }
        );
        assert_eq!(
            node_name(None, Some("b"), Some("c"), None, None),
            NodeName::Given {
                name: "b".into(),
                by: "NODE_NAME".into()
            }
        );
        assert_eq!(
            node_name(None, Some(" "), Some("c"), None, None),
            NodeName::Given {
                name: "c".into(),
                by: "--node-file".into()
            }
        );
        assert_eq!(
            node_name(None, None, None, Some("worker-1\n"), Some("other")),
            NodeName::Hostname {
                host: "worker-1".into(),
                from: "/etc/hostname"
            }
        );
        assert!(matches!(
            node_name(None, None, None, None, None),
            NodeName::Unknown { .. }
        ));
    }
}

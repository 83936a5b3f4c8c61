//! The fields of Kubernetes objects the cluster rules read. Everything else in an object is
//! skipped without being kept: a pod of 4 KiB leaves a few borrowed strings behind.
//!
//! One shape serves every kind (Node, Pod, the workload controllers): serde ignores the
//! fields a kind does not have, so an object is parsed once, whatever its kind.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};

/// The kubeadm annotation that records a node's CRI socket.
pub(crate) const CRI_SOCKET_ANNOTATION: &str = "kubeadm.alpha.kubernetes.io/cri-socket";

/// Deployment's label on the pods of each ReplicaSet: the ReplicaSet is `<deployment>-<hash>`.
pub(crate) const POD_TEMPLATE_HASH: &str = "pod-template-hash";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Object<'a> {
    #[serde(borrow, default)]
    pub(crate) kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) metadata: Meta<'a>,
    #[serde(borrow, default)]
    pub(crate) spec: Spec<'a>,
    #[serde(borrow, default)]
    pub(crate) status: Status<'a>,
    /// A List's objects, when a List is itself an item.
    #[serde(borrow, default)]
    pub(crate) items: Vec<Object<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta<'a> {
    #[serde(borrow, default)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) labels: Pairs<'a>,
    #[serde(borrow, default, deserialize_with = "kubeadm_annotations")]
    pub(crate) annotations: Pairs<'a>,
    #[serde(borrow, default)]
    pub(crate) owner_references: Vec<OwnerReference<'a>>,
}

#[derive(Deserialize)]
pub(crate) struct OwnerReference<'a> {
    #[serde(borrow, default)]
    pub(crate) kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) name: Cow<'a, str>,
    #[serde(default)]
    pub(crate) controller: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Spec<'a> {
    /// Pod: the node it is scheduled to.
    #[serde(borrow, default)]
    pub(crate) node_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) volumes: Vec<Volume<'a>>,
    #[serde(borrow, default)]
    pub(crate) containers: Vec<Container<'a>>,
    #[serde(borrow, default)]
    pub(crate) init_containers: Vec<Container<'a>>,
    #[serde(borrow, default)]
    pub(crate) ephemeral_containers: Vec<Container<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Volume<'a> {
    #[serde(borrow, default)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) host_path: Option<HostPath<'a>>,
}

#[derive(Deserialize)]
pub(crate) struct HostPath<'a> {
    #[serde(borrow, default)]
    pub(crate) path: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container<'a> {
    #[serde(borrow, default)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) image: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) command: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) args: Vec<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) security_context: Option<SecurityContext>,
    #[serde(borrow, default)]
    pub(crate) volume_mounts: Vec<VolumeMount<'a>>,
}

#[derive(Deserialize)]
pub(crate) struct SecurityContext {
    #[serde(default)]
    pub(crate) privileged: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VolumeMount<'a> {
    #[serde(borrow, default)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) mount_path: Cow<'a, str>,
    #[serde(default)]
    pub(crate) read_only: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status<'a> {
    /// Node: what the kubelet reports about itself and its runtime.
    #[serde(borrow, default)]
    pub(crate) node_info: Option<NodeInfo<'a>>,
    /// Pod: Pending, Running, Succeeded, Failed, Unknown.
    #[serde(borrow, default)]
    pub(crate) phase: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NodeInfo<'a> {
    #[serde(borrow, default)]
    pub(crate) container_runtime_version: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) kubelet_version: Cow<'a, str>,
}

/// A string map kept as pairs, in the order written.
#[derive(Default)]
pub(crate) struct Pairs<'a>(pub(crate) Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl Pairs<'_> {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PairsVisitor {
            keep: keep_all as fn(&str) -> bool,
        })
        .map(Pairs)
    }
}

/// Only the `kubeadm.alpha.kubernetes.io/*` annotations: the others (last-applied
/// configurations above all) can be large, and no rule reads them.
fn kubeadm_annotations<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Pairs<'a>, D::Error> {
    d.deserialize_map(PairsVisitor {
        keep: is_kubeadm as fn(&str) -> bool,
    })
    .map(Pairs)
}

fn keep_all(_: &str) -> bool {
    true
}

fn is_kubeadm(key: &str) -> bool {
    key.starts_with("kubeadm.alpha.kubernetes.io/")
}

struct PairsVisitor<F> {
    keep: F,
}

impl<'de, F: Fn(&str) -> bool> Visitor<'de> for PairsVisitor<F> {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of strings")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            if (self.keep)(&key.0) {
                let value: Option<CowStr<'de>> = map.next_value()?;
                pairs.push((key.0, value.map(|v| v.0).unwrap_or_default()));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(pairs)
    }

    /// `labels: null`, as some tools write an empty map.
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// A string that borrows from the input when it can (`Cow<str>` alone always copies).
struct CowStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

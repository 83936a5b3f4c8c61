//! The objects the double serves, each kept as the raw JSON it was loaded from.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

/// What the double knows of one served resource.
#[derive(Debug)]
pub(crate) struct ResourceInfo {
    pub(crate) name: &'static str,
    pub(crate) singular: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) list_kind: &'static str,
    /// "" for the core group.
    pub(crate) group: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) short_names: &'static [&'static str],
}

impl ResourceInfo {
    /// `v1` or `apps/v1`, as objects carry it in `apiVersion`.
    pub(crate) fn api_version(&self) -> &'static str {
        match self.group {
            "apps" => "apps/v1",
            "batch" => "batch/v1",
            _ => "v1",
        }
    }

    /// The group-qualified name as the API server prints it in messages: `pods`, `deployments.apps`.
    pub(crate) fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}.{}", self.name, self.group)
        }
    }
}

macro_rules! info {
    ($name:literal, $singular:literal, $kind:literal, $group:literal, $namespaced:literal, [$($short:literal),*]) => {
        ResourceInfo {
            name: $name,
            singular: $singular,
            kind: $kind,
            list_kind: concat!($kind, "List"),
            group: $group,
            namespaced: $namespaced,
            short_names: &[$($short),*],
        }
    };
}

/// Every resource the double serves, in discovery order.
pub(crate) static RESOURCES: [ResourceInfo; 8] = [
    info!("nodes", "node", "Node", "", false, ["no"]),
    info!("pods", "pod", "Pod", "", true, ["po"]),
    info!(
        "replicasets",
        "replicaset",
        "ReplicaSet",
        "apps",
        true,
        ["rs"]
    ),
    info!(
        "deployments",
        "deployment",
        "Deployment",
        "apps",
        true,
        ["deploy"]
    ),
    info!("daemonsets", "daemonset", "DaemonSet", "apps", true, ["ds"]),
    info!(
        "statefulsets",
        "statefulset",
        "StatefulSet",
        "apps",
        true,
        ["sts"]
    ),
    info!("jobs", "job", "Job", "batch", true, []),
    info!("cronjobs", "cronjob", "CronJob", "batch", true, ["cj"]),
];

pub(crate) const NODES: usize = 0;
pub(crate) const PODS: usize = 1;

/// The index in [`RESOURCES`] of a kind, e.g. `Pod`.
fn resource_of_kind(kind: &str) -> Option<usize> {
    RESOURCES.iter().position(|info| info.kind == kind)
}

/// The index in [`RESOURCES`] of a resource served under `group`.
pub(crate) fn resource_named(group: &str, name: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|info| info.group == group && info.name == name)
}

/// One stored object.
#[derive(Debug)]
pub(crate) struct Object {
    /// The storage key below the resource's prefix, as etcd orders it: `namespace/name`, or `name`
    /// for a cluster-scoped object.
    pub(crate) key: String,
    /// Where the name starts in `key`.
    pub(crate) name_at: usize,
    /// `spec.nodeName` of a pod, for field selectors.
    pub(crate) node_name: Option<Box<str>>,
    pub(crate) raw: Box<RawValue>,
}

impl Object {
    pub(crate) fn name(&self) -> &str {
        &self.key[self.name_at..]
    }

    pub(crate) fn namespace(&self) -> &str {
        self.key[..self.name_at].trim_end_matches('/')
    }
}

/// The objects of a cluster, by resource, each kept as raw JSON, and the kubelet `configz` bodies.
#[derive(Debug, Default)]
pub struct Cluster {
    pub(crate) stores: [Vec<Object>; 8],
    pub(crate) configz: HashMap<String, Vec<u8>>,
    pub(crate) default_configz: Option<Vec<u8>>,
}

#[derive(Deserialize)]
struct Head {
    kind: Option<String>,
    items: Option<Vec<Box<RawValue>>>,
}

#[derive(Deserialize)]
struct ObjectHead {
    kind: Option<String>,
    metadata: Option<MetaHead>,
    spec: Option<SpecHead>,
}

#[derive(Deserialize)]
struct MetaHead {
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct SpecHead {
    #[serde(rename = "nodeName")]
    node_name: Option<String>,
}

impl Cluster {
    /// An empty cluster.
    #[must_use]
    pub fn new() -> Cluster {
        Cluster::default()
    }

    /// Adds one object (Node, Pod, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job, CronJob;
    /// other kinds are ignored); a `List` (kind `List` or `*List` with items) adds its items, and a
    /// JSON array adds each element.
    ///
    /// # Errors
    ///
    /// When the text is not JSON, or an object of a served kind has no `metadata.name`.
    pub fn add_json(&mut self, text: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(text).map_err(|error| error.to_string())?;
        match text.trim_start().as_bytes().first() {
            Some(b'[') => {
                let items: Vec<Box<RawValue>> =
                    serde_json::from_str(text).map_err(|error| error.to_string())?;
                self.add_items(items, None)
            }
            Some(b'{') => {
                let head: Head = serde_json::from_str(text).map_err(|error| error.to_string())?;
                let kind = head.kind.unwrap_or_default();
                match head.items {
                    Some(items) if kind.ends_with("List") => {
                        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                        self.add_items(items, item_kind)
                    }
                    _ => {
                        let raw = RawValue::from_string(text.trim().to_owned())
                            .map_err(|error| error.to_string())?;
                        let head = parse_head(&raw)?;
                        self.add_raw(raw, head, None)
                    }
                }
            }
            _ => Err("expected a JSON object, List or array".to_owned()),
        }
    }

    /// Reads a file holding a List, a single object, or a JSON array (as `kubectl get -o json`
    /// prints them).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or [`Cluster::add_json`] refuses its text.
    pub fn add_file(&mut self, path: &Path) -> Result<(), String> {
        let text =
            std::fs::read(path).map_err(|error| format!("reading {}: {error}", path.display()))?;
        self.add_json(&text)
            .map_err(|error| format!("{}: {error}", path.display()))
    }

    /// The body `GET /api/v1/nodes/{node}/proxy/configz` returns for this node (as the kubelet
    /// prints it: `{"kubeletconfig":{...}}`).
    pub fn set_configz(&mut self, node: &str, body: Vec<u8>) {
        self.configz.insert(node.to_owned(), body);
    }

    /// The configz body of every node that has none of its own.
    pub fn set_default_configz(&mut self, body: Vec<u8>) {
        self.default_configz = Some(body);
    }

    /// How many objects of a resource (`pods`, `nodes`, `deployments`, ...) are loaded.
    #[must_use]
    pub fn count(&self, resource: &str) -> usize {
        RESOURCES
            .iter()
            .position(|info| info.name == resource)
            .map_or(0, |index| self.stores[index].len())
    }

    /// Adds the items of a List or array; their heads are read on every core (a List of 150,000
    /// pods is 600 MB).
    fn add_items(
        &mut self,
        items: Vec<Box<RawValue>>,
        list_kind: Option<&str>,
    ) -> Result<(), String> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk = items.len().div_ceil(threads).max(4_096);
        let heads: Vec<Result<ObjectHead, String>> = std::thread::scope(|scope| {
            let workers: Vec<_> = items
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || part.iter().map(|raw| parse_head(raw)).collect::<Vec<_>>())
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().unwrap_or_default())
                .collect()
        });
        if heads.len() != items.len() {
            return Err("reading the items failed".to_owned());
        }
        for (raw, head) in items.into_iter().zip(heads) {
            self.add_raw(raw, head?, list_kind)?;
        }
        Ok(())
    }

    /// `list_kind` is the kind of the List the item came from: typed lists (`PodList`) as the API
    /// server sends them leave kind and apiVersion off their items.
    fn add_raw(
        &mut self,
        raw: Box<RawValue>,
        head: ObjectHead,
        list_kind: Option<&str>,
    ) -> Result<(), String> {
        let (index, raw) = match (head.kind.as_deref(), list_kind) {
            (Some("List"), _) => return self.add_json(raw.get().as_bytes()),
            (Some(kind), _) => match resource_of_kind(kind) {
                Some(index) => (index, raw),
                None => return Ok(()),
            },
            (None, Some(kind)) => match resource_of_kind(kind) {
                Some(index) => (index, with_type_meta(&raw, &RESOURCES[index])?),
                None => return Ok(()),
            },
            (None, None) => return Ok(()),
        };
        let meta = head.metadata.ok_or("an object without metadata")?;
        let name = meta.name.ok_or("an object without metadata.name")?;
        let info = &RESOURCES[index];
        let namespace = if info.namespaced {
            meta.namespace.unwrap_or_else(|| "default".to_owned())
        } else {
            String::new()
        };
        let (key, name_at) = if info.namespaced {
            (format!("{namespace}/{name}"), namespace.len() + 1)
        } else {
            (name, 0)
        };
        let node_name = head
            .spec
            .and_then(|spec| spec.node_name)
            .map(String::into_boxed_str);
        self.stores[index].push(Object {
            key,
            name_at,
            node_name,
            raw,
        });
        Ok(())
    }

    /// Sorts every store by key, as etcd returns them, keeping the last of objects added twice.
    pub(crate) fn freeze(&mut self) {
        for store in &mut self.stores {
            store.sort_by(|a, b| a.key.cmp(&b.key));
            let mut kept: Vec<Object> = Vec::with_capacity(store.len());
            for object in store.drain(..) {
                match kept.last_mut() {
                    Some(last) if last.key == object.key => *last = object,
                    _ => kept.push(object),
                }
            }
            *store = kept;
        }
    }

    /// The configz body for a node, if the node exists.
    pub(crate) fn configz_of(&self, node: &str) -> Option<&[u8]> {
        self.configz
            .get(node)
            .or(self.default_configz.as_ref())
            .map(Vec::as_slice)
    }
}

fn parse_head(raw: &RawValue) -> Result<ObjectHead, String> {
    serde_json::from_str(raw.get()).map_err(|error| error.to_string())
}

/// An item of a typed List with the `apiVersion` and `kind` it lacks put first.
fn with_type_meta(raw: &RawValue, info: &ResourceInfo) -> Result<Box<RawValue>, String> {
    let text = raw.get().trim_start();
    let rest = text
        .strip_prefix('{')
        .ok_or("a list item that is not an object")?;
    let separator = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    let text = format!(
        "{{\"apiVersion\":\"{}\",\"kind\":\"{}\"{separator}{rest}",
        info.api_version(),
        info.kind
    );
    RawValue::from_string(text).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_list_items_get_their_kind_and_sort_by_namespace_then_name() {
        let mut cluster = Cluster::new();
        let list = br#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
            {"metadata":{"name":"b","namespace":"a"}},
            {"metadata":{"name":"z","namespace":"a-b"},"spec":{"nodeName":"n1"}},
            {"metadata":{"name":"a","namespace":"a"}}]}"#;
        cluster.add_json(list).unwrap();
        cluster.freeze();
        let keys: Vec<&str> = cluster.stores[PODS]
            .iter()
            .map(|o| o.key.as_str())
            .collect();
        assert_eq!(keys, ["a-b/z", "a/a", "a/b"]);
        let first = &cluster.stores[PODS][0];
        assert_eq!((first.namespace(), first.name()), ("a-b", "z"));
        assert_eq!(first.node_name.as_deref(), Some("n1"));
        assert!(
            first
                .raw
                .get()
                .starts_with(r#"{"apiVersion":"v1","kind":"Pod","#)
        );
    }

    #[test]
    fn arrays_generic_lists_and_single_objects_are_read_and_other_kinds_ignored() {
        let mut cluster = Cluster::new();
        cluster
            .add_json(
                br#"[{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1"}},
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"s"}}]"#,
            )
            .unwrap();
        cluster
            .add_json(br#"{"kind":"List","items":[{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d","namespace":"x"}}]}"#)
            .unwrap();
        cluster
            .add_json(br#" {"kind":"Node","apiVersion":"v1","metadata":{"name":"n1","labels":{"again":"yes"}}} "#)
            .unwrap();
        cluster.freeze();
        assert_eq!(cluster.count("nodes"), 1);
        assert!(cluster.stores[NODES][0].raw.get().contains("again"));
        assert_eq!(cluster.count("deployments"), 1);
        assert!(cluster.add_json(b"not json").is_err());
        assert!(
            cluster
                .add_json(br#"{"kind":"Pod","metadata":{}}"#)
                .unwrap_err()
                .contains("metadata.name")
        );
    }
}

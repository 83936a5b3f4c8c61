//! LIST with `limit` and `continue` as the etcd3 store pages (`staging/src/k8s.io/apiserver/pkg/storage`),
//! and the selectors the double understands.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::cluster::Object;

/// The JSON of a continue token (`continueToken` in `storage/continue.go`).
#[derive(Serialize, Deserialize)]
struct Token {
    v: String,
    rv: i64,
    start: String,
}

/// Encodes the token that continues after the key `last` (relative to the list's prefix).
pub(crate) fn encode_continue(last: &str, resource_version: i64) -> String {
    encode_start(&format!("{last}\0"), resource_version)
}

fn encode_start(start: &str, resource_version: i64) -> String {
    let token = Token {
        v: "meta.k8s.io/v1".to_owned(),
        rv: resource_version,
        start: start.to_owned(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// A decoded continue token: the start key relative to the list's prefix, and its resource
/// version (-1 after an expiry: continue at the latest).
#[derive(Debug)]
pub(crate) struct Continue {
    pub(crate) start: String,
    pub(crate) resource_version: i64,
}

impl Continue {
    pub(crate) fn decode(text: &str) -> Result<Continue, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(text))
            .map_err(|error| format!("invalid continue token: {error}"))?;
        let token: Token = serde_json::from_slice(&bytes)
            .map_err(|error| format!("invalid continue token: {error}"))?;
        if token.v != "meta.k8s.io/v1" {
            return Err(format!(
                "invalid continue token: server does not recognize this encoded version {}",
                token.v
            ));
        }
        if token.rv == 0 {
            return Err("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".to_owned());
        }
        if token.start.is_empty() || token.start.contains("..") {
            return Err("invalid continue token: continue key is not valid".to_owned());
        }
        Ok(Continue {
            start: token.start,
            resource_version: token.rv,
        })
    }

    /// The token the 410 carries: the same start key, at the latest resource version.
    pub(crate) fn refreshed(&self) -> String {
        encode_start(&self.start, -1)
    }
}

/// One requirement of a label or field selector.
#[derive(Debug)]
struct Requirement {
    key: String,
    value: Option<String>,
    equal: bool,
}

fn requirements(text: &str) -> Result<Vec<Requirement>, String> {
    let mut all = Vec::new();
    for part in text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        if part.contains(" in ") || part.contains(" notin ") || part.contains('(') {
            return Err(format!("set-based requirement not supported: {part}"));
        }
        let requirement = if let Some((key, value)) = part.split_once("!=") {
            Requirement {
                key: key.trim().to_owned(),
                value: Some(value.trim().to_owned()),
                equal: false,
            }
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement {
                key: key.trim().to_owned(),
                value: Some(value.trim().to_owned()),
                equal: true,
            }
        } else if let Some(key) = part.strip_prefix('!') {
            Requirement {
                key: key.trim().to_owned(),
                value: None,
                equal: false,
            }
        } else {
            Requirement {
                key: part.to_owned(),
                value: None,
                equal: true,
            }
        };
        all.push(requirement);
    }
    Ok(all)
}

/// `labelSelector` and `fieldSelector` of a LIST.
#[derive(Debug, Default)]
pub(crate) struct Selector {
    labels: Vec<Requirement>,
    fields: Vec<Requirement>,
}

#[derive(Deserialize)]
struct Labels {
    #[serde(default)]
    metadata: LabelsMeta,
}

#[derive(Deserialize, Default)]
struct LabelsMeta {
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

impl Selector {
    pub(crate) fn parse(labels: Option<&str>, fields: Option<&str>) -> Result<Selector, String> {
        let labels = requirements(labels.unwrap_or_default())?;
        let fields = requirements(fields.unwrap_or_default())?;
        for field in &fields {
            let known = matches!(
                field.key.as_str(),
                "metadata.name" | "metadata.namespace" | "spec.nodeName"
            );
            if !known || field.value.is_none() {
                return Err(format!("field label not supported: {}", field.key));
            }
        }
        Ok(Selector { labels, fields })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    pub(crate) fn matches(&self, object: &Object) -> bool {
        let fields_match = self.fields.iter().all(|field| {
            let actual = match field.key.as_str() {
                "metadata.name" => object.name(),
                "metadata.namespace" => object.namespace(),
                _ => object.node_name.as_deref().unwrap_or_default(),
            };
            (Some(actual) == field.value.as_deref()) == field.equal
        });
        if !fields_match || self.labels.is_empty() {
            return fields_match;
        }
        let Ok(parsed) = serde_json::from_str::<Labels>(object.raw.get()) else {
            return false;
        };
        let labels = parsed.metadata.labels;
        self.labels
            .iter()
            .all(|requirement| match &requirement.value {
                None => labels.contains_key(&requirement.key) == requirement.equal,
                Some(value) => (labels.get(&requirement.key) == Some(value)) == requirement.equal,
            })
    }
}

/// One page of a LIST.
pub(crate) struct Page<'a> {
    pub(crate) items: Vec<&'a Object>,
    /// The continue token, when more objects follow.
    pub(crate) next: Option<String>,
    pub(crate) remaining: Option<usize>,
}

/// The page of `objects` (sorted, already cut to the namespace; `prefix` is `namespace/` or "")
/// that starts at `start` (relative to `prefix`) and holds at most `limit` objects (0: all).
pub(crate) fn page<'a>(
    objects: &'a [Object],
    prefix: &str,
    start: Option<&str>,
    limit: usize,
    selector: &Selector,
    resource_version: i64,
) -> Page<'a> {
    let from = start.map_or(0, |start| {
        let start = format!("{prefix}{start}");
        objects.partition_point(|object| object.key.as_str() < start.as_str())
    });
    let mut items = Vec::new();
    let mut last = None;
    for (index, object) in objects.iter().enumerate().skip(from) {
        if limit > 0 && items.len() == limit {
            break;
        }
        if selector.matches(object) {
            items.push(object);
            last = Some(index);
        }
    }
    let (next, remaining) = match last {
        Some(last) if limit > 0 && items.len() == limit && last + 1 < objects.len() => {
            let key = &objects[last].key[prefix.len()..];
            let remaining = selector.is_empty().then_some(objects.len() - last - 1);
            (Some(encode_continue(key, resource_version)), remaining)
        }
        _ => (None, None),
    };
    Page {
        items,
        next,
        remaining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Cluster, PODS};

    fn pods() -> Cluster {
        let mut cluster = Cluster::new();
        for (namespace, name, node) in [("a", "p1", "n1"), ("a", "p2", "n2"), ("b", "p1", "n1")] {
            let text = format!(
                r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{name}","namespace":"{namespace}","labels":{{"app":"{name}"}}}},"spec":{{"nodeName":"{node}"}}}}"#
            );
            cluster.add_json(text.as_bytes()).unwrap();
        }
        cluster.freeze();
        cluster
    }

    #[test]
    fn tokens_round_trip_as_the_api_server_encodes_them() {
        let token = encode_continue("default/web-0", 42);
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"v":"meta.k8s.io/v1","rv":42,"start":"default/web-0\u0000"}"#
        );
        let decoded = Continue::decode(&token).unwrap();
        assert_eq!(
            (decoded.start.as_str(), decoded.resource_version),
            ("default/web-0\0", 42)
        );
        assert!(Continue::decode("bm90IGpzb24").is_err());
    }

    #[test]
    fn pages_follow_each_other_and_selectors_filter() {
        let cluster = pods();
        let objects = &cluster.stores[PODS];
        let all = Selector::default();
        let first = page(objects, "", None, 2, &all, 7);
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.remaining, Some(1));
        let start = Continue::decode(first.next.as_deref().unwrap())
            .unwrap()
            .start;
        let second = page(objects, "", Some(&start), 2, &all, 7);
        assert_eq!(second.items[0].key, "b/p1");
        assert!(second.next.is_none());

        let on_n1 = Selector::parse(None, Some("spec.nodeName=n1")).unwrap();
        let keys: Vec<&str> = page(objects, "", None, 0, &on_n1, 7)
            .items
            .iter()
            .map(|o| o.key.as_str())
            .collect();
        assert_eq!(keys, ["a/p1", "b/p1"]);
        let not_p1 = Selector::parse(Some("app!=p1"), None).unwrap();
        assert_eq!(page(objects, "", None, 0, &not_p1, 7).items[0].key, "a/p2");
        assert!(Selector::parse(None, Some("status.podIP=1")).is_err());
    }
}

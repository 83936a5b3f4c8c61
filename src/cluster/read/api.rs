//! Reads the objects from the Kubernetes API: Nodes, Pods and the owners of pods, each with
//! paginated LISTs (`limit`/`continue`), never a GET per object, and each node's kubelet
//! configz with bounded concurrency. Pages are cut into objects here and parsed by the same
//! workers as files, so memory holds a few pages whatever the size of the cluster.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;

use super::json_items::{ItemRange, Splitter};
use super::{Batch, Progress};
use crate::api::{Api, ApiFailure, ApiSettings, Ask, KubeletConfigz, fetch_configz, query_escape};
use crate::cluster::facts::{InputSource, ReadAt, ReadProblem};

/// How the cluster is read from the API.
#[derive(Clone, Debug)]
pub(crate) struct ApiRead {
    pub(crate) settings: ApiSettings,
    /// Objects per LIST page.
    pub(crate) page_size: u32,
    /// configz requests in flight at once.
    pub(crate) concurrency: usize,
}

/// A resource listed, in the order inputs are numbered.
struct Resource {
    name: &'static str,
    path: &'static str,
    /// Without it nothing can be said (nodes, pods); owners only sharpen the roll-up.
    essential: bool,
}

const RESOURCES: [Resource; 8] = [
    Resource {
        name: "nodes",
        path: "/api/v1/nodes",
        essential: true,
    },
    Resource {
        name: "pods",
        path: "/api/v1/pods",
        essential: true,
    },
    Resource {
        name: "replicasets",
        path: "/apis/apps/v1/replicasets",
        essential: false,
    },
    Resource {
        name: "jobs",
        path: "/apis/batch/v1/jobs",
        essential: false,
    },
    Resource {
        name: "deployments",
        path: "/apis/apps/v1/deployments",
        essential: false,
    },
    Resource {
        name: "daemonsets",
        path: "/apis/apps/v1/daemonsets",
        essential: false,
    },
    Resource {
        name: "statefulsets",
        path: "/apis/apps/v1/statefulsets",
        essential: false,
    },
    Resource {
        name: "cronjobs",
        path: "/apis/batch/v1/cronjobs",
        essential: false,
    },
];

/// How many times an expired continue token restarts a list before it is given up.
const RESTARTS: usize = 3;

/// What reading the API gave besides the objects the workers parse.
pub(crate) struct ApiOutcome {
    pub(crate) server: String,
    /// Where the credentials came from.
    pub(crate) credentials: String,
    pub(crate) sources: Vec<InputSource>,
    pub(crate) problems: Vec<ReadProblem>,
    pub(crate) configz: BTreeMap<String, Result<KubeletConfigz, ApiFailure>>,
}

/// One list's result: what was read, and why it stopped early.
#[derive(Default)]
struct Listed {
    objects: usize,
    names: Vec<String>,
    notes: Vec<String>,
    failure: Option<ApiFailure>,
}

#[derive(Deserialize)]
struct ListHead {
    #[serde(default)]
    metadata: ListMeta,
}

#[derive(Default, Deserialize)]
struct ListMeta {
    #[serde(rename = "continue", default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct ItemHead<'a> {
    #[serde(borrow)]
    metadata: ItemMeta<'a>,
}

#[derive(Deserialize)]
struct ItemMeta<'a> {
    #[serde(borrow, default)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    namespace: Option<std::borrow::Cow<'a, str>>,
}

/// `namespace/name` (or `name`): the order the API server lists objects in.
pub(crate) fn list_key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

/// Reads every resource and each node's configz; the objects go to `send`. Err when the API
/// could not be used at all (no kubeconfig, unreachable, refused credentials).
pub(super) fn read(
    how: &ApiRead,
    send: &SyncSender<Batch>,
    progress: &mut Progress,
) -> Result<ApiOutcome, ApiFailure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiFailure::Config(format!("cannot start the client: {e}")))?;
    runtime.block_on(read_all(how, send, progress))
}

async fn read_all(
    how: &ApiRead,
    send: &SyncSender<Batch>,
    progress: &mut Progress,
) -> Result<ApiOutcome, ApiFailure> {
    let api = Api::connect(&how.settings).await?;
    let nodes = list(&api, 0, how.page_size, send, progress).await;
    if let Some(f) = nodes.failure.as_ref().filter(|f| fatal(f)) {
        return Err(f.clone());
    }
    // Pods and owners are listed one after the other (one progress line), configz beside them.
    let others = async {
        let mut listed = Vec::new();
        for index in 1..RESOURCES.len() {
            listed.push(list(&api, index, how.page_size, send, progress).await);
        }
        listed
    };
    let configz = futures_util::stream::iter(nodes.names.iter())
        .map(|name| {
            let api = &api;
            async move { (name.clone(), fetch_configz(api, name).await) }
        })
        .buffer_unordered(how.concurrency.max(1))
        .collect::<BTreeMap<_, _>>();
    let (others, configz) = tokio::join!(others, configz);
    let mut outcome = ApiOutcome {
        server: api.server.clone(),
        credentials: api.credentials.clone(),
        sources: Vec::new(),
        problems: Vec::new(),
        configz,
    };
    for (index, listed) in std::iter::once(nodes).chain(others).enumerate() {
        let resource = &RESOURCES[index];
        for note in listed.notes {
            outcome.problems.push(ReadProblem {
                at: ReadAt {
                    input: index,
                    line: 0,
                },
                message: note,
            });
        }
        let failure = listed.failure.map(|f| {
            let consequence = if listed.objects > 0 {
                "the objects listed before it are kept"
            } else if resource.essential {
                "the checks that need them are inconclusive"
            } else {
                "pods are rolled up without them"
            };
            format!("{}: {f}; {consequence}", resource.name)
        });
        outcome.sources.push(InputSource {
            name: format!("{}{}", api.server, resource.path),
            objects: listed.objects,
            failure,
            api_resource: Some(resource.name),
        });
    }
    Ok(outcome)
}

/// A failure that every further request would meet too.
fn fatal(f: &ApiFailure) -> bool {
    matches!(
        f,
        ApiFailure::NoConfig(_)
            | ApiFailure::Config(_)
            | ApiFailure::Unreachable { .. }
            | ApiFailure::Tls { .. }
            | ApiFailure::Unauthorized { .. }
            | ApiFailure::NotKubernetes { .. }
    )
}

/// Lists one resource page by page. An expired continue token (410) starts the list again;
/// the objects already read are skipped by the workers, so none counts twice.
async fn list(
    api: &Api,
    index: usize,
    page_size: u32,
    send: &SyncSender<Batch>,
    progress: &mut Progress,
) -> Listed {
    let resource = &RESOURCES[index];
    let mut listed = Listed::default();
    let mut next: Option<String> = None;
    let mut after: Option<Arc<str>> = None;
    let mut last_key: Option<String> = None;
    let mut restarts = 0;
    loop {
        let path = match &next {
            Some(token) => format!(
                "{}?limit={page_size}&continue={}",
                resource.path,
                query_escape(token)
            ),
            None => format!("{}?limit={page_size}", resource.path),
        };
        let ask = Ask {
            what: resource.name,
            verb: "list",
            resource: resource.name,
        };
        let body = match api.get(&path, ask).await {
            Ok(body) => body,
            Err(ApiFailure::Status { code: 410, .. }) if next.is_some() && restarts < RESTARTS => {
                restarts += 1;
                listed.notes.push(format!(
                    "the continue token expired after {} objects (410 Gone: the list took longer than the API server keeps it); the list was started again and the objects already read were not counted twice",
                    listed.objects
                ));
                after = last_key.as_deref().map(Arc::from);
                next = None;
                // The list is read again from its start: it is counted again from there.
                listed.objects = 0;
                listed.names.clear();
                continue;
            }
            Err(f) => {
                listed.failure = Some(f);
                return listed;
            }
        };
        match page(&body, index, resource.name == "nodes", after.clone()) {
            Ok(cut) => {
                listed.objects += cut.objects;
                listed.names.extend(cut.names);
                if cut.last_key.is_some() {
                    last_key = cut.last_key;
                }
                progress.tick(resource.name, body.len(), cut.objects);
                if let Some(batch) = cut.batch
                    && send.send(batch).is_err()
                {
                    listed.failure = Some(ApiFailure::Config("the parsers stopped".into()));
                    return listed;
                }
                next = cut.next;
            }
            Err(detail) => {
                listed.failure = Some(ApiFailure::NotKubernetes {
                    what: resource.name.to_owned(),
                    detail,
                });
                return listed;
            }
        }
        if next.is_none() {
            return listed;
        }
    }
}

/// One page, cut into objects.
struct Cut {
    batch: Option<Batch>,
    objects: usize,
    names: Vec<String>,
    last_key: Option<String>,
    next: Option<String>,
}

fn page(
    body: &Bytes,
    input: usize,
    want_names: bool,
    after: Option<Arc<str>>,
) -> Result<Cut, String> {
    let mut items: Vec<ItemRange> = Vec::new();
    let mut splitter = Splitter::default();
    splitter
        .scan(body, 0, &mut items)
        .map_err(|_| "the page is not a JSON list".to_owned())?;
    if splitter.unfinished() {
        return Err("the page ends inside an object (cut short)".to_owned());
    }
    // The list's own fields are what is left with the items cut out.
    let head = match (items.first(), items.last()) {
        (Some(first), Some(last)) => [&body[..first.start], &body[last.end..]].concat(),
        _ => body.to_vec(),
    };
    let head: ListHead = serde_json::from_slice(&head)
        .map_err(|e| format!("the page is not a Kubernetes list: {e}"))?;
    let key_of = |r: &ItemRange| {
        serde_json::from_slice::<ItemHead<'_>>(&body[r.start..r.end])
            .ok()
            .map(|h| list_key(h.metadata.namespace.as_deref(), &h.metadata.name))
    };
    let names = if want_names {
        items.iter().filter_map(key_of).collect()
    } else {
        Vec::new()
    };
    let last_key = items.last().and_then(key_of);
    // Objects from the API have no line: findings name them as API objects.
    for item in &mut items {
        item.line = 0;
    }
    Ok(Cut {
        objects: items.len(),
        names,
        last_key,
        next: head.metadata.next.filter(|t| !t.is_empty()),
        batch: (!items.is_empty()).then(|| Batch {
            input,
            text: body.clone(),
            items,
            after,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gives_its_objects_its_token_and_its_last_key() {
        let body = Bytes::from_static(
            br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"eyJ2Ijo","remainingItemCount":3},"items":[{"metadata":{"name":"a","namespace":"kube-system"}},{"metadata":{"name":"b","namespace":"kube"}}]}"#,
        );
        let cut = page(&body, 1, true, None).expect("a list");
        assert_eq!(cut.objects, 2);
        assert_eq!(cut.next.as_deref(), Some("eyJ2Ijo"));
        assert_eq!(cut.last_key.as_deref(), Some("kube/b"));
        assert_eq!(cut.names, ["kube-system/a", "kube/b"]);
        let batch = cut.batch.expect("objects to parse");
        assert!(batch.items.iter().all(|i| i.line == 0));
    }

    #[test]
    fn the_last_page_has_no_token_and_html_is_no_list() {
        let body =
            Bytes::from_static(br#"{"kind":"NodeList","metadata":{"continue":""},"items":[]}"#);
        let cut = page(&body, 0, true, None).expect("a list");
        assert_eq!((cut.objects, cut.next), (0, None));
        assert!(page(&Bytes::from_static(b"<html>login</html>"), 0, false, None).is_err());
    }
}

//! One request: faults first, then authentication, then the route.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;

use crate::cluster::{Cluster, NODES, Object, RESOURCES, resource_named};
use crate::list::{Continue, Selector, page};
use crate::status::{self, Failure};
use crate::table::{self, Include};
use crate::{Faults, RequestLog, discovery};

/// Everything a request reads or counts.
pub(crate) struct State {
    pub(crate) cluster: Cluster,
    pub(crate) faults: Faults,
    pub(crate) token: String,
    pub(crate) user: String,
    /// `127.0.0.1:PORT`, for `/api`.
    pub(crate) address: String,
    pub(crate) resource_version: i64,
    pub(crate) requests: AtomicUsize,
    pub(crate) authenticated: AtomicUsize,
    pub(crate) continues: AtomicUsize,
    pub(crate) expired: AtomicBool,
    pub(crate) log: Mutex<Vec<RequestLog>>,
}

/// A response before it is put on the wire.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    retry_after: bool,
}

impl Reply {
    fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body: body.into(),
            retry_after: false,
        }
    }
}

impl From<Failure> for Reply {
    fn from(failure: Failure) -> Reply {
        Reply {
            status: failure.code,
            content_type: "application/json",
            body: failure.body.into_bytes(),
            retry_after: false,
        }
    }
}

const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Sign in</title></head>\n<body>\n<h1>Sign in to continue</h1>\n<form method=\"post\" action=\"/oauth2/sign_in\">\n<input type=\"text\" name=\"username\"><input type=\"password\" name=\"password\">\n<button type=\"submit\">Sign in</button>\n</form>\n</body>\n</html>\n";

fn has_prefix(prefixes: &[String], path: &str) -> bool {
    prefixes
        .iter()
        .any(|prefix| path.starts_with(prefix.as_str()))
}

pub(crate) async fn handle<B>(state: &State, request: Request<B>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let method = request.method().clone();
    let number = state.requests.fetch_add(1, Ordering::SeqCst);
    let faults = &state.faults;
    let reply = if has_prefix(&faults.html, &path) {
        Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: LOGIN_PAGE.into(),
            retry_after: false,
        }
    } else {
        if has_prefix(&faults.hang, &path) {
            state.record(&method, &path, &query, 0);
            std::future::pending::<()>().await;
        }
        if let Some((_, delay)) = faults
            .slow
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
        {
            tokio::time::sleep(*delay).await;
        }
        state
            .authenticate(&request)
            .and_then(|()| state.throttle(number))
            .and_then(|()| {
                if method == Method::GET {
                    state.route(&path, &query, request.headers())
                } else {
                    Err(status::method_not_allowed().into())
                }
            })
            .unwrap_or_else(|reply| reply)
    };
    state.record(&method, &path, &query, reply.status);
    finish(reply, number)
}

fn finish(reply: Reply, number: usize) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    if let Ok(id) = HeaderValue::from_str(&format!("5d0a1e1c-0000-4000-8000-{number:012x}")) {
        headers.insert("audit-id", id);
    }
    if reply.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        headers.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
    }
    response
}

/// The parameter `name` of a query string, percent-decoded.
fn parameter<'a>(query: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

fn percent_decode(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return text.into();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        index += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned().into()
}

/// What a path names.
enum Route<'a> {
    Version,
    CoreVersions,
    Groups,
    Group(&'a str),
    Resources(&'a str),
    List(usize, &'a str),
    Get(usize, &'a str, &'a str),
    Configz(&'a str),
    Unknown,
}

fn route(path: &str) -> Route<'_> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["version"] => Route::Version,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["apis", group @ ("apps" | "batch")] => Route::Group(group),
        ["api", "v1", rest @ ..] => resource_route("", rest),
        ["apis", group @ ("apps" | "batch"), "v1", rest @ ..] => resource_route(group, rest),
        _ => Route::Unknown,
    }
}

fn resource_route<'a>(group: &'a str, rest: &[&'a str]) -> Route<'a> {
    let named = |name: &str, namespaced: bool| {
        resource_named(group, name).filter(|&index| RESOURCES[index].namespaced == namespaced)
    };
    match *rest {
        [] => Route::Resources(group),
        ["namespaces", namespace, resource] => {
            named(resource, true).map_or(Route::Unknown, |index| Route::List(index, namespace))
        }
        ["namespaces", namespace, resource, name] => {
            named(resource, true).map_or(Route::Unknown, |index| Route::Get(index, namespace, name))
        }
        ["nodes", node, "proxy", "configz"] if group.is_empty() => Route::Configz(node),
        [resource] => {
            resource_named(group, resource).map_or(Route::Unknown, |index| Route::List(index, ""))
        }
        [resource, name] => {
            named(resource, false).map_or(Route::Unknown, |index| Route::Get(index, "", name))
        }
        _ => Route::Unknown,
    }
}

fn wants_table(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|media| media.contains("as=Table") && media.contains("g=meta.k8s.io"))
        })
}

impl State {
    fn record(&self, method: &Method, path: &str, query: &str, status: u16) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RequestLog {
                method: method.to_string(),
                path: path.to_owned(),
                query: query.to_owned(),
                status,
            });
    }

    fn authenticate<B>(&self, request: &Request<B>) -> Result<(), Reply> {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        if presented != Some(self.token.as_str()) {
            return Err(status::unauthorized().into());
        }
        let count = self.authenticated.fetch_add(1, Ordering::SeqCst) + 1;
        match self.faults.token_expires_after {
            Some(limit) if count > limit => Err(status::unauthorized().into()),
            _ => Ok(()),
        }
    }

    /// The max-in-flight and priority-and-fairness filters answer 429 in plain text
    /// (`tooManyRequests` in `apiserver/pkg/server/filters`), not with a Status.
    fn throttle(&self, number: usize) -> Result<(), Reply> {
        if number < self.faults.too_many_requests {
            return Err(Reply {
                status: 429,
                content_type: "text/plain; charset=utf-8",
                body: b"Too many requests, please try again later.\n".to_vec(),
                retry_after: true,
            });
        }
        Ok(())
    }

    fn forbid(&self, verb: &str, index: usize, subresource: &str) -> bool {
        let info = &RESOURCES[index];
        let resource = if subresource.is_empty() {
            info.name.to_owned()
        } else {
            format!("{}/{subresource}", info.name)
        };
        self.faults
            .forbidden
            .iter()
            .any(|(v, r)| v == verb && (*r == resource || *r == info.qualified()))
    }

    fn route(&self, path: &str, query: &str, headers: &http::HeaderMap) -> Result<Reply, Reply> {
        let table = wants_table(headers);
        match route(path) {
            Route::Version => Ok(Reply::json(discovery::version())),
            Route::CoreVersions => Ok(Reply::json(discovery::core_versions(&self.address))),
            Route::Groups => Ok(Reply::json(discovery::group_list())),
            Route::Group(group) => Ok(Reply::json(discovery::api_group(group))),
            Route::Resources(group) => Ok(Reply::json(discovery::resource_list(group))),
            Route::List(index, namespace) => {
                let watch = parameter(query, "watch").is_some_and(|w| w == "true" || w == "1");
                let verb = if watch { "watch" } else { "list" };
                if self.forbid(verb, index, "") {
                    let info = &RESOURCES[index];
                    return Err(status::forbidden(info, "", "", namespace, verb, &self.user).into());
                }
                if watch {
                    return Err(status::method_not_allowed().into());
                }
                self.list(index, namespace, query, table)
            }
            Route::Get(index, namespace, name) => {
                if self.forbid("get", index, "") {
                    let info = &RESOURCES[index];
                    return Err(
                        status::forbidden(info, name, "", namespace, "get", &self.user).into(),
                    );
                }
                self.get(index, namespace, name, query, table)
            }
            Route::Configz(node) => {
                if self.forbid("get", NODES, "proxy") {
                    let info = &RESOURCES[NODES];
                    return Err(
                        status::forbidden(info, node, "proxy", "", "get", &self.user).into(),
                    );
                }
                self.configz(node)
            }
            Route::Unknown => Err(status::no_such_resource().into()),
        }
    }

    fn find(&self, index: usize, namespace: &str, name: &str) -> Option<&Object> {
        let store = &self.cluster.stores[index];
        let key = if RESOURCES[index].namespaced {
            format!("{namespace}/{name}")
        } else {
            name.to_owned()
        };
        store
            .binary_search_by(|object| object.key.as_str().cmp(&key))
            .ok()
            .map(|at| &store[at])
    }

    fn get(
        &self,
        index: usize,
        namespace: &str,
        name: &str,
        query: &str,
        table: bool,
    ) -> Result<Reply, Reply> {
        let info = &RESOURCES[index];
        let object = self
            .find(index, namespace, name)
            .ok_or_else(|| Reply::from(status::not_found(info, name)))?;
        if !table {
            return Ok(Reply::json(object.raw.get()));
        }
        let include = Include::parse(parameter(query, "includeObject").as_deref())
            .map_err(|message| Reply::from(status::bad_request(&message)))?;
        let meta = format!(r#"{{"resourceVersion":"{}"}}"#, self.resource_version);
        let mut body = Vec::new();
        table::write(&mut body, index, &[object], include, &meta)
            .map_err(|message| Reply::from(status::bad_request(&message)))?;
        Ok(table_reply(body))
    }

    fn list(
        &self,
        index: usize,
        namespace: &str,
        query: &str,
        table: bool,
    ) -> Result<Reply, Reply> {
        let bad = |message: String| Reply::from(status::bad_request(&message));
        let limit = match parameter(query, "limit") {
            Some(text) if !text.is_empty() => text
                .parse::<i64>()
                .map_err(|_| bad(format!("limit: invalid value \"{text}\"")))?,
            _ => 0,
        };
        let limit = usize::try_from(limit.max(0)).unwrap_or(usize::MAX);
        let selector = Selector::parse(
            parameter(query, "labelSelector").as_deref(),
            parameter(query, "fieldSelector").as_deref(),
        )
        .map_err(bad)?;
        let include = Include::parse(parameter(query, "includeObject").as_deref()).map_err(bad)?;
        let start = match parameter(query, "continue").filter(|token| !token.is_empty()) {
            Some(token) => {
                let token = Continue::decode(&token).map_err(bad)?;
                let seen = self.continues.fetch_add(1, Ordering::SeqCst) + 1;
                let injected = self.faults.expire_continue == Some(seen)
                    && !self.expired.swap(true, Ordering::SeqCst);
                // A token of another resource version was compacted away: nothing changes here.
                let stale = ![-1, self.resource_version].contains(&token.resource_version);
                if injected || stale {
                    return Err(status::continue_expired(&token.refreshed()).into());
                }
                Some(token.start)
            }
            None => None,
        };
        let store = &self.cluster.stores[index];
        let prefix = if namespace.is_empty() {
            String::new()
        } else {
            format!("{namespace}/")
        };
        let objects = if prefix.is_empty() {
            &store[..]
        } else {
            let from = store.partition_point(|o| o.key.as_str() < prefix.as_str());
            let to = from + store[from..].partition_point(|o| o.key.starts_with(&prefix));
            &store[from..to]
        };
        let page = page(
            objects,
            &prefix,
            start.as_deref(),
            limit,
            &selector,
            self.resource_version,
        );
        let mut meta = format!(r#"{{"resourceVersion":"{}""#, self.resource_version);
        if let Some(next) = &page.next {
            meta.push_str(&format!(r#","continue":"{next}""#));
        }
        if let Some(remaining) = page.remaining {
            meta.push_str(&format!(r#","remainingItemCount":{remaining}"#));
        }
        meta.push('}');
        let mut body = Vec::with_capacity(
            page.items
                .iter()
                .map(|o| o.raw.get().len() + 1)
                .sum::<usize>()
                + 256,
        );
        if table {
            table::write(&mut body, index, &page.items, include, &meta).map_err(bad)?;
            return Ok(table_reply(body));
        }
        let info = &RESOURCES[index];
        body.extend_from_slice(
            format!(
                r#"{{"kind":"{}","apiVersion":"{}","metadata":{meta},"items":["#,
                info.list_kind,
                info.api_version()
            )
            .as_bytes(),
        );
        for (at, object) in page.items.iter().enumerate() {
            if at > 0 {
                body.push(b',');
            }
            body.extend_from_slice(object.raw.get().as_bytes());
        }
        body.extend_from_slice(b"]}");
        Ok(Reply::json(body))
    }

    /// The node proxy to the kubelet's `/configz`. A node in `configz_missing`, or one without a
    /// body, answers as the proxy does when the kubelet cannot be dialled: 503 ServiceUnavailable.
    fn configz(&self, node: &str) -> Result<Reply, Reply> {
        let object = self
            .find(NODES, "", node)
            .ok_or_else(|| Reply::from(status::not_found(&RESOURCES[NODES], node)))?;
        let body = self.cluster.configz_of(node);
        match body {
            Some(body) if !self.faults.configz_missing.iter().any(|n| n == node) => {
                Ok(Reply::json(body))
            }
            _ => {
                let (address, port) = kubelet_address(object);
                Err(status::kubelet_unreachable(&address, port).into())
            }
        }
    }
}

fn table_reply(body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json;as=Table;v=v1;g=meta.k8s.io",
        body,
        retry_after: false,
    }
}

/// The address and port the API server dials for a node's kubelet: its first InternalIP (else
/// any address) and `status.daemonEndpoints.kubeletEndpoint.Port`.
fn kubelet_address(node: &Object) -> (String, u64) {
    #[derive(serde::Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct Node {
        status: Status,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct Status {
        addresses: Vec<table::Address>,
        daemon_endpoints: serde_json::Value,
    }
    let parsed: Node = serde_json::from_str(node.raw.get()).unwrap_or_default();
    let addresses = &parsed.status.addresses;
    let address = addresses
        .iter()
        .find(|address| address.kind == "InternalIP")
        .or_else(|| addresses.first())
        .map_or_else(|| node.name().to_owned(), |address| address.address.clone());
    let port = parsed.status.daemon_endpoints["kubeletEndpoint"]["Port"]
        .as_u64()
        .unwrap_or(10_250);
    (address, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_as_the_api_server_serves_them() {
        assert!(matches!(route("/api/v1/nodes"), Route::List(0, "")));
        assert!(matches!(route("/api/v1/nodes/n1"), Route::Get(0, "", "n1")));
        assert!(matches!(
            route("/api/v1/namespaces/kube-system/pods"),
            Route::List(1, "kube-system")
        ));
        assert!(matches!(
            route("/api/v1/namespaces/a/pods/p"),
            Route::Get(1, "a", "p")
        ));
        assert!(matches!(
            route("/apis/apps/v1/deployments"),
            Route::List(3, "")
        ));
        assert!(matches!(
            route("/apis/batch/v1/namespaces/x/cronjobs/c"),
            Route::Get(7, "x", "c")
        ));
        assert!(matches!(
            route("/api/v1/nodes/n1/proxy/configz"),
            Route::Configz("n1")
        ));
        assert!(matches!(route("/api/v1/pods/p"), Route::Unknown));
        assert!(matches!(route("/apis/apps/v1/pods"), Route::Unknown));
        assert!(matches!(route("/apis/apps/v1"), Route::Resources("apps")));
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let query = "limit=2&continue=abc%3D&fieldSelector=spec.nodeName%3Dn1&watch";
        assert_eq!(parameter(query, "limit").as_deref(), Some("2"));
        assert_eq!(parameter(query, "continue").as_deref(), Some("abc="));
        assert_eq!(
            parameter(query, "fieldSelector").as_deref(),
            Some("spec.nodeName=n1")
        );
        assert_eq!(parameter(query, "watch").as_deref(), Some(""));
        assert_eq!(parameter(query, "labelSelector"), None);
    }
}

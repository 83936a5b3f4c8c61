//! A small HTTPS client for the double's tests: one GET a connection, trusting only the double's CA.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, header};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use kube_double::Server;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }
}

/// A GET the way a client with the server's kubeconfig sends it.
pub(crate) fn get(server: &Server, path: &str) -> Reply {
    send(server, path, Some(&server.token), None, "127.0.0.1", None).expect("an answer")
}

/// A GET as [`get`] with an Accept header (a Table, aggregated discovery).
pub(crate) fn get_as(server: &Server, path: &str, accept: &str) -> Reply {
    send(
        server,
        path,
        Some(&server.token),
        Some(accept),
        "127.0.0.1",
        None,
    )
    .expect("an answer")
}

/// A GET with another token (or none), another Accept header, server name or a timeout; `None`
/// when the timeout passed first.
pub(crate) fn send(
    server: &Server,
    path: &str,
    token: Option<&str>,
    accept: Option<&str>,
    server_name: &str,
    timeout: Option<Duration>,
) -> Option<Reply> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let exchange = exchange(server, path, token, accept, server_name);
    runtime.block_on(async move {
        match timeout {
            Some(limit) => tokio::time::timeout(limit, exchange).await.ok(),
            None => Some(exchange.await),
        }
    })
}

async fn exchange(
    server: &Server,
    path: &str,
    token: Option<&str>,
    accept: Option<&str>,
    server_name: &str,
) -> Reply {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(server.ca_der().to_vec()))
        .unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = Request::get(path).header(header::HOST, format!("127.0.0.1:{}", server.port));
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = sender
        .send_request(request.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}

/// A pod `namespace/name` on `node`.
pub(crate) fn pod(namespace: &str, name: &str, node: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"{namespace}","creationTimestamp":"2024-01-02T03:04:05Z"}},"spec":{{"nodeName":"{node}","containers":[{{"name":"c","image":"busybox"}}]}},"status":{{"phase":"Running","containerStatuses":[{{"name":"c","ready":true,"restartCount":0,"state":{{"running":{{}}}}}}]}}}}"#
    )
}

/// A Ready node `name` with InternalIP `ip`.
pub(crate) fn node(name: &str, ip: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}","creationTimestamp":"2024-01-02T03:04:05Z"}},"status":{{"addresses":[{{"type":"InternalIP","address":"{ip}"}}],"conditions":[{{"type":"Ready","status":"True"}}],"daemonEndpoints":{{"kubeletEndpoint":{{"Port":10250}}}},"nodeInfo":{{"kubeletVersion":"v1.29.4"}}}}}}"#
    )
}

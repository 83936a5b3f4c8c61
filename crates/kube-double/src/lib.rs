//! An in-process Kubernetes API server double: HTTPS on loopback with a CA of its own, bearer
//! token authentication, discovery, LIST with `limit`/`continue`, GET, the node proxy's
//! `/configz`, `Table` responses for `kubectl get`, and faults (expired continue tokens, 401,
//! 403, 429, slow, hanging and HTML answers). Objects are kept and served as the raw JSON they
//! were loaded from.

mod cluster;
mod discovery;
mod handler;
mod list;
mod status;
mod table;
mod tls;

use std::collections::hash_map::RandomState;
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

pub use cluster::Cluster;
use handler::State;

/// Faults the server injects. The default injects none.
#[derive(Debug, Default, Clone)]
pub struct Faults {
    /// The Nth request carrying a `continue` token (1-based, any resource) gets 410 Expired with
    /// the API server's message and a fresh token in `metadata.continue`, once.
    pub expire_continue: Option<usize>,
    /// `(verb, resource)` pairs answered 403 as RBAC denies them, e.g. `("list", "pods")`,
    /// `("get", "nodes/proxy")`; verbs are `list`, `watch` and `get`.
    pub forbidden: Vec<(String, String)>,
    /// After this many authenticated requests, the token is refused: 401.
    pub token_expires_after: Option<usize>,
    /// The first N requests get 429 with `Retry-After: 1`, in plain text as the API server's
    /// max-in-flight and priority-and-fairness filters write it.
    pub too_many_requests: usize,
    /// A path prefix answered only after the delay.
    pub slow: Vec<(String, Duration)>,
    /// A path prefix whose response never comes: headers are never sent and the connection stays
    /// open until the server stops.
    pub hang: Vec<String>,
    /// A path prefix answered 200 with an HTML login page (`text/html`), as a proxy in front of
    /// the API server would.
    pub html: Vec<String>,
    /// Nodes whose kubelet the API server cannot reach: their `/proxy/configz` is 503
    /// ServiceUnavailable, `error trying to reach service: dial tcp IP:10250: ...`, as the node
    /// proxy answers (a node the API server does not know is 404 instead).
    pub configz_missing: Vec<String>,
}

/// One request the server answered (status 0: it never answered, see [`Faults::hang`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub status: u16,
}

/// How to start a [`Server`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The bearer token the server accepts; random when `None`.
    pub token: Option<String>,
    /// The user the token authenticates as, named in 403 messages.
    pub user: String,
    /// The loopback port to listen on; 0 picks a free one.
    pub port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: None,
            user: "system:serviceaccount:runtime-audit:runtime-audit".to_owned(),
            port: 0,
        }
    }
}

/// A running double, listening on `127.0.0.1`. It stops when dropped.
pub struct Server {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The CA that signed the server's certificate, PEM.
    pub ca_pem: String,
    /// The bearer token the server accepts.
    pub token: String,
    pub port: u16,
    ca_der: Vec<u8>,
    state: Arc<State>,
    runtime: Option<Runtime>,
}

impl Server {
    /// Starts serving `cluster` on a free loopback port, on a runtime of its own.
    ///
    /// # Panics
    ///
    /// When no port can be bound or no runtime started.
    #[must_use]
    pub fn start(cluster: Cluster, faults: Faults) -> Server {
        Server::try_start(cluster, faults, Options::default())
            .unwrap_or_else(|error| panic!("starting kube-double: {error}"))
    }

    /// Starts with the given token.
    ///
    /// # Panics
    ///
    /// As [`Server::start`].
    #[must_use]
    pub fn start_with_token(cluster: Cluster, faults: Faults, token: &str) -> Server {
        let options = Options {
            token: Some(token.to_owned()),
            ..Options::default()
        };
        Server::try_start(cluster, faults, options)
            .unwrap_or_else(|error| panic!("starting kube-double: {error}"))
    }

    /// Starts serving `cluster`.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound, the certificates not made or the runtime not started.
    pub fn try_start(mut cluster: Cluster, faults: Faults, options: Options) -> io::Result<Server> {
        cluster.freeze();
        let tls = tls::make().map_err(io::Error::other)?;
        let listener = StdListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let token = options.token.unwrap_or_else(random_token);
        let state = Arc::new(State {
            cluster,
            faults,
            token: token.clone(),
            user: options.user,
            address: format!("127.0.0.1:{port}"),
            resource_version: 918_273,
            requests: AtomicUsize::new(0),
            authenticated: AtomicUsize::new(0),
            continues: AtomicUsize::new(0),
            expired: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kube-double")
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        runtime.spawn(serve(
            listener,
            TlsAcceptor::from(tls.config),
            Arc::clone(&state),
        ));
        Ok(Server {
            url: format!("https://127.0.0.1:{port}"),
            ca_pem: tls.ca_pem,
            token,
            port,
            ca_der: tls.ca_der,
            state,
            runtime: Some(runtime),
        })
    }

    /// The CA certificate, DER.
    #[must_use]
    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// A kubeconfig with one cluster (`certificate-authority-data`), one user (the token) and
    /// one context, `double`, which is current.
    #[must_use]
    pub fn kubeconfig(&self) -> String {
        let ca = STANDARD.encode(self.ca_pem.as_bytes());
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: double\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: double\n  user:\n    token: {}\ncontexts:\n- name: double\n  context:\n    cluster: double\n    user: double\ncurrent-context: double\npreferences: {{}}\n",
            self.url, self.token
        )
    }

    /// Writes [`Server::kubeconfig`] to `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn write_kubeconfig(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.kubeconfig())
    }

    /// Writes the files a pod finds in `/var/run/secrets/kubernetes.io/serviceaccount` (`token`,
    /// `ca.crt`, `namespace`) into `dir`; with [`Server::in_cluster_env`] a client can load an
    /// in-cluster configuration from them.
    ///
    /// # Errors
    ///
    /// When a file cannot be written.
    pub fn write_in_cluster(&self, dir: &Path, namespace: &str) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("token"), &self.token)?;
        std::fs::write(dir.join("ca.crt"), &self.ca_pem)?;
        std::fs::write(dir.join("namespace"), namespace)
    }

    /// `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` for this server.
    #[must_use]
    pub fn in_cluster_env(&self) -> [(&'static str, String); 2] {
        [
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1".to_owned()),
            ("KUBERNETES_SERVICE_PORT", self.port.to_string()),
        ]
    }

    /// Every request answered so far, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<RequestLog> {
        self.state
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The path of every request answered so far, in order.
    #[must_use]
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
    }

    /// How many requests were answered with `status` (0: never answered).
    #[must_use]
    pub fn answered_with(&self, status: u16) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.status == status)
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn random_token() -> String {
    let state = RandomState::new();
    let high = state.hash_one(std::process::id());
    let low = state.hash_one(std::time::SystemTime::now());
    format!("double-{high:016x}{low:016x}")
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handler::handle(&state, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

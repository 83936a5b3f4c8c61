//! The connection to the API server: found as kubectl finds it (`--kubeconfig`, `KUBECONFIG`,
//! `~/.kube/config`, `--context`), else the pod's service account, and one GET that waits
//! its turn, honours 429's Retry-After, times out, and says why it failed.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::failure::{ApiFailure, looks_like_html};
use super::limiter::Limiter;

/// How to reach the API, from the command line.
#[derive(Clone, Debug)]
pub(crate) struct ApiSettings {
    pub(crate) kubeconfig: Option<PathBuf>,
    pub(crate) context: Option<String>,
    /// For each request, headers and body together.
    pub(crate) timeout: Duration,
    pub(crate) qps: f64,
    pub(crate) burst: u32,
}

/// A client for one API server.
pub(crate) struct Api {
    client: kube::Client,
    /// `https://10.0.0.1:6443`.
    pub(crate) server: String,
    /// Where the credentials came from: `kubeconfig ~/.kube/config (context prod)`.
    pub(crate) credentials: String,
    limiter: Limiter,
    timeout: Duration,
}

/// What one GET asks, for the failure's words.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ask<'a> {
    /// `nodes`, `Node n1's configz`.
    pub(crate) what: &'a str,
    pub(crate) verb: &'a str,
    /// As RBAC names it: `pods`, `nodes/proxy`.
    pub(crate) resource: &'a str,
}

/// 429 answers waited out before giving up.
const THROTTLE_RETRIES: u32 = 5;

impl Api {
    pub(crate) async fn connect(settings: &ApiSettings) -> Result<Api, ApiFailure> {
        let (mut config, credentials) = load_config(settings).await?;
        // Retries are ours: a 429 is waited out as the server asks, the rest are reported.
        config.default_retry = false;
        config.connect_timeout = Some(settings.timeout);
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_owned();
        let client = kube::Client::try_from(config).map_err(|e| {
            ApiFailure::Config(format!("the client for {server} could not be made: {e}"))
        })?;
        Ok(Api {
            client,
            server,
            credentials,
            limiter: Limiter::new(settings.qps, settings.burst),
            timeout: settings.timeout,
        })
    }

    /// GETs `path` (with its query) and returns the body of a 2xx answer.
    pub(crate) async fn get(&self, path: &str, ask: Ask<'_>) -> Result<Bytes, ApiFailure> {
        let mut throttled = 0;
        loop {
            self.limiter.wait().await;
            let attempt = tokio::time::timeout(self.timeout, self.get_once(path, ask)).await;
            let (code, retry_after, body) = match attempt {
                Ok(answer) => answer?,
                Err(_) => {
                    return Err(ApiFailure::Timeout {
                        what: ask.what.to_owned(),
                        after: self.timeout,
                    });
                }
            };
            if code == 429 && throttled < THROTTLE_RETRIES {
                throttled += 1;
                tokio::time::sleep(retry_after.unwrap_or(Duration::from_secs(1))).await;
                continue;
            }
            if !(200..300).contains(&code) {
                return Err(ApiFailure::from_response(
                    code,
                    &body,
                    ask.what,
                    ask.verb,
                    ask.resource,
                ));
            }
            if looks_like_html(&body) {
                return Err(ApiFailure::NotKubernetes {
                    what: ask.what.to_owned(),
                    detail: format!("HTTP {code} with an HTML page"),
                });
            }
            return Ok(body);
        }
    }

    async fn get_once(
        &self,
        path: &str,
        ask: Ask<'_>,
    ) -> Result<(u16, Option<Duration>, Bytes), ApiFailure> {
        let request = http::Request::get(path)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("runtime-audit/", env!("CARGO_PKG_VERSION")),
            )
            .body(kube::client::Body::empty())
            .map_err(|e| ApiFailure::Config(format!("{path} is not a request path: {e}")))?;
        let response = self
            .client
            .send(request)
            .await
            .map_err(|e| ApiFailure::from_client(&e, &self.server, ask.what))?;
        let code = response.status().as_u16();
        // The server says how long to wait, in seconds; at most 10 are waited here.
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(10)));
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| ApiFailure::from_client(&e, &self.server, ask.what))?
            .to_bytes();
        Ok((code, retry_after, body))
    }
}

/// The kubeconfig kubectl would use, else the pod's service account.
async fn load_config(settings: &ApiSettings) -> Result<(kube::Config, String), ApiFailure> {
    let options = KubeConfigOptions {
        context: settings.context.clone(),
        ..KubeConfigOptions::default()
    };
    let context_words = settings
        .context
        .as_deref()
        .map(|c| format!(" (context {c})"))
        .unwrap_or_default();
    if let Some(path) = &settings.kubeconfig {
        let file = Kubeconfig::read_from(path)
            .map_err(|e| ApiFailure::Config(format!("--kubeconfig {}: {e}", path.display())))?;
        let config = kube::Config::from_custom_kubeconfig(file, &options)
            .await
            .map_err(|e| ApiFailure::Config(format!("--kubeconfig {}: {e}", path.display())))?;
        return Ok((
            config,
            format!("kubeconfig {}{context_words}", path.display()),
        ));
    }
    let env = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty());
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube/config"));
    let named = match (&env, &home) {
        (Some(list), _) => Some(list.to_string_lossy().into_owned()),
        (None, Some(path)) if path.exists() => Some(path.display().to_string()),
        _ => None,
    };
    if let Some(named) = named {
        let config = kube::Config::from_kubeconfig(&options)
            .await
            .map_err(|e| ApiFailure::Config(format!("kubeconfig {named}: {e}")))?;
        return Ok((config, format!("kubeconfig {named}{context_words}")));
    }
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        let config = kube::Config::incluster()
            .map_err(|e| ApiFailure::Config(format!("the pod's service account: {e}")))?;
        return Ok((config, "the pod's service account".to_owned()));
    }
    Err(ApiFailure::NoConfig(
        "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a pod".to_owned(),
    ))
}

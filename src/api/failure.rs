//! Why a request to the Kubernetes API failed, in the words an operator acts on: the server
//! could not be reached, TLS failed, the credentials were refused, the account lacks a verb,
//! the request timed out. Each failure makes the checks that needed the answer inconclusive.

use std::fmt;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

/// One request's failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ApiFailure {
    /// No kubeconfig was found and this is not a pod.
    NoConfig(String),
    /// The kubeconfig could not be used (unreadable, no such context, no server).
    Config(String),
    /// Connection refused, no route, name not resolved.
    Unreachable { server: String, detail: String },
    /// The TLS handshake failed (unknown CA, name mismatch, expired certificate).
    Tls { server: String, detail: String },
    /// 401: the token or certificate was refused (expired, revoked), or a credential plugin failed.
    Unauthorized { detail: String },
    /// 403: the account may not use this verb on this resource.
    Forbidden {
        verb: String,
        resource: String,
        message: String,
    },
    /// 404.
    NotFound { what: String, message: String },
    /// No answer within the deadline.
    Timeout { what: String, after: Duration },
    /// 429 still, after waiting as the server asked.
    Throttled { what: String },
    /// Another HTTP status.
    Status {
        what: String,
        code: u16,
        message: String,
    },
    /// The answer is not the API's (an HTML login page, a proxy's error page).
    NotKubernetes { what: String, detail: String },
}

impl ApiFailure {
    /// One word for the failure, as reports give it (`live.kubelet.api_failure`).
    pub(crate) fn class(&self) -> &'static str {
        match self {
            ApiFailure::NoConfig(_) | ApiFailure::Config(_) => "config",
            ApiFailure::Unreachable { .. } => "unreachable",
            ApiFailure::Tls { .. } => "tls",
            ApiFailure::Unauthorized { .. } => "unauthorized",
            ApiFailure::Forbidden { .. } => "forbidden",
            ApiFailure::NotFound { .. } => "not-found",
            ApiFailure::Timeout { .. } => "timeout",
            ApiFailure::Throttled { .. } => "throttled",
            ApiFailure::Status { .. } => "status",
            ApiFailure::NotKubernetes { .. } => "not-kubernetes",
        }
    }

    /// From a response that is not 2xx: the Status body the API server sends, read for its
    /// message. `verb` and `resource` name what was asked, for a 403.
    pub(crate) fn from_response(
        code: u16,
        body: &[u8],
        what: &str,
        verb: &str,
        resource: &str,
    ) -> ApiFailure {
        let status: Option<Status> = serde_json::from_slice(body).ok();
        let message = status
            .as_ref()
            .and_then(|s| s.message.clone())
            .unwrap_or_else(|| {
                let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
                text.trim().to_owned()
            });
        if status.is_none() && looks_like_html(body) {
            return ApiFailure::NotKubernetes {
                what: what.to_owned(),
                detail: format!("HTTP {code} with an HTML page"),
            };
        }
        match code {
            401 => ApiFailure::Unauthorized { detail: message },
            403 => ApiFailure::Forbidden {
                verb: verb.to_owned(),
                resource: resource.to_owned(),
                message,
            },
            404 => ApiFailure::NotFound {
                what: what.to_owned(),
                message,
            },
            429 => ApiFailure::Throttled {
                what: what.to_owned(),
            },
            _ => ApiFailure::Status {
                what: what.to_owned(),
                code,
                message,
            },
        }
    }

    /// From an error of the client: the causes are searched for what went wrong, by their
    /// types (a rustls error, an I/O error's kind, an elapsed timer); their words only when
    /// no cause has a type that says.
    pub(crate) fn from_client(error: &kube::Error, server: &str, what: &str) -> ApiFailure {
        if let kube::Error::Auth(e) = error {
            return ApiFailure::Unauthorized {
                detail: format!("the kubeconfig's credentials could not be obtained: {e}"),
            };
        }
        let chain = causes(error);
        match typed_cause(error).unwrap_or_else(|| worded_cause(&chain)) {
            Cause::Tls => ApiFailure::Tls {
                server: server.to_owned(),
                detail: chain,
            },
            Cause::Timeout => ApiFailure::Timeout {
                what: what.to_owned(),
                after: Duration::ZERO,
            },
            Cause::Unreachable => ApiFailure::Unreachable {
                server: server.to_owned(),
                detail: chain,
            },
        }
    }
}

/// What went wrong below HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    Tls,
    Timeout,
    Unreachable,
}

/// The first cause whose type says what went wrong. An I/O error is looked into too: it
/// carries the TLS error of a failed handshake.
fn typed_cause(error: &(dyn std::error::Error + 'static)) -> Option<Cause> {
    use std::io::ErrorKind;
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            return Some(Cause::Tls);
        }
        if e.is::<tokio::time::error::Elapsed>() {
            return Some(Cause::Timeout);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // An I/O error wrapping another (the TLS connector wraps rustls's error twice)
            // is looked through first: its own `source()` skips the wrapped error.
            if let Some(inner) = io.get_ref() {
                let inner: &(dyn std::error::Error + 'static) = inner;
                if let Some(cause) = typed_cause(inner) {
                    return Some(cause);
                }
            }
            match io.kind() {
                ErrorKind::TimedOut => return Some(Cause::Timeout),
                ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::AddrNotAvailable => return Some(Cause::Unreachable),
                _ => {}
            }
        }
        next = e.source();
    }
    None
}

/// The causes' words, for errors no typed cause explains; unreachable when they say nothing
/// else.
fn worded_cause(chain: &str) -> Cause {
    let lower = chain.to_lowercase();
    if ["certificate", "tls", "handshake", "unknownissuer"]
        .iter()
        .any(|w| lower.contains(w))
    {
        Cause::Tls
    } else if ["timed out", "deadline", "elapsed"]
        .iter()
        .any(|w| lower.contains(w))
    {
        Cause::Timeout
    } else {
        Cause::Unreachable
    }
}

/// The error and its causes, `: `-joined, each said once.
fn causes(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

pub(crate) fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|i| body[i] == b'<')
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFailure::NoConfig(why) | ApiFailure::Config(why) => f.write_str(why),
            ApiFailure::Unreachable { server, detail } => {
                write!(f, "the API server {server} cannot be reached: {detail}")
            }
            ApiFailure::Tls { server, detail } => write!(
                f,
                "TLS with {server} failed (is the kubeconfig's certificate-authority the cluster's?): {detail}"
            ),
            ApiFailure::Unauthorized { detail } => write!(
                f,
                "the API server refused the credentials (401 Unauthorized: an expired or revoked token?): {detail}"
            ),
            ApiFailure::Forbidden {
                verb,
                resource,
                message,
            } => write!(
                f,
                "403 Forbidden: the account may not {verb} {resource} (deploy/rbac.yaml grants what runtime-audit needs): {message}"
            ),
            ApiFailure::NotFound { what, message } => write!(f, "{what}: 404 Not Found: {message}"),
            ApiFailure::Timeout { what, after } => {
                write!(
                    f,
                    "{what}: no answer within {}",
                    humantime::format_duration(*after)
                )
            }
            ApiFailure::Throttled { what } => write!(
                f,
                "{what}: the API server kept answering 429 Too Many Requests (lower --qps or --concurrency)"
            ),
            ApiFailure::Status {
                what,
                code,
                message,
            } => write!(f, "{what}: HTTP {code}: {message}"),
            ApiFailure::NotKubernetes { what, detail } => write!(
                f,
                "{what}: the answer is not the Kubernetes API's ({detail}; a proxy or login page in between?)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed handshake as the TLS connector reports it: rustls's error inside an I/O error
    /// inside another.
    #[test]
    fn a_tls_error_wrapped_twice_in_io_errors_is_tls() {
        use std::io::{Error, ErrorKind};
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = Error::other(Error::new(ErrorKind::InvalidData, tls));
        assert_eq!(typed_cause(&wrapped), Some(Cause::Tls));
    }

    #[test]
    fn io_error_kinds_say_unreachable_or_timeout() {
        use std::io::{Error, ErrorKind};
        let refused = Error::from(ErrorKind::ConnectionRefused);
        assert_eq!(typed_cause(&refused), Some(Cause::Unreachable));
        let timed_out = Error::from(ErrorKind::TimedOut);
        assert_eq!(typed_cause(&timed_out), Some(Cause::Timeout));
        // A kind that says nothing of either is left to the words.
        let other = Error::other("tls: bad certificate");
        assert_eq!(typed_cause(&other), None);
        assert_eq!(worded_cause(&other.to_string()), Cause::Tls);
        assert_eq!(worded_cause("connection closed"), Cause::Unreachable);
    }

    #[test]
    fn a_403_status_names_the_verb_and_resource() {
        let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:ra:ra\" cannot list resource \"pods\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"pods"},"code":403}"#;
        let f = ApiFailure::from_response(403, body, "pods", "list", "pods");
        assert!(matches!(f, ApiFailure::Forbidden { .. }), "{f:?}");
        let text = f.to_string();
        assert!(text.contains("may not list pods"), "{text}");
        assert!(text.contains("system:serviceaccount:ra:ra"), "{text}");
    }

    #[test]
    fn an_html_page_is_not_the_api() {
        let f = ApiFailure::from_response(
            200,
            b"\n<html><body>Sign in</body></html>",
            "nodes",
            "list",
            "nodes",
        );
        assert!(matches!(f, ApiFailure::NotKubernetes { .. }), "{f:?}");
        let f = ApiFailure::from_response(
            401,
            b"{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"code\":401}",
            "nodes",
            "list",
            "nodes",
        );
        assert!(matches!(f, ApiFailure::Unauthorized { .. }), "{f:?}");
    }
}

//! `Status` bodies as the API server writes them (`k8s.io/apimachinery/pkg/api/errors`).

use serde::Serialize;

use crate::cluster::ResourceInfo;

/// A failure `Status` with its HTTP code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u16,
    pub(crate) body: String,
}

#[derive(Serialize)]
struct Status<'a> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: ListMeta<'a>,
    status: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details<'a>>,
    code: u16,
}

#[derive(Serialize, Default)]
struct ListMeta<'a> {
    #[serde(rename = "continue", skip_serializing_if = "str::is_empty")]
    next: &'a str,
}

/// `StatusDetails`: empty fields left out.
#[derive(Serialize, Default)]
struct Details<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    group: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    kind: &'a str,
}

fn failure(code: u16, reason: &str, message: &str, details: Option<Details<'_>>) -> Failure {
    failure_continuing(code, reason, message, details, "")
}

fn failure_continuing(
    code: u16,
    reason: &str,
    message: &str,
    details: Option<Details<'_>>,
    next: &str,
) -> Failure {
    let status = Status {
        kind: "Status",
        api_version: "v1",
        metadata: ListMeta { next },
        status: "Failure",
        message,
        reason,
        details,
        code,
    };
    Failure {
        code,
        body: serde_json::to_string(&status).unwrap_or_default(),
    }
}

fn details<'a>(info: &'a ResourceInfo, name: &'a str) -> Details<'a> {
    Details {
        name,
        group: info.group,
        kind: info.name,
    }
}

/// 401, as the authentication filter answers a missing or refused token.
pub(crate) fn unauthorized() -> Failure {
    failure(401, "Unauthorized", "Unauthorized", None)
}

/// 404 for a named object: `nodes "x" not found`.
pub(crate) fn not_found(info: &ResourceInfo, name: &str) -> Failure {
    let message = format!("{} \"{name}\" not found", info.qualified());
    failure(404, "NotFound", &message, Some(details(info, name)))
}

/// 404 for a path that names no resource.
pub(crate) fn no_such_resource() -> Failure {
    failure(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(Details::default()),
    )
}

/// 405 for any method but GET on a served path.
pub(crate) fn method_not_allowed() -> Failure {
    failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        Some(Details::default()),
    )
}

/// 400 with a message.
pub(crate) fn bad_request(message: &str) -> Failure {
    failure(400, "BadRequest", message, None)
}

/// 403 as `responsewriters.Forbidden` writes it for an RBAC denial (`forbiddenMessage`, then
/// `NewForbidden`).
pub(crate) fn forbidden(
    info: &ResourceInfo,
    name: &str,
    subresource: &str,
    namespace: &str,
    verb: &str,
    user: &str,
) -> Failure {
    let resource = if subresource.is_empty() {
        info.name.to_owned()
    } else {
        format!("{}/{subresource}", info.name)
    };
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_owned()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    let why = format!(
        "User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
        info.group
    );
    let message = if name.is_empty() {
        format!("{} is forbidden: {why}", info.qualified())
    } else {
        format!("{} \"{name}\" is forbidden: {why}", info.qualified())
    };
    failure(403, "Forbidden", &message, Some(details(info, name)))
}

/// The message of the 410 an expired continue token gets (`inconsistentContinue` in the etcd3
/// store).
pub(crate) const INCONSISTENT_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// 410 `Expired` with the token that continues at the latest resource version
/// (`handleCompactedErrorForPaging`).
pub(crate) fn continue_expired(token: &str) -> Failure {
    failure_continuing(410, "Expired", INCONSISTENT_CONTINUE, None, token)
}

/// 503 from the node proxy when the kubelet cannot be dialled: the proxy transport wraps the dial
/// error in `NewServiceUnavailable("error trying to reach service: ...")`.
pub(crate) fn kubelet_unreachable(address: &str, port: u64) -> Failure {
    let message = format!(
        "error trying to reach service: dial tcp {address}:{port}: connect: no route to host"
    );
    failure(503, "ServiceUnavailable", &message, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{NODES, PODS, RESOURCES};
    use serde_json::{Value, json};

    fn body(failure: &Failure) -> Value {
        serde_json::from_str(&failure.body).unwrap()
    }

    #[test]
    fn forbidden_reads_as_the_api_server_writes_it() {
        let user = "system:serviceaccount:runtime-audit:runtime-audit";
        let list = forbidden(&RESOURCES[PODS], "", "", "", "list", user);
        assert_eq!(list.code, 403);
        assert_eq!(
            body(&list)["message"],
            format!(
                "pods is forbidden: User \"{user}\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
            )
        );
        assert_eq!(body(&list)["details"], json!({"kind": "pods"}));
        let proxy = forbidden(&RESOURCES[NODES], "n1", "proxy", "", "get", user);
        assert_eq!(
            body(&proxy)["message"],
            format!(
                "nodes \"n1\" is forbidden: User \"{user}\" cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope"
            )
        );
        let deployments = forbidden(&RESOURCES[3], "", "", "web", "list", user);
        assert_eq!(
            body(&deployments)["message"],
            format!(
                "deployments.apps is forbidden: User \"{user}\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"web\""
            )
        );
        assert_eq!(
            body(&deployments)["details"],
            json!({"group": "apps", "kind": "deployments"})
        );
    }

    #[test]
    fn not_found_names_the_object() {
        let failure = not_found(&RESOURCES[NODES], "x");
        assert_eq!(
            failure.body,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"nodes"},"code":404}"#
        );
    }
}

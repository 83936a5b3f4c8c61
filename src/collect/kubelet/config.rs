//! The kubelet's config file (`--config`, a KubeletConfiguration) and kubeadm's
//! `/var/lib/kubelet/instance-config.yaml`.
//!
//! The kubelet decodes the file strictly typed (`DecodeKubeletConfiguration` in
//! `pkg/kubelet/kubeletconfig/util/codec`): a field of the wrong type, a missing or foreign
//! `kind` makes it fail with `failed to load kubelet config file` and not start. Only
//! *strict* errors (unknown or duplicate fields) fall back to lenient v1beta1 decoding with
//! the warning "using lenient decoding as strict decoding failed", so unknown fields are not
//! reported here.

use crate::collect::tree::{self, Node, Value};
use crate::collect::{Ctx, Read};
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::{InstanceConfig, KubeletConfigFile};
use crate::model::{FileId, Input, InputKind, Problem, Span, Spanned};

pub(crate) const DEFAULT_CONFIG: &str = "/var/lib/kubelet/config.yaml";
pub(crate) const INSTANCE_CONFIG: &str = "/var/lib/kubelet/instance-config.yaml";

const INSTANCE_UNUSABLE: &str = "kubeadm cannot read the node's CRI socket from it (`kubeadm upgrade` fails to load the instance configuration).";

const REFUSED: &str = "The kubelet cannot decode its config file (`failed to load kubelet config file`) and does not start; the node goes NotReady.";

/// A span of the character at `offset`, for a syntax error. An error at a line break or at
/// the end of the text ("expected comma") points at the character before it, so the frame
/// stays on the line where the text is missing.
pub(crate) fn point(file: FileId, text: &str, offset: usize) -> Span {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let at_break = text[offset..]
        .chars()
        .next()
        .is_none_or(|c| c == '\n' || c == '\r');
    if at_break
        && let Some((i, c)) = text[..offset].char_indices().next_back()
        && c != '\n'
    {
        return Span::new(file, i..i + c.len_utf8());
    }
    let end = text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    Span::new(file, offset..end)
}

pub(crate) fn span(file: FileId, node: &Node) -> Span {
    Span::new(file, node.range.clone())
}

/// Reads a file, registers it and parses it as YAML. Syntax errors are recorded.
fn load(ctx: &Ctx, path: &str) -> Result<(FileId, Node), Input<()>> {
    let text = match ctx.read(InputKind::KubeletConfig, path) {
        Read::Absent => {
            return Err(Input::Absent {
                path: path.to_owned(),
            });
        }
        Read::Unreadable(reason) => {
            return Err(Input::Unreadable {
                path: path.to_owned(),
                reason,
            });
        }
        Read::Text(text) => text,
    };
    let file = ctx.add_file(InputKind::KubeletConfig, path, &text);
    match tree::parse_yaml(&text) {
        Ok(root) => Ok((file, root)),
        Err(e) => {
            let at = e.offset.map(|o| point(file, &text, o));
            ctx.syntax_error(
                InputKind::KubeletConfig,
                path,
                "YAML",
                e.message.clone(),
                at,
            );
            Err(Input::Invalid {
                path: path.to_owned(),
                reason: format!("YAML syntax error: {}", e.message),
                span: at,
            })
        }
    }
}

fn retype<T>(i: Input<()>) -> Input<T> {
    match i {
        Input::Absent { path } => Input::Absent { path },
        Input::Unreadable { path, reason } => Input::Unreadable { path, reason },
        Input::Invalid { path, reason, span } => Input::Invalid { path, reason, span },
        Input::Present(()) => Input::Invalid {
            path: String::new(),
            reason: "unexpected".into(),
            span: None,
        },
    }
}

struct Fields<'a> {
    ctx: &'a Ctx<'a>,
    path: &'a str,
    file: FileId,
    wrong: Vec<Spanned<String>>,
    consequence: &'static str,
}

impl Fields<'_> {
    fn wrong_type(&mut self, key: &str, node: &Node, expected: &'static str) {
        let span = span(self.file, node);
        self.ctx.problem(
            InputKind::KubeletConfig,
            self.path,
            Problem::WrongType {
                key: key.to_owned(),
                expected,
                found: node.type_name().to_owned(),
                span,
                consequence: self.consequence.to_owned(),
            },
        );
        self.wrong.push(Spanned::new(key.to_owned(), span));
    }

    fn string(&mut self, root: &Node, key: &str) -> Option<Spanned<String>> {
        let node = root.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Str(s) => Some(Spanned::new(s.clone(), span(self.file, node))),
            _ => {
                self.wrong_type(key, node, "a string");
                None
            }
        }
    }

    fn boolean(&mut self, root: &Node, key: &str) -> Option<Spanned<bool>> {
        let node = root.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Bool(b) => Some(Spanned::new(*b, span(self.file, node))),
            _ => {
                self.wrong_type(key, node, "a boolean (true or false)");
                None
            }
        }
    }
}

/// Reads the kubelet config file at `path`.
pub(crate) fn read_config(ctx: &Ctx, path: &str) -> Input<KubeletConfigFile> {
    let (file, root) = match load(ctx, path) {
        Ok(loaded) => loaded,
        Err(state) => return retype(state),
    };
    let document = span(file, &root);
    if !matches!(root.value, Value::Map(_) | Value::Null) {
        return not_a_configuration(ctx, path, &root, document);
    }
    let mut f = Fields {
        ctx,
        path,
        file,
        wrong: Vec::new(),
        consequence: REFUSED,
    };
    // In the order the fields are reported.
    let api_version = f.string(&root, "apiVersion");
    let kind = f.string(&root, "kind");
    f.check_kind(kind.as_ref(), document);
    let cgroup_driver = f.string(&root, "cgroupDriver");
    let container_runtime_endpoint = f
        .string(&root, "containerRuntimeEndpoint")
        .map(|e| e.map(|t| Endpoint::parse(&t)));
    let image_service_endpoint = f
        .string(&root, "imageServiceEndpoint")
        .map(|e| e.map(|t| Endpoint::parse(&t)));
    let fail_cgroup_v1 = f.boolean(&root, "failCgroupV1");
    let feature_gates = f.feature_gates(&root);
    Input::Present(KubeletConfigFile {
        path: path.to_owned(),
        api_version,
        kind,
        cgroup_driver,
        container_runtime_endpoint,
        image_service_endpoint,
        fail_cgroup_v1,
        feature_gates,
        wrong_types: f.wrong,
        document,
    })
}

/// A document that is not a mapping: the kubelet refuses it.
fn not_a_configuration(
    ctx: &Ctx,
    path: &str,
    root: &Node,
    document: Span,
) -> Input<KubeletConfigFile> {
    ctx.problem(
        InputKind::KubeletConfig,
        path,
        Problem::WrongType {
            key: "KubeletConfiguration".into(),
            expected: "a mapping of KubeletConfiguration fields",
            found: root.type_name().to_owned(),
            span: document,
            consequence: REFUSED.to_owned(),
        },
    );
    let reason = format!("the document is {}, not a mapping", root.type_name());
    ctx.invalid(path, reason.clone());
    Input::Invalid {
        path: path.to_owned(),
        reason,
        span: Some(document),
    }
}

impl Fields<'_> {
    /// The kubelet decodes only `kind: KubeletConfiguration`: another kind, or none (unless
    /// `kind` is there with the wrong type, reported already), is refused.
    fn check_kind(&mut self, kind: Option<&Spanned<String>>, document: Span) {
        let (expected, found, at) = match kind {
            Some(k) if k.value == "KubeletConfiguration" => return,
            Some(k) => ("`KubeletConfiguration`", format!("`{}`", k.value), k.span),
            None if !self.wrong.iter().any(|w| w.value == "kind") => (
                "`KubeletConfiguration` (with `apiVersion: kubelet.config.k8s.io/v1beta1`)",
                "no `kind` at all".to_owned(),
                Span::new(self.file, document.start as usize..document.start as usize),
            ),
            None => return,
        };
        self.ctx.problem(
            InputKind::KubeletConfig,
            self.path,
            Problem::WrongType {
                key: "kind".into(),
                expected,
                found,
                span: at,
                consequence: REFUSED.to_owned(),
            },
        );
        self.wrong.push(Spanned::new("kind".into(), at));
    }

    /// `featureGates`: gate names to booleans.
    fn feature_gates(&mut self, root: &Node) -> Vec<(Spanned<String>, Spanned<bool>)> {
        let mut feature_gates = Vec::new();
        let Some(gates) = root.get("featureGates") else {
            return feature_gates;
        };
        match &gates.value {
            Value::Null => {}
            Value::Map(entries) => {
                for (k, v) in entries {
                    match v.as_bool() {
                        Some(b) => feature_gates.push((
                            Spanned::new(k.text.clone(), Span::new(self.file, k.range.clone())),
                            Spanned::new(b, span(self.file, v)),
                        )),
                        None => self.wrong_type(
                            &format!("featureGates.{}", k.text),
                            v,
                            "a boolean (true or false)",
                        ),
                    }
                }
            }
            _ => self.wrong_type("featureGates", gates, "a mapping of gate names to booleans"),
        }
        feature_gates
    }
}

/// Reads kubeadm's instance config (a KubeletConfiguration fragment kubeadm merges into
/// config.yaml; it needs no `kind`).
pub(crate) fn read_instance_config(ctx: &Ctx) -> Input<InstanceConfig> {
    let path = INSTANCE_CONFIG;
    let (file, root) = match load(ctx, path) {
        Ok(loaded) => loaded,
        Err(state) => return retype(state),
    };
    let document = span(file, &root);
    let mut f = Fields {
        ctx,
        path,
        file,
        wrong: Vec::new(),
        consequence: INSTANCE_UNUSABLE,
    };
    let container_runtime_endpoint = match &root.value {
        Value::Map(_) => f
            .string(&root, "containerRuntimeEndpoint")
            .map(|e| e.map(|t| Endpoint::parse(&t))),
        Value::Null => None,
        _ => {
            ctx.problem(
                InputKind::KubeletConfig,
                path,
                Problem::WrongType {
                    key: "instance-config".into(),
                    expected: "a mapping",
                    found: root.type_name().to_owned(),
                    span: document,
                    consequence: INSTANCE_UNUSABLE.into(),
                },
            );
            ctx.invalid(
                path,
                format!("the document is {}, not a mapping", root.type_name()),
            );
            return Input::Invalid {
                path: path.to_owned(),
                reason: format!("the document is {}, not a mapping", root.type_name()),
                span: Some(document),
            };
        }
    };
    if !f.wrong.is_empty() {
        ctx.invalid(path, "containerRuntimeEndpoint is not a string");
        return Input::Invalid {
            path: path.to_owned(),
            reason: "containerRuntimeEndpoint is not a string".into(),
            span: f.wrong.first().map(|w| w.span),
        };
    }
    Input::Present(InstanceConfig {
        path: path.to_owned(),
        container_runtime_endpoint,
    })
}

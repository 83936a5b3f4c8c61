//! Static pod manifests: `/etc/kubernetes/manifests`.
//!
//! The kubelet (pkg/kubelet/config/file.go, `extractFromDir`) loads every regular file of the
//! directory whose name does not start with `.`, whatever its extension (a
//! `kube-apiserver.yaml.bak` runs too), skips subdirectories, and decodes each as one Pod in
//! YAML or JSON. A file it cannot decode is logged and skipped. The model keeps what the
//! migration needs: the `hostPath` volumes and the containers that mount them.

use crate::model::manifests::{HostPathVolume, STATIC_POD_DIR, StaticPod, StaticPods, VolumeMount};
use crate::model::{FileId, Input, InputKind, InputState, Span, Spanned};

use super::Ctx;
use super::fs::{ReadError, join_host};
use super::kubelet::config::point;
use super::tree::{self, Node, Value};

/// Reads the manifests directory. Absent when the directory does not exist.
pub(crate) fn collect(ctx: &Ctx) -> Input<StaticPods> {
    let dir = STATIC_POD_DIR;
    let names = match ctx.fs.read_dir(dir) {
        Ok(names) => names,
        Err(ReadError::NotFound) => {
            ctx.record(InputKind::StaticPodManifest, dir, InputState::Absent, None);
            return Input::Absent { path: dir.into() };
        }
        Err(ReadError::Unreadable(reason)) => {
            ctx.record(
                InputKind::StaticPodManifest,
                dir,
                InputState::Unreadable,
                Some(reason.clone()),
            );
            return Input::Unreadable {
                path: dir.into(),
                reason,
            };
        }
    };
    let pods = names
        .iter()
        .filter(|n| !n.starts_with('.'))
        .map(|n| join_host(dir, n))
        .filter(|p| !ctx.fs.is_dir(p))
        .map(|p| manifest(ctx, &p))
        .collect();
    Input::Present(StaticPods { pods })
}

fn manifest(ctx: &Ctx, path: &str) -> Input<StaticPod> {
    let kind = InputKind::StaticPodManifest;
    let text = match ctx.read(kind, path).or_input(path) {
        Ok(text) => text,
        Err(input) => return input,
    };
    let file = ctx.add_file(kind, path, &text);
    let (root, format) = match tree::parse_yaml_or_json(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let at = e.offset.map(|o| point(file, &text, o));
            let format = if text.trim_start().starts_with(['{', '[']) {
                "JSON"
            } else {
                "YAML"
            };
            ctx.syntax_error(kind, path, format, e.message.clone(), at);
            return Input::Invalid {
                path: path.into(),
                reason: format!("{format} syntax error: {}", e.message),
                span: at,
            };
        }
    };
    let span = |n: &Node| Span::new(file, n.range.clone());
    if !matches!(root.value, Value::Map(_)) {
        let reason = format!("the {format} document is {}, not a Pod", root.type_name());
        ctx.invalid(path, reason.clone());
        return Input::Invalid {
            path: path.into(),
            reason,
            span: Some(span(&root)),
        };
    }
    if let Some(k) = root.get("kind").and_then(Node::as_str)
        && k != "Pod"
    {
        let reason = format!("kind is {k:?}, not Pod (the kubelet only runs Pods from files)");
        ctx.invalid(path, reason.clone());
        return Input::Invalid {
            path: path.into(),
            reason,
            span: Some(span(&root)),
        };
    }
    let name = string(file, root.get("metadata").and_then(|m| m.get("name")));
    let spec = root.get("spec");
    let mut host_paths: Vec<HostPathVolume> = spec
        .and_then(|s| s.get("volumes"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| {
            let name = string(file, v.get("name"))?;
            let path = string(file, v.get("hostPath").and_then(|h| h.get("path")))?;
            Some(HostPathVolume {
                name,
                path,
                mounts: Vec::new(),
            })
        })
        .collect();
    for list in ["initContainers", "containers"] {
        for c in spec
            .and_then(|s| s.get(list))
            .map(Node::items)
            .unwrap_or_default()
        {
            let container = c
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("(unnamed)")
                .to_owned();
            for m in c.get("volumeMounts").map(Node::items).unwrap_or_default() {
                let (Some(volume), Some(mount_path)) = (
                    m.get("name").and_then(Node::as_str),
                    string(file, m.get("mountPath")),
                ) else {
                    continue;
                };
                if let Some(v) = host_paths.iter_mut().find(|v| v.name.value == volume) {
                    v.mounts.push(VolumeMount {
                        container: container.clone(),
                        mount_path,
                    });
                }
            }
        }
    }
    host_paths.sort_by_key(|v| v.path.span.start);
    Input::Present(StaticPod {
        path: path.into(),
        name,
        host_paths,
    })
}

fn string(file: FileId, node: Option<&Node>) -> Option<Spanned<String>> {
    let node = node?;
    node.as_str()
        .filter(|s| !s.is_empty())
        .map(|s| Spanned::new(s.to_owned(), Span::new(file, node.range.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::fs::HostFs;

    fn node(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        dir
    }

    const AGENT: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n  - name: main\n    volumeMounts:\n    - name: sock\n      mountPath: /var/run/docker.sock\n    - name: other\n      mountPath: /x\n  volumes:\n  - name: sock\n    hostPath:\n      path: /var/run/docker.sock\n      type: Socket\n  - name: cfg\n    configMap:\n      name: c\n";

    #[test]
    fn reads_host_paths_and_their_mounts() {
        let dir = node(&[
            ("etc/kubernetes/manifests/agent.yaml", AGENT),
            ("etc/kubernetes/manifests/.hidden.yaml", "not: [valid"),
            ("etc/kubernetes/manifests/sub/x.yaml", AGENT),
        ]);
        let fs = HostFs::new(dir.path()).unwrap();
        let ctx = Ctx::new(&fs);
        let Input::Present(pods) = collect(&ctx) else {
            panic!("manifests not read");
        };
        assert_eq!(pods.pods.len(), 1, "dot files and directories are skipped");
        let pod = pods.pods.iter().find_map(Input::present).unwrap();
        assert_eq!(pod.display_name(), "agent");
        assert_eq!(pod.host_paths.len(), 1);
        let v = &pod.host_paths[0];
        assert_eq!(v.path.value, "/var/run/docker.sock");
        assert_eq!(&AGENT[v.path.span.range()], "/var/run/docker.sock");
        assert_eq!(v.mounts.len(), 1);
        assert_eq!(v.mounts[0].container, "main");
    }

    #[test]
    fn broken_and_foreign_documents_are_invalid() {
        let dir = node(&[
            ("etc/kubernetes/manifests/a.yaml", "kind: Deployment\n"),
            ("etc/kubernetes/manifests/b.json", "{\"kind\": "),
            ("etc/kubernetes/manifests/c.yaml", "- 1\n"),
        ]);
        let fs = HostFs::new(dir.path()).unwrap();
        let ctx = Ctx::new(&fs);
        let Input::Present(pods) = collect(&ctx) else {
            panic!("manifests not read");
        };
        assert_eq!(pods.pods.len(), 3);
        assert!(pods.pods.iter().all(|p| matches!(p, Input::Invalid { .. })));
    }

    #[test]
    fn missing_directory_is_absent() {
        let dir = node(&[]);
        let fs = HostFs::new(dir.path()).unwrap();
        let ctx = Ctx::new(&fs);
        assert!(collect(&ctx).is_absent());
    }
}

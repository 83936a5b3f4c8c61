//! The real kubectl against kube-double, loaded from the recorded fixtures: what kubectl prints
//! says the double speaks the API server's protocol (discovery, Tables, paging, the node proxy).
//! Every kubectl found is checked: `kubectl` on PATH and `kubectl.1.27` … `kubectl.1.33` beside
//! it. kubectl absent is said loudly, and is a failure under `CI=true`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use kube_double::{Cluster, Faults, Server};
use serde_json::Value;

fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/clusters/recorded")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// The fixtures as the double holds them: by resource, then `namespace/name` (the last file of a
/// name wins, as in the double).
struct Fixtures {
    nodes: BTreeMap<String, Value>,
    pods: BTreeSet<(String, String)>,
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn name_of(object: &Value) -> String {
    object["metadata"]["name"].as_str().unwrap().to_owned()
}

fn load() -> (Cluster, Fixtures) {
    let mut cluster = Cluster::new();
    let mut fixtures = Fixtures {
        nodes: BTreeMap::new(),
        pods: BTreeSet::new(),
    };
    for kind in ["nodes", "pods", "owners"] {
        for path in json_files(&recorded().join(kind)) {
            cluster.add_file(&path).unwrap();
            let object = read(&path);
            match kind {
                "nodes" => {
                    fixtures.nodes.insert(name_of(&object), object);
                }
                "pods" => {
                    let namespace = object["metadata"]["namespace"].as_str().unwrap();
                    fixtures
                        .pods
                        .insert((namespace.to_owned(), name_of(&object)));
                }
                _ => {}
            }
        }
    }
    let configz = recorded().join("configz");
    cluster.set_default_configz(std::fs::read(configz.join("kubelet-1.33.json")).unwrap());
    cluster.set_configz(
        "minikube",
        std::fs::read(configz.join("kubelet-1.23.json")).unwrap(),
    );
    (cluster, fixtures)
}

/// `kubectl` on PATH and the versioned ones beside it (or in the Cloud SDK's bin directory).
fn kubectls() -> Vec<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let Some(default) = on_path
        .iter()
        .map(|dir| dir.join("kubectl"))
        .find(|path| path.is_file())
    else {
        let message = "KUBECTL MISSING: no kubectl on PATH";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("\n!!!!!!!! {message} — kubectl tests against kube-double SKIPPED !!!!!!!!\n");
        return Vec::new();
    };
    let mut dirs = on_path;
    if let Ok(resolved) = default.canonicalize() {
        dirs.extend(resolved.parent().map(Path::to_path_buf));
    }
    dirs.push(PathBuf::from("/usr/lib/google-cloud-sdk/bin"));
    let mut found = vec![default];
    for minor in 27..=33 {
        let name = format!("kubectl.1.{minor}");
        match dirs.iter().map(|dir| dir.join(&name)).find(|p| p.is_file()) {
            Some(path) => found.push(path),
            None if minor == 27 || minor == 33 => {
                let message = format!("KUBECTL MISSING: no {name} beside kubectl");
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
                eprintln!("\n!!!!!!!! {message} — its checks SKIPPED !!!!!!!!\n");
            }
            None => {}
        }
    }
    found
}

/// Runs kubectl against the double with a discovery cache of its own.
fn kubectl(binary: &Path, home: &Path, kubeconfig: &Path, args: &[&str]) -> String {
    let output = Command::new(binary)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env("HOME", home)
        .env("KUBECACHEDIR", home.join("cache"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}: {}\n{}",
        binary.display(),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The first `columns` cells of every row after the header.
fn rows(table: &str, columns: usize) -> Vec<Vec<String>> {
    let mut lines = table.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.starts_with("NAME") || header.starts_with("NAMESPACE"),
        "{table}"
    );
    lines
        .map(|line| {
            line.split_whitespace()
                .take(columns)
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn pod_rows(table: &str) -> BTreeSet<(String, String)> {
    rows(table, 2)
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect()
}

/// Every check, for one kubectl.
fn check(binary: &Path) {
    let (cluster, fixtures) = load();
    let server = Server::start(cluster, Faults::default());
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    let run = |args: &[&str]| kubectl(binary, home.path(), &kubeconfig, args);
    let who = binary.display();

    let nodes: Vec<String> = rows(&run(&["get", "nodes"]), 1)
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    let expected: Vec<&String> = fixtures.nodes.keys().collect();
    assert_eq!(
        nodes.iter().collect::<Vec<_>>(),
        expected,
        "{who}: get nodes"
    );

    let all = pod_rows(&run(&["get", "pods", "-A", "--chunk-size=500"]));
    assert_eq!(all, fixtures.pods, "{who}: get pods -A");
    let before = server.requests().len();
    let paged = pod_rows(&run(&["get", "pods", "-A", "--chunk-size=2"]));
    assert_eq!(paged, fixtures.pods, "{who}: get pods -A --chunk-size=2");
    let lists: Vec<_> = server.requests()[before..]
        .iter()
        .filter(|entry| entry.path == "/api/v1/pods")
        .cloned()
        .collect();
    assert_eq!(
        lists.len(),
        fixtures.pods.len().div_ceil(2),
        "{who}: {lists:?}"
    );
    assert!(
        lists
            .iter()
            .all(|entry| entry.query.contains("limit=2") && entry.status == 200)
    );
    assert!(!lists[0].query.contains("continue="));
    assert!(
        lists[1..]
            .iter()
            .all(|entry| entry.query.contains("continue=")),
        "{who}: {lists:?}"
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|entry| !entry.path.starts_with("/api/v1/namespaces/")),
        "{who}: pods are listed, never fetched one by one"
    );

    let configz = run(&["get", "--raw", "/api/v1/nodes/minikube/proxy/configz"]);
    let recorded_configz =
        std::fs::read_to_string(recorded().join("configz/kubelet-1.23.json")).unwrap();
    assert_eq!(
        configz.trim_end(),
        recorded_configz.trim_end(),
        "{who}: configz"
    );
    let default_configz = run(&["get", "--raw", "/api/v1/nodes/k8s1/proxy/configz"]);
    let parsed: Value = serde_json::from_str(&default_configz).unwrap();
    assert!(
        parsed["kubeletconfig"].is_object(),
        "{who}: {default_configz}"
    );

    let list: Value = serde_json::from_str(&run(&["get", "nodes", "-o", "json"])).unwrap();
    assert_eq!(list["kind"], "List", "{who}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), fixtures.nodes.len(), "{who}");
    for (item, (name, fixture)) in items.iter().zip(&fixtures.nodes) {
        assert_eq!(&name_of(item), name, "{who}");
        // kubectl leaves managedFields out unless --show-managed-fields.
        let mut fixture = fixture.clone();
        if let Some(meta) = fixture["metadata"].as_object_mut() {
            meta.remove("managedFields");
        }
        assert_eq!(item, &fixture, "{who}: node {name} as kubectl printed it");
    }
}

#[test]
fn kubectl_reads_the_recorded_cluster_from_the_double() {
    let binaries = kubectls();
    for binary in &binaries {
        check(binary);
    }
    eprintln!(
        "kubectl checked against kube-double: {}",
        binaries
            .iter()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

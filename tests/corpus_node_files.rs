//! Real-world kubelet flags, kubelet configs, crictl.yaml, daemon.json and Node objects from
//! the shared corpus, audited through the binary.
//!
//! Every corpus file of those kinds is put where the node keeps it (`/var/lib/kubelet/...`,
//! `/etc/crictl.yaml`, `/etc/docker/daemon.json`) in a temporary root, or passed with
//! `--node-file`, and must audit without a crash (exit 0 or 1, valid JSON). The table below
//! says, per file, which rules the MANIFEST's known problems must trigger (and with which
//! `--kubernetes-version`), and which rules must stay quiet; a corpus file missing from the
//! table fails the test. Known problems that belong to rules of other areas (sandbox image,
//! cgroup driver, registries) are named in `why` for their owners to add.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{bin, corpus, run_json};

const KINDS: &[&str] = &[
    "kubelet-flags",
    "kubelet-config",
    "crictl",
    "docker-daemon",
    "node",
];

const FLAGS: &str = "/var/lib/kubelet/kubeadm-flags.env";
const CONTAINERD: &str = "/etc/containerd/config.toml";

/// One audit of one corpus file.
struct Case {
    /// `<kind>/<file name>` under the corpus.
    file: &'static str,
    args: &'static [&'static str],
    /// Companion files written into the root: host path and content.
    with: &'static [(&'static str, &'static str)],
    /// Rules that must fail, once per finding expected at least.
    fail: &'static [&'static str],
    /// Rules that must not fail.
    clean: &'static [&'static str],
    /// The MANIFEST's known problems and what covers them.
    why: &'static str,
}

const V123: &[&str] = &["--kubernetes-version", "1.23"];
const V124: &[&str] = &["--kubernetes-version", "1.24"];
const V126: &[&str] = &["--kubernetes-version", "1.26"];
const V129: &[&str] = &["--kubernetes-version", "1.29"];
const V134: &[&str] = &["--kubernetes-version", "1.34"];
const KUBELET_RULES: &[&str] = &["RA501", "RA502", "RA503", "RA504", "RA505"];
const CRICTL_RULES: &[&str] = &["RA701", "RA702", "RA703"];
const INPUT_RULES: &[&str] = &["RA001", "RA002", "RA003"];
const NODE_RULES: &[&str] = &["RA601", "RA602", "RA603"];

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- kubelet-flags
    Case { file: "kubelet-flags/kind__etc-default-kubelet", args: V129, with: &[], fail: &[],
        clean: KUBELET_RULES, why: "none known" },
    Case { file: "kubelet-flags/thomas-yanght-k8s-ha-autoinstall__kubeadm-flags.env", args: V124, with: &[],
        fail: &["RA501"], clean: &["RA502", "RA503"],
        why: "--network-plugin removed in 1.24 (RA501); pause:3.1 on k8s.gcr.io is the sandbox rules' (RA302/RA303)" },
    Case { file: "kubelet-flags/thomas-yanght-k8s-ha-autoinstall__kubeadm-flags.env", args: V123, with: &[],
        fail: &["RA501", "RA502", "RA503"], clean: &[],
        why: "on 1.23: no --container-runtime=remote and no endpoint: dockershim stays (RA502, RA503); --network-plugin meaningless (RA501 warning)" },
    Case { file: "kubelet-flags/bupd-k8stemps__kubeadm-flags.env", args: V129, with: &[], fail: &[],
        clean: KUBELET_RULES,
        why: "empty --node-labels= and single quotes inside double quotes parse; --pod-infra-container-image is RA302's" },
    Case { file: "kubelet-flags/calvinxu-go-web-hello-world__kubeadm-flags.env", args: V124, with: &[],
        fail: &["RA501"], clean: &["RA503"], why: "--network-plugin removed in 1.24" },
    Case { file: "kubelet-flags/calvinxu-go-web-hello-world__kubeadm-flags.env", args: V123, with: &[],
        fail: &["RA501", "RA502", "RA503"], clean: &[], why: "no endpoint on 1.23: dockershim implied" },
    Case { file: "kubelet-flags/cecep-91-upgrade_kubernetes__kubeadm-flags.env", args: V129, with: &[],
        fail: &["RA503", "RA507"], clean: &["RA501", "RA502", "RA504"],
        why: "cri-dockerd endpoint (RA503), repeated 4 times (RA507 counts them); the unknown --resolv flag has no rule" },
    Case { file: "kubelet-flags/markkuleppala-disco__kubeadm-flags.env", args: V123, with: &[],
        fail: &["RA502", "RA503"], clean: &["RA501"], why: "no runtime endpoint: dockershim before 1.24" },
    Case { file: "kubelet-flags/markkuleppala-disco__kubeadm-flags.env", args: V124, with: &[],
        fail: &[], clean: KUBELET_RULES, why: "no runtime endpoint: containerd's default from 1.24" },
    Case { file: "kubelet-flags/markkuleppala-disco__kubeadm-flags.env", args: V126, with: &[],
        fail: &["RA505"], clean: &["RA503"], why: "no runtime endpoint: kubelet 1.26 has no default" },
    Case { file: "kubelet-flags/cy-gu-kubernetes_install_tutorial__kubeadm-flags.env", args: V123, with: &[],
        fail: &["RA502", "RA503"], clean: &["RA501"],
        why: "no endpoint on 1.23; --cgroup-driver=cgroupfs is RA201's, pause:3.1 RA302's; trailing spaces parse" },
    Case { file: "kubelet-flags/salpadding-k8s-smooth-way-5fca69f__kubeadm-flags.env", args: V129, with: &[],
        fail: &[], clean: KUBELET_RULES, why: "CRI-O node; --v=8 has no rule" },
    Case { file: "kubelet-flags/salpadding-k8s-smooth-way-aa81215__kubeadm-flags.env", args: V129,
        with: &[(CONTAINERD, "version = 2\n")], fail: &[], clean: &["RA501", "RA502", "RA503", "RA504", "RA505", "RA506"],
        why: "none known: /var/run/containerd/containerd.sock is containerd's default socket" },
    Case { file: "kubelet-flags/coderdba-k8s-multinode-vm-as-pods-1__kubeadm-flags.env", args: V123, with: &[],
        fail: &["RA502", "RA503"], clean: &["RA501"],
        why: "no runtime endpoint (dockershim implied); --enforce-node-allocatable='' parses to an empty value" },
    Case { file: "kubelet-flags/s-urbaniak-k8s-hetzner-TEMPLATEVAR__etc-default-kubelet", args: V124, with: &[],
        fail: &["RA501", "RA501", "RA501"], clean: &[],
        why: "--network-plugin, --cni-conf-dir, --cni-bin-dir removed in 1.24; ${node_labels} stays literal" },
    Case { file: "kubelet-flags/hqzhang-myomgandroid__etc-default-kubelet", args: V129, with: &[],
        fail: &[], clean: KUBELET_RULES,
        why: "KUBELET_OPTS is not read by kubeadm's drop-in: its flags never reach the kubelet (inspect notes it)" },
    // ---- kubelet-config
    Case { file: "kubelet-config/joneconsulting-k8s__config.yaml", args: V129, with: &[], fail: &[],
        clean: INPUT_RULES, why: "cgroupDriver: cgroupfs is RA201's" },
    Case { file: "kubelet-config/salpadding-k8s-smooth-way__config.yaml", args: V129, with: &[], fail: &[],
        clean: INPUT_RULES, why: "placeholder clusterDNS and webhook settings have no rule" },
    Case { file: "kubelet-config/sk8s-co-kubelet__config.yaml", args: V129, with: &[], fail: &[],
        clean: &["RA002", "RA003", "RA503", "RA504", "RA505"], why: "containerRuntimeEndpoint field, fine on 1.27+" },
    Case { file: "kubelet-config/sk8s-co-kubelet__config.yaml", args: V126, with: &[], fail: &["RA505"],
        clean: INPUT_RULES, why: "the same field on 1.26 is ignored" },
    Case { file: "kubelet-config/coderdba-k8s-multinode-vm-as-pods-1__config.yaml", args: V129, with: &[], fail: &[],
        clean: INPUT_RULES,
        why: "kubeconfig fields unknown to KubeletConfiguration: a strict decoding error, after which the kubelet decodes leniently with a warning (kubelet codec)" },
    Case { file: "kubelet-config/huisebug-k8s1.12-Ecosphere__config.yaml", args: V129, with: &[], fail: &[],
        clean: INPUT_RULES, why: "readOnlyPort and hairpinMode have no rule" },
    Case { file: "kubelet-config/kubernetes-kubeadm-testdata__kubelet-instance-config.yaml", args: V134,
        with: &[(CONTAINERD, "version = 2\n"), (FLAGS, "KUBELET_KUBEADM_ARGS=\"\"\n")],
        fail: &["RA602"], clean: INPUT_RULES,
        why: "instance-config.yaml with the dummy socket unix:///foo/bar, which kubeadm 1.34 reads: not containerd's" },
    // ---- crictl
    Case { file: "crictl/kind-e156880__crictl.yaml", args: &[], with: &[], fail: &[], clean: CRICTL_RULES,
        why: "none known (no image-endpoint: the runtime endpoint is used)" },
    Case { file: "crictl/kind-crio-c837a33__crictl.yaml", args: &[], with: &[], fail: &[], clean: CRICTL_RULES,
        why: "none known (CRI-O node, no containerd config to compare with)" },
    Case { file: "crictl/cri-o__crictl.yaml", args: &[], with: &[], fail: &[], clean: CRICTL_RULES,
        why: "timeout: 0 keeps crictl's 2s default (not \"no timeout\")" },
    Case { file: "crictl/developeer-install-k8s-without-docker__crictl.yaml", args: &[], with: &[], fail: &[],
        clean: CRICTL_RULES, why: "none known" },
    Case { file: "crictl/sandervanvugt-cka__crictl.yaml", args: &[], with: &[(CONTAINERD, "version = 2\n")],
        fail: &[], clean: CRICTL_RULES, why: "debug: true has no rule; /var/run is /run" },
    Case { file: "crictl/minikube-ci-examples__crictl.yaml", args: &[], with: &[], fail: &["RA702", "RA702"],
        clean: &["RA701", "RA703"], why: "both endpoints on cri-dockerd" },
    Case { file: "crictl/kvaster-k8s-test-guide__crictl.yaml", args: &[], with: &[(CONTAINERD, "version = 2\n")],
        fail: &[], clean: CRICTL_RULES, why: "none known" },
    Case { file: "crictl/thomasfricke-kubernetes-alpine__crictl.yaml", args: &[], with: &[], fail: &[],
        clean: CRICTL_RULES, why: "none known (commented debug)" },
    Case { file: "crictl/scalaone-cleanup-docker__crictl.yaml", args: &[], with: &[], fail: &[],
        clean: CRICTL_RULES, why: "none known (quoted endpoint, no trailing newline)" },
    Case { file: "crictl/thorrgal-kub_conf__crictl.yaml", args: &[], with: &[], fail: &[], clean: CRICTL_RULES,
        why: "timeout: 0" },
    Case { file: "crictl/cri-tools-docs-crictl-md-dockershim__crictl.yaml", args: &[], with: &[],
        fail: &["RA702", "RA702"], clean: &["RA701", "RA703"], why: "both endpoints on dockershim" },
    // ---- docker-daemon
    Case { file: "docker-daemon/eliu-kubeadm-vagrant__daemon.json", args: &[], with: &[], fail: &[],
        clean: INPUT_RULES, why: "schemeless registry-mirrors are the registry rules' (RA407)" },
    Case { file: "docker-daemon/damiansilbergleithcunniff-k8s-config__daemon.json", args: &[], with: &[],
        fail: &["RA002"], clean: &[], why: "invalid JSON: missing comma after \"fixed-cidr\"" },
    Case { file: "docker-daemon/guslgogo20-proworks-k8s-resources__daemon.json", args: &[], with: &[], fail: &[],
        clean: INPUT_RULES, why: "insecure registry to carry over is RA407's" },
    Case { file: "docker-daemon/13567436138-kubernetes-yamls__daemon.json", args: &[], with: &[], fail: &[],
        clean: INPUT_RULES, why: "registry mirror to carry over is RA407's" },
    Case { file: "docker-daemon/akaronte-kube-cluster-playbooks__daemon.json", args: &[], with: &[], fail: &[],
        clean: INPUT_RULES, why: "systemd driver (RA204's); storage-opts has no rule" },
    Case { file: "docker-daemon/bigboatcap-k8s-workdrafts__daemon.json", args: &[], with: &[], fail: &["RA002"],
        clean: &[], why: "invalid JSON: two concatenated objects" },
    Case { file: "docker-daemon/htchien-harbor_study__daemon.json", args: &[], with: &[], fail: &[],
        clean: INPUT_RULES, why: "insecure registry is RA407's; tabs parse" },
    Case { file: "docker-daemon/alexandryurlov-1989-playbooks__daemon.json", args: &[], with: &[], fail: &[],
        clean: INPUT_RULES, why: "leading whitespace parses; log options are WL-003's" },
    // ---- node
    Case { file: "node/k9s-render-testdata__no.json", args: &[], with: &[], fail: &["RA602", "RA603"],
        clean: &["RA601"], why: "cri-socket /var/run/dockershim.sock: Docker-era and schemeless (kubelet v1.15.2 from the Node)" },
    Case { file: "node/popeye-lint-testdata-core-node__1.yaml", args: &[], with: &[], fail: &[], clean: NODE_RULES,
        why: "five nodes and no --node-name: the input is invalid and the Node rules inconclusive" },
    Case { file: "node/popeye-lint-testdata-core-node__1.yaml", args: &["--node-name", "n1"],
        with: &[(FLAGS, "KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n")],
        fail: &["RA601"], clean: &["RA602", "RA603"], why: "n1 (kubeadm-flags.env present) lacks the cri-socket annotation" },
    Case { file: "node/popeye-lint-testdata-core-node__1.yaml", args: &["--node-name", "n2"], with: &[],
        fail: &[], clean: NODE_RULES, why: "n2 has unix:///run/containerd/containerd.sock" },
    Case { file: "node/popeye-lint-testdata-core-node__1.yaml", args: &["--node-name", "n4"], with: &[],
        fail: &[], clean: NODE_RULES, why: "n3-n5 have empty nodeInfo" },
    Case { file: "node/troubleshoot-analyze-files__nodes.json", args: &[], with: &[], fail: &[], clean: NODE_RULES,
        why: "bare array, microk8s: not a kubeadm node" },
    Case { file: "node/troubleshoot-real-bundle-k3s__nodes.json", args: &[], with: &[], fail: &[],
        clean: NODE_RULES, why: "k3s NodeList: not a kubeadm node" },
    Case { file: "node/kubview-testdata__node.json", args: &["--node-name", "ip-192-168-4-135.eu-central-1.compute.internal"],
        with: &[], fail: &[], clean: NODE_RULES, why: "EKS nodes (docker://18.9.9): not kubeadm" },
];

/// Where the node keeps a corpus file, or None for a Node object (passed as --node-file).
fn host_path(file: &str) -> Option<&'static str> {
    let (kind, name) = file.split_once('/')?;
    match kind {
        "kubelet-flags" if name.ends_with("kubeadm-flags.env") => Some(FLAGS),
        "kubelet-flags" => Some("/etc/default/kubelet"),
        "kubelet-config" if name.ends_with("instance-config.yaml") => {
            Some("/var/lib/kubelet/instance-config.yaml")
        }
        "kubelet-config" => Some("/var/lib/kubelet/config.yaml"),
        "crictl" => Some("/etc/crictl.yaml"),
        "docker-daemon" => Some("/etc/docker/daemon.json"),
        _ => None,
    }
}

fn write(root: &Path, host: &str, bytes: &[u8]) {
    let p = root.join(host.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// A temporary root holding the corpus file (and the case's companions), and the args.
fn prepare(corpus: &Path, case: &Case) -> (tempfile::TempDir, Vec<String>) {
    let root = tempfile::tempdir().unwrap();
    let source = corpus.join(case.file);
    let bytes = std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let mut args: Vec<String> = case
        .args
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    match host_path(case.file) {
        Some(host) => write(root.path(), host, &bytes),
        None => {
            args.push("--node-file".into());
            args.push(source.display().to_string());
        }
    }
    for (host, text) in case.with {
        write(root.path(), host, text.as_bytes());
    }
    (root, args)
}

fn corpus_files(corpus: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for kind in KINDS {
        for entry in std::fs::read_dir(corpus.join(kind)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            out.insert(format!("{kind}/{name}"));
        }
    }
    out
}

#[test]
fn every_corpus_file_is_in_the_table() {
    let Some(corpus) = corpus() else { return };
    let files = corpus_files(&corpus);
    let listed: BTreeSet<String> = CASES.iter().map(|c| c.file.to_owned()).collect();
    let missing: Vec<&String> = files.difference(&listed).collect();
    let unknown: Vec<&String> = listed.difference(&files).collect();
    assert!(
        missing.is_empty(),
        "corpus files with no entry in CASES: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "CASES names files the corpus lacks: {unknown:?}"
    );
}

#[test]
fn corpus_files_audit_and_their_known_problems_are_found() {
    let Some(corpus) = corpus() else { return };
    let mut failures = Vec::new();
    for case in CASES {
        let (root, args) = prepare(&corpus, case);
        let label = format!("{} {:?}", case.file, case.args);
        let report = match run_json(root.path(), &args, &[]) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{label}: {e}"));
                continue;
            }
        };
        let mut found: BTreeMap<String, usize> = BTreeMap::new();
        for f in report["findings"].as_array().into_iter().flatten() {
            *found
                .entry(f["rule"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
        let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
        for r in case.fail {
            *wanted.entry(r).or_default() += 1;
        }
        for (rule, n) in &wanted {
            let got = found.get(*rule).copied().unwrap_or(0);
            if got < *n {
                failures.push(format!(
                    "{label}: expected {n} {rule} finding(s) ({}), got {got}; findings: {found:?}",
                    case.why
                ));
            }
        }
        for rule in case.clean {
            if found.contains_key(*rule) {
                failures.push(format!(
                    "{label}: {rule} must not fail ({}); findings: {found:?}",
                    case.why
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The effective view of a corpus file, as `inspect --format json` prints it.
fn inspect(corpus: &Path, file: &'static str, args: &'static [&'static str]) -> serde_json::Value {
    let case = Case {
        file,
        args,
        with: &[],
        fail: &[],
        clean: &[],
        why: "",
    };
    let (root, args) = prepare(corpus, &case);
    let out = bin()
        .current_dir(root.path())
        .args(["inspect", "--root", ".", "--format", "json"])
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Rows with `key` in the section at `path` (section ids).
fn rows(view: &serde_json::Value, path: &[&str], key: &str) -> Vec<serde_json::Value> {
    let mut sections = view["sections"].as_array().cloned().unwrap_or_default();
    let mut section = None;
    for id in path {
        section = sections.iter().find(|s| s["id"] == *id).cloned();
        sections = section
            .as_ref()
            .and_then(|s| s["sections"].as_array().cloned())
            .unwrap_or_default();
    }
    let Some(section) = section else {
        return Vec::new();
    };
    section["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["key"] == key)
        .cloned()
        .collect()
}

#[test]
fn quoting_in_real_files_is_read_as_systemd_reads_it() {
    let Some(corpus) = corpus() else { return };
    let view = inspect(
        &corpus,
        "kubelet-flags/bupd-k8stemps__kubeadm-flags.env",
        V129,
    );
    let dir = rows(
        &view,
        &["kubelet", "flags"],
        "--image-credential-provider-bin-dir",
    );
    assert_eq!(
        dir[0]["value"], "/etc/kubernetes/credential-providers",
        "{view:#}"
    );
    assert_eq!(
        rows(&view, &["kubelet", "flags"], "--node-labels")[0]["value"],
        ""
    );

    let view = inspect(
        &corpus,
        "kubelet-flags/coderdba-k8s-multinode-vm-as-pods-1__kubeadm-flags.env",
        V129,
    );
    assert_eq!(
        rows(&view, &["kubelet", "flags"], "--enforce-node-allocatable")[0]["value"],
        ""
    );

    let view = inspect(
        &corpus,
        "kubelet-flags/cy-gu-kubernetes_install_tutorial__kubeadm-flags.env",
        V129,
    );
    let resolv = rows(&view, &["kubelet", "flags"], "--resolv-conf");
    assert_eq!(resolv[0]["value"], "/run/systemd/resolve/resolv.conf");
    let driver = rows(&view, &["kubelet", "effective"], "cgroupDriver");
    assert_eq!(driver[0]["value"], "cgroupfs");
    assert!(
        driver[0]["origin"]
            .as_str()
            .unwrap()
            .contains("kubeadm-flags.env:1:"),
        "{driver:?}"
    );

    let view = inspect(
        &corpus,
        "kubelet-flags/s-urbaniak-k8s-hetzner-TEMPLATEVAR__etc-default-kubelet",
        V129,
    );
    assert_eq!(
        rows(&view, &["kubelet", "flags"], "--node-labels")[0]["value"],
        "${node_labels}"
    );

    let view = inspect(
        &corpus,
        "kubelet-flags/hqzhang-myomgandroid__etc-default-kubelet",
        V129,
    );
    let notes = rows(&view, &["kubelet", "command-line"], "note");
    assert!(
        notes
            .iter()
            .any(|n| n["value"].as_str().unwrap_or("").contains("KUBELET_OPTS")),
        "{notes:?}"
    );
    assert!(rows(&view, &["kubelet", "flags"], "--api-servers").is_empty());

    let view = inspect(
        &corpus,
        "kubelet-flags/cecep-91-upgrade_kubernetes__kubeadm-flags.env",
        V129,
    );
    assert_eq!(
        rows(&view, &["kubelet", "flags"], "--container-runtime-endpoint").len(),
        4
    );
}

#[test]
fn docker_and_node_values_are_read() {
    let Some(corpus) = corpus() else { return };
    let view = inspect(
        &corpus,
        "docker-daemon/akaronte-kube-cluster-playbooks__daemon.json",
        &[],
    );
    assert_eq!(
        rows(&view, &["docker"], "cgroup driver")[0]["value"],
        "systemd"
    );
    assert_eq!(
        rows(&view, &["docker"], "log-opts.max-size")[0]["value"],
        "100m"
    );

    let view = inspect(
        &corpus,
        "node/troubleshoot-real-bundle-k3s__nodes.json",
        &[],
    );
    assert_eq!(
        rows(&view, &["node"], "containerRuntimeVersion")[0]["value"],
        "containerd://2.0.5-k3s2"
    );
    assert_eq!(rows(&view, &["versions"], "kubelet")[0]["value"], "1.33.4");

    let view = inspect(&corpus, "node/popeye-lint-testdata-core-node__1.yaml", &[]);
    let state = rows(&view, &["node"], "state");
    let why = state[0]["origin"].as_str().unwrap_or("");
    assert!(
        why.contains("n1, n2") && why.contains("--node-name"),
        "{why}"
    );
}

#[test]
fn invalid_daemon_json_points_at_line_and_column() {
    let Some(corpus) = corpus() else { return };
    for (file, line) in [
        // "Expected comma" at the end of the "fixed-cidr" line.
        (
            "docker-daemon/damiansilbergleithcunniff-k8s-config__daemon.json",
            3,
        ),
        // The second top-level object.
        ("docker-daemon/bigboatcap-k8s-workdrafts__daemon.json", 4),
    ] {
        let case = Case {
            file,
            args: &[],
            with: &[],
            fail: &[],
            clean: &[],
            why: "",
        };
        let (root, args) = prepare(&corpus, &case);
        let report = run_json(root.path(), &args, &[]).unwrap();
        let f = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["rule"] == "RA002")
            .unwrap_or_else(|| panic!("{file}: no RA002"));
        assert_eq!(f["location"]["file"], "/etc/docker/daemon.json");
        assert_eq!(f["location"]["line"], line, "{file}: {f:#}");
        assert!(
            f["location"]["column"].as_u64().is_some_and(|c| c >= 1),
            "{f:#}"
        );
    }
}

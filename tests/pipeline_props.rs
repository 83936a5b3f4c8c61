//! Property test over the whole pipeline in-process: node files assembled from fragments that
//! matter to containerd and the kubelet (and from noise) go through collection, every rule and
//! every renderer without a panic, and every reported position lies inside its file.

mod common;

use std::fs;

use proptest::prelude::*;
use runtime_audit::collect::{CollectOptions, collect};
use runtime_audit::engine::{self, Policy};
use runtime_audit::report::{self, Report};
use runtime_audit::vocabulary::Severity;

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("version = 2\n".to_string()),
        Just("version = 3\n".to_string()),
        Just("version = \"2\"\n".to_string()),
        (-3i64..6).prop_map(|v| format!("version = {v}\n")),
        Just("disabled_plugins = [\"cri\"]\n".to_string()),
        Just("required_plugins = [\"io.containerd.grpc.v1.cri\"]\n".to_string()),
        Just("imports = [\"/etc/containerd/conf.d/*.toml\", \"x.toml\"]\n".to_string()),
        Just("[plugins.cri]\nsandbox_image = \"k8s.gcr.io/pause:3.1\"\nsystemd_cgroup = true\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\"]\nsandbox_image = 1\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"nvidia\"\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nSystemdCgroup = true\nruntime_engine = \"x\"\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\nSystemdCgroup = \"true\"\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/etc/containerd/certs.d:/etc/docker/certs.d\"\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\nendpoint = [\"http://127.0.0.1:5000\", 7]\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"h:5000\".auth]\npassword = \"s3cret\"\n".to_string()),
        Just("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\nSystemdCgroup = true\n".to_string()),
        Just("[plugins.'io.containerd.cri.v1.images'.pinned_images]\nsandbox = 'registry.k8s.io/pause:3.10'\n".to_string()),
        Just("[grpc]\naddress = \"/run/dockershim.sock\"\n".to_string()),
        Just("[[plugins]]\n".to_string()),
        "[a-z_.\"\\[\\]= 0-9\n]{0,40}".prop_map(|s| s),
    ]
}

fn flags() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("--cgroup-driver=cgroupfs"),
            Just("--cgroup-driver=systemd"),
            Just("--network-plugin=cni"),
            Just("--container-runtime=remote"),
            Just("--container-runtime-endpoint=/var/run/dockershim.sock"),
            Just("--container-runtime-endpoint=unix:///run/containerd/containerd.sock"),
            Just("--pod-infra-container-image=k8s.gcr.io/pause:3.6"),
            Just("--config"),
            Just("'\"${x}\\"),
        ],
        0..6,
    )
    .prop_map(|f| format!("KUBELET_KUBEADM_ARGS=\"{}\"\n", f.join(" ")))
}

fn kubelet_yaml() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("kind: KubeletConfiguration\ncgroupDriver: systemd\n".to_string()),
        Just("cgroupDriver: [1, 2]\ncontainerRuntimeEndpoint: 5\n".to_string()),
        Just("featureGates:\n  KubeletCgroupDriverFromCRI: false\n".to_string()),
        "[a-zA-Z: \n-]{0,60}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases(96)))]

    #[test]
    fn any_node_audits_without_panicking(
        config in prop::collection::vec(fragment(), 0..8),
        flags in flags(),
        kubelet in kubelet_yaml(),
        kubernetes in prop_oneof![Just(None), Just(Some("1.23")), Just(Some("1.29")), Just(Some("1.36"))],
        containerd in prop_oneof![Just(None), Just(Some("1.6.20")), Just(Some("1.7.2")), Just(Some("2.2.1"))],
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("etc/containerd/conf.d")).expect("mkdir");
        fs::create_dir_all(root.join("var/lib/kubelet")).expect("mkdir");
        fs::write(root.join("etc/containerd/config.toml"), config.concat()).expect("write");
        fs::write(root.join("etc/containerd/conf.d/a.toml"), config.iter().rev().cloned().collect::<String>()).expect("write");
        fs::write(root.join("var/lib/kubelet/kubeadm-flags.env"), flags).expect("write");
        fs::write(root.join("var/lib/kubelet/config.yaml"), kubelet).expect("write");

        let opts = CollectOptions {
            root: root.to_path_buf(),
            kubernetes_version: kubernetes.map(str::to_owned),
            containerd_version: containerd.map(str::to_owned),
            ..CollectOptions::default()
        };
        let snapshot = collect(&opts).expect("the root exists");
        let rules = runtime_audit::rules::all();
        let evaluation = engine::evaluate(&snapshot, &rules, &Policy::default());
        let report = Report::new(&snapshot, evaluation, Some(Severity::Error));
        for f in &report.findings {
            if let engine::Location::Span(span) = &f.location {
                let file = report.sources.get(span.file);
                prop_assert!(span.end as usize <= file.text().len(), "{} points past the end of {}", f.rule.id, file.host_path);
            }
        }
        let json = report::json::render(&report);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
        prop_assert!(!json.contains("s3cret"), "a secret leaked into the JSON report");
        let human = report::human::render(&report);
        prop_assert!(!human.contains("s3cret"), "a secret leaked into the human report");
        let sarif = report::sarif::render(&report);
        prop_assert!(!sarif.contains("s3cret"), "a secret leaked into the SARIF report");
    }
}

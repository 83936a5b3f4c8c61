//! Property test of `runtime-audit fix --write` on nodes assembled from fragments that matter
//! to the fixes (and from noise): it never fails to run, never leaves a file that does not
//! parse, never writes outside the node's root (not even through a symbolic link), and a
//! second run proposes nothing.

mod common;

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;

fn containerd_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("version = 2\n".to_string()),
        Just("version = 3\n".to_string()),
        Just("disabled_plugins = [\"cri\"]\n".to_string()),
        Just("disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"aufs\"]\n".to_string()),
        Just("required_plugins = [\"cri\"]\n".to_string()),
        Just("[plugins.cri]\nsystemd_cgroup = true\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\"]\nsystemd_cgroup = true\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"nvidia\"\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"\"\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\nSystemdCgroup = true\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\nruntime_type = \"io.containerd.runc.v2\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\nSystemdCgroup = true\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\nSystemdCgroup = false # keep\n".to_string()),
        Just("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\nSystemdCgroup = false\n".to_string()),
        Just("[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"h:5000\".auth]\npassword = \"s3cret\"\n".to_string()),
        Just("# a comment\n\n".to_string()),
        "[a-z_.\"\\[\\]= 0-9\n]{0,30}".prop_map(|s| s),
    ]
}

fn flags_file() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("--network-plugin=cni"),
            Just("--network-plugin cni"),
            Just("--cni-bin-dir=/opt/cni/bin"),
            Just("--cni-conf-dir=/etc/kubernetes/cni"),
            Just("--cgroup-driver=systemd"),
            Just("--cgroup-driver=cgroupfs"),
            Just("--container-runtime=remote"),
            Just("--pod-infra-container-image=k8s.gcr.io/pause:3.6"),
        ],
        0..5,
    )
    .prop_map(|words| format!("KUBELET_KUBEADM_ARGS=\"{}\"\n", words.join(" ")))
}

fn crictl_file() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("runtime-endpoint: unix:///var/run/dockershim.sock\nimage-endpoint: unix:///var/run/dockershim.sock\ntimeout: 2 # s\n".to_string())),
        Just(Some("timeout: 10\n".to_string())),
        Just(Some("runtime-endpoint: unix:///run/containerd/containerd.sock\n".to_string())),
        Just(Some("runtime-endpoint: [\n".to_string())),
    ]
}

fn run_fix(root: &Path, write: bool) -> (Option<i32>, Value) {
    let mut cmd = common::bin();
    cmd.current_dir(root).args([
        "fix",
        "--root",
        ".",
        "--format",
        "json",
        "--containerd-version",
        "1.7.24",
        "--kubernetes-version",
        "1.29",
    ]);
    if write {
        cmd.arg("--write");
    }
    let out = cmd.output().expect("run fix");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), doc)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::proptest_cases(40)))]

    #[test]
    fn fix_write_is_safe_and_idempotent(
        config in prop::collection::vec(containerd_fragment(), 0..6),
        flags in flags_file(),
        crictl in crictl_file(),
        crictl_is_a_link in any::<bool>(),
    ) {
        let work = tempfile::tempdir().expect("tempdir");
        let root = work.path().join("node");
        let outside = work.path().join("outside");
        fs::create_dir_all(root.join("etc/containerd")).expect("mkdir");
        fs::create_dir_all(root.join("var/lib/kubelet")).expect("mkdir");
        fs::create_dir_all(&outside).expect("mkdir");
        fs::write(root.join("etc/containerd/config.toml"), config.concat()).expect("write");
        fs::write(root.join("var/lib/kubelet/kubeadm-flags.env"), &flags).expect("write");
        let outside_crictl = "runtime-endpoint: unix:///var/run/dockershim.sock\n";
        fs::write(outside.join("crictl.yaml"), outside_crictl).expect("write");
        if crictl_is_a_link {
            std::os::unix::fs::symlink("../../outside/crictl.yaml", root.join("etc/crictl.yaml"))
                .expect("symlink");
        } else if let Some(text) = &crictl {
            fs::write(root.join("etc/crictl.yaml"), text).expect("write");
        }

        let (code, doc) = run_fix(&root, true);
        prop_assert!(matches!(code, Some(0 | 1)), "fix --write exit {code:?}: {doc}");
        // Nothing outside the root, not through the link either.
        prop_assert_eq!(
            fs::read_to_string(outside.join("crictl.yaml")).expect("read"),
            outside_crictl
        );
        prop_assert!(!outside.join("crictl.yaml.runtime-audit.bak").exists());
        // Every file written still parses: the audit after has no syntax error on it.
        let written: Vec<&str> = doc["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["written"] == true)
            .filter_map(|f| f["path"].as_str())
            .collect();
        for f in doc["after"]["findings"].as_array().into_iter().flatten() {
            let file = f["location"]["file"].as_str().unwrap_or_default();
            prop_assert!(
                !(f["rule"] == "RA002" && written.contains(&file)),
                "the fix left {file} unparsable: {f}"
            );
        }
        // Idempotent.
        let (_, again) = run_fix(&root, false);
        prop_assert!(
            again["files"].as_array().is_some_and(Vec::is_empty),
            "a second fix proposes {}",
            again["files"]
        );
    }
}

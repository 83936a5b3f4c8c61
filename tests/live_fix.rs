//! `runtime-audit fix` against the real containerd: a legacy registry mirror, fixed into
//! config_path and a hosts.toml, is what containerd's resolver then follows. `ctr images pull
//! --hosts-dir` on the fixed directory asks the mirror first and the registry after it, both
//! registry doubles on loopback that record what they are asked.

mod common;
mod daemons;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use daemons::LiveNode;

/// Request lines in the order they reached the doubles: (which double, request line).
type Log = Arc<Mutex<Vec<(&'static str, String)>>>;

/// A registry double on loopback that answers 404 to every request and logs its line.
fn registry_double(name: &'static str, log: &Log) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("addr").to_string();
    let log = Arc::clone(log);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = Vec::new();
            let mut byte = [0u8; 1];
            while !buf.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                buf.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&buf);
            let line = text.lines().next().unwrap_or_default().to_owned();
            log.lock().expect("log").push((name, line));
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    addr
}

#[test]
fn a_fixed_legacy_mirror_resolves_through_its_hosts_toml() {
    daemons::require_root_and(&["containerd", "ctr"]);
    let log: Log = Arc::default();
    let registry = registry_double("registry", &log);
    let mirror = registry_double("mirror", &log);
    let mut node = LiveNode::new();
    node.write_config(&format!(
        "version = 2\n\
         [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"{registry}\"]\n  \
         endpoint = [\"http://{mirror}\"]\n{}",
        node.confinement(false)
    ));

    let out = common::bin()
        .args(["fix", "--write", "--format", "json", "--root"])
        .arg(node.root())
        .args([
            "--containerd-version",
            "1.6.20",
            "--select",
            "RA401,RA402,RA403",
        ])
        .output()
        .expect("run fix");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("fix JSON");
    let hosts_dir = node.root().join("etc/containerd/certs.d");
    let hosts = std::fs::read_to_string(hosts_dir.join(&registry).join("hosts.toml"))
        .unwrap_or_else(|e| panic!("no hosts.toml for {registry} ({e}): {doc:#}"));
    assert_eq!(
        hosts,
        format!(
            "server = \"http://{registry}\"\n\n[host.\"http://{mirror}\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
        )
    );
    let config = std::fs::read_to_string(node.config_path()).expect("config.toml");
    assert!(!config.contains("mirrors"), "{config}");
    assert!(
        config.contains("config_path = \"/etc/containerd/certs.d\""),
        "{config}"
    );

    // containerd takes the fixed config, CRI included.
    node.start_containerd(true);
    let pulled = std::process::Command::new("ctr")
        .arg("--address")
        .arg(node.containerd_socket())
        .args(["images", "pull", "--hosts-dir"])
        .arg(&hosts_dir)
        .arg(format!("{registry}/ra/probe:1"))
        .output()
        .expect("run ctr");
    assert!(!pulled.status.success(), "the doubles have no image");
    let log = log.lock().expect("log").clone();
    eprintln!("registry doubles saw: {log:?}");
    let manifest = "/v2/ra/probe/manifests/1";
    let first = log
        .iter()
        .position(|(_, line)| line.contains(manifest))
        .unwrap_or_else(|| {
            panic!(
                "no request reached a double: {log:?}\n{}",
                String::from_utf8_lossy(&pulled.stderr)
            )
        });
    assert_eq!(log[first].0, "mirror", "the mirror is asked first: {log:?}");
    assert!(
        log[first]
            .1
            .contains(&format!("ns={}", registry.replace(':', "%3A")))
            || log[first].1.contains(&format!("ns={registry}")),
        "the mirror is told which registry it stands for: {log:?}"
    );
    assert!(
        log[first..]
            .iter()
            .any(|(who, line)| *who == "registry" && line.contains(manifest)),
        "then the registry itself: {log:?}"
    );
}

//! Docker's daemon.json: the settings to carry over to containerd.

use crate::model::NodeSnapshot;

use super::kubelet::not_read;
use super::view::{Section, at};

pub(crate) fn section(snap: &NodeSnapshot) -> Section {
    let mut s = Section::new("docker", "Docker (/etc/docker/daemon.json)");
    let Some(d) = snap.docker.present() else {
        not_read(&mut s, &snap.docker);
        return s;
    };
    let sources = &snap.sources;
    match &d.cgroup_driver {
        Some(v) => s.row("cgroup driver", &v.value, at(sources, v.span)),
        None => s.row(
            "cgroup driver",
            serde_json::Value::Null,
            "no native.cgroupdriver: cgroupfs on cgroup v1 hosts, systemd on cgroup v2",
        ),
    }
    let lists = [
        ("exec-opts", &d.exec_opts),
        ("insecure-registries", &d.insecure_registries),
        ("registry-mirrors", &d.registry_mirrors),
        ("runtimes", &d.runtimes),
    ];
    for (key, items) in lists {
        for v in items {
            s.row(key, &v.value, at(sources, v.span));
        }
    }
    let singles = [
        ("log-driver", &d.log_driver),
        ("default-runtime", &d.default_runtime),
        ("data-root", &d.data_root),
    ];
    for (key, v) in singles {
        if let Some(v) = v {
            s.row(key, &v.value, at(sources, v.span));
        }
    }
    for (name, v) in &d.log_opts {
        s.row(format!("log-opts.{name}"), &v.value, at(sources, v.span));
    }
    if let Some(v) = &d.containerd_snapshotter {
        s.row(
            "features.containerd-snapshotter",
            v.value,
            at(sources, v.span),
        );
    }
    s
}

//! Facts about the host read from its filesystem (under `--root`): the cgroup version.

use crate::collect::fs::HostFs;
use crate::model::live::{CgroupVersion, HostFacts, Probe};

/// cgroup v2 mounts `cgroup.controllers` at `/sys/fs/cgroup`; a hybrid host mounts v1
/// controllers there and v2 at `/sys/fs/cgroup/unified`; a v1 host only controllers.
pub(crate) fn facts(fs: &HostFs) -> HostFacts {
    HostFacts { cgroup: cgroup(fs) }
}

fn cgroup(fs: &HostFs) -> Probe<CgroupVersion> {
    if !fs.is_dir("/sys/fs/cgroup") {
        return Probe::Skipped {
            reason: "no /sys/fs/cgroup under the audited root".into(),
        };
    }
    if fs.metadata("/sys/fs/cgroup/cgroup.controllers").is_ok() {
        return Probe::Ok {
            value: CgroupVersion::V2,
        };
    }
    let has_v1 = ["memory", "cpu", "cpuset", "pids", "devices"]
        .iter()
        .any(|c| fs.is_dir(&format!("/sys/fs/cgroup/{c}")));
    if has_v1
        && fs
            .metadata("/sys/fs/cgroup/unified/cgroup.controllers")
            .is_ok()
    {
        return Probe::Ok {
            value: CgroupVersion::Hybrid,
        };
    }
    if has_v1 {
        return Probe::Ok {
            value: CgroupVersion::V1,
        };
    }
    Probe::Skipped {
        reason: "/sys/fs/cgroup holds neither cgroup v2 (cgroup.controllers) nor v1 controllers"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_v1_hybrid_and_v2_apart() {
        let dir = tempfile::tempdir().unwrap();
        // One HostFs per state, as one per audit: a HostFs keeps to what it saw first.
        let facts_now = || facts(&HostFs::new(dir.path()).unwrap()).cgroup;
        assert!(matches!(facts_now(), Probe::Skipped { .. }));
        let cg = dir.path().join("sys/fs/cgroup");
        std::fs::create_dir_all(cg.join("memory")).unwrap();
        assert_eq!(facts_now().ok(), Some(&CgroupVersion::V1));
        std::fs::create_dir_all(cg.join("unified")).unwrap();
        std::fs::write(cg.join("unified/cgroup.controllers"), "").unwrap();
        assert_eq!(facts_now().ok(), Some(&CgroupVersion::Hybrid));
        std::fs::write(cg.join("cgroup.controllers"), "cpu memory").unwrap();
        assert_eq!(facts_now().ok(), Some(&CgroupVersion::V2));
    }
}

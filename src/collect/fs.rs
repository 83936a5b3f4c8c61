//! Reading the node's files safely under a root directory.
//!
//! Paths are host paths (`/etc/containerd/config.toml`) resolved under `--root`. Symlinks are
//! followed the way the node would follow them, but absolute targets stay inside the root,
//! so a fixture or a mounted host filesystem cannot make the audit read the auditor's own
//! files. Only regular files are opened (never a FIFO or a device, so nothing can hang), and
//! no more than [`MAX_FILE_BYTES`] are read.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// Files larger than this are not read (RA001).
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Symlinks followed while resolving one path before giving up (Linux uses 40 too).
const MAX_SYMLINK_HOPS: usize = 40;

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReadError {
    NotFound,
    Unreadable(String),
}

/// The node's filesystem, seen from `root`.
#[derive(Debug)]
pub(crate) struct HostFs {
    root: PathBuf,
    walked: RefCell<Walked>,
}

/// What earlier walks found. Collectors look up the same directories and names again and
/// again (a unit directory, then its drop-ins; a file's metadata, then the file), and each
/// component costs a `stat`. The audit reads a snapshot, so a walk's result stands for the
/// rest of it.
#[derive(Debug, Default)]
struct Walked {
    /// Real paths (components under the root) of host path prefixes walked before.
    prefixes: HashMap<Vec<String>, Vec<String>>,
    /// Host path prefixes whose walk ended in "not found": so does every path under them.
    missing: HashSet<Vec<String>>,
    /// Whole host paths resolved before, with the metadata of what they name.
    entries: HashMap<Vec<String>, (PathBuf, Metadata)>,
}

impl HostFs {
    /// `root` must be an existing directory.
    pub(crate) fn new(root: &Path) -> Result<HostFs, String> {
        match fs::metadata(root) {
            Ok(m) if m.is_dir() => Ok(HostFs {
                root: root.to_path_buf(),
                walked: RefCell::default(),
            }),
            Ok(_) => Err(format!("{} is not a directory", root.display())),
            Err(e) => Err(format!("{}: {}", root.display(), describe_io(&e))),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The real path of a host path under the root, following symlinks inside the root.
    pub(crate) fn resolve(&self, host_path: &str) -> Result<PathBuf, ReadError> {
        self.resolve_entry(host_path).map(|(real, _)| real)
    }

    /// The real path of a host path and the metadata of what it names.
    fn resolve_entry(&self, host_path: &str) -> Result<(PathBuf, Metadata), ReadError> {
        let original = components(host_path);
        if let Some(known) = self.known(&original) {
            return known;
        }
        let (mut done, mut resolved) = self.walked_prefix(&original);
        let mut pending: VecDeque<String> = original[done..].iter().cloned().collect();
        let mut hops = 0;
        // The walk already `lstat`s every name it keeps; the last one, never a symlink, is
        // the entry itself, so reading it needs no second `stat`.
        let mut last = None;
        while let Some(part) = pending.pop_front() {
            last = match self.step(part, &mut pending, &mut resolved, &mut hops) {
                Ok(last) => last,
                Err(ReadError::NotFound) => {
                    // The component being walked (or a link it led through) is missing.
                    self.walked_so_far()
                        .missing
                        .insert(original[..=done].to_vec());
                    return Err(ReadError::NotFound);
                }
                Err(e) => return Err(e),
            };
            // Once every component a symlink brought in is walked, `resolved` is the real
            // path of the host path's first `done + 1` components.
            if pending.len() + done + 1 == original.len() {
                done += 1;
                if done < original.len() {
                    self.remember(&original[..done], &resolved);
                }
            }
        }
        let real = self.real(&resolved, "");
        let meta = match last {
            Some(meta) => meta,
            // The path ended in `.` or `..`, or is the root itself.
            None => fs::metadata(&real).map_err(|e| not_found_or_unreadable(&e))?,
        };
        let mut walked = self.walked_so_far();
        if meta.is_dir() {
            // Where walks of the names inside it start.
            walked.prefixes.insert(original.clone(), resolved);
        }
        walked
            .entries
            .insert(original, (real.clone(), meta.clone()));
        drop(walked);
        Ok((real, meta))
    }

    /// The result of an earlier walk of this host path, or of one of its prefixes that was
    /// not found.
    fn known(&self, original: &[String]) -> Option<Result<(PathBuf, Metadata), ReadError>> {
        let walked = self.walked_so_far();
        if let Some(entry) = walked.entries.get(original) {
            return Some(Ok(entry.clone()));
        }
        (1..=original.len())
            .any(|n| walked.missing.contains(&original[..n]))
            .then_some(Err(ReadError::NotFound))
    }

    fn walked_so_far(&self) -> std::cell::RefMut<'_, Walked> {
        self.walked.borrow_mut()
    }

    /// Walks one component: `.` and `..`, a symlink (its target's components go first), or a
    /// name that exists, whose metadata it returns.
    fn step(
        &self,
        part: String,
        pending: &mut VecDeque<String>,
        resolved: &mut Vec<String>,
        hops: &mut usize,
    ) -> Result<Option<Metadata>, ReadError> {
        match part.as_str() {
            "." => return Ok(None),
            ".." => {
                resolved.pop();
                return Ok(None);
            }
            _ => {}
        }
        let candidate = self.real(resolved, &part);
        let meta = match fs::symlink_metadata(&candidate) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::NotFound),
            // A non-directory in the middle of the path.
            Err(e) if e.raw_os_error() == Some(20) => return Err(ReadError::NotFound),
            Err(e) => return Err(ReadError::Unreadable(describe_io(&e))),
        };
        if meta.file_type().is_symlink() {
            *hops += 1;
            if *hops > MAX_SYMLINK_HOPS {
                return Err(ReadError::Unreadable(
                    "too many levels of symbolic links (a symlink loop?)".into(),
                ));
            }
            let target =
                fs::read_link(&candidate).map_err(|e| ReadError::Unreadable(describe_io(&e)))?;
            let target = target.to_string_lossy().into_owned();
            if target.starts_with('/') {
                resolved.clear();
            }
            for (i, c) in components(&target).into_iter().enumerate() {
                pending.insert(i, c);
            }
            Ok(None)
        } else {
            resolved.push(part);
            Ok(Some(meta))
        }
    }

    /// The longest prefix of `components` walked before, as (its length, its real path).
    fn walked_prefix(&self, components: &[String]) -> (usize, Vec<String>) {
        let walked = self.walked_so_far();
        (1..components.len())
            .rev()
            .find_map(|n| {
                walked
                    .prefixes
                    .get(&components[..n])
                    .map(|r| (n, r.clone()))
            })
            .unwrap_or_default()
    }

    fn remember(&self, prefix: &[String], real: &[String]) {
        self.walked_so_far()
            .prefixes
            .insert(prefix.to_vec(), real.to_vec());
    }

    fn real(&self, parts: &[String], last: &str) -> PathBuf {
        let mut p = self.root.clone();
        for c in parts {
            p.push(c);
        }
        if !last.is_empty() {
            p.push(last);
        }
        p
    }

    /// Metadata of what a host path resolves to.
    pub(crate) fn metadata(&self, host_path: &str) -> Result<Metadata, ReadError> {
        self.resolve_entry(host_path).map(|(_, meta)| meta)
    }

    pub(crate) fn is_dir(&self, host_path: &str) -> bool {
        self.metadata(host_path).is_ok_and(|m| m.is_dir())
    }

    /// Reads a regular text file of at most [`MAX_FILE_BYTES`].
    pub(crate) fn read_text(&self, host_path: &str) -> Result<String, ReadError> {
        let (real, meta) = self.resolve_entry(host_path)?;
        check_regular(&meta)?;
        open_and_read(&real)
    }

    /// Entry names of a directory, sorted.
    pub(crate) fn read_dir(&self, host_path: &str) -> Result<Vec<String>, ReadError> {
        let real = self.resolve(host_path)?;
        let entries = fs::read_dir(&real).map_err(|e| not_found_or_unreadable(&e))?;
        let mut names: Vec<String> = entries
            .filter_map(std::result::Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Host paths matching a glob (`*`, `?`, `[...]` in any component), sorted per directory
    /// like Go's `filepath.Glob`.
    pub(crate) fn glob(&self, pattern: &str) -> Vec<String> {
        let mut current = vec![String::from("/")];
        for part in components(pattern) {
            let mut next = Vec::new();
            for dir in &current {
                if is_glob(&part) {
                    let Ok(matcher) = globset::GlobBuilder::new(&part)
                        .literal_separator(true)
                        .build()
                        .map(|g| g.compile_matcher())
                    else {
                        continue;
                    };
                    for name in self.read_dir(dir).unwrap_or_default() {
                        if matcher.is_match(&name) {
                            next.push(join_host(dir, &name));
                        }
                    }
                } else {
                    next.push(join_host(dir, &part));
                }
            }
            current = next;
        }
        current
            .into_iter()
            .filter(|p| self.metadata(p).is_ok())
            .collect()
    }
}

/// Reads a local file (not under the root) with the same safety rules, e.g. `--node-file`.
pub(crate) fn read_local_text(path: &Path) -> Result<String, ReadError> {
    let meta = fs::metadata(path).map_err(|e| not_found_or_unreadable(&e))?;
    check_regular(&meta)?;
    open_and_read(path)
}

/// Opens and reads a path whose metadata said it is a regular file. The check comes before
/// the open so that no device is ever opened (opening some has effects).
fn open_and_read(real: &Path) -> Result<String, ReadError> {
    // O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it still
    // returns at once; the handle is checked again below.
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_o_nonblock())
        .open(real)
        .map_err(|e| ReadError::Unreadable(describe_io(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Unreadable(describe_io(&e)))?;
    check_regular(&meta)?;
    read_capped(file, meta.len())
}

/// Reads at most [`MAX_FILE_BYTES`]; `expected` (the size `fstat` gave) sizes the buffer so a
/// file that did not grow is read in one call.
fn read_capped(file: File, expected: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::with_capacity(expected.min(MAX_FILE_BYTES) as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Unreadable(describe_io(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::Unreadable(format!(
            "larger than the {} MiB size cap",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Unreadable(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn check_regular(meta: &Metadata) -> Result<(), ReadError> {
    let ft = meta.file_type();
    let what = if ft.is_file() {
        if meta.len() > MAX_FILE_BYTES {
            return Err(ReadError::Unreadable(format!(
                "larger than the {} MiB size cap ({} bytes)",
                MAX_FILE_BYTES / (1024 * 1024),
                meta.len()
            )));
        }
        return Ok(());
    } else if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(ReadError::Unreadable(format!(
        "is {what}, not a regular file"
    )))
}

/// `O_NONBLOCK` on Linux (all architectures Rust supports there except alpha/mips/sparc,
/// which this tool does not target).
const fn libc_o_nonblock() -> i32 {
    0o4000
}

fn not_found_or_unreadable(e: &io::Error) -> ReadError {
    match e.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Unreadable(describe_io(e)),
    }
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotFound => "not found".into(),
        _ => {
            if e.raw_os_error() == Some(40) {
                "too many levels of symbolic links (a symlink loop?)".into()
            } else {
                e.to_string()
            }
        }
    }
}

fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect()
}

fn is_glob(part: &str) -> bool {
    part.contains(['*', '?', '['])
}

/// Joins a host directory and a name.
pub(crate) fn join_host(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The directory part of a host path (`/etc/containerd` for `/etc/containerd/config.toml`).
pub(crate) fn host_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => path[..i].into(),
        None => "/".into(),
    }
}

/// Normalizes a host path lexically (`/a/./b/../c` → `/a/c`), as Go's `filepath.Clean`.
pub(crate) fn clean_host(path: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for c in components(path) {
        if c == ".." {
            out.pop();
        } else {
            out.push(c);
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/containerd")).unwrap();
        fs::create_dir_all(root.join("opt")).unwrap();
        fs::write(root.join("opt/real.toml"), "version = 2\n").unwrap();
        symlink("/opt/real.toml", root.join("etc/containerd/config.toml")).unwrap();
        let fs = HostFs::new(root).unwrap();
        assert_eq!(
            fs.read_text("/etc/containerd/config.toml").unwrap(),
            "version = 2\n"
        );
        // /etc/hostname of the auditing machine must not leak in through an absolute link.
        symlink("/etc/hostname", root.join("etc/hn")).unwrap();
        assert_eq!(fs.read_text("/etc/hn"), Err(ReadError::NotFound));
        // ".." cannot climb above the root.
        assert_eq!(
            fs.read_text("/../../opt/real.toml").unwrap(),
            "version = 2\n"
        );
    }

    #[test]
    fn metadata_comes_from_the_walk_or_from_the_path_it_ends_at() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/containerd")).unwrap();
        fs::write(root.join("etc/containerd/config.toml"), "version = 2\n").unwrap();
        symlink("containerd/config.toml", root.join("etc/link.toml")).unwrap();
        let fs = HostFs::new(root).unwrap();
        // Ending in a name: the walk's own lstat; through a symlink: its target's.
        assert_eq!(
            fs.metadata("/etc/containerd/config.toml").unwrap().len(),
            12
        );
        assert_eq!(fs.metadata("/etc/link.toml").unwrap().len(), 12);
        assert_eq!(fs.read_text("/etc/link.toml").unwrap(), "version = 2\n");
        // Ending in `.` or `..`, or the root itself: a stat of where the walk ended.
        assert!(fs.is_dir("/"));
        assert!(fs.is_dir("/etc/containerd/."));
        assert!(fs.is_dir("/etc/containerd/config.toml/.."));
        assert!(matches!(
            fs.read_text("/etc/containerd/."),
            Err(ReadError::Unreadable(reason)) if reason.contains("a directory")
        ));
    }

    #[test]
    fn walked_prefixes_resolve_as_a_fresh_walk_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("data/kubelet")).unwrap();
        fs::create_dir_all(root.join("var/lib")).unwrap();
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::write(root.join("data/kubelet/config.yaml"), "a").unwrap();
        fs::write(root.join("data/kubelet/kubeadm-flags.env"), "b").unwrap();
        // /var/lib/kubelet -> /data/kubelet, and a relative link through it.
        symlink("/data/kubelet", root.join("var/lib/kubelet")).unwrap();
        symlink("../var/lib/kubelet/config.yaml", root.join("etc/kc")).unwrap();
        // A link to nothing, and a link through it.
        symlink("/data/gone", root.join("etc/dangling")).unwrap();
        symlink("dangling/x", root.join("etc/through")).unwrap();
        // Each path twice: the second walk is answered from what the first one found.
        let paths = [
            "/var/lib/kubelet/config.yaml",
            "/var/lib/kubelet/kubeadm-flags.env",
            "/var/lib/kubelet/missing",
            "/var/lib/kubelet/missing/deeper",
            "/var/lib/kubelet/../kubelet/config.yaml",
            "/etc/kc",
            "/var/lib/kubelet/config.yaml/x",
            "/etc/dangling",
            "/etc/dangling/x",
            "/etc/through",
            "/etc",
        ];
        let shared = HostFs::new(root).unwrap();
        for path in paths.iter().chain(paths.iter()) {
            let fresh = HostFs::new(root).unwrap();
            assert_eq!(shared.resolve(path), fresh.resolve(path), "{path}");
            assert_eq!(shared.read_text(path), fresh.read_text(path), "{path}");
            assert_eq!(
                shared.metadata(path).map(|m| (m.len(), m.is_dir())),
                fresh.metadata(path).map(|m| (m.len(), m.is_dir())),
                "{path}"
            );
        }
        // A missing name is remembered as missing, and so is everything under it.
        let missing = |p: &str| shared.walked_so_far().missing.contains(&components(p));
        assert!(missing("/var/lib/kubelet/missing"));
        assert!(missing("/etc/dangling"));
        assert_eq!(
            shared.resolve("/etc/dangling/a/b"),
            Err(ReadError::NotFound)
        );
        // Created after the walk: the audit keeps to what it saw first.
        fs::write(root.join("data/kubelet/missing"), "late").unwrap();
        assert_eq!(
            shared.read_text("/var/lib/kubelet/missing"),
            Err(ReadError::NotFound)
        );
        assert_eq!(
            shared.resolve("/var/lib/kubelet/config.yaml").unwrap(),
            root.join("data/kubelet/config.yaml")
        );
        // The prefixes were remembered, and a remembered prefix is where a walk starts.
        let (n, real) = shared.walked_prefix(&components("/var/lib/kubelet/other"));
        assert_eq!(
            (n, real),
            (3, vec!["data".to_owned(), "kubelet".to_owned()])
        );
    }

    #[test]
    fn loops_fifos_and_directories_are_unreadable_not_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        symlink("/b", root.join("a")).unwrap();
        symlink("/a", root.join("b")).unwrap();
        let fs = HostFs::new(root).unwrap();
        assert!(
            matches!(fs.read_text("/a"), Err(ReadError::Unreadable(m)) if m.contains("symbolic links"))
        );
        fs::create_dir(root.join("d")).unwrap();
        assert!(
            matches!(fs.read_text("/d"), Err(ReadError::Unreadable(m)) if m.contains("directory"))
        );
        let fifo = root.join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        assert!(
            matches!(fs.read_text("/fifo"), Err(ReadError::Unreadable(m)) if m.contains("FIFO"))
        );
    }

    #[test]
    fn size_cap_and_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let big = File::create(root.join("big")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        fs::write(root.join("bin"), [0x66, 0xff, 0xfe]).unwrap();
        let fs = HostFs::new(root).unwrap();
        assert!(
            matches!(fs.read_text("/big"), Err(ReadError::Unreadable(m)) if m.contains("size cap"))
        );
        assert!(
            matches!(fs.read_text("/bin"), Err(ReadError::Unreadable(m)) if m.contains("UTF-8"))
        );
    }

    #[test]
    fn glob_matches_per_component() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/containerd/conf.d")).unwrap();
        fs::write(root.join("etc/containerd/conf.d/b.toml"), "").unwrap();
        fs::write(root.join("etc/containerd/conf.d/a.toml"), "").unwrap();
        fs::write(root.join("etc/containerd/conf.d/c.txt"), "").unwrap();
        let fs = HostFs::new(root).unwrap();
        assert_eq!(
            fs.glob("/etc/containerd/conf.d/*.toml"),
            vec![
                "/etc/containerd/conf.d/a.toml".to_string(),
                "/etc/containerd/conf.d/b.toml".to_string()
            ]
        );
        assert_eq!(clean_host("/a/./b/../c"), "/a/c");
        assert_eq!(host_dir("/etc/containerd/config.toml"), "/etc/containerd");
    }
}

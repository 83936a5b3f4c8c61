//! Writing a fixed file: only under `--root`, never through a symbolic link, only when the
//! file is still what was read, atomically (a temporary file beside it, synced, renamed over
//! it) with its owner and mode kept and the old file kept as a backup beside it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::FileChange;

/// Where the node's `host_path` is under `root`, refused when it would leave `root`.
pub(crate) fn inside_root(root: &Path, host_path: &str) -> Result<PathBuf, String> {
    let relative = Path::new(host_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(format!("{host_path} is not a plain path under the root"));
    }
    let path = root.join(relative);
    let root_real = fs::canonicalize(root).map_err(|e| format!("the root: {e}"))?;
    // The nearest existing directory must resolve inside the root (no symlinked directory
    // leading out).
    let mut dir = path.parent();
    while let Some(d) = dir {
        if let Ok(real) = fs::canonicalize(d) {
            if !real.starts_with(&root_real) {
                return Err(format!("{} leads outside the root", d.display()));
            }
            break;
        }
        dir = d.parent();
    }
    Ok(path)
}

/// The file as it is now, None when it does not exist; a symbolic link or a non-file is
/// refused (renaming over a link would replace the link, not its target).
pub(crate) fn read_for_edit(path: &Path) -> Result<Option<String>, String> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read it: {e}")),
        Ok(m) if m.file_type().is_symlink() => {
            Err("it is a symbolic link: edit the file it points to".into())
        }
        Ok(m) if !m.is_file() => Err("it is not a regular file".into()),
        Ok(_) => fs::read_to_string(path)
            .map(Some)
            .map_err(|e| format!("cannot read it: {e}")),
    }
}

/// Writes `change`; returns the backup's path (None for a new file).
pub(crate) fn write(change: &FileChange) -> Result<Option<PathBuf>, String> {
    let path = &change.disk_path;
    let now = read_for_edit(path)?;
    if now != change.original {
        return Err("it changed since it was read: run fix again".into());
    }
    let dir = path.parent().ok_or("no parent directory")?;
    let name = path
        .file_name()
        .ok_or("no file name")?
        .to_string_lossy()
        .into_owned();
    let meta = fs::metadata(path).ok();
    let backup = match &change.original {
        Some(text) => {
            let backup = free_name(dir, &format!("{name}.runtime-audit.bak"));
            write_synced(&backup, text, meta.as_ref())?;
            Some(backup)
        }
        None => {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            None
        }
    };
    let tmp = free_name(dir, &format!(".{name}.runtime-audit.tmp"));
    write_synced(&tmp, &change.edited, meta.as_ref())?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(format!("cannot replace it: {e}"));
    }
    // The rename itself is durable once the directory is synced.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(backup)
}

/// `base`, or `base.1`, `base.2`, … : the first name not taken in `dir`.
fn free_name(dir: &Path, base: &str) -> PathBuf {
    let mut candidate = dir.join(base);
    let mut n = 1;
    while fs::symlink_metadata(&candidate).is_ok() {
        candidate = dir.join(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

/// Writes `text` to a new file with the mode and owner of `like` (0644 root-owned defaults
/// for a new file), synced to disk.
fn write_synced(path: &Path, text: &str, like: Option<&fs::Metadata>) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    let mode = like.map_or(0o644, |m| m.mode() & 0o7777);
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(fail)?;
    if let Some(m) = like {
        // Keeping the owner needs root; a user editing their own copy keeps theirs anyway.
        let _ = std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()));
    }
    file.sync_all().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The change of `/f.toml` at `path` from `original` to `edited`.
    fn change_of(path: &Path, original: &str, edited: &str) -> FileChange {
        FileChange {
            host_path: "/f.toml".into(),
            disk_path: path.to_path_buf(),
            original: Some(original.into()),
            edited: edited.into(),
            shown_before: String::new(),
            shown_after: String::new(),
            fixes: Vec::new(),
        }
    }

    #[test]
    fn paths_that_leave_the_root_are_refused() {
        let root = tempfile::tempdir().expect("tempdir");
        assert!(inside_root(root.path(), "/etc/../../x").is_err());
        std::os::unix::fs::symlink("/", root.path().join("etc")).expect("symlink");
        let err = inside_root(root.path(), "/etc/crictl.yaml").expect_err("leads out");
        assert!(err.contains("outside the root"), "{err}");
        assert!(inside_root(root.path(), "/var/lib/kubelet/config.yaml").is_ok());
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_written() {
        let root = tempfile::tempdir().expect("tempdir");
        let path = root.path().join("f.toml");
        fs::write(&path, "a = 2\n").expect("write");
        let change = change_of(&path, "a = 1\n", "a = 3\n");
        assert!(write(&change).is_err());
        assert_eq!(fs::read_to_string(&path).expect("read"), "a = 2\n");
    }

    #[test]
    fn a_write_keeps_the_mode_and_a_backup() {
        let root = tempfile::tempdir().expect("tempdir");
        let path = root.path().join("f.toml");
        fs::write(&path, "a = 1\n").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        let change = change_of(&path, "a = 1\n", "a = 3\n");
        let backup = write(&change).expect("writes").expect("a backup");
        assert_eq!(fs::read_to_string(&path).expect("read"), "a = 3\n");
        assert_eq!(fs::read_to_string(&backup).expect("read"), "a = 1\n");
        assert_eq!(fs::metadata(&path).expect("stat").mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&backup).expect("stat").mode() & 0o777, 0o600);
    }
}

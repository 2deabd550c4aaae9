//! Private files and directories: created with exact modes, checked when they exist.

use std::{
    fs, io,
    os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt},
    path::Path,
};

/// Creates `dir` (and parents) 0700 if missing. An existing directory must belong to
/// us; its mode is tightened to 0700 if it is wider.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    ensure_dir_mode(dir, 0o700)
}

/// Creates `dir` with `mode` if missing; an existing one must be ours and is set to `mode`.
///
/// The check does not follow a symlink at `dir`: a link another user planted (say
/// `/tmp/spotter-<uid>` pointing at a directory we own) would pass an ownership check
/// on its target while the link itself, and where it points, stay theirs to change.
pub fn ensure_dir_mode(dir: &Path, mode: u32) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(meta) => {
            if meta.file_type().is_symlink() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "{} is a symbolic link; refusing to use it as a private directory \
                         (remove it, or point the setting at the real directory)",
                        dir.display()
                    ),
                ));
            }
            if !meta.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} is not a directory", dir.display()),
                ));
            }
            if meta.uid() != rustix::process::geteuid().as_raw() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("{} belongs to another user", dir.display()),
                ));
            }
            if meta.permissions().mode() & 0o777 != mode {
                fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(dir)?;
            // DirBuilder's mode is filtered by the umask.
            fs::set_permissions(dir, fs::Permissions::from_mode(mode))
        }
        Err(e) => Err(e),
    }
}

/// Creates `path` empty with mode 0600 if it does not exist; tightens it if it does.
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_to_a_directory_we_own_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o755)).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let err = ensure_dir_mode(&link, 0o700).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("symbolic link"), "{err}");
        // Refused before anything was changed through it.
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        // The directory itself is fine.
        ensure_private_dir(&real).unwrap();
    }

    #[test]
    fn a_dangling_symlink_is_refused_not_created_through() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("elsewhere");
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(ensure_private_dir(&link).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn a_missing_directory_is_created_with_the_mode_and_a_wide_one_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        ensure_dir_mode(&dir, 0o750).unwrap();
        let mode = |p: &Path| fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o750);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }
}

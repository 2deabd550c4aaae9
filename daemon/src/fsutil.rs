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
pub fn ensure_dir_mode(dir: &Path, mode: u32) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(meta) => {
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

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};

use super::*;

fn sample(token: &str) -> StoredSession {
    StoredSession {
        refresh_token: Secret::new(token),
        username: "ann".into(),
        session_id: "s-1".into(),
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn name_depends_on_the_socket_only() {
    let a = SessionFile::in_dir(Path::new("/state"), Path::new("/run/a.sock"));
    let b = SessionFile::in_dir(Path::new("/state"), Path::new("/run/b.sock"));
    assert_ne!(a, b);
    assert_eq!(
        a,
        SessionFile::in_dir(Path::new("/state"), Path::new("/run/a.sock"))
    );
    let name = a.path().file_name().unwrap().to_str().unwrap().to_owned();
    // sha256("/run/a.sock"), first 16 hex digits.
    let expected = &hex::encode(Sha256::digest(b"/run/a.sock"))[..16];
    assert_eq!(name, format!("session-{expected}.json"));
}

#[test]
fn saves_0600_in_a_0700_dir_and_loads_back() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("state/spotter");
    let file = SessionFile::in_dir(&dir, Path::new("/run/s.sock"));
    assert_eq!(file.load().unwrap(), None);
    file.save(&sample("r1")).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(file.path()), 0o600);
    assert_eq!(file.load().unwrap(), Some(sample("r1")));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(file.path()).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"refresh_token": "r1", "username": "ann", "session_id": "s-1"})
    );
}

#[test]
fn a_loose_existing_dir_is_tightened() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("spotter");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    SessionFile::in_dir(&dir, Path::new("/s"))
        .save(&sample("r"))
        .unwrap();
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn replacing_is_atomic_and_leaves_no_temporary_files() {
    let root = tempfile::tempdir().unwrap();
    let file = SessionFile::in_dir(root.path(), Path::new("/run/s.sock"));
    file.save(&sample("old")).unwrap();
    let inode_before = fs::metadata(file.path()).unwrap().ino();
    file.save(&sample("new")).unwrap();
    // A rename, not an overwrite in place: readers see a whole old or new file.
    assert_ne!(fs::metadata(file.path()).unwrap().ino(), inode_before);
    assert_eq!(file.load().unwrap(), Some(sample("new")));
    assert_eq!(mode(file.path()), 0o600);
    let names: Vec<_> = fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn delete_removes_it_and_tolerates_absence() {
    let root = tempfile::tempdir().unwrap();
    let file = SessionFile::in_dir(root.path(), Path::new("/run/s.sock"));
    file.delete().unwrap();
    file.save(&sample("r")).unwrap();
    file.delete().unwrap();
    assert!(!file.path().exists());
    assert_eq!(file.load().unwrap(), None);
}

#[test]
fn garbage_counts_as_no_session() {
    let root = tempfile::tempdir().unwrap();
    let file = SessionFile::in_dir(root.path(), Path::new("/run/s.sock"));
    fs::write(file.path(), "{not json").unwrap();
    assert_eq!(file.load().unwrap(), None);
}

#[test]
fn symlinks_are_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let file = SessionFile::in_dir(root.path(), Path::new("/run/s.sock"));
    let elsewhere = root.path().join("elsewhere.json");
    fs::write(
        &elsewhere,
        r#"{"refresh_token":"x","username":"u","session_id":"s"}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, file.path()).unwrap();
    assert!(file.load().is_err());
}

#[test]
fn the_token_never_appears_in_debug_output() {
    let session = sample("very-secret-refresh-token");
    let text = format!("{session:?} {:?}", Some(&session));
    assert!(!text.contains("very-secret-refresh-token"), "{text}");
    assert!(text.contains("ann"));
}

#[test]
fn the_lock_is_exclusive_between_holders() {
    let root = tempfile::tempdir().unwrap();
    let file = SessionFile::in_dir(root.path(), Path::new("/run/s.sock"));
    let held = file.lock().unwrap();
    let other = OpenOptions::new()
        .write(true)
        .open(file.path().with_extension("lock"))
        .unwrap();
    assert!(flock(&other, FlockOperation::NonBlockingLockExclusive).is_err());
    drop(held);
    assert!(flock(&other, FlockOperation::NonBlockingLockExclusive).is_ok());
}

//! Encryption key rotation (SECURITY.md T1b).
//!
//! One `BEGIN IMMEDIATE` transaction re-seals every value of every registered column
//! under the new key, then re-reads everything inside the same transaction and checks
//! that each value opens with the new key alone and yields the same plaintext. Only
//! then does it commit; any failure rolls back and leaves the old-key state untouched.
//! The same function serves `spotterd admin rotate-key` (offline) and the online admin
//! RPC (with the daemon's keyring).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use zeroize::Zeroizing;

use crate::{
    crypto::{
        Key, KeyError, KeyId, KeySource, Keyring, SEALED_COLUMNS, SealedColumn, read_key_file,
        staged_key_path, write_key_file,
    },
    store::{
        Store, StoreError,
        sealed::{replace_sealed, sealed_values},
    },
};

/// How many values of one column were re-sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnReport {
    pub table: &'static str,
    pub column: &'static str,
    pub resealed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub new_key_id: KeyId,
    pub columns: Vec<ColumnReport>,
}

impl RotationReport {
    pub fn total(&self) -> usize {
        self.columns.iter().map(|c| c.resealed).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("the new key is the key already in use (id {0})")]
    SameKey(KeyId),
    #[error(
        "{table}.{column} row {row_id} does not open with the current key ({cause}); nothing was changed"
    )]
    Unopenable {
        table: &'static str,
        column: &'static str,
        row_id: String,
        cause: crate::crypto::OpenError,
    },
    #[error("verification failed for {table}.{column} row {row_id}; nothing was changed")]
    Verification {
        table: &'static str,
        column: &'static str,
        row_id: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Re-seals every registered column under `new_key`. `current` must open every stored
/// value (it may hold several keys, e.g. after an interrupted online rotation).
pub async fn rotate_encryption_key(
    store: &Store,
    current: &Keyring,
    new_key: &Key,
) -> Result<RotationReport, RotationError> {
    rotate_columns(store, current, new_key, SEALED_COLUMNS).await
}

pub(crate) async fn rotate_columns(
    store: &Store,
    current: &Keyring,
    new_key: &Key,
    columns: &[SealedColumn],
) -> Result<RotationReport, RotationError> {
    if new_key.id() == current.primary_id() {
        return Err(RotationError::SameKey(new_key.id()));
    }
    let target = Keyring::new(new_key.clone());
    let mut tx = store.begin_write().await.map_err(RotationError::Store)?;
    // (table, column, row id) → plaintext, to compare after re-reading.
    let mut expected: HashMap<(&str, &str, String), Zeroizing<String>> = HashMap::new();
    let mut report = Vec::new();

    for column in columns {
        let values = sealed_values(&mut tx, column).await?;
        for value in &values {
            let plain = current
                .open(value.at(column), &value.envelope)
                .map_err(|cause| RotationError::Unopenable {
                    table: column.table,
                    column: column.column,
                    row_id: value.row_id.clone(),
                    cause,
                })?;
            let resealed = target
                .seal(value.at(column), plain.expose())
                .map_err(StoreError::from)?;
            replace_sealed(&mut tx, column, &value.row_id, &resealed).await?;
            expected.insert(
                (column.table, column.column, value.row_id.clone()),
                Zeroizing::new(plain.expose().to_owned()),
            );
        }
        report.push(ColumnReport {
            table: column.table,
            column: column.column,
            resealed: values.len(),
        });
    }

    // Verify inside the transaction, with the new key alone.
    let mut verified = 0;
    for column in columns {
        for value in sealed_values(&mut tx, column).await? {
            let want = expected
                .get(&(column.table, column.column, value.row_id.clone()))
                .map(|p| p.as_str());
            let opened = target.open(value.at(column), &value.envelope).ok();
            verified += 1;
            if want.is_none() || opened.as_ref().map(|s| s.expose()) != want {
                return Err(RotationError::Verification {
                    table: column.table,
                    column: column.column,
                    row_id: value.row_id,
                });
            }
        }
    }
    if verified != expected.len() {
        return Err(RotationError::Verification {
            table: "*",
            column: "*",
            row_id: "count".into(),
        });
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(RotationReport {
        new_key_id: new_key.id(),
        columns: report,
    })
}

/// Opens every value of every registered column with `keyring`: how many opened, or
/// the first that did not. Crash tests and verification after a restore use it.
pub async fn verify_sealed(store: &Store, keyring: &Keyring) -> Result<usize, RotationError> {
    let mut opened = 0;
    for column in SEALED_COLUMNS {
        for value in store.sealed_values_of(column).await? {
            keyring
                .open(value.at(column), &value.envelope)
                .map_err(|cause| RotationError::Unopenable {
                    table: column.table,
                    column: column.column,
                    row_id: value.row_id.clone(),
                    cause,
                })?;
            opened += 1;
        }
    }
    Ok(opened)
}

// --- Installing the new key -------------------------------------------------------
//
// In personal mode spotterd owns the key file, and the database and the file must
// change together although no transaction spans both. So the new key is written
// beside the old one *before* the re-sealed database commits ([`stage_new_key`]) and
// renamed over it after ([`install_new_key`]): at every instant a crash may pick, one
// of the two files opens the database, and the next start settles on that one
// ([`settle_staged_key`]).

/// Before a rotation commits: writes `new_key` durably to the staged path beside the
/// personal key file. Refuses when a staged key is already there (an earlier rotation
/// whose key could not be moved into place: it may be the key in use; restarting
/// settles it). Other sources are the operator's to change: nothing to do.
pub fn stage_new_key(source: &KeySource, new_key: &Key) -> std::io::Result<()> {
    let KeySource::Generated { path, .. } = source else {
        return Ok(());
    };
    let staged = staged_key_path(path);
    if staged.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} is left from an earlier key rotation; restart spotterd to settle it",
                staged.display()
            ),
        ));
    }
    write_atomically(&staged, new_key)
}

/// After a rotation failed (nothing committed): removes the key it staged, and only
/// that key.
pub fn discard_staged_key(source: &KeySource, new_key: &Key) {
    if let KeySource::Generated { path, .. } = source {
        let staged = staged_key_path(path);
        if read_key_file(&staged).is_ok_and(|k| k.id() == new_key.id()) {
            let _ = std::fs::remove_file(&staged);
        }
    }
}

/// After a committed rotation, puts the new key where the old one came from when
/// spotterd owns that place (the personal generated key file): the staged key is
/// renamed over it (written first if it was not staged). Otherwise says what the
/// operator must do. Returns that sentence for the CLI or the RPC to show.
pub fn install_new_key(source: &KeySource, new_key: &Key) -> std::io::Result<String> {
    match source {
        KeySource::Generated { path, .. } => {
            let staged = staged_key_path(path);
            if !read_key_file(&staged).is_ok_and(|k| k.id() == new_key.id()) {
                write_atomically(&staged, new_key)?;
            }
            std::fs::rename(&staged, path)?;
            sync_parent(path)?;
            Ok(format!(
                "the personal key file {} now holds the new key",
                path.display()
            ))
        }
        other => Ok(format!(
            "replace the key in {other} with the new key (id {}) before spotterd next starts",
            new_key.id()
        )),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("cannot settle the staged key {path}: {err}")]
    Io {
        path: std::path::PathBuf,
        err: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// At start (daemon or offline rotation, holding the instance lock): if a rotation
/// left a staged key beside the personal key file, keeps the key the database is
/// sealed with. Values under the staged key mean the rotation committed: the staged
/// key is moved into place (the rename the crash cut off). None means it did not: the
/// staged key is removed. Returns the keyring to use, `current` otherwise.
pub async fn settle_staged_key(
    store: &Store,
    source: &KeySource,
    current: Key,
) -> Result<Keyring, SettleError> {
    let KeySource::Generated { path, .. } = source else {
        return Ok(Keyring::new(current));
    };
    let staged_path = staged_key_path(path);
    // A staging write cut short never held a key the database needs.
    let _ = std::fs::remove_file(with_suffix(&staged_path, ".tmp"));
    let Some(staged) = source.staged_key()? else {
        return Ok(Keyring::new(current));
    };
    let io = |err| SettleError::Io {
        path: staged_path.clone(),
        err,
    };
    let (mut under_current, mut under_staged) = (0usize, 0usize);
    for column in SEALED_COLUMNS {
        for value in store.sealed_values_of(column).await? {
            match Keyring::key_id_of(&value.envelope) {
                Ok(id) if id == current.id() => under_current += 1,
                Ok(id) if id == staged.id() => under_staged += 1,
                _ => {}
            }
        }
    }
    if under_staged == 0 || staged.id() == current.id() {
        tracing::info!(
            key_id = %current.id(),
            staged_key_id = %staged.id(),
            "a key rotation stopped before it committed; keeping the current key"
        );
        std::fs::remove_file(&staged_path).map_err(io)?;
        return Ok(Keyring::new(current));
    }
    if under_current == 0 {
        std::fs::rename(&staged_path, path).map_err(io)?;
        sync_parent(path).map_err(io)?;
        tracing::warn!(
            old_key_id = %current.id(),
            key_id = %staged.id(),
            key_file = %path.display(),
            "a key rotation committed but stopped before moving its key into place; finished it"
        );
        return Ok(Keyring::new(staged));
    }
    // Both keys in use cannot come from one rotation: keep both files and both keys.
    tracing::error!(
        key_id = %current.id(),
        staged_key_id = %staged.id(),
        under_current,
        under_staged,
        staged = %staged_path.display(),
        "stored credentials are sealed with both the key file and the staged key; keeping both"
    );
    Ok(Keyring::new(current).with_old_key(staged))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes `key` to `path` whole or not at all: a private temp file, synced, renamed.
fn write_atomically(path: &Path, key: &Key) -> std::io::Result<()> {
    let tmp = with_suffix(path, ".tmp");
    let _ = std::fs::remove_file(&tmp);
    write_key_file(&tmp, key).map_err(std::io::Error::other)?;
    std::fs::rename(&tmp, path)?;
    sync_parent(path)
}

/// Makes a rename in `path`'s directory durable.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) => std::fs::File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SecretString;

    /// A store with one sealed value under `key`, and the personal key file holding it.
    async fn setup(dir: &Path, key: &Key) -> (Store, KeySource, PathBuf) {
        let path = dir.join("cfg/encryption-key");
        write_key_file(&path, key).unwrap();
        let store = Store::open(&dir.join("data/t.db")).await.unwrap();
        store
            .put_instance_secret(&Keyring::new(key.clone()), "s", &SecretString::new("v"))
            .await
            .unwrap();
        let source = KeySource::Generated {
            path: path.clone(),
            created: false,
        };
        (store, source, path)
    }

    /// Issue 10, finding 9: rotation re-seals version 1 envelopes as version 2, bound
    /// to their owner.
    #[tokio::test]
    async fn rotation_upgrades_version_1_envelopes_to_bind_their_owner() {
        use crate::crypto::{
            ENVELOPE_PREFIX, ENVELOPE_V1_PREFIX, Owner,
            registry::PROVIDER_CREDENTIALS_SECRET as CREDS,
        };
        use crate::{domains::identity::users::Role, store::Provider};
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (Key::generate(), Key::generate());
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let ann = store
            .create_account("ann", Role::User, None, false)
            .await
            .unwrap();
        let ring = Keyring::new(old.clone());
        store
            .put_credential(&ring, ann.id, Provider::Spotify, &SecretString::new("tok"))
            .await
            .unwrap();
        // As a release before version 2 left it.
        let user = ann.id.to_string();
        let v1 = crate::crypto::seal_v1(&old, CREDS.at("1", Owner::default()), "tok");
        sqlx::query("UPDATE provider_credentials SET secret = ? WHERE id = 1")
            .bind(&v1)
            .execute(store.writer())
            .await
            .unwrap();
        assert_eq!(
            store
                .credential(&ring, ann.id, Provider::Spotify)
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "tok"
        );

        rotate_encryption_key(&store, &ring, &new).await.unwrap();
        let sealed: String =
            sqlx::query_scalar("SELECT secret FROM provider_credentials WHERE id = 1")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert!(sealed.starts_with(ENVELOPE_PREFIX) && !sealed.starts_with(ENVELOPE_V1_PREFIX));
        let after = Keyring::new(new);
        assert_eq!(
            after
                .open(
                    CREDS.at(
                        "1",
                        Owner {
                            user_id: Some(&user),
                            provider: Some("spotify")
                        }
                    ),
                    &sealed
                )
                .unwrap()
                .expose(),
            "tok"
        );
        assert!(
            after
                .open(
                    CREDS.at(
                        "1",
                        Owner {
                            user_id: Some("999"),
                            provider: Some("spotify")
                        }
                    ),
                    &sealed
                )
                .is_err(),
            "bound to its owner now"
        );
        assert_eq!(verify_sealed(&store, &after).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_rotation_cut_off_after_its_commit_is_finished_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (Key::generate(), Key::generate());
        let (store, source, path) = setup(dir.path(), &old).await;
        stage_new_key(&source, &new).unwrap();
        rotate_encryption_key(&store, &Keyring::new(old.clone()), &new)
            .await
            .unwrap();
        // Killed here: the database is sealed with `new`, the key file holds `old`.
        let ring = settle_staged_key(&store, &source, old).await.unwrap();
        assert_eq!(ring.primary_id(), new.id());
        assert_eq!(read_key_file(&path).unwrap().id(), new.id());
        assert!(!staged_key_path(&path).exists());
        let only_new = Keyring::new(read_key_file(&path).unwrap());
        assert_eq!(verify_sealed(&store, &only_new).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_rotation_cut_off_before_its_commit_keeps_the_old_key() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (Key::generate(), Key::generate());
        let (store, source, path) = setup(dir.path(), &old).await;
        stage_new_key(&source, &new).unwrap();
        // Killed before the commit (and during another staging write).
        std::fs::write(with_suffix(&staged_key_path(&path), ".tmp"), "half").unwrap();
        let ring = settle_staged_key(&store, &source, old.clone())
            .await
            .unwrap();
        assert_eq!(ring.primary_id(), old.id());
        assert_eq!(read_key_file(&path).unwrap().id(), old.id());
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["encryption-key"]);
        assert_eq!(verify_sealed(&store, &ring).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn values_under_both_keys_keep_both() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (Key::generate(), Key::generate());
        let (store, source, path) = setup(dir.path(), &old).await;
        stage_new_key(&source, &new).unwrap();
        store
            .put_instance_secret(&Keyring::new(new.clone()), "t", &SecretString::new("w"))
            .await
            .unwrap();
        let ring = settle_staged_key(&store, &source, old.clone())
            .await
            .unwrap();
        assert_eq!(ring.primary_id(), old.id());
        assert_eq!(verify_sealed(&store, &ring).await.unwrap(), 2);
        assert!(
            staged_key_path(&path).exists(),
            "neither key file is dropped"
        );
    }

    #[test]
    fn staging_never_overwrites_and_discarding_removes_only_its_own_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("encryption-key");
        let source = KeySource::Generated {
            path: path.clone(),
            created: false,
        };
        let (first, second) = (Key::generate(), Key::generate());
        stage_new_key(&source, &first).unwrap();
        let e = stage_new_key(&source, &second).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        discard_staged_key(&source, &second);
        assert_eq!(source.staged_key().unwrap().unwrap().id(), first.id());
        discard_staged_key(&source, &first);
        assert!(source.staged_key().unwrap().is_none());
        // Installing without staging first still writes the key whole.
        install_new_key(&source, &second).unwrap();
        assert_eq!(read_key_file(&path).unwrap().id(), second.id());
        assert!(!staged_key_path(&path).exists());
        // Sources the operator owns are left alone.
        let env = KeySource::Environment("SPOTTER_SECURITY_ENCRYPTION_KEY");
        stage_new_key(&env, &first).unwrap();
        let said = install_new_key(&env, &first).unwrap();
        assert!(said.contains(first.id().as_str()), "{said}");
    }
}

//! Encryption key rotation (SECURITY.md T1b).
//!
//! One `BEGIN IMMEDIATE` transaction re-seals every value of every registered column
//! under the new key, then re-reads everything inside the same transaction and checks
//! that each value opens with the new key alone and yields the same plaintext. Only
//! then does it commit; any failure rolls back and leaves the old-key state untouched.
//! The same function serves `spotterd admin rotate-key` (offline) and the online admin
//! RPC (with the daemon's keyring).

use std::collections::HashMap;

use zeroize::Zeroizing;

use crate::{
    crypto::{Key, KeyId, KeySource, Keyring, SEALED_COLUMNS, SealedColumn, write_key_file},
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

impl From<sqlx::Error> for RotationError {
    fn from(e: sqlx::Error) -> Self {
        RotationError::Store(StoreError::Database(e))
    }
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
                .open(column.at(&value.row_id), &value.envelope)
                .map_err(|cause| RotationError::Unopenable {
                    table: column.table,
                    column: column.column,
                    row_id: value.row_id.clone(),
                    cause,
                })?;
            let resealed = target
                .seal(column.at(&value.row_id), plain.expose())
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
            let opened = target.open(column.at(&value.row_id), &value.envelope).ok();
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
    tx.commit().await?;
    Ok(RotationReport {
        new_key_id: new_key.id(),
        columns: report,
    })
}

/// Opens every value of every registered column with `keyring`: how many opened, or
/// the first that did not. Crash tests and verification after a restore use it.
pub async fn verify_sealed(store: &Store, keyring: &Keyring) -> Result<usize, RotationError> {
    let mut conn = store.pool().acquire().await?;
    let mut opened = 0;
    for column in SEALED_COLUMNS {
        for value in sealed_values(&mut conn, column).await? {
            keyring
                .open(column.at(&value.row_id), &value.envelope)
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

/// After a committed rotation, puts the new key where the old one came from when
/// spotterd owns that place (the personal generated key file); otherwise says what
/// the operator must do. Returns that sentence for the CLI or the RPC to show.
pub fn install_new_key(source: &KeySource, new_key: &Key) -> std::io::Result<String> {
    match source {
        KeySource::Generated { path, .. } => {
            // Atomically: a private temp file beside it, then rename.
            let tmp = path.with_extension("new");
            let _ = std::fs::remove_file(&tmp);
            write_key_file(&tmp, new_key).map_err(std::io::Error::other)?;
            std::fs::rename(&tmp, path)?;
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

//! Per-user provider credentials, sealed (registry: `provider_credentials.secret`).
//! The plaintext is whatever the provider needs (a password, or a JSON document of
//! tokens); only the provider module interprets it.

use crate::crypto::{
    Keyring, Owner, SecretString, registry::PROVIDER_CREDENTIALS_SECRET as COLUMN,
};

use crate::store::{Provider, Result, Store, now};

impl Store {
    /// Stores (or replaces) `user_id`'s credential for `provider`, sealed to its row.
    pub async fn put_credential(
        &self,
        keyring: &Keyring,
        user_id: i64,
        provider: Provider,
        secret: &SecretString,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        put_credential_in(&mut tx, keyring, user_id, provider, secret).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `user_id`'s credential for `provider`, opened. `None` when not connected.
    pub async fn credential(
        &self,
        keyring: &Keyring,
        user_id: i64,
        provider: Provider,
    ) -> Result<Option<SecretString>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, secret FROM provider_credentials WHERE user_id = ? AND provider = ?",
        )
        .bind(user_id)
        .bind(provider.as_str())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some((id, sealed)) => {
                let (row, user) = (id.to_string(), user_id.to_string());
                Ok(Some(
                    keyring.open(COLUMN.at(&row, owner(&user, provider)), &sealed)?,
                ))
            }
            None => Ok(None),
        }
    }

    /// Deletes the credential; true when one existed.
    pub async fn delete_credential(&self, user_id: i64, provider: Provider) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM provider_credentials WHERE user_id = ? AND provider = ?")
                .bind(user_id)
                .bind(provider.as_str())
                .execute(self.writer())
                .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Whose a credential is: bound into its envelope with its row.
fn owner(user_id: &str, provider: Provider) -> Owner<'_> {
    Owner {
        user_id: Some(user_id),
        provider: Some(provider.as_str()),
    }
}

/// Stores (or replaces) a sealed credential inside the caller's transaction, so a
/// connection row and its credential change together.
pub(super) async fn put_credential_in(
    conn: &mut sqlx::SqliteConnection,
    keyring: &Keyring,
    user_id: i64,
    provider: Provider,
    secret: &SecretString,
) -> Result<()> {
    let t = now();
    // The row id is part of the associated data, so the row must exist first.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO provider_credentials (user_id, provider, secret, created_at, updated_at) \
         VALUES (?, ?, '', ?, ?) \
         ON CONFLICT (user_id, provider) DO UPDATE SET updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(user_id)
    .bind(provider.as_str())
    .bind(t)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    let (row, user) = (id.to_string(), user_id.to_string());
    let sealed = keyring.seal(COLUMN.at(&row, owner(&user, provider)), secret.expose())?;
    sqlx::query("UPDATE provider_credentials SET secret = ? WHERE id = ?")
        .bind(sealed)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

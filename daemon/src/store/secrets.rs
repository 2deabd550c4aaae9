//! Instance-wide secrets, sealed (registry: `instance_secrets.value`), keyed by name.

use crate::crypto::{Keyring, Owner, SecretString, registry::INSTANCE_SECRETS_VALUE as COLUMN};

use super::{Result, Store, now};

impl Store {
    pub async fn put_instance_secret(
        &self,
        keyring: &Keyring,
        name: &str,
        value: &SecretString,
    ) -> Result<()> {
        let sealed = keyring.seal(COLUMN.at(name, Owner::default()), value.expose())?;
        sqlx::query(
            "INSERT INTO instance_secrets (name, value, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(sealed)
        .bind(now())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn instance_secret(
        &self,
        keyring: &Keyring,
        name: &str,
    ) -> Result<Option<SecretString>> {
        let sealed: Option<String> =
            sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = ?")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        match sealed {
            Some(s) => Ok(Some(keyring.open(COLUMN.at(name, Owner::default()), &s)?)),
            None => Ok(None),
        }
    }
}

//! Accounts. The identity issue grows this; the foundation needs users to own sealed
//! provider credentials.

use sqlx::FromRow;

use crate::store::{Result, Store, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    User,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Role {
        match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            _ => Role::User,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub created_at: i64,
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    role: String,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            role: Role::parse(&r.role),
            created_at: r.created_at,
        }
    }
}

impl Store {
    pub async fn create_user(&self, username: &str, role: Role) -> Result<User> {
        let row: UserRow = sqlx::query_as(
            "INSERT INTO users (username, role, created_at) VALUES (?, ?, ?) \
             RETURNING id, username, role, created_at",
        )
        .bind(username)
        .bind(role.as_str())
        .bind(now())
        .fetch_one(self.writer())
        .await?;
        Ok(row.into())
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, username, role, created_at FROM users WHERE id = ?")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use super::*;
    use crate::{
        crypto::{Key, Keyring, SecretString},
        store::{MIGRATOR, Provider},
    };

    /// Issue 10, finding 2: migration 0005 rebuilds `users` and `provider_credentials`
    /// with AUTOINCREMENT, keeping every row, id and sealed value, and starts the user
    /// ids past every id the audit log ever named.
    #[tokio::test]
    async fn ids_are_never_handed_out_twice_after_the_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        // A database as version 4 left it, with a deleted user (id 4) in the audit log.
        {
            crate::fsutil::ensure_private_file(&path).unwrap();
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(
                    SqliteConnectOptions::new()
                        .filename(&path)
                        .foreign_keys(true),
                )
                .await
                .unwrap();
            let v4 = sqlx::migrate::Migrator {
                migrations: MIGRATOR
                    .iter()
                    .filter(|m| m.version <= 4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .into(),
                ..sqlx::migrate::Migrator::DEFAULT
            };
            v4.run(&pool).await.unwrap();
            for (id, name) in [(1, "olivia"), (2, "ann"), (3, "bob")] {
                sqlx::query(
                    "INSERT INTO users (id, username, role, created_at, token_version) VALUES (?, ?, 'user', 7, 2)",
                )
                .bind(id)
                .bind(name)
                .execute(&pool)
                .await
                .unwrap();
            }
            sqlx::query(
                "INSERT INTO audit_events (at, kind, actor_user_id, subject_user_id, detail) \
                 VALUES (1, 'user_deleted', 1, 4, 'dora')",
            )
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
        let store = Store::open(&path).await.unwrap();
        let ring = Keyring::new(Key::generate());
        store
            .put_credential(&ring, 2, Provider::ListenBrainz, &SecretString::new("tok"))
            .await
            .unwrap();
        let names: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, username, token_version FROM users ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert_eq!(
            names,
            [
                (1, "olivia".into(), 2),
                (2, "ann".into(), 2),
                (3, "bob".into(), 2)
            ]
        );
        let next = store
            .create_account("erin", Role::User, None, false)
            .await
            .unwrap();
        assert_eq!(
            next.id, 5,
            "past the deleted user 4 the audit log remembers"
        );
        store.delete_user(next.id).await.unwrap();
        let after = store
            .create_account("fay", Role::User, None, false)
            .await
            .unwrap();
        assert_eq!(after.id, 6, "the newest user's id is not handed out again");
        assert_eq!(
            store
                .credential(&ring, 2, Provider::ListenBrainz)
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "tok"
        );
        let problems: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(store.writer())
                .await
                .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.writer())
            .await
            .unwrap();
        assert_eq!(fk, 1, "foreign keys are back on for the writer");
    }
}

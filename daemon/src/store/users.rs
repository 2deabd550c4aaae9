//! Accounts. The identity issue grows this; the foundation needs users to own sealed
//! provider credentials.

use sqlx::FromRow;

use super::{Result, Store, now};

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

//! Column-generic access to sealed values, for rotation and the registry audit.
//!
//! The only dynamic SQL in the store: table and column names come from the
//! `&'static` registry (or, for the audit, from SQLite's own schema), never from a
//! request, and are quoted as identifiers.

use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::crypto::{ENVELOPE_MARKER, Owner, SEALED_COLUMNS, Sealed, SealedColumn};

use super::{Result, Store};

/// One sealed value and what it is bound to: its row id and, where its column has
/// them, its user and provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub row_id: String,
    pub envelope: String,
    pub user_id: Option<String>,
    pub provider: Option<String>,
}

impl SealedValue {
    /// Where this value of `column` lives, for sealing and opening.
    pub fn at<'a>(&'a self, column: &'a SealedColumn) -> Sealed<'a> {
        column.at(
            &self.row_id,
            Owner {
                user_id: self.user_id.as_deref(),
                provider: self.provider.as_deref(),
            },
        )
    }
}

/// A column that holds sealed values but is missing from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnregisteredSealed {
    pub table: String,
    pub column: String,
    pub count: i64,
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every non-NULL value of `column`, with its row id, user and provider as text.
pub async fn sealed_values(
    conn: &mut SqliteConnection,
    column: &SealedColumn,
) -> Result<Vec<SealedValue>> {
    let text_or_null =
        |c: Option<&str>| c.map_or("NULL".to_owned(), |c| format!("CAST({} AS TEXT)", ident(c)));
    let sql = format!(
        "SELECT CAST({id} AS TEXT), {col}, {user}, {provider} FROM {table} \
         WHERE {col} IS NOT NULL ORDER BY {id}",
        id = ident(column.id_column),
        col = ident(column.column),
        user = text_or_null(column.user_column),
        provider = text_or_null(column.provider_column),
        table = ident(column.table),
    );
    let rows: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(row_id, envelope, user_id, provider)| SealedValue {
            row_id,
            envelope,
            user_id,
            provider,
        })
        .collect())
}

impl Store {
    /// Every non-NULL value of `column` ([`sealed_values`] through the readers).
    pub async fn sealed_values_of(&self, column: &SealedColumn) -> Result<Vec<SealedValue>> {
        let mut conn = self.pool().acquire().await?;
        sealed_values(&mut conn, column).await
    }
}

/// Replaces the value of `column` in row `row_id`.
pub async fn replace_sealed(
    conn: &mut SqliteConnection,
    column: &SealedColumn,
    row_id: &str,
    envelope: &str,
) -> Result<()> {
    // `{id} = ?` with the id as text still uses the key's index: SQLite converts the
    // text to the column's affinity (a CAST of the column would scan every row).
    let sql = format!(
        "UPDATE {table} SET {col} = ? WHERE {id} = ?",
        id = ident(column.id_column),
        col = ident(column.column),
        table = ident(column.table),
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(envelope)
        .bind(row_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Err(super::StoreError::NotFound);
    }
    Ok(())
}

impl Store {
    /// Columns anywhere in the schema that hold sealed envelopes but are not in
    /// [`SEALED_COLUMNS`]: rotation would miss them, so this must always be empty.
    pub async fn unregistered_sealed_columns(&self) -> Result<Vec<UnregisteredSealed>> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        let mut found = Vec::new();
        for table in tables {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                    .bind(&table)
                    .fetch_all(self.pool())
                    .await?;
            for column in columns {
                if SEALED_COLUMNS
                    .iter()
                    .any(|c| c.table == table && c.column == column)
                {
                    continue;
                }
                let sql = format!(
                    "SELECT COUNT(*) FROM {} WHERE substr(CAST({} AS TEXT), 1, ?) = ?",
                    ident(&table),
                    ident(&column)
                );
                let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                    .bind(ENVELOPE_MARKER.len() as i64)
                    .bind(ENVELOPE_MARKER)
                    .fetch_one(self.pool())
                    .await?;
                if count > 0 {
                    found.push(UnregisteredSealed {
                        table: table.clone(),
                        column,
                        count,
                    });
                }
            }
        }
        Ok(found)
    }
}

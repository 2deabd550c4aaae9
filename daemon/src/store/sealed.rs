//! Column-generic access to sealed values, for rotation and the registry audit.
//!
//! The only dynamic SQL in the store: table and column names come from the
//! `&'static` registry (or, for the audit, from SQLite's own schema), never from a
//! request, and are quoted as identifiers.

use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::crypto::{ENVELOPE_PREFIX, SEALED_COLUMNS, SealedColumn};

use super::{Result, Store};

/// One sealed value and the row id it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub row_id: String,
    pub envelope: String,
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

/// Every non-NULL value of `column`, with its row id as text.
pub async fn sealed_values(
    conn: &mut SqliteConnection,
    column: &SealedColumn,
) -> Result<Vec<SealedValue>> {
    let sql = format!(
        "SELECT CAST({id} AS TEXT), {col} FROM {table} WHERE {col} IS NOT NULL ORDER BY {id}",
        id = ident(column.id_column),
        col = ident(column.column),
        table = ident(column.table),
    );
    let rows: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row_id, envelope)| SealedValue { row_id, envelope })
        .collect())
}

/// Replaces the value of `column` in row `row_id`.
pub async fn replace_sealed(
    conn: &mut SqliteConnection,
    column: &SealedColumn,
    row_id: &str,
    envelope: &str,
) -> Result<()> {
    let sql = format!(
        "UPDATE {table} SET {col} = ? WHERE CAST({id} AS TEXT) = ?",
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
                    .bind(ENVELOPE_PREFIX.len() as i64)
                    .bind(ENVELOPE_PREFIX)
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

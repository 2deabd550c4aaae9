//! The one list of sealed columns. Sealing code names its column through these
//! constants; rotation walks this list; a test fails when the database holds a sealed
//! value in a column that is not listed here (the reference system missed one).

/// A column whose every non-NULL value is a sealed envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    /// Column whose value (as text) is the row id bound into the associated data.
    pub id_column: &'static str,
}

/// Per-user provider credentials (Navidrome password, OAuth tokens, session keys, …).
pub const PROVIDER_CREDENTIALS_SECRET: SealedColumn = SealedColumn {
    table: "provider_credentials",
    column: "secret",
    id_column: "id",
};

/// Instance-wide secrets (LLM / Lidarr / Fanart.tv keys, SMTP password, …).
pub const INSTANCE_SECRETS_VALUE: SealedColumn = SealedColumn {
    table: "instance_secrets",
    column: "value",
    id_column: "name",
};

/// Every sealed column. Add new ones here and nowhere else.
pub const SEALED_COLUMNS: &[SealedColumn] = &[PROVIDER_CREDENTIALS_SECRET, INSTANCE_SECRETS_VALUE];

impl SealedColumn {
    pub fn at<'a>(&'a self, row_id: &'a str) -> super::Sealed<'a> {
        super::Sealed {
            table: self.table,
            column: self.column,
            row_id,
        }
    }
}

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
    /// Columns naming the value's user and provider, bound too (envelope version 2).
    pub user_column: Option<&'static str>,
    pub provider_column: Option<&'static str>,
}

/// Per-user provider credentials (Navidrome password, OAuth tokens, session keys, …).
pub const PROVIDER_CREDENTIALS_SECRET: SealedColumn = SealedColumn {
    table: "provider_credentials",
    column: "secret",
    id_column: "id",
    user_column: Some("user_id"),
    provider_column: Some("provider"),
};

/// Instance-wide secrets (LLM / Lidarr / Fanart.tv keys, SMTP password, …).
pub const INSTANCE_SECRETS_VALUE: SealedColumn = SealedColumn {
    table: "instance_secrets",
    column: "value",
    id_column: "name",
    user_column: None,
    provider_column: None,
};

/// Every sealed column. Add new ones here and nowhere else.
pub const SEALED_COLUMNS: &[SealedColumn] = &[PROVIDER_CREDENTIALS_SECRET, INSTANCE_SECRETS_VALUE];

impl SealedColumn {
    /// The place of the value in row `row_id` belonging to `owner`.
    pub fn at<'a>(&'a self, row_id: &'a str, owner: super::Owner<'a>) -> super::Sealed<'a> {
        super::Sealed {
            table: self.table,
            column: self.column,
            row_id,
            owner,
        }
    }
}

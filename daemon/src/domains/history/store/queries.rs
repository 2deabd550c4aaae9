//! Browsing the timeline: keyset pages newest first, filters and full-text search.
//!
//! Every page is a bounded index walk that stops after `LIMIT` rows, so the first page
//! and the ten-thousandth cost the same:
//! - without text filters, `listens_user_time (user_id, played_at DESC, id DESC)`
//!   is walked from the cursor, with the date range as index bounds;
//! - with text (search, or artist/album/title filters), the contentless FTS5 table
//!   `listens_fts` is walked instead. Its rowid is the listen's sort key,
//!   `played_at * 2^30 + id` (migration 0004), so FTS5 yields matches already in
//!   timeline order, the cursor and the date range become rowid bounds, and a page
//!   stops after `LIMIT` matches rather than sorting every match of a common word.
//!
//! The cursor is the last row's `(played_at, id)`: a row inserted while a client
//! pages sorts either before the cursor (not shown: it is newer than the page the
//! client started from) or after it (shown in its place), so paging on never repeats
//! or skips a listen that was there when paging began.
//!
//! Another user's listens never match: the user id is in every query (the FTS walk
//! drops them after the join; a household's few users make that cheap).

use sqlx::FromRow;

use super::listens::ListenRow;
use crate::store::{Result, Store};

/// A cursor before every listen: a page from the newest.
pub const NEWEST: (i64, i64) = (i64::MAX, i64::MAX);

/// The sort key: timeline order as one integer (see the module docs).
pub const SORT_KEY_ID_BITS: u32 = 30;

/// `played_at * 2^30 + id`, saturating at the ends of i64.
pub fn sort_key(played_at: i64, id: i64) -> i64 {
    played_at
        .saturating_mul(1 << SORT_KEY_ID_BITS)
        .saturating_add(id)
}

/// Which listens a page shows; the text parts are already an FTS5 expression.
#[derive(Debug, Clone, Default)]
pub struct ListenQuery {
    /// From [`fts_expression`]; `None` without text filters.
    pub fts: Option<String>,
    /// Source names ("lastfm", "import", …); empty = any.
    pub sources: Vec<String>,
    /// `played_at >= from`.
    pub from: i64,
    /// `played_at < to`.
    pub to: i64,
}

impl ListenQuery {
    pub fn everything() -> Self {
        ListenQuery {
            fts: None,
            sources: Vec::new(),
            from: i64::MIN,
            to: i64::MAX,
        }
    }
}

/// Text filters a user typed. Each is matched as words, folded (case, accents,
/// punctuation), never as FTS5 syntax.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextFilter<'a> {
    /// Words that must all appear in artist, album or title; the last as a prefix.
    pub query: &'a str,
    /// Phrases the column must contain.
    pub artist: &'a str,
    pub album: &'a str,
    pub title: &'a str,
}

/// Below this many listens from the filtered sources, a page starts from their
/// `listen_sources` rows instead of walking the timeline (see `few_from`).
pub const FEW_FROM_SOURCE: i64 = 10_000;

/// Longest text a filter takes, in characters.
pub const MAX_FILTER_CHARS: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("a search or filter needs at least one letter or digit")]
    NoWords,
    #[error("a search or filter is limited to 200 characters")]
    TooLong,
}

/// One word or phrase as an FTS5 string: double quotes around it, inner double quotes
/// doubled. Inside a string FTS5 sees no operators, columns or prefixes: `NEAR`,
/// `*`, `:`, `^` and parentheses are text, which its tokenizer turns into words.
/// Control characters become spaces: FTS5 reads the expression as a C string, so a
/// NUL would end it inside the quotes.
fn fts_string(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn has_word(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// The FTS5 expression for `filter`, or `None` when it has no text at all.
pub fn fts_expression(filter: &TextFilter<'_>) -> Result<Option<String>, FilterError> {
    let mut parts = Vec::new();
    for text in [filter.query, filter.artist, filter.album, filter.title] {
        if text.chars().count() > MAX_FILTER_CHARS {
            return Err(FilterError::TooLong);
        }
    }
    let query = filter.query.trim();
    if !query.is_empty() {
        let words: Vec<&str> = query.split_whitespace().filter(|w| has_word(w)).collect();
        let Some((last, rest)) = words.split_last() else {
            return Err(FilterError::NoWords);
        };
        let mut terms: Vec<String> = rest.iter().map(|w| fts_string(w)).collect();
        // The last word as a prefix: results while typing.
        terms.push(format!("{}*", fts_string(last)));
        parts.push(terms.join(" "));
    }
    for (column, text) in [
        ("artist", filter.artist),
        ("album", filter.album),
        ("title", filter.title),
    ] {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if !has_word(text) {
            return Err(FilterError::NoWords);
        }
        parts.push(format!("{column} : {}", fts_string(text)));
    }
    Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
}

/// Everything known about one listen.
#[derive(Debug, Clone)]
pub struct ListenDetail {
    pub listen: ListenRow,
    /// (source, source_ref), by source name.
    pub sources: Vec<(String, String)>,
    /// Plays of the same track and the first of them.
    pub track_listens: i64,
    pub track_first_at: i64,
    pub library_album: Option<String>,
}

#[derive(FromRow)]
struct DetailRow {
    match_key: String,
    library_album: Option<String>,
}

// The columns of a `ListenRow`, sources sorted by name.
macro_rules! listen_columns {
    () => {
        "l.id, l.played_at, l.artist, l.album, l.title, l.duration_ms, l.track_id, l.isrc, \
         l.mbid, (SELECT group_concat(source, ',') FROM \
            (SELECT source FROM listen_sources s WHERE s.listen_id = l.id ORDER BY source)) \
           AS sources "
    };
}

// Keeps rows reported by one of the sources in the JSON array ?5 (NULL = any).
macro_rules! source_filter {
    () => {
        " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM listen_sources s \
            WHERE s.listen_id = l.id AND s.source IN (SELECT value FROM json_each(?5)))) "
    };
}

impl Store {
    /// Up to `limit` listens matching `query`, newest first, strictly before
    /// `(played_at, id)` = `before` (see the module docs).
    pub async fn list_listens(
        &self,
        user_id: i64,
        query: &ListenQuery,
        before: (i64, i64),
        limit: u32,
    ) -> Result<Vec<ListenRow>> {
        let sources = (!query.sources.is_empty())
            .then(|| serde_json::to_string(&query.sources).unwrap_or_default());
        match &query.fts {
            None if sources.is_some() && self.few_from(user_id, sources.as_deref()).await? => {
                // A source with few listens: start from its rows rather than walk the
                // whole timeline looking for them.
                let upper = before.min((query.to, 0));
                Ok(sqlx::query_as(concat!(
                    "SELECT ",
                    listen_columns!(),
                    "FROM listens l WHERE l.id IN (SELECT s.listen_id FROM listen_sources s \
                       WHERE s.user_id = ?1 AND s.source IN (SELECT value FROM json_each(?5))) \
                     AND (l.played_at, l.id) < (?2, ?3) AND l.played_at >= ?4 \
                     ORDER BY l.played_at DESC, l.id DESC LIMIT ?6"
                ))
                .bind(user_id)
                .bind(upper.0)
                .bind(upper.1)
                .bind(query.from)
                .bind(sources)
                .bind(limit)
                .fetch_all(self.pool())
                .await?)
            }
            None => {
                // `to` is exclusive: (played_at, id) < (to, 0) as ids are positive.
                let upper = before.min((query.to, 0));
                Ok(sqlx::query_as(concat!(
                    "SELECT ",
                    listen_columns!(),
                    "FROM listens l \
                     WHERE l.user_id = ?1 AND (l.played_at, l.id) < (?2, ?3) AND l.played_at >= ?4",
                    source_filter!(),
                    "ORDER BY l.played_at DESC, l.id DESC LIMIT ?6"
                ))
                .bind(user_id)
                .bind(upper.0)
                .bind(upper.1)
                .bind(query.from)
                .bind(sources)
                .bind(limit)
                .fetch_all(self.pool())
                .await?)
            }
            Some(fts) => {
                let upper = sort_key(before.0, before.1).min(sort_key(query.to, 0));
                let lower = sort_key(query.from, 0);
                // CROSS JOIN keeps the FTS walk outermost, in rowid order.
                Ok(sqlx::query_as(concat!(
                    "SELECT ",
                    listen_columns!(),
                    "FROM listens_fts CROSS JOIN listens l \
                       ON l.id = (listens_fts.rowid & 1073741823) \
                     WHERE listens_fts MATCH ?1 AND listens_fts.rowid < ?2 \
                       AND listens_fts.rowid >= ?3 AND l.user_id = ?4",
                    source_filter!(),
                    "ORDER BY listens_fts.rowid DESC LIMIT ?6"
                ))
                .bind(fts)
                .bind(upper)
                .bind(lower)
                .bind(user_id)
                .bind(sources)
                .bind(limit)
                .fetch_all(self.pool())
                .await?)
            }
        }
    }

    /// Whether the sources in the JSON array `sources` reported fewer than
    /// [`FEW_FROM_SOURCE`] of the user's listens (counted no further than that, on
    /// the `(user_id, source, source_ref)` index). Walking the timeline for a source
    /// that reported a share `p` of it reads about `limit / p` rows: fine for common
    /// sources, the whole history for one that reported nothing. Below the threshold,
    /// sorting that source's rows costs less.
    async fn few_from(&self, user_id: i64, sources: Option<&str>) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM listen_sources \
               WHERE user_id = ? AND source IN (SELECT value FROM json_each(?)) LIMIT ?)",
        )
        .bind(user_id)
        .bind(sources)
        .bind(FEW_FROM_SOURCE)
        .fetch_one(self.pool())
        .await?;
        Ok(n < FEW_FROM_SOURCE)
    }

    /// One of the user's listens; `NotFound` for anyone else's.
    pub async fn listen_detail(&self, user_id: i64, id: i64) -> Result<ListenDetail> {
        let listen: ListenRow = sqlx::query_as(concat!(
            "SELECT ",
            listen_columns!(),
            "FROM listens l WHERE l.id = ? AND l.user_id = ?"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        let detail: DetailRow = sqlx::query_as(
            "SELECT l.match_key, \
               (SELECT t.album FROM library_tracks t WHERE t.user_id = l.user_id AND t.id = l.track_id) \
                 AS library_album \
             FROM listens l WHERE l.id = ?",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        let sources = sqlx::query_as(
            "SELECT source, source_ref FROM listen_sources WHERE listen_id = ? ORDER BY source",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let (track_listens, track_first_at): (i64, i64) = sqlx::query_as(
            "SELECT n, first_at FROM listen_totals WHERE user_id = ? AND kind = 3 AND key = ?",
        )
        .bind(user_id)
        .bind(&detail.match_key)
        .fetch_optional(self.pool())
        .await?
        .unwrap_or((1, listen.played_at));
        Ok(ListenDetail {
            listen,
            sources,
            track_listens,
            track_first_at,
            library_album: detail.library_album,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(query: &str) -> Option<String> {
        fts_expression(&TextFilter {
            query,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn user_text_becomes_quoted_strings_never_syntax() {
        assert_eq!(expr("radioh"), Some(r#""radioh"*"#.into()));
        assert_eq!(expr("  ok computer "), Some(r#""ok" "computer"*"#.into()));
        // Operators, column filters and quotes stay text.
        assert_eq!(
            expr(r#"a" OR artist:* NEAR(x"#),
            Some(r#""a""" "OR" "artist:*" "NEAR(x"*"#.into())
        );
        // A word of punctuation only is dropped; nothing but punctuation is an error.
        assert_eq!(expr("ac / dc"), Some(r#""ac" "dc"*"#.into()));
        assert_eq!(
            fts_expression(&TextFilter {
                query: "\"* -",
                ..Default::default()
            }),
            Err(FilterError::NoWords)
        );
        assert_eq!(expr("   "), None);
    }

    #[test]
    fn column_filters_are_phrases_and_combine_with_and() {
        let e = fts_expression(&TextFilter {
            query: "live",
            artist: "Sigur \"Rós\"",
            album: "",
            title: "Hoppípolla",
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            e,
            r#""live"* AND artist : "Sigur ""Rós""" AND title : "Hoppípolla""#
        );
        let long = "x".repeat(MAX_FILTER_CHARS + 1);
        assert_eq!(
            fts_expression(&TextFilter {
                artist: &long,
                ..Default::default()
            }),
            Err(FilterError::TooLong)
        );
    }

    #[test]
    fn the_sort_key_orders_like_played_at_then_id() {
        assert!(sort_key(100, 5) < sort_key(100, 6));
        assert!(sort_key(100, (1 << 30) - 1) < sort_key(101, 1));
        assert_eq!(sort_key(i64::MAX, 1), i64::MAX);
    }
}

//! Statistics over a user's history, fast at millions of listens.
//!
//! Counting raw listens is linear in the period: a year of a heavy listener is
//! ~200,000 rows to group by artist, far over the 100 ms a stats screen may take. So
//! the store keeps three aggregates, updated with each page of new listens in the
//! same transaction (`listens.rs`, one grouped statement per table and page) and
//! built for existing listens by migration 0004:
//! - `listen_totals`: per artist, album and track, the all-time count and first
//!   listen, with the names as first heard. All-time top lists read its
//!   `(user, kind, n DESC)` index and stop after `limit` rows; discoveries in a period
//!   are a range of its `(user, kind, first_at)` index; distinct counts are its size.
//! - `listen_months`: counts per artist/album/track and 30-day bucket. A period's top
//!   list sums the buckets wholly inside it (a year is ~12 buckets, each holding one
//!   row per thing heard that month, far fewer than its listens) and counts only the
//!   ragged edges (under 30 days at each end) from `listens`.
//! - `listen_slots`: listens per quarter hour. Per-day and per-hour counts in the
//!   caller's time zone (every UTC offset in use is a multiple of 15 minutes) and
//!   streaks are grouped from it: at most 96 rows a day instead of every listen.
//!
//! The cost is paid at write time: three grouped upserts per page of listens, which
//! the import benchmark measures.
//!
//! Keys fold names the way matching does (`normalize::match_key`): an artist is the
//! folded primary artist, a track its folded artist and core title, an album the
//! folded artist and the album name in lower case. Ties rank by key.

use sqlx::FromRow;

use crate::store::{Result, Store};

/// Seconds in one `listen_months` bucket.
pub const BUCKET_SECS: i64 = 2_592_000;
/// Seconds in one `listen_slots` slot.
pub const SLOT_SECS: i64 = 900;

/// What a top list or discovery list ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Artists = 1,
    Albums = 2,
    Tracks = 3,
}

/// `[from, to)` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: i64,
    pub to: i64,
}

impl Range {
    pub const ALL: Range = Range {
        from: i64::MIN,
        to: i64::MAX,
    };

    fn is_all(&self) -> bool {
        self.from <= 0 && self.to == i64::MAX
    }

    /// The whole units of `unit` seconds inside the range, as `[lo, hi)` unit
    /// indexes, and the ragged edges before and after them as time ranges.
    fn split(&self, unit: i64) -> (i64, i64, Range, Range) {
        let from = self.from.max(0);
        let to = self.to.max(from);
        let lo = from.div_euclid(unit) + i64::from(from.rem_euclid(unit) != 0);
        let hi = to.div_euclid(unit);
        if lo >= hi {
            let empty = Range { from: 0, to: 0 };
            return (0, 0, Range { from, to }, empty);
        }
        (
            lo,
            hi,
            Range {
                from,
                to: lo.saturating_mul(unit),
            },
            Range {
                from: hi.saturating_mul(unit),
                to,
            },
        )
    }
}

/// One line of a top list or a discovery list.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Ranked {
    pub artist: String,
    pub album: Option<String>,
    pub title: Option<String>,
    pub n: i64,
    /// The first listen ever (discoveries; 0 in top lists).
    pub first_at: i64,
}

/// Listens per local hour since the epoch (`(played_at + offset) / 3600`), ascending.
pub type HourCounts = Vec<(i64, i64)>;

// A top list for one subject: buckets ?2..?3 plus raw listens in [?4, ?5) and
// [?6, ?7), the best ?8, with names from `listen_totals`.
macro_rules! top_sql {
    ($kind:literal, $key:literal, $cond:literal) => {
        concat!(
            "WITH c(key, n) AS (",
            "SELECT key, n FROM listen_months WHERE user_id = ?1 AND kind = ",
            $kind,
            " AND bucket >= ?2 AND bucket < ?3 ",
            "UNION ALL SELECT ",
            $key,
            ", 1 FROM listens WHERE user_id = ?1 AND played_at >= ?4 AND played_at < ?5",
            $cond,
            " UNION ALL SELECT ",
            $key,
            ", 1 FROM listens WHERE user_id = ?1 AND played_at >= ?6 AND played_at < ?7",
            $cond,
            ") SELECT t.artist, t.album, t.title, s.n, 0 AS first_at FROM ",
            "(SELECT key, sum(n) AS n FROM c GROUP BY key ORDER BY n DESC, key LIMIT ?8) s ",
            "JOIN listen_totals t ON t.user_id = ?1 AND t.kind = ",
            $kind,
            " AND t.key = s.key ORDER BY s.n DESC, s.key"
        )
    };
}

const TOP_ARTISTS: &str = top_sql!(
    "1",
    "substr(match_key, 1, instr(match_key, char(31)) - 1)",
    ""
);
const TOP_ALBUMS: &str = top_sql!(
    "2",
    "substr(match_key, 1, instr(match_key, char(31))) || lower(trim(album))",
    " AND trim(coalesce(album, '')) <> ''"
);
const TOP_TRACKS: &str = top_sql!("3", "match_key", "");

impl Store {
    /// The `limit` most played of `subject` in `range`, and the listens in it.
    pub async fn top(
        &self,
        user_id: i64,
        subject: Subject,
        range: Range,
        limit: u32,
    ) -> Result<Vec<Ranked>> {
        if range.is_all() {
            return Ok(sqlx::query_as(
                "SELECT artist, album, title, n, 0 AS first_at FROM listen_totals \
                 WHERE user_id = ? AND kind = ? ORDER BY n DESC, key LIMIT ?",
            )
            .bind(user_id)
            .bind(subject as i64)
            .bind(limit)
            .fetch_all(self.pool())
            .await?);
        }
        let (lo, hi, before, after) = range.split(BUCKET_SECS);
        let sql = match subject {
            Subject::Artists => TOP_ARTISTS,
            Subject::Albums => TOP_ALBUMS,
            Subject::Tracks => TOP_TRACKS,
        };
        Ok(sqlx::query_as(sql)
            .bind(user_id)
            .bind(lo)
            .bind(hi)
            .bind(before.from)
            .bind(before.to)
            .bind(after.from)
            .bind(after.to)
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    /// Listens in `range`.
    pub async fn count_listens(&self, user_id: i64, range: Range) -> Result<i64> {
        let (lo, hi, before, after) = range.split(SLOT_SECS);
        Ok(sqlx::query_scalar(
            "SELECT (SELECT coalesce(sum(n), 0) FROM listen_slots \
                     WHERE user_id = ?1 AND slot >= ?2 AND slot < ?3) \
                  + (SELECT count(*) FROM listens WHERE user_id = ?1 AND played_at >= ?4 AND played_at < ?5) \
                  + (SELECT count(*) FROM listens WHERE user_id = ?1 AND played_at >= ?6 AND played_at < ?7)",
        )
        .bind(user_id)
        .bind(lo)
        .bind(hi)
        .bind(before.from)
        .bind(before.to)
        .bind(after.from)
        .bind(after.to)
        .fetch_one(self.pool())
        .await?)
    }

    /// Listens per local hour (the clock shifted by `offset_secs`, a multiple of 15
    /// minutes) in `range`, ascending, only hours with listens.
    pub async fn hourly_counts(
        &self,
        user_id: i64,
        range: Range,
        offset_secs: i64,
    ) -> Result<HourCounts> {
        let (lo, hi, before, after) = range.split(SLOT_SECS);
        let mut hours: HourCounts = sqlx::query_as(
            "SELECT (slot * 900 + ?4) / 3600 AS h, sum(n) FROM listen_slots \
             WHERE user_id = ?1 AND slot >= ?2 AND slot < ?3 GROUP BY h \
             UNION ALL \
             SELECT (played_at + ?4) / 3600 AS h, count(*) FROM listens \
             WHERE user_id = ?1 AND played_at >= ?5 AND played_at < ?6 GROUP BY h \
             UNION ALL \
             SELECT (played_at + ?4) / 3600 AS h, count(*) FROM listens \
             WHERE user_id = ?1 AND played_at >= ?7 AND played_at < ?8 GROUP BY h",
        )
        .bind(user_id)
        .bind(lo)
        .bind(hi)
        .bind(offset_secs)
        .bind(before.from)
        .bind(before.to)
        .bind(after.from)
        .bind(after.to)
        .fetch_all(self.pool())
        .await?;
        // The edges can share an hour with the slots: merge.
        hours.sort_unstable();
        hours.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 += b.1;
                true
            } else {
                false
            }
        });
        Ok(hours)
    }

    /// What was first heard in `range`, most played first, and how many there were.
    pub async fn discoveries(
        &self,
        user_id: i64,
        subject: Subject,
        range: Range,
        limit: u32,
    ) -> Result<(Vec<Ranked>, i64)> {
        let rows = sqlx::query_as(
            "SELECT artist, album, title, n, first_at FROM listen_totals \
             WHERE user_id = ? AND kind = ? AND first_at >= ? AND first_at < ? \
             ORDER BY n DESC, key LIMIT ?",
        )
        .bind(user_id)
        .bind(subject as i64)
        .bind(range.from)
        .bind(range.to)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let total = sqlx::query_scalar(
            "SELECT count(*) FROM listen_totals \
             WHERE user_id = ? AND kind = ? AND first_at >= ? AND first_at < ?",
        )
        .bind(user_id)
        .bind(subject as i64)
        .bind(range.from)
        .bind(range.to)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// Distinct artists, albums and tracks in the whole history.
    pub async fn distinct_counts(&self, user_id: i64) -> Result<(i64, i64, i64)> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT kind, count(*) FROM listen_totals WHERE user_id = ? GROUP BY kind",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        let of = |k| rows.iter().find(|(kind, _)| *kind == k).map_or(0, |r| r.1);
        Ok((of(1), of(2), of(3)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_splits_into_whole_units_and_ragged_edges() {
        let r = Range {
            from: 150,
            to: 1_050,
        };
        assert_eq!(
            r.split(100),
            (
                2,
                10,
                Range { from: 150, to: 200 },
                Range {
                    from: 1_000,
                    to: 1_050
                }
            )
        );
        // Aligned ends leave empty edges.
        let (lo, hi, a, b) = Range {
            from: 200,
            to: 1_000,
        }
        .split(100);
        assert_eq!(
            (lo, hi, a.from == a.to, b.from == b.to),
            (2, 10, true, true)
        );
        // Inside one unit: all edge.
        assert_eq!(
            Range { from: 110, to: 190 }.split(100),
            (0, 0, Range { from: 110, to: 190 }, Range { from: 0, to: 0 })
        );
    }
}

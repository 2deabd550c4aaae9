//! The history service: a user's timeline, its statistics and their arithmetic
//! (periods, local days, streaks), in plain Rust values. The rpc adapter converts;
//! the store runs the queries.

use futures::Stream;

use super::{
    export,
    store::{
        listens::ListenRow,
        queries::{ListenDetail, ListenQuery},
        stats::{Range, Ranked, Subject},
    },
};
use crate::{
    domains::library::store::LibraryCounts,
    service::{Result, ServiceError},
    store::Store,
};

/// Days `GetActivity` returns at most (the most recent).
pub const MAX_DAYS: usize = 3660;

pub const DAY: i64 = 86_400;

/// How many listens, and of what, a user holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub listens: i64,
    pub by_source: Vec<(String, i64)>,
    pub library: LibraryCounts,
    pub artists: i64,
    pub albums: i64,
    pub tracks: i64,
}

/// Listens on one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub listens: u64,
}

/// When a user listens: per local day and hour of day, and the streaks of days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub days: Vec<DayCount>,
    /// Listens per hour of the day, 0..24.
    pub hours: Vec<u64>,
    pub listens: u64,
    pub active_days: u32,
    pub longest_streak: u32,
    /// `YYYY-MM-DD`, or empty without listens.
    pub longest_streak_start: String,
    pub current_streak: u32,
    /// The period as reported back (see [`shown`]).
    pub from: i64,
    pub to: i64,
}

/// A user's history, read.
#[derive(Clone)]
pub struct History {
    store: Store,
}

fn store_error(e: crate::store::StoreError) -> ServiceError {
    ServiceError::Store(e)
}

impl History {
    pub fn new(store: Store) -> Self {
        History { store }
    }

    /// A page of `user_id`'s listens matching `query`, newest first, strictly before
    /// `before` (`played_at`, `id`).
    pub async fn listens(
        &self,
        user_id: i64,
        query: &ListenQuery,
        before: (i64, i64),
        size: u32,
    ) -> Result<Vec<ListenRow>> {
        self.store
            .list_listens(user_id, query, before, size)
            .await
            .map_err(store_error)
    }

    pub async fn summary(&self, user_id: i64) -> Result<Summary> {
        let (listens, by_source) = self
            .store
            .listen_counts(user_id)
            .await
            .map_err(store_error)?;
        let library = self
            .store
            .library_counts(user_id)
            .await
            .map_err(store_error)?;
        let (artists, albums, tracks) = self
            .store
            .distinct_counts(user_id)
            .await
            .map_err(store_error)?;
        Ok(Summary {
            listens,
            by_source,
            library,
            artists,
            albums,
            tracks,
        })
    }

    pub async fn listen(&self, user_id: i64, id: i64) -> Result<ListenDetail> {
        self.store
            .listen_detail(user_id, id)
            .await
            .map_err(store_error)
    }

    /// The most listened `subject`s in `range`, and the listens in it.
    pub async fn top(
        &self,
        user_id: i64,
        subject: Subject,
        range: Range,
        limit: u32,
    ) -> Result<(Vec<Ranked>, i64)> {
        let entries = self
            .store
            .top(user_id, subject, range, limit)
            .await
            .map_err(store_error)?;
        let listens = self
            .store
            .count_listens(user_id, range)
            .await
            .map_err(store_error)?;
        Ok((entries, listens))
    }

    /// The `subject`s first heard in `range`, and how many there are.
    pub async fn discoveries(
        &self,
        user_id: i64,
        subject: Subject,
        range: Range,
        limit: u32,
    ) -> Result<(Vec<Ranked>, i64)> {
        self.store
            .discoveries(user_id, subject, range, limit)
            .await
            .map_err(store_error)
    }

    /// Activity in `range` at `now`, in local days of a zone `utc_offset_minutes`
    /// east of UTC.
    pub async fn activity(
        &self,
        user_id: i64,
        range: Range,
        utc_offset_minutes: i32,
        now: i64,
    ) -> Result<Activity> {
        // Every offset in use is a whole number of quarter hours.
        let minutes = utc_offset_minutes.clamp(-18 * 60, 18 * 60);
        let offset = i64::from(minutes - minutes.rem_euclid(15)) * 60;
        let hours = self
            .store
            .hourly_counts(user_id, range, offset)
            .await
            .map_err(store_error)?;
        let local_day = |t: i64| (t + offset).div_euclid(DAY);
        let (from, to) = shown(range, now);
        let first_day = (range.from > 0).then(|| local_day(range.from));
        let mut out = activity(&hours, first_day, local_day(to - 1), local_day(now));
        out.from = from;
        out.to = to;
        Ok(out)
    }

    /// `user_id`'s listens matching `query`, newest first, as chunks of `format`.
    pub fn export(
        &self,
        user_id: i64,
        query: ListenQuery,
        format: export::Format,
    ) -> impl Stream<Item = Result<Vec<u8>>> + Send + use<> {
        export::stream(self.store.clone(), user_id, query, format)
    }
}

/// Bounds as reported back: unbounded ends shown as the first listen and now.
pub fn shown(range: Range, now: i64) -> (i64, i64) {
    (range.from.max(0), range.to.min(now + 1))
}

/// The local date of local day number `day` (days since 1970-01-01).
pub fn date_of(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * DAY)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_default()
}

/// Activity from per-local-hour counts (hour numbers since the epoch, ascending).
pub fn activity(
    hours: &[(i64, i64)],
    first_day: Option<i64>,
    last_day: i64,
    today: i64,
) -> Activity {
    let mut by_hour = vec![0u64; 24];
    let mut days: Vec<(i64, u64)> = Vec::new();
    for &(h, n) in hours {
        let n = n.max(0) as u64;
        by_hour[h.rem_euclid(24) as usize] += n;
        let day = h.div_euclid(24);
        match days.last_mut() {
            Some((d, c)) if *d == day => *c += n,
            _ => days.push((day, n)),
        }
    }
    let listens = days.iter().map(|d| d.1).sum();
    // Streaks over days with listens (ascending).
    let (mut longest, mut longest_start, mut run, mut run_start) = (0u32, None, 0u32, 0i64);
    let mut prev: Option<i64> = None;
    for &(day, _) in &days {
        if prev == Some(day - 1) {
            run += 1;
        } else {
            run = 1;
            run_start = day;
        }
        if run > longest {
            longest = run;
            longest_start = Some(run_start);
        }
        prev = Some(day);
    }
    let current = match prev {
        Some(last) if last == today || last == today - 1 => run,
        _ => 0,
    };
    // Every day from the first (or the period's start) to the period's end, zeros
    // included, the most recent MAX_DAYS of them.
    let start = match (first_day, days.first()) {
        (Some(f), _) => f,
        (None, Some(&(d, _))) => d,
        (None, None) => last_day + 1,
    };
    let start = start.max(last_day - MAX_DAYS as i64 + 1);
    let mut counts = days.iter().peekable();
    let mut out = Vec::new();
    for day in start..=last_day {
        while counts.peek().is_some_and(|(d, _)| *d < day) {
            counts.next();
        }
        let n = match counts.peek() {
            Some(&&(d, n)) if d == day => n,
            _ => 0,
        };
        out.push(DayCount {
            date: date_of(day),
            listens: n,
        });
    }
    Activity {
        days: out,
        hours: by_hour,
        listens,
        active_days: days.len() as u32,
        longest_streak: longest,
        longest_streak_start: longest_start.map(date_of).unwrap_or_default(),
        current_streak: current,
        from: 0,
        to: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_counts_days_hours_and_streaks() {
        // Local hours: day 10 at 01:00 and 23:00, day 11 at 05:00, day 13 at 00:00.
        let hours = [
            (10 * 24 + 1, 2),
            (10 * 24 + 23, 1),
            (11 * 24 + 5, 4),
            (13 * 24, 1),
        ];
        let a = activity(&hours, None, 14, 14);
        assert_eq!(a.listens, 8);
        assert_eq!(a.active_days, 3);
        assert_eq!(a.longest_streak, 2);
        assert_eq!(a.longest_streak_start, date_of(10));
        // Day 13 ends a run of one, and 13 is yesterday of day 14.
        assert_eq!(a.current_streak, 1);
        assert_eq!(a.hours[1], 2);
        assert_eq!(a.hours[23], 1);
        assert_eq!(a.hours[5], 4);
        assert_eq!(a.hours[0], 1);
        let days: Vec<u64> = a.days.iter().map(|d| d.listens).collect();
        assert_eq!(days, [3, 4, 0, 1, 0], "days 10..=14, zeros included");
        assert_eq!(a.days[0].date, "1970-01-11");
        // Nothing yesterday or today: no current streak.
        assert_eq!(activity(&hours, None, 20, 20).current_streak, 0);
    }
}

//! Dates and local time, for the TUI and the scriptable subcommands alike: the one
//! date parser ([`parse_date`]; the TUI's forms take its days only, [`parse_day`]),
//! local times for the output, and the TUI's [`Zone`].
//!
//! The zone is the system's (`TZ`, else `/etc/localtime`) read through `jiff`, which
//! keeps its own copy of the rules: unlike `time`'s local offset it works in any
//! process, threads or not, and gives each instant its own offset (summer time).
//! The TUI stays deterministic: it holds a [`Zone`], fixed in tests and
//! [`Zone::System`] in the real TUI.

use jiff::{
    Timestamp,
    civil::{Date, DateTime},
    tz::TimeZone,
};

/// A date as typed, before the time zone turns it into an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSpec {
    /// `YYYY-MM-DD`: the local day (its midnight, or the whole day for `--at`).
    Day(Date),
    /// `YYYY-MM-DDTHH:MM[:SS]` (or with a space): local wall-clock time.
    Local(DateTime),
    /// RFC 3339 with an offset, or unix seconds: an exact instant.
    Instant(i64),
}

const DATE_FORMS: &str = "use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (local time), \
     RFC 3339 (2024-05-01T12:00:00Z) or unix seconds";

/// Parses a `DATE` argument (clap value parser).
pub fn parse_date(text: &str) -> Result<DateSpec, String> {
    let text = text.trim();
    let bad = || format!("invalid date {text:?}: {DATE_FORMS}");
    if text.is_empty() {
        return Err(bad());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        // Unix seconds (a bare year or a compact date would be read the same way, so
        // only ten digits or fewer are taken: up to the year 2286).
        if text.len() > 10 {
            return Err(bad());
        }
        return text.parse().map(DateSpec::Instant).map_err(|_| bad());
    }
    let is_day = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if is_day {
        return text.parse::<Date>().map(DateSpec::Day).map_err(|_| bad());
    }
    let has_offset = {
        let time_part = text.get(10..).unwrap_or("");
        time_part.ends_with(['Z', 'z']) || time_part.contains(['+', '-'])
    };
    if has_offset {
        return text
            .parse::<Timestamp>()
            .map(|t| DateSpec::Instant(t.as_second()))
            .map_err(|_| bad());
    }
    let local = text.get(..10).is_some_and(|d| d.contains('-'))
        && matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' '))
        && matches!(text.len(), 16 | 19);
    if local {
        return text
            .parse::<DateTime>()
            .map(DateSpec::Local)
            .map_err(|_| bad());
    }
    Err(bad())
}

impl DateSpec {
    /// The instant this names in `tz`: a day's local midnight (its first instant
    /// when midnight falls in a summer-time gap), a local time as the clock shows
    /// it (the earlier one when the clock goes back).
    pub fn start(self, tz: &TimeZone) -> Result<i64, String> {
        match self {
            DateSpec::Instant(t) => Ok(t),
            DateSpec::Day(date) => {
                local_instant(tz, date.to_datetime(jiff::civil::time(0, 0, 0, 0)))
            }
            DateSpec::Local(dt) => local_instant(tz, dt),
        }
    }

    /// For `--at`: a day means the whole day (its last second); anything else its
    /// instant.
    pub fn end_inclusive(self, tz: &TimeZone) -> Result<i64, String> {
        match self {
            DateSpec::Day(date) => {
                let next = date.tomorrow().map_err(|e| e.to_string())?;
                Ok(DateSpec::Day(next).start(tz)? - 1)
            }
            other => other.start(tz),
        }
    }
}

fn local_instant(tz: &TimeZone, dt: DateTime) -> Result<i64, String> {
    tz.to_ambiguous_timestamp(dt)
        .compatible()
        .map(|t| t.as_second())
        .map_err(|e| format!("{dt} is not a time in the local time zone: {e}"))
}

/// The system time zone (UTC when none can be found).
pub fn system_zone() -> TimeZone {
    TimeZone::system()
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// The zone's offset from UTC at `at`, in minutes (`GetActivity`'s
/// `utc_offset_minutes`).
pub fn offset_minutes(tz: &TimeZone, at: i64) -> i32 {
    let at = Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH);
    tz.to_offset(at).seconds() / 60
}

/// "2024-05-01 14:03" in `tz`.
pub fn local_minute(tz: &TimeZone, at: i64) -> String {
    format_local(tz, at, "%Y-%m-%d %H:%M")
}

/// "2024-05-01" in `tz`.
pub fn local_date(tz: &TimeZone, at: i64) -> String {
    format_local(tz, at, "%Y-%m-%d")
}

/// RFC 3339 with the local offset: "2024-05-01T14:03:20+02:00".
pub fn local_rfc3339(tz: &TimeZone, at: i64) -> String {
    format_local(tz, at, "%Y-%m-%dT%H:%M:%S%:z")
}

fn format_local(tz: &TimeZone, at: i64, pattern: &str) -> String {
    match Timestamp::from_second(at) {
        Ok(t) => t.to_zoned(tz.clone()).strftime(pattern).to_string(),
        Err(_) => "—".into(),
    }
}

/// How local time relates to UTC, for the TUI (whose state must stay pure: tests
/// fix it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    #[default]
    Utc,
    /// A fixed offset in minutes east of UTC (tests).
    Fixed(i32),
    /// The system's time zone (`TZ`, `/etc/localtime`), daylight saving included.
    System,
}

impl Zone {
    /// Minutes east of UTC at the unix second `at`.
    pub fn offset_minutes(self, at: i64) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(minutes) => minutes,
            Zone::System => offset_minutes(&TimeZone::system(), at),
        }
    }

    /// How the zone is named next to the times it shows, as of `at`: "UTC",
    /// "UTC+2", "UTC-9:30".
    pub fn label(self, at: i64) -> String {
        let minutes = self.offset_minutes(at);
        let sign = if minutes < 0 { '-' } else { '+' };
        let (hours, minutes) = (minutes.abs() / 60, minutes.abs() % 60);
        match (hours, minutes) {
            (0, 0) => "UTC".into(),
            (hours, 0) => format!("UTC{sign}{hours}"),
            (hours, minutes) => format!("UTC{sign}{hours}:{minutes:02}"),
        }
    }

    /// The unix second at which `date` starts, local time.
    pub fn midnight(self, date: time::Date) -> i64 {
        let utc = date.midnight().assume_utc().unix_timestamp();
        // The offset in force at local midnight: guess with the offset at UTC
        // midnight, then look again there (a change of offset may lie between).
        let guess = utc - i64::from(self.offset_minutes(utc)) * 60;
        utc - i64::from(self.offset_minutes(guess)) * 60
    }

    /// `[start, end)` of the local day `date`, in unix seconds.
    pub fn day(self, date: time::Date) -> (i64, i64) {
        let next = date.next_day().unwrap_or(date);
        (self.midnight(date), self.midnight(next))
    }
}

/// A day as typed into a TUI form, `YYYY-MM-DD` (the [`parse_date`] forms that name
/// a day); the error is for the form.
pub fn parse_day(text: &str) -> Result<time::Date, String> {
    let text = text.trim();
    let day = match parse_date(text) {
        Ok(DateSpec::Day(day)) => time::Month::try_from(day.month() as u8)
            .ok()
            .and_then(|month| {
                time::Date::from_calendar_date(i32::from(day.year()), month, day.day() as u8).ok()
            }),
        _ => None,
    };
    day.ok_or_else(|| format!("\"{text}\" is not a date: write it as YYYY-MM-DD, e.g. 2024-06-01."))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central European time with its summer time, without the tz database.
    fn berlin() -> TimeZone {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
    }

    fn instant(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn every_accepted_form_parses() {
        assert_eq!(
            parse_date("2024-05-01").unwrap(),
            DateSpec::Day(jiff::civil::date(2024, 5, 1))
        );
        assert_eq!(
            parse_date("2024-05-01T14:03").unwrap(),
            DateSpec::Local(jiff::civil::datetime(2024, 5, 1, 14, 3, 0, 0))
        );
        assert_eq!(
            parse_date("2024-05-01 14:03:20").unwrap(),
            DateSpec::Local(jiff::civil::datetime(2024, 5, 1, 14, 3, 20, 0))
        );
        assert_eq!(
            parse_date("2024-05-01T12:00:00Z").unwrap(),
            DateSpec::Instant(1_714_564_800)
        );
        assert_eq!(
            parse_date("2024-05-01T14:00:00+02:00").unwrap(),
            DateSpec::Instant(1_714_564_800)
        );
        assert_eq!(
            parse_date("1610000000").unwrap(),
            DateSpec::Instant(1_610_000_000)
        );
        assert_eq!(parse_date(" 0 ").unwrap(), DateSpec::Instant(0));
    }

    #[test]
    fn bad_dates_say_which_forms_work() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-5-1",
            "2024-05-01T25:00",
            "2024-05-01T12",
            "2024-05-01T12:00:00+2",
            "20240501123456",
            "-5",
            "1.5",
        ] {
            let err = parse_date(bad).unwrap_err();
            assert!(err.starts_with("invalid date"), "{bad}: {err}");
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
            assert!(err.contains("unix seconds"), "{bad}: {err}");
        }
    }

    #[test]
    fn days_start_at_local_midnight_in_winter_and_summer() {
        let tz = berlin();
        let winter = parse_date("2024-01-15").unwrap().start(&tz).unwrap();
        assert_eq!(winter, instant("2024-01-14T23:00:00Z"));
        let summer = parse_date("2024-07-15").unwrap().start(&tz).unwrap();
        assert_eq!(summer, instant("2024-07-14T22:00:00Z"));
        let local = parse_date("2024-07-15T08:30").unwrap().start(&tz).unwrap();
        assert_eq!(local, instant("2024-07-15T06:30:00Z"));
        // Exact instants ignore the zone.
        let exact = parse_date("2024-07-15T08:30:00Z")
            .unwrap()
            .start(&tz)
            .unwrap();
        assert_eq!(exact, instant("2024-07-15T08:30:00Z"));
    }

    #[test]
    fn clocks_that_jump_resolve_like_the_clock_on_the_wall() {
        let tz = berlin();
        // 02:30 does not exist on 2024-03-31: it means 03:30 summer time.
        let gap = parse_date("2024-03-31T02:30").unwrap().start(&tz).unwrap();
        assert_eq!(gap, instant("2024-03-31T01:30:00Z"));
        // 02:30 happens twice on 2024-10-27: the first one.
        let fold = parse_date("2024-10-27T02:30").unwrap().start(&tz).unwrap();
        assert_eq!(fold, instant("2024-10-27T00:30:00Z"));
    }

    #[test]
    fn at_a_day_covers_the_whole_day() {
        let tz = berlin();
        let at = parse_date("2024-05-01")
            .unwrap()
            .end_inclusive(&tz)
            .unwrap();
        assert_eq!(at, instant("2024-05-01T21:59:59Z"));
        let at = parse_date("1610000000")
            .unwrap()
            .end_inclusive(&tz)
            .unwrap();
        assert_eq!(at, 1_610_000_000);
    }

    #[test]
    fn output_times_are_local_with_their_own_offset() {
        let tz = berlin();
        assert_eq!(local_minute(&tz, 1_610_000_000), "2021-01-07 07:13");
        assert_eq!(local_date(&tz, 1_610_000_000), "2021-01-07");
        assert_eq!(
            local_rfc3339(&tz, 1_610_000_000),
            "2021-01-07T07:13:20+01:00"
        );
        assert_eq!(
            local_rfc3339(&tz, instant("2024-07-15T06:30:00Z")),
            "2024-07-15T08:30:00+02:00"
        );
        assert_eq!(
            local_rfc3339(&TimeZone::UTC, 0),
            "1970-01-01T00:00:00+00:00"
        );
        assert_eq!(offset_minutes(&tz, 1_610_000_000), 60);
        assert_eq!(offset_minutes(&tz, instant("2024-07-15T06:30:00Z")), 120);
    }

    #[test]
    fn local_days_start_at_local_midnight() {
        use time::macros::date;
        // 2024-06-01 00:00 UTC is 1717200000.
        assert_eq!(Zone::Utc.midnight(date!(2024 - 06 - 01)), 1_717_200_000);
        // Two hours east: midnight there is 22:00 UTC the day before.
        assert_eq!(
            Zone::Fixed(120).day(date!(2024 - 06 - 01)),
            (1_717_200_000 - 7_200, 1_717_286_400 - 7_200)
        );
        assert_eq!(
            Zone::Fixed(-300).midnight(date!(2024 - 06 - 01)),
            1_717_200_000 + 18_000
        );
    }

    #[test]
    fn zones_are_labelled_by_their_offset() {
        assert_eq!(Zone::Utc.label(0), "UTC");
        assert_eq!(Zone::Fixed(120).label(0), "UTC+2");
        assert_eq!(Zone::Fixed(-570).label(0), "UTC-9:30");
        assert_eq!(Zone::Fixed(330).label(0), "UTC+5:30");
    }

    #[test]
    fn dates_parse_strictly() {
        use time::macros::date;
        assert_eq!(parse_day(" 2024-06-01 "), Ok(date!(2024 - 06 - 01)));
        for bad in ["2024-6-1x", "01/06/2024", "2024-02-30", "", "1717200000"] {
            assert!(parse_day(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
    }
}

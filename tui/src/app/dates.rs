//! Local dates: the history browser's filters and jumps take `YYYY-MM-DD` in the
//! user's time zone, and the Stats tab's activity counts local days and hours.
//!
//! The app stays deterministic: it holds a [`Zone`], which is fixed in tests and
//! [`Zone::System`] in the real TUI. The system zone (`TZ`, else `/etc/localtime`)
//! is read through `jiff`, like `spotter history` does: unlike `time`'s local
//! offset it works whatever threads the process has (the blocking pool behind
//! `tokio::fs` adds some), and gives each instant its own offset (summer time).

use jiff::{Timestamp, tz::TimeZone};
use time::{Date, macros::format_description};

/// How local time relates to UTC.
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
            Zone::System => {
                let at = Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH);
                TimeZone::system().to_offset(at).seconds() / 60
            }
        }
    }

    /// The unix second at which `date` starts, local time.
    pub fn midnight(self, date: Date) -> i64 {
        let utc = date.midnight().assume_utc().unix_timestamp();
        // The offset in force at local midnight: guess with the offset at UTC
        // midnight, then look again there (a change of offset may lie between).
        let guess = utc - i64::from(self.offset_minutes(utc)) * 60;
        utc - i64::from(self.offset_minutes(guess)) * 60
    }

    /// `[start, end)` of the local day `date`, in unix seconds.
    pub fn day(self, date: Date) -> (i64, i64) {
        let next = date.next_day().unwrap_or(date);
        (self.midnight(date), self.midnight(next))
    }
}

/// A date as typed into a form, `YYYY-MM-DD`; the error is for the form.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("\"{text}\" is not a date: write it as YYYY-MM-DD, e.g. 2024-06-01."))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn local_days_start_at_local_midnight() {
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
    fn dates_parse_strictly() {
        assert_eq!(parse_date(" 2024-06-01 "), Ok(date!(2024 - 06 - 01)));
        for bad in ["2024-6-1x", "01/06/2024", "2024-02-30", ""] {
            assert!(parse_date(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
    }
}

//! Times the way lists show them: relative ("3m ago", "in 12m") where recency is
//! the point, and compact UTC ("2025-03-01 14:03") where the exact moment is.
//! UTC because a terminal reached over SSH may not share the daemon's time zone.

use time::{OffsetDateTime, macros::format_description};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// "just now", "42s ago", "3m ago", "5h ago", "12d ago", then the date; "—" for 0
/// (never).
pub fn ago(now: i64, at: i64) -> String {
    if at == 0 {
        return "—".into();
    }
    match now.saturating_sub(at) {
        d if d < 10 => "just now".into(),
        d if d < MINUTE => format!("{d}s ago"),
        d if d < HOUR => format!("{}m ago", d / MINUTE),
        d if d < DAY => format!("{}h ago", d / HOUR),
        d if d < 60 * DAY => format!("{}d ago", d / DAY),
        _ => date(at),
    }
}

/// "in 12m", "in 2h", or "—" when the moment has passed or is unset.
pub fn until(now: i64, at: i64) -> String {
    let d = at.saturating_sub(now);
    if at == 0 || d <= 0 {
        return "—".into();
    }
    match d {
        d if d < MINUTE => format!("in {d}s"),
        d if d < HOUR => format!("in {}m", (d + MINUTE - 1) / MINUTE),
        d if d < DAY => format!("in {}h {:02}m", d / HOUR, d % HOUR / MINUTE),
        d => format!("in {}d", d / DAY),
    }
}

/// A listen's time, as short as is unambiguous: "14:03" today, "06-12 14:03"
/// this year, "2024-06-12" before (UTC).
pub fn clock(now: i64, at: i64) -> String {
    let (Ok(now), Ok(then)) = (
        OffsetDateTime::from_unix_timestamp(now),
        OffsetDateTime::from_unix_timestamp(at),
    ) else {
        return "—".into();
    };
    let formatted = if then.date() == now.date() {
        then.format(format_description!("[hour]:[minute]"))
    } else if then.year() == now.year() {
        then.format(format_description!("[month]-[day] [hour]:[minute]"))
    } else {
        then.format(format_description!("[year]-[month]-[day]"))
    };
    formatted.unwrap_or_else(|_| "—".into())
}

/// How long something took: "42s", "3m 05s", "2h 04m".
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        s if s < MINUTE => format!("{s}s"),
        s if s < HOUR => format!("{}m {:02}s", s / MINUTE, s % MINUTE),
        s => format!("{}h {:02}m", s / HOUR, s % HOUR / MINUTE),
    }
}

/// "2025-03-01 14:03" in UTC.
pub fn utc(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
                .ok()
        })
        .unwrap_or_else(|| "—".into())
}

fn date(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(ago(NOW, NOW - 3), "just now");
        assert_eq!(ago(NOW, NOW - 42), "42s ago");
        assert_eq!(ago(NOW, NOW - 3 * MINUTE - 5), "3m ago");
        assert_eq!(ago(NOW, NOW - 5 * HOUR), "5h ago");
        assert_eq!(ago(NOW, NOW - 12 * DAY), "12d ago");
        assert_eq!(ago(NOW, NOW - 400 * DAY), "2024-05-11");
        assert_eq!(ago(NOW, 0), "—");
        // A clock slightly ahead on the daemon side is still "just now".
        assert_eq!(ago(NOW, NOW + 5), "just now");
    }

    #[test]
    fn future_times_count_down() {
        assert_eq!(until(NOW, NOW + 30), "in 30s");
        assert_eq!(until(NOW, NOW + 24 * MINUTE - 10), "in 24m");
        assert_eq!(until(NOW, NOW + 2 * HOUR + 5 * MINUTE), "in 2h 05m");
        assert_eq!(until(NOW, NOW - 1), "—");
        assert_eq!(until(NOW, 0), "—");
    }

    #[test]
    fn listen_times_drop_what_is_obvious() {
        // NOW is 2025-06-15 15:06 UTC.
        assert_eq!(clock(NOW, NOW - 3 * HOUR), "12:06");
        assert_eq!(clock(NOW, NOW - 3 * DAY), "06-12 15:06");
        assert_eq!(clock(NOW, NOW - 200 * DAY), "2024-11-27");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(duration(42), "42s");
        assert_eq!(duration(185), "3m 05s");
        assert_eq!(duration(2 * HOUR + 4 * MINUTE + 9), "2h 04m");
        assert_eq!(duration(-5), "0s");
    }

    #[test]
    fn utc_is_compact() {
        assert_eq!(utc(NOW), "2025-06-15 15:06");
    }
}

//! Times the way lists show them: relative ("3m ago", "in 12m") where recency is
//! the point, and compact local time ("2025-03-01 14:03") where the exact moment
//! is, in the app's [`Zone`] (the system's, `TZ` honoured, as `spotter history`
//! prints; fixed in tests). Wherever a moment is shown, [`Zone::label`] says which
//! time it is in ("UTC+2"), since a terminal reached over SSH may not share the
//! zone spotter runs in.

use time::{OffsetDateTime, UtcOffset, macros::format_description};

use crate::dates::Zone;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// "just now", "42s ago", "3m ago", "5h ago", "12d ago", then the local date; "—"
/// for 0 (never).
pub fn ago(now: i64, at: i64, zone: Zone) -> String {
    if at == 0 {
        return "—".into();
    }
    match now.saturating_sub(at) {
        d if d < 10 => "just now".into(),
        d if d < MINUTE => format!("{d}s ago"),
        d if d < HOUR => format!("{}m ago", d / MINUTE),
        d if d < DAY => format!("{}h ago", d / HOUR),
        d if d < 60 * DAY => format!("{}d ago", d / DAY),
        _ => date(at, zone),
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

/// How long something took: "42s", "3m 05s", "2h 04m".
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        s if s < MINUTE => format!("{s}s"),
        s if s < HOUR => format!("{}m {:02}s", s / MINUTE, s % MINUTE),
        s => format!("{}h {:02}m", s / HOUR, s % HOUR / MINUTE),
    }
}

/// A listen's local time with its date, the year only when it is not this one's
/// (as of `now`): "06-12 14:03", "2024-06-12 14:03".
pub fn listen_time(now: i64, at: i64, zone: Zone) -> String {
    let (Some(now), Some(then)) = (in_zone(now, zone), in_zone(at, zone)) else {
        return "—".into();
    };
    let formatted = if then.year() == now.year() {
        then.format(format_description!("[month]-[day] [hour]:[minute]"))
    } else {
        then.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
    };
    formatted.unwrap_or_else(|_| "—".into())
}

/// "2025-03-01 14:03" in `zone`: the date and the time of day.
pub fn local(at: i64, zone: Zone) -> String {
    in_zone(at, zone)
        .and_then(|t| {
            t.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
                .ok()
        })
        .unwrap_or_else(|| "—".into())
}

fn date(at: i64, zone: Zone) -> String {
    in_zone(at, zone)
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_else(|| "—".into())
}

fn in_zone(at: i64, zone: Zone) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_whole_seconds(zone.offset_minutes(at).saturating_mul(60)).ok()?;
    Some(
        OffsetDateTime::from_unix_timestamp(at)
            .ok()?
            .to_offset(offset),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn relative_times_read_naturally() {
        let ago = |now, at| ago(now, at, Zone::Utc);
        assert_eq!(ago(NOW, NOW - 3), "just now");
        assert_eq!(ago(NOW, NOW - 42), "42s ago");
        assert_eq!(ago(NOW, NOW - 3 * MINUTE - 5), "3m ago");
        assert_eq!(ago(NOW, NOW - 5 * HOUR), "5h ago");
        assert_eq!(ago(NOW, NOW - 12 * DAY), "12d ago");
        assert_eq!(ago(NOW, NOW - 400 * DAY), "2024-05-11");
        assert_eq!(ago(NOW, 0), "—");
        // A clock slightly ahead on the daemon side is still "just now".
        assert_eq!(ago(NOW, NOW + 5), "just now");
        // Dates are local.
        assert_eq!(
            super::ago(NOW, NOW - 400 * DAY, Zone::Fixed(10 * 60)),
            "2024-05-12"
        );
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
    fn listen_times_show_the_date_and_the_time_of_day() {
        // NOW is 2025-06-15 15:06 UTC.
        let utc = |at| listen_time(NOW, at, Zone::Utc);
        assert_eq!(utc(NOW - 3 * HOUR), "06-15 12:06");
        assert_eq!(utc(NOW - 3 * DAY), "06-12 15:06");
        assert_eq!(utc(NOW - 200 * DAY), "2024-11-27 15:06");
        // In local time: the day and even the year may differ from UTC's.
        let new_year = 1_735_686_000; // 2024-12-31 23:00 UTC
        assert_eq!(
            listen_time(new_year, new_year, Zone::Fixed(120)),
            "01-01 01:00"
        );
        assert_eq!(listen_time(NOW, new_year, Zone::Utc), "2024-12-31 23:00");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(duration(42), "42s");
        assert_eq!(duration(185), "3m 05s");
        assert_eq!(duration(2 * HOUR + 4 * MINUTE + 9), "2h 04m");
        assert_eq!(duration(-5), "0s");
    }

    #[test]
    fn local_times_are_compact_and_follow_the_zone() {
        assert_eq!(local(NOW, Zone::Utc), "2025-06-15 15:06");
        assert_eq!(local(NOW, Zone::Fixed(120)), "2025-06-15 17:06");
        assert_eq!(local(NOW, Zone::Fixed(-9 * 60 - 30)), "2025-06-15 05:36");
        assert_eq!(local(0, Zone::Fixed(-60)), "1969-12-31 23:00");
    }
}

//! Timestamps in provider answers, parsed with the `time` crate: RFC 3339 (Spotify's
//! `played_at`, OpenSubsonic's `played`), and the zone-less ISO 8601 that Python's
//! `isoformat()` writes (Supysonic), read as UTC.

use time::{
    OffsetDateTime, PrimitiveDateTime, format_description::well_known::Rfc3339,
    macros::format_description,
};

/// Unix milliseconds of a strict RFC 3339 timestamp (digits past milliseconds are
/// dropped); anything else is `None`.
pub fn rfc3339_ms(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

/// Unix seconds of an RFC 3339 timestamp, or of a zone-less
/// `YYYY-MM-DDTHH:MM:SS[.fraction]` read as UTC; anything else is `None`.
pub fn lenient_secs(text: &str) -> Option<i64> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let naive = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, naive)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

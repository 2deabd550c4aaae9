//! `spotter stats`: top artists, albums and tracks, activity, discoveries and the
//! whole history's totals, as text or one JSON object.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use serde_json::{Value, json};
use spotter_proto::v1::{
    GetActivityRequest, GetActivityResponse, GetDiscoveriesRequest, GetDiscoveriesResponse,
    GetSummaryRequest, GetSummaryResponse, GetTopRequest, GetTopResponse, StatsPeriod,
    StatsSubject, TopEntry, stats_period::Kind,
};

use super::{
    args::{PeriodName, StatsArgs},
    listing::truncate,
    output::{Outcome, Stdout},
    session::Session,
};
use crate::{
    dates::{self, local_date},
    safe_text::{escape_controls, json_line},
    socket::SocketTarget,
};

/// Width of the longest bar.
const BAR: u64 = 20;
/// Longest name in a text list before it is cut.
const NAME_WIDTH: usize = 48;

/// The period asked for, on the wire and in words.
pub(super) fn period(args: &StatsArgs, tz: &TimeZone, now: i64) -> Result<StatsPeriod, String> {
    if args.from.is_some() || args.to.is_some() {
        let from = args.from.map(|d| d.start(tz)).transpose()?.unwrap_or(0);
        let to = args.to.map(|d| d.start(tz)).transpose()?.unwrap_or(now + 1);
        if from >= to {
            return Err("--from must be before --to (--to is exclusive)".into());
        }
        return Ok(StatsPeriod {
            kind: Kind::Custom as i32,
            from,
            to,
        });
    }
    let kind = match args.period.unwrap_or(PeriodName::All) {
        PeriodName::Week => Kind::Week,
        PeriodName::Month => Kind::Month,
        PeriodName::Year => Kind::Year,
        PeriodName::All => Kind::AllTime,
    };
    Ok(StatsPeriod {
        kind: kind as i32,
        from: 0,
        to: 0,
    })
}

fn period_name(period: &StatsPeriod) -> &'static str {
    match Kind::try_from(period.kind) {
        Ok(Kind::Week) => "week",
        Ok(Kind::Month) => "month",
        Ok(Kind::Year) => "year",
        Ok(Kind::Custom) => "custom",
        _ => "all",
    }
}

/// Everything the command fetched.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Stats {
    pub period: StatsPeriod,
    pub utc_offset_minutes: i32,
    pub artists: GetTopResponse,
    pub albums: GetTopResponse,
    pub tracks: GetTopResponse,
    pub activity: GetActivityResponse,
    pub discoveries: GetDiscoveriesResponse,
    pub summary: GetSummaryResponse,
}

pub(super) async fn run(target: &SocketTarget, args: &StatsArgs) -> Result<Outcome, String> {
    // The zone and the offset are read before anything else runs.
    let tz = dates::system_zone();
    let now = dates::now();
    let period = period(args, &tz, now)?;
    let utc_offset_minutes = dates::offset_minutes(&tz, now);
    let mut session = Session::open(target).await?;
    let mut top = async |subject: StatsSubject| {
        let request = GetTopRequest {
            period: Some(period),
            subject: subject as i32,
            limit: args.limit,
        };
        session
            .history_call("GetTop", request, |mut c, r| {
                Box::pin(async move { c.get_top(r).await })
            })
            .await
    };
    let artists = top(StatsSubject::Artists).await?;
    let albums = top(StatsSubject::Albums).await?;
    let tracks = top(StatsSubject::Tracks).await?;
    let activity = session
        .history_call(
            "GetActivity",
            GetActivityRequest {
                period: Some(period),
                utc_offset_minutes,
            },
            |mut c, r| Box::pin(async move { c.get_activity(r).await }),
        )
        .await?;
    let discoveries = session
        .history_call(
            "GetDiscoveries",
            GetDiscoveriesRequest {
                period: Some(period),
                subject: StatsSubject::Artists as i32,
                limit: args.limit,
            },
            |mut c, r| Box::pin(async move { c.get_discoveries(r).await }),
        )
        .await?;
    let summary = session
        .history_call("GetSummary", GetSummaryRequest {}, |mut c, r| {
            Box::pin(async move { c.get_summary(r).await })
        })
        .await?;
    let stats = Stats {
        period,
        utc_offset_minutes,
        artists,
        albums,
        tracks,
        activity,
        discoveries,
        summary,
    };
    let mut out = Stdout::new();
    if args.json {
        out.write(json_line(&stats.json(&tz)).as_bytes())?;
    } else {
        out.write_text(&stats.text(&tz))?;
    }
    out.flush()?;
    Ok(Outcome::Done)
}

/// The busiest local hour and its listens; `None` without listens.
fn busiest_hour(hours: &[u64]) -> Option<(usize, u64)> {
    let (hour, &n) = hours.iter().enumerate().rev().max_by_key(|&(_, n)| *n)?;
    (n > 0).then_some((hour, n))
}

fn entry_json(e: &TopEntry) -> Value {
    json!({
        "artist": e.artist,
        "album": e.album,
        "title": e.title,
        "listens": e.listens,
    })
}

impl Stats {
    /// The `--json` object, text as stored (print it with `json_line`). Field names
    /// are part of the interface (README).
    pub(super) fn json(&self, tz: &TimeZone) -> Value {
        let a = &self.activity;
        let busiest = busiest_hour(&a.hours);
        let mut by_source: Vec<(&String, &u64)> = self.summary.listens_by_source.iter().collect();
        by_source.sort();
        let by_source: serde_json::Map<String, Value> = by_source
            .into_iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        json!({
            "period": {
                "name": period_name(&self.period),
                "from": self.artists.from,
                "to": self.artists.to,
                "from_local": dates::local_rfc3339(tz, self.artists.from),
                "to_local": dates::local_rfc3339(tz, self.artists.to),
            },
            "listens": self.artists.listens,
            "top_artists": self.artists.entries.iter().map(|e| json!({
                "artist": e.artist,
                "listens": e.listens,
            })).collect::<Vec<_>>(),
            "top_albums": self.albums.entries.iter().map(|e| json!({
                "artist": e.artist,
                "album": e.album,
                "listens": e.listens,
            })).collect::<Vec<_>>(),
            "top_tracks": self.tracks.entries.iter().map(entry_json).collect::<Vec<_>>(),
            "activity": {
                "listens": a.listens,
                "active_days": a.active_days,
                "longest_streak": a.longest_streak,
                "longest_streak_start": a.longest_streak_start,
                "current_streak": a.current_streak,
                "busiest_hour": busiest.map(|(h, _)| h),
                "busiest_hour_listens": busiest.map_or(0, |(_, n)| n),
                "hours": a.hours,
                "days": a.days.iter().map(|d| json!({
                    "date": d.date,
                    "listens": d.listens,
                })).collect::<Vec<_>>(),
                "utc_offset_minutes": self.utc_offset_minutes,
            },
            "discoveries": {
                "total": self.discoveries.total,
                "artists": self.discoveries.discoveries.iter().map(|d| json!({
                    "artist": d.artist,
                    "first_listened_at": d.first_listened_at,
                    "first_listened_at_local": dates::local_rfc3339(tz, d.first_listened_at),
                    "listens": d.listens,
                })).collect::<Vec<_>>(),
            },
            "summary": {
                "listens": self.summary.listens,
                "listens_by_source": by_source,
                "artists": self.summary.artists,
                "albums": self.summary.albums,
                "tracks": self.summary.tracks,
                "library_artists": self.summary.library_artists,
                "library_albums": self.summary.library_albums,
                "library_tracks": self.summary.library_tracks,
            },
        })
    }

    /// The readable form, stored text escaped.
    pub(super) fn text(&self, tz: &TimeZone) -> String {
        let mut s = String::new();
        let heading = match Kind::try_from(self.period.kind) {
            Ok(Kind::Week) => "the last 7 days".to_owned(),
            Ok(Kind::Month) => "the last 30 days".to_owned(),
            Ok(Kind::Year) => "the last 365 days".to_owned(),
            Ok(Kind::Custom) => format!(
                "{} to {} (exclusive)",
                dates::local_minute(tz, self.period.from),
                dates::local_minute(tz, self.period.to)
            ),
            _ => "all time".to_owned(),
        };
        let _ = writeln!(s, "Listening stats: {heading}");
        let _ = writeln!(s, "Listens: {}", self.artists.listens);

        let safe = |text: &str| escape_controls(text).into_owned();
        top_section(&mut s, "Top artists", &self.artists.entries, |e| {
            safe(&e.artist)
        });
        top_section(&mut s, "Top albums", &self.albums.entries, |e| {
            format!("{} — {}", safe(&e.artist), safe(&e.album))
        });
        top_section(&mut s, "Top tracks", &self.tracks.entries, |e| {
            format!("{} — {}", safe(&e.artist), safe(&e.title))
        });

        let a = &self.activity;
        let _ = writeln!(s, "\nActivity");
        let _ = writeln!(s, "  listens:        {}", a.listens);
        let _ = writeln!(s, "  active days:    {}", a.active_days);
        let days = |n: u32| if n == 1 { "day" } else { "days" };
        if a.longest_streak > 0 {
            let _ = writeln!(
                s,
                "  longest streak: {} {} (from {})",
                a.longest_streak,
                days(a.longest_streak),
                a.longest_streak_start
            );
        } else {
            let _ = writeln!(s, "  longest streak: 0 days");
        }
        let _ = writeln!(
            s,
            "  current streak: {} {}",
            a.current_streak,
            days(a.current_streak)
        );
        match busiest_hour(&a.hours) {
            Some((hour, n)) => {
                let _ = writeln!(
                    s,
                    "  busiest hour:   {hour:02}:00–{hour:02}:59 ({n} {})",
                    if n == 1 { "listen" } else { "listens" }
                );
            }
            None => {
                let _ = writeln!(s, "  busiest hour:   —");
            }
        }

        let d = &self.discoveries;
        let _ = writeln!(
            s,
            "\nDiscoveries: {}",
            plural(d.total, "new artist", "new artists")
        );
        let width = d
            .discoveries
            .iter()
            .map(|x| {
                unicode_width::UnicodeWidthStr::width(
                    truncate(&safe(&x.artist), NAME_WIDTH).as_str(),
                )
            })
            .max()
            .unwrap_or(0);
        for x in &d.discoveries {
            let name = truncate(&safe(&x.artist), NAME_WIDTH);
            let fill = width - unicode_width::UnicodeWidthStr::width(name.as_str());
            let _ = writeln!(
                s,
                "  {name}{}  first heard {}, {} {}",
                " ".repeat(fill),
                local_date(tz, x.first_listened_at),
                x.listens,
                if x.listens == 1 { "listen" } else { "listens" }
            );
        }
        if (d.discoveries.len() as u64) < d.total {
            let _ = writeln!(s, "  (and {} more)", d.total - d.discoveries.len() as u64);
        }

        let m = &self.summary;
        let _ = writeln!(s, "\nWhole history");
        let _ = writeln!(
            s,
            "  {}: {}, {}, {}",
            plural(m.listens, "listen", "listens"),
            plural(m.artists, "artist", "artists"),
            plural(m.albums, "album", "albums"),
            plural(m.tracks, "track", "tracks")
        );
        if !m.listens_by_source.is_empty() {
            let mut by_source: Vec<_> = m.listens_by_source.iter().collect();
            by_source.sort();
            let list: Vec<String> = by_source
                .iter()
                .map(|(k, v)| format!("{} {v}", safe(k)))
                .collect();
            let _ = writeln!(s, "  by source: {}", list.join(", "));
        }
        s
    }
}

/// "1 listen", "2 listens".
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "Top …" with a numbered, aligned list and a bar scaled to the first entry.
fn top_section(
    s: &mut String,
    title: &str,
    entries: &[TopEntry],
    name: impl Fn(&TopEntry) -> String,
) {
    use unicode_width::UnicodeWidthStr as _;
    let _ = writeln!(s, "\n{title}");
    if entries.is_empty() {
        let _ = writeln!(s, "  (none)");
        return;
    }
    let names: Vec<String> = entries
        .iter()
        .map(|e| truncate(&name(e), NAME_WIDTH))
        .collect();
    let width = names.iter().map(|n| n.width()).max().unwrap_or(0);
    let count_width = entries
        .iter()
        .map(|e| e.listens.to_string().len())
        .max()
        .unwrap_or(1);
    let max = entries.iter().map(|e| e.listens).max().unwrap_or(0).max(1);
    let rank_width = entries.len().to_string().len();
    for (i, (e, n)) in entries.iter().zip(&names).enumerate() {
        let bar = (e.listens * BAR).div_ceil(max).max(1) as usize;
        let _ = writeln!(
            s,
            "  {:>rank_width$}. {n}{}  {:>count_width$}  {}",
            i + 1,
            " ".repeat(width - n.width()),
            e.listens,
            "█".repeat(bar),
        );
    }
}

#[cfg(test)]
mod tests {
    use spotter_proto::v1::{DayCount, Discovery};

    use super::*;
    use crate::history_cli::parse_date;

    fn args(period: Option<PeriodName>, from: Option<&str>, to: Option<&str>) -> StatsArgs {
        StatsArgs {
            period,
            from: from.map(|d| parse_date(d).unwrap()),
            to: to.map(|d| parse_date(d).unwrap()),
            limit: 10,
            json: false,
        }
    }

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn periods_map_onto_the_wire() {
        let tz = TimeZone::UTC;
        let kind = |p| period(&args(p, None, None), &tz, NOW).unwrap();
        assert_eq!(kind(None).kind, Kind::AllTime as i32);
        assert_eq!(kind(Some(PeriodName::All)).kind, Kind::AllTime as i32);
        assert_eq!(kind(Some(PeriodName::Week)).kind, Kind::Week as i32);
        assert_eq!(kind(Some(PeriodName::Month)).kind, Kind::Month as i32);
        assert_eq!(kind(Some(PeriodName::Year)).kind, Kind::Year as i32);

        let custom = period(
            &args(None, Some("2024-01-01"), Some("2024-02-01")),
            &tz,
            NOW,
        )
        .unwrap();
        assert_eq!(
            custom,
            StatsPeriod {
                kind: Kind::Custom as i32,
                from: 1_704_067_200,
                to: 1_706_745_600,
            }
        );
        // One end given: the other is the first listen or now.
        let open = period(&args(None, Some("2024-01-01"), None), &tz, NOW).unwrap();
        assert_eq!((open.from, open.to), (1_704_067_200, NOW + 1));
        let open = period(&args(None, None, Some("2024-01-01")), &tz, NOW).unwrap();
        assert_eq!((open.from, open.to), (0, 1_704_067_200));
        let err = period(
            &args(None, Some("2024-02-01"), Some("2024-01-01")),
            &tz,
            NOW,
        )
        .unwrap_err();
        assert!(err.contains("--from must be before --to"), "{err}");
    }

    fn top(entries: &[(&str, &str, &str, u64)], listens: u64) -> GetTopResponse {
        GetTopResponse {
            entries: entries
                .iter()
                .map(|&(artist, album, title, n)| TopEntry {
                    artist: artist.into(),
                    album: album.into(),
                    title: title.into(),
                    listens: n,
                })
                .collect(),
            listens,
            from: 1_609_459_200,
            to: 1_610_150_400,
        }
    }

    fn sample() -> Stats {
        let mut hours = vec![0u64; 24];
        hours[6] = 3;
        hours[7] = 1;
        Stats {
            period: StatsPeriod {
                kind: Kind::AllTime as i32,
                from: 0,
                to: 0,
            },
            utc_offset_minutes: 60,
            artists: top(&[("Björk", "", "", 3), ("Sigur Rós", "", "", 1)], 4),
            albums: top(
                &[
                    ("Björk", "Homogenic", "", 3),
                    ("Sigur Rós", "Takk...", "", 1),
                ],
                4,
            ),
            tracks: top(
                &[
                    ("Björk", "Homogenic", "Jóga", 2),
                    ("Björk", "Homogenic", "Hunter", 1),
                    ("Sigur Rós", "Takk...", "Hoppípolla", 1),
                ],
                4,
            ),
            activity: GetActivityResponse {
                days: vec![
                    DayCount {
                        date: "2021-01-07".into(),
                        listens: 3,
                    },
                    DayCount {
                        date: "2021-01-08".into(),
                        listens: 1,
                    },
                ],
                hours,
                listens: 4,
                active_days: 2,
                longest_streak: 2,
                longest_streak_start: "2021-01-07".into(),
                current_streak: 0,
                from: 1_609_459_200,
                to: 1_610_150_400,
            },
            discoveries: GetDiscoveriesResponse {
                discoveries: vec![Discovery {
                    artist: "Björk".into(),
                    album: String::new(),
                    title: String::new(),
                    first_listened_at: 1_610_000_000,
                    listens: 3,
                }],
                total: 2,
                from: 1_609_459_200,
                to: 1_610_150_400,
            },
            summary: GetSummaryResponse {
                listens: 4,
                listens_by_source: [("import".to_owned(), 4u64)].into_iter().collect(),
                library_artists: 0,
                library_albums: 0,
                library_tracks: 0,
                artists: 2,
                albums: 2,
                tracks: 3,
            },
        }
    }

    #[test]
    fn json_has_stable_names_and_real_values() {
        let tz = TimeZone::fixed(jiff::tz::offset(1));
        let v = sample().json(&tz);
        assert_eq!(v["period"]["name"], "all");
        assert_eq!(v["period"]["from"], 1_609_459_200);
        assert_eq!(v["period"]["from_local"], "2021-01-01T01:00:00+01:00");
        assert_eq!(v["listens"], 4);
        assert_eq!(
            v["top_artists"],
            json!([{"artist": "Björk", "listens": 3}, {"artist": "Sigur Rós", "listens": 1}])
        );
        assert_eq!(
            v["top_albums"][0],
            json!({"artist": "Björk", "album": "Homogenic", "listens": 3})
        );
        assert_eq!(
            v["top_tracks"][0],
            json!({"artist": "Björk", "album": "Homogenic", "title": "Jóga", "listens": 2})
        );
        let a = &v["activity"];
        assert_eq!(a["listens"], 4);
        assert_eq!(a["active_days"], 2);
        assert_eq!(a["longest_streak"], 2);
        assert_eq!(a["longest_streak_start"], "2021-01-07");
        assert_eq!(a["current_streak"], 0);
        assert_eq!(a["busiest_hour"], 6);
        assert_eq!(a["busiest_hour_listens"], 3);
        assert_eq!(a["hours"].as_array().unwrap().len(), 24);
        assert_eq!(a["days"][1], json!({"date": "2021-01-08", "listens": 1}));
        assert_eq!(a["utc_offset_minutes"], 60);
        assert_eq!(v["discoveries"]["total"], 2);
        assert_eq!(
            v["discoveries"]["artists"][0],
            json!({
                "artist": "Björk",
                "first_listened_at": 1_610_000_000,
                "first_listened_at_local": "2021-01-07T07:13:20+01:00",
                "listens": 3,
            })
        );
        assert_eq!(v["summary"]["listens"], 4);
        assert_eq!(v["summary"]["listens_by_source"], json!({"import": 4}));
        assert_eq!(v["summary"]["tracks"], 3);
    }

    #[test]
    fn text_has_readable_sections() {
        let tz = TimeZone::fixed(jiff::tz::offset(1));
        let text = sample().text(&tz);
        let expected = "\
Listening stats: all time
Listens: 4

Top artists
  1. Björk      3  ████████████████████
  2. Sigur Rós  1  ███████

Top albums
  1. Björk — Homogenic    3  ████████████████████
  2. Sigur Rós — Takk...  1  ███████

Top tracks
  1. Björk — Jóga            2  ████████████████████
  2. Björk — Hunter          1  ██████████
  3. Sigur Rós — Hoppípolla  1  ██████████

Activity
  listens:        4
  active days:    2
  longest streak: 2 days (from 2021-01-07)
  current streak: 0 days
  busiest hour:   06:00–06:59 (3 listens)

Discoveries: 2 new artists
  Björk  first heard 2021-01-07, 3 listens
  (and 1 more)

Whole history
  4 listens: 2 artists, 2 albums, 3 tracks
  by source: import 4
";
        assert_eq!(text, expected);
    }

    #[test]
    fn counts_of_one_are_singular() {
        assert_eq!(plural(1, "album", "albums"), "1 album");
        assert_eq!(plural(0, "album", "albums"), "0 albums");
        let mut stats = sample();
        stats.summary.albums = 1;
        stats.discoveries.total = 1;
        let text = stats.text(&TimeZone::UTC);
        assert!(
            text.contains("4 listens: 2 artists, 1 album, 3 tracks"),
            "{text}"
        );
        assert!(text.contains("Discoveries: 1 new artist\n"), "{text}");
    }

    #[test]
    fn no_listens_means_no_busiest_hour() {
        assert_eq!(busiest_hour(&[0; 24]), None);
        assert_eq!(busiest_hour(&[]), None);
        let mut hours = [0u64; 24];
        hours[3] = 2;
        hours[20] = 2;
        assert_eq!(busiest_hour(&hours), Some((3, 2)), "the earlier of a tie");
    }

    #[test]
    fn stored_control_characters_are_shown_escaped() {
        const EVIL: &str = "\u{1b}]0;pwned\u{7}\u{9b}2J";
        let mut stats = sample();
        stats.artists.entries[0].artist = EVIL.into();
        stats.albums.entries[0].album = EVIL.into();
        stats.tracks.entries[0].title = EVIL.into();
        stats.discoveries.discoveries[0].artist = EVIL.into();
        stats.summary.listens_by_source = [(EVIL.to_owned(), 4u64)].into_iter().collect();
        let tz = TimeZone::UTC;
        let text = stats.text(&tz);
        assert!(
            !text.contains(|c: char| c.is_control() && c != '\n'),
            "{}",
            text.escape_debug()
        );
        assert!(text.contains(r"\x1b]0;pwned\x07\u{9b}2J"), "{text}");
        // The JSON keeps the text; `json_line` makes the line safe.
        let line = json_line(&stats.json(&tz));
        assert!(!line.trim_end().contains(char::is_control), "{line}");
        let back: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["top_artists"][0]["artist"], EVIL);
    }
}

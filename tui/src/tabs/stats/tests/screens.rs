//! The Stats tab drawn at several sizes, for each period and state.

use spotter_proto::v1::{
    DayCount, Discovery, GetActivityResponse, GetDiscoveriesResponse, GetSummaryResponse,
    GetTopResponse, StatsSubject, TopEntry,
};
use ratatui::{Terminal, backend::TestBackend, layout::Rect};
use time::{Duration, OffsetDateTime};

use crate::{component::widgets::theme::Theme, tabs::stats::{state::{PeriodChoice, StatsReply, StatsState}, view as stats_screen}};
use crate::test_support::{app::*, screen::*};

fn draw_stats(stats: &StatsState, colour: bool, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            let body = Rect {
                y: 1,
                height: height - 2,
                ..frame.area()
            };
            stats_screen::draw(frame, body, stats, Theme::new(colour));
        })
        .unwrap();
    terminal
}

const DAY: i64 = 86_400;

/// Central European summer time, as the wiring would send it.
const OFFSET: i32 = 120;

fn text(stats: &StatsState, width: u16, height: u16) -> String {
    draw_stats(stats, true, width, height).backend().to_string()
}

/// A year of listening ending today (2025-06-15 local): a few listens most days,
/// more at weekends, a break every few weeks.
fn days(count: i64) -> Vec<DayCount> {
    let today = OffsetDateTime::from_unix_timestamp(NOW + i64::from(OFFSET) * 60)
        .unwrap()
        .date();
    (0..count)
        .rev()
        .map(|back| {
            let date = today - Duration::days(back);
            let i = count - back;
            let listens = if i % 23 < 2 {
                0
            } else {
                (i * 37 % 29 + if i % 7 >= 5 { 25 } else { 8 }) as u64
            };
            DayCount {
                date: date.to_string(),
                listens,
            }
        })
        .collect()
}

fn activity(period: PeriodChoice, count: i64) -> GetActivityResponse {
    let days = days(count);
    let listens = days.iter().map(|d| d.listens).sum();
    let active_days = days.iter().filter(|d| d.listens > 0).count() as u32;
    // Streaks: the longest run of active days and the one ending today.
    let (mut longest, mut longest_start, mut run, mut run_start) = (0, String::new(), 0, "");
    for d in &days {
        if d.listens == 0 {
            run = 0;
            continue;
        }
        if run == 0 {
            run_start = &d.date;
        }
        run += 1;
        if run > longest {
            longest = run;
            longest_start = run_start.to_owned();
        }
    }
    let hours = [
        3, 1, 0, 0, 0, 0, 2, 9, 21, 30, 26, 18, 24, 20, 17, 19, 25, 33, 41, 52, 60, 57, 38, 12,
    ]
    .iter()
    .map(|&h| h * 10)
    .collect();
    let (from, to) = bounds(period);
    GetActivityResponse {
        days,
        hours,
        listens,
        active_days,
        longest_streak: longest,
        longest_streak_start: longest_start,
        current_streak: run,
        from,
        to,
    }
}

fn bounds(period: PeriodChoice) -> (i64, i64) {
    match period {
        PeriodChoice::Week => (NOW - 7 * DAY, NOW),
        PeriodChoice::Month => (NOW - 30 * DAY, NOW),
        PeriodChoice::Year => (NOW - 365 * DAY, NOW),
        PeriodChoice::AllTime => (0, NOW),
    }
}

fn top(period: PeriodChoice, listens: u64, entries: &[(&str, &str, &str, u64)]) -> GetTopResponse {
    let (from, to) = bounds(period);
    GetTopResponse {
        entries: entries
            .iter()
            .map(|&(artist, album, title, listens)| TopEntry {
                artist: artist.into(),
                album: album.into(),
                title: title.into(),
                listens,
            })
            .collect(),
        listens,
        from,
        to,
    }
}

fn discoveries(period: PeriodChoice) -> GetDiscoveriesResponse {
    let (from, to) = bounds(period);
    let found = |artist: &str, days_ago: i64, listens| Discovery {
        artist: artist.into(),
        first_listened_at: NOW - days_ago * DAY,
        listens,
        ..Discovery::default()
    };
    GetDiscoveriesResponse {
        discoveries: vec![
            found("Ólafur Arnalds", 200, 45),
            found("細野晴臣", 120, 30),
            found("Floating Points", 90, 22),
            found("Khruangbin", 60, 18),
            found("Jóhann Jóhannsson", 33, 12),
            found("Hania Rani", 20, 9),
            found("Tinariwen", 8, 4),
            found("Khadja Nin", 2, 1),
        ],
        total: 37,
        from,
        to,
    }
}

/// Every answer for `period`, `days` days of history.
fn loaded(period: PeriodChoice, days: i64) -> StatsState {
    let mut stats = StatsState::new(OFFSET);
    stats.set_period(period);
    let activity = activity(period, days);
    let listens = activity.listens;
    let artists = [
        ("Sigur Rós", 412),
        ("坂本龍一", 389),
        ("Radiohead", 350),
        ("Björk", 301),
        ("Massive Attack", 254),
        ("Godspeed You! Black Emperor", 198),
        ("Boards of Canada", 176),
        ("Portishead", 150),
        ("Aphex Twin", 121),
        ("Nils Frahm", 97),
    ];
    let albums = [
        "Takk…",
        "async",
        "In Rainbows",
        "Homogenic",
        "Mezzanine",
        "Lift Your Skinny Fists Like Antennas to Heaven",
        "Music Has the Right to Children",
        "Dummy",
        "Drukqs",
        "Spaces",
    ];
    let titles = [
        "Hoppípolla",
        "Merry Christmas Mr. Lawrence",
        "Weird Fishes/Arpeggi",
        "Jóga",
        "Teardrop",
        "Storm",
        "Roygbiv",
        "Glory Box",
        "Avril 14th",
        "Says",
    ];
    let artist_top: Vec<_> = artists.iter().map(|&(a, n)| (a, "", "", n)).collect();
    let album_top: Vec<_> = artists
        .iter()
        .zip(albums)
        .map(|(&(a, n), album)| (a, album, "", n / 3))
        .collect();
    let track_top: Vec<_> = artists
        .iter()
        .zip(titles)
        .map(|(&(a, n), title)| (a, "", title, n / 7 + 3))
        .collect();
    let replies = [
        StatsReply::Top(StatsSubject::Artists, top(period, listens, &artist_top)),
        StatsReply::Top(StatsSubject::Albums, top(period, listens, &album_top)),
        StatsReply::Top(StatsSubject::Tracks, top(period, listens, &track_top)),
        StatsReply::Activity(activity),
        StatsReply::Discoveries(discoveries(period)),
        StatsReply::Summary(GetSummaryResponse {
            listens: 23_456,
            artists: 1_234,
            albums: 2_345,
            tracks: 9_876,
            ..GetSummaryResponse::default()
        }),
    ];
    for reply in replies {
        stats.apply(period, reply);
    }
    assert!(!stats.is_loading());
    stats
}

fn a_year() -> StatsState {
    loaded(PeriodChoice::Year, 365)
}

#[test]
fn stats_at_80x24() {
    let stats = a_year();
    let text = text(&stats, 80, 24);
    assert!(
        text.contains("Stats · last 365 days · 2024-06-15 – 2025-06-15"),
        "{text}"
    );
    assert!(text.contains("Sigur Rós"), "{text}");
    assert!(text.contains(" 412 "), "{text}");
    assert!(text.contains("坂本龍一"), "{text}");
    assert!(text.contains("Listens per week"), "{text}");
    assert!(text.contains("By hour · peak 20h"), "{text}");
    assert!(text.contains("New artists · 37 first heard"), "{text}");
    assert!(
        text.contains("all time: 1,234 artists, 2,345 albums, 9,876 tracks"),
        "{text}"
    );
    // Too narrow for three columns: albums are left out.
    assert!(!text.contains("Top albums"), "{text}");
    insta::assert_snapshot!(draw_stats(&stats, true, 80, 24).backend());
}

#[test]
fn stats_at_120x40() {
    let stats = a_year();
    let text = text(&stats, 120, 40);
    assert!(text.contains("Top albums"), "{text}");
    assert!(text.contains("Takk… – Sigur Rós"), "{text}");
    assert!(text.contains("Ólafur Arnalds"), "{text}");
    assert!(text.contains("45 listens · first 2024-11-27"), "{text}");
    insta::assert_snapshot!(draw_stats(&stats, true, 120, 40).backend());
}

#[test]
fn stats_for_a_week_show_days() {
    let stats = loaded(PeriodChoice::Week, 7);
    let text = text(&stats, 80, 24);
    assert!(
        text.contains("Stats · last 7 days · 2025-06-08 – 2025-06-15"),
        "{text}"
    );
    assert!(text.contains("Listens per day"), "{text}");
}

#[test]
fn all_time_groups_years_of_days_by_month() {
    let stats = loaded(PeriodChoice::AllTime, 3000);
    let text = text(&stats, 80, 24);
    assert!(text.contains("Stats · all time · since 2017-03-"), "{text}");
    assert!(text.contains("Listens per month"), "{text}");
}

#[test]
fn stats_for_a_period_without_listens() {
    let mut stats = StatsState::new(OFFSET);
    stats.set_period(PeriodChoice::Week);
    let (from, to) = bounds(PeriodChoice::Week);
    stats.apply(
        PeriodChoice::Week,
        StatsReply::Activity(GetActivityResponse {
            hours: vec![0; 24],
            from,
            to,
            ..GetActivityResponse::default()
        }),
    );
    let text = text(&stats, 80, 24);
    assert!(text.contains("No listens in this period."), "{text}");
    assert!(
        text.contains("Import a file with i in the History tab"),
        "{text}"
    );
    assert!(text.contains("a shows all time."), "{text}");
    assert!(!text.contains("Top artists"), "{text}");
    insta::assert_snapshot!(draw_stats(&stats, true, 80, 24).backend());
}

#[test]
fn stats_while_loading() {
    let mut stats = StatsState::new(OFFSET);
    let full = a_year();
    stats.apply(
        PeriodChoice::Year,
        StatsReply::Top(StatsSubject::Artists, full.artists.clone().unwrap()),
    );
    assert!(stats.is_loading());
    let text = text(&stats, 80, 24);
    assert!(text.contains("Sigur Rós"), "{text}");
    // The header, the tracks, both charts and the discoveries.
    assert_eq!(text.matches("loading…").count(), 5, "{text}");
    insta::assert_snapshot!(draw_stats(&stats, true, 80, 24).backend());
}

#[test]
fn a_failed_call_is_reported_and_its_panel_given_up() {
    let mut stats = a_year();
    stats.tracks = None;
    stats.fail(PeriodChoice::Year, "GetTop: the daemon is busy".into());
    let text = text(&stats, 80, 24);
    assert!(
        text.contains("Could not load everything: GetTop: the daemon is busy"),
        "{text}"
    );
    assert!(text.contains("not available"), "{text}");
    assert!(!text.contains("loading…"), "{text}");
}

#[test]
fn stats_do_not_panic_when_tiny() {
    for (w, h) in [(20, 6), (40, 10), (1, 3), (80, 2)] {
        draw_stats(&a_year(), true, w, h);
        draw_stats(&StatsState::default(), true, w, h);
    }
}

fn all_states() -> Vec<StatsState> {
    let mut loading = StatsState::new(OFFSET);
    loading.fail(PeriodChoice::Year, "boom".into());
    vec![
        a_year(),
        loaded(PeriodChoice::Week, 7),
        loaded(PeriodChoice::AllTime, 3000),
        StatsState::default(),
        loading,
    ]
}

#[test]
fn no_colour_on_the_stats_screen_with_no_color() {
    for stats in all_states() {
        for (w, h) in [(80, 24), (120, 40)] {
            assert_no_colour(&draw_stats(&stats, false, w, h));
        }
    }
}

#[test]
fn only_the_16_ansi_colours_on_the_stats_screen() {
    for stats in all_states() {
        assert_ansi_colours_only(&draw_stats(&stats, true, 120, 40));
    }
}

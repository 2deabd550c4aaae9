//! The Stats tab, top to bottom:
//!
//! - the period (with its local dates) and its totals: listens, active days, the
//!   longest and the current streak, and the whole history's distinct artists,
//!   albums and tracks (the summary has no period); an error line when a call failed;
//! - the top lists as horizontal bar charts, name and count in the label: artists
//!   and tracks, plus albums between them from `THREE_COLUMNS_FROM` columns on;
//! - listens over time as a sparkline, per day, or per week or month when the days
//!   do not fit (see `buckets`), next to listens by hour of day; few bars are
//!   drawn several columns wide;
//! - the artists first heard in the period, one a line when there is room, else
//!   packed onto the lines left.
//!
//! Heights follow `plan`: every section its minimum, then the top lists their ten
//! rows, then the charts and the discoveries grow, then blank rows go between the
//! sections. A panel whose answer is missing says "loading…" (or "not available"
//! once a call failed); a period without listens shows what to do instead.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::{Line, Span},
    widgets::{Bar, BarChart, Block, Borders, Padding, Paragraph, Sparkline, Wrap},
};
use spotter_proto::v1::{DayCount, GetTopResponse};
use time::{OffsetDateTime, UtcOffset, macros::format_description};

use super::state::{PeriodChoice, StatsState};
use crate::component::widgets::theme::Theme;


/// From this width on the top albums get a column between artists and tracks
/// (each column then 35+ cells, room for most names). Narrower, albums are left out:
/// three columns at 80 would cut nearly every name to a dozen cells.
const THREE_COLUMNS_FROM: u16 = 110;

/// The top lists show at most this many rows (the wiring asks for 10).
const TOP_ROWS: u16 = 10;
/// The charts band: a title, at least 3 rows of bars, an axis row; grows to 8 rows
/// of bars when there is height to spare.
const CHART_MIN: u16 = 5;
const CHART_MAX: u16 = 10;
/// The discoveries: a title and at least one line.
const DISCOVERIES_MIN: u16 = 2;
/// The hours' least width: one column per hour, and the section's indent.
const HOURS_WIDTH: u16 = 25;
/// Between the two charts (a week-wide bar per week of a year, 53, still fits
/// next to the hours at 80 columns).
const CHART_GAP: u16 = 1;
/// Between panels side by side.
const GAP: u16 = 2;

pub fn draw(frame: &mut Frame, area: Rect, stats: &StatsState, theme: Theme) {
    // One cell less for the section's indent.
    let mut head = pack(
        header_chunks(stats, theme),
        area.width.saturating_sub(1),
        theme,
    );
    if let Some(error) = error_line(stats, theme) {
        head.push(error);
    }
    let head_height = u16::try_from(head.len() + 1).unwrap_or(u16::MAX);
    let [head_area, body] =
        Layout::vertical([Constraint::Length(head_height), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(head).block(section(title(stats), theme)),
        head_area,
    );

    if stats.no_listens() {
        draw_empty(frame, body, stats.period, theme);
        return;
    }

    let discoveries_wanted = stats
        .discoveries
        .as_ref()
        .map_or(1, |d| d.discoveries.len().max(1));
    let rows = plan(body.height, discoveries_wanted);
    let gap = Constraint::Length(rows.gap);
    let [_, tops, _, charts, _, discoveries] = Layout::vertical([
        gap,
        Constraint::Length(rows.tops),
        gap,
        Constraint::Length(rows.charts),
        gap,
        Constraint::Length(rows.discoveries),
    ])
    .areas(body);
    draw_tops(frame, tops, stats, theme);
    draw_charts(frame, charts, stats, theme);
    draw_discoveries(frame, discoveries, stats, theme);
}

/// Rows for each section of the body, from top to bottom, and whether a blank row
/// goes above each section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    gap: u16,
    tops: u16,
    charts: u16,
    discoveries: u16,
}

/// Splits `height` rows: the charts and the discoveries get their minimum, the top
/// lists their title and up to [`TOP_ROWS`] rows out of what is left, the
/// discoveries a second line, then the charts grow to [`CHART_MAX`], then the
/// discoveries to a title and one line per entry (`wanted` + 1). With rows still
/// left, a blank row separates the sections and the charts take the rest.
fn plan(height: u16, wanted: usize) -> Plan {
    let wanted = u16::try_from(wanted.saturating_add(1)).unwrap_or(u16::MAX);
    let mut left = height;
    let mut take = |rows: u16| {
        let rows = rows.min(left);
        left -= rows;
        (rows, left)
    };
    let (charts, _) = take(CHART_MIN);
    let (discoveries, _) = take(DISCOVERIES_MIN);
    let (tops, _) = take(TOP_ROWS + 1);
    let (second, _) = take(wanted.min(DISCOVERIES_MIN + 1).saturating_sub(discoveries));
    let discoveries = discoveries + second;
    let (grow, _) = take(CHART_MAX - CHART_MIN);
    let (more, left) = take(wanted.saturating_sub(discoveries));
    let discoveries = discoveries + more;
    let gap = u16::from(left >= 3);
    take(3 * gap);
    let (rest, _) = take(u16::MAX);
    let charts = charts + grow + rest;
    Plan {
        gap,
        tops,
        charts,
        discoveries,
    }
}

/// A section: a rule across the top with the title in it, the content indented
/// one cell to line up with the title's text.
fn section(title: String, theme: Theme) -> Block<'static> {
    Block::new()
        .borders(Borders::TOP)
        .border_style(theme.dim())
        .padding(Padding::left(1))
        .title(Line::styled(format!(" {title} "), theme.heading()))
}

fn title(stats: &StatsState) -> String {
    let mut title = format!("Stats · {}", stats.period.label());
    let offset = stats.utc_offset_minutes;
    match stats.range() {
        Some((from, to)) if from > 0 => {
            title.push_str(&format!(
                " · {} – {}",
                local_date(from, offset),
                local_date(to.saturating_sub(1), offset)
            ));
        }
        // All time, bounded by nothing: say where the history starts.
        Some(_) => {
            if let Some(first) = stats.activity.as_ref().and_then(|a| a.days.first()) {
                title.push_str(&format!(" · since {}", first.date));
            }
        }
        None => {}
    }
    title
}

/// The totals as chunks, each kept whole on a line: see [`pack`].
fn header_chunks(stats: &StatsState, theme: Theme) -> Vec<Vec<Span<'static>>> {
    let number = |n: u64| Span::styled(thousands(n), theme.heading());
    let mut chunks = Vec::new();
    let listens = stats.activity.as_ref().map(|a| a.listens).or_else(|| {
        [&stats.artists, &stats.tracks, &stats.albums]
            .into_iter()
            .flatten()
            .map(|t| t.listens)
            .next()
    });
    if let Some(listens) = listens {
        chunks.push(vec![number(listens), Span::raw(plural(listens, " listen"))]);
    }
    if let Some(a) = stats.activity.as_ref().filter(|a| a.listens > 0) {
        let days = u64::from(a.active_days);
        chunks.push(vec![
            number(days),
            Span::raw(format!("{} active", plural(days, " day"))),
        ]);
        if a.longest_streak > 0 {
            let longest = u64::from(a.longest_streak);
            let mut chunk = vec![
                Span::raw("longest streak "),
                number(longest),
                Span::raw(plural(longest, " day")),
            ];
            if !a.longest_streak_start.is_empty() {
                chunk.push(Span::raw(format!(" from {}", a.longest_streak_start)));
            }
            chunks.push(chunk);
        }
        let current = u64::from(a.current_streak);
        chunks.push(vec![
            Span::raw("current streak "),
            number(current),
            Span::raw(plural(current, " day")),
        ]);
    }
    if let Some(s) = &stats.summary {
        chunks.push(vec![
            Span::styled("all time: ", theme.label()),
            number(s.artists),
            Span::raw(" artists, "),
            number(s.albums),
            Span::raw(" albums, "),
            number(s.tracks),
            Span::raw(" tracks"),
        ]);
    }
    if stats.is_loading() && (stats.activity.is_none() || stats.summary.is_none()) {
        chunks.push(vec![Span::styled("loading…", theme.dim())]);
    }
    chunks
}

/// The first failure (and how many more), if any call failed.
fn error_line(stats: &StatsState, theme: Theme) -> Option<Line<'static>> {
    let first = stats.errors.first()?;
    let more = match stats.errors.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    Some(Line::styled(
        format!("Could not load everything: {first}{more} · r retries"),
        theme.bad(),
    ))
}

fn draw_empty(frame: &mut Frame, area: Rect, period: PeriodChoice, theme: Theme) {
    let mut lines = vec![
        Line::raw(""),
        Line::styled("No listens in this period.", theme.heading()),
        Line::raw(""),
        Line::raw(
            "Import a file with i in the History tab, or connect a provider on the \
             Connections tab.",
        ),
    ];
    if period != PeriodChoice::AllTime {
        lines.push(Line::styled("a shows all time.", theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines).centered().wrap(Wrap { trim: true }),
        area,
    );
}

/// What goes in a panel whose answer is missing.
fn placeholder(stats: &StatsState, theme: Theme) -> Paragraph<'static> {
    let text = if stats.is_loading() {
        "loading…"
    } else {
        "not available"
    };
    Paragraph::new(Line::styled(text, theme.dim()))
}

fn draw_tops(frame: &mut Frame, area: Rect, stats: &StatsState, theme: Theme) {
    let mut panels = vec![("Top artists", &stats.artists, Subject::Artist)];
    if area.width >= THREE_COLUMNS_FROM {
        panels.push(("Top albums", &stats.albums, Subject::Album));
    }
    panels.push(("Top tracks", &stats.tracks, Subject::Track));
    let areas = Layout::horizontal(vec![Constraint::Fill(1); panels.len()])
        .spacing(GAP)
        .split(area);
    for ((title, top, subject), &area) in panels.into_iter().zip(areas.iter()) {
        let block = section(title.to_owned(), theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        match top {
            None => frame.render_widget(placeholder(stats, theme), inner),
            Some(top) if top.entries.is_empty() => {
                frame.render_widget(Paragraph::new(Line::styled("none", theme.dim())), inner);
            }
            Some(top) => frame.render_widget(top_chart(top, subject, inner.width, theme), inner),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Subject {
    Artist,
    Album,
    Track,
}

/// One bar a row: the label is the name padded to a common width and the count
/// right-aligned after it, so names, counts and bars line up in three columns. The
/// bars keep at least a quarter of the width; names give way first.
fn top_chart(top: &GetTopResponse, subject: Subject, width: u16, theme: Theme) -> BarChart<'_> {
    let names: Vec<String> = top
        .entries
        .iter()
        .map(|e| match subject {
            Subject::Artist => e.artist.clone(),
            Subject::Album => joined(&e.album, &e.artist),
            Subject::Track => joined(&e.title, &e.artist),
        })
        .collect();
    let counts: Vec<String> = top.entries.iter().map(|e| thousands(e.listens)).collect();
    let count_width = counts.iter().map(|c| text_width(c)).max().unwrap_or(0);
    let width = usize::from(width);
    let bars_min = (width / 4).max(4);
    let room = width.saturating_sub(count_width + 2 + bars_min);
    let name_width = names
        .iter()
        .map(|n| text_width(n))
        .max()
        .unwrap_or(0)
        .min(room);
    let bars: Vec<Bar> = top
        .entries
        .iter()
        .zip(names.iter().zip(&counts))
        .map(|(e, (name, count))| {
            Bar::default()
                .value(e.listens)
                .label(Line::from(vec![
                    Span::raw(format!("{} ", fit(name, name_width))),
                    Span::styled(format!("{count:>count_width$}"), theme.label()),
                ]))
                .text_value("")
        })
        .collect();
    BarChart::horizontal(bars)
        .bar_width(1)
        .bar_gap(0)
        .bar_style(theme.gauge_filled())
}

/// Listens over time next to listens by hour. Each bucket (and each hour) is drawn
/// as many whole columns wide as the room allows, the same for all; the over-time
/// panel is as wide as its bars and the hours take the rest.
fn draw_charts(frame: &mut Frame, area: Rect, stats: &StatsState, theme: Theme) {
    let sparkline = |values: Vec<u64>| {
        Sparkline::default()
            .data(values)
            .style(theme.gauge_filled())
    };
    // Room for the over-time bars: what the hours leave, less the indent.
    let room = area.width.saturating_sub(HOURS_WIDTH + CHART_GAP + 1);

    let Some(activity) = &stats.activity else {
        let [days_area, hours_area] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(HOURS_WIDTH)])
                .spacing(CHART_GAP)
                .areas(area);
        for (title, area) in [("Listens per day", days_area), ("By hour", hours_area)] {
            let block = section(title.to_owned(), theme);
            let inner = block.inner(area);
            frame.render_widget(block, area);
            frame.render_widget(placeholder(stats, theme), inner);
        }
        return;
    };

    // Over time.
    let (unit, buckets) = buckets(&activity.days, usize::from(room));
    let (values, used) = widen(buckets.iter().map(|b| b.1).collect(), room);
    let title = format!("Listens per {}", unit.name());
    let width = used.max(room.min(text_width(&title) as u16 + 2)) + 1;
    let [days_area, hours_area] =
        Layout::horizontal([Constraint::Length(width), Constraint::Fill(1)])
            .spacing(CHART_GAP)
            .areas(area);
    let block = section(title, theme);
    let inner = block.inner(days_area);
    frame.render_widget(block, days_area);
    let [spark, axis_row] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(sparkline(values), spark);
    if let (Some(first), Some(last)) = (buckets.first(), activity.days.last()) {
        // The dates under the first and the last bar (the last only with room).
        let left = unit.label(&first.0);
        let right = &last.date;
        let room = usize::from(used).saturating_sub(text_width(&left));
        let mut spans = vec![Span::styled(left, theme.dim())];
        if room > text_width(right) {
            spans.push(Span::styled(format!("{right:>room$}"), theme.dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), axis_row);
    }

    // By hour of day.
    let peak = activity
        .hours
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .max_by_key(|&(h, &n)| (n, std::cmp::Reverse(h)))
        .map(|(h, _)| h);
    let title = match peak {
        Some(h) => format!("By hour · peak {h}h"),
        None => "By hour".to_owned(),
    };
    let block = section(title, theme);
    let inner = block.inner(hours_area);
    frame.render_widget(block, hours_area);
    let [spark, axis_row] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let (values, _) = widen(activity.hours.clone(), inner.width);
    let per_hour = values.len() / activity.hours.len().max(1);
    frame.render_widget(sparkline(values), spark);
    let mut axis = String::new();
    for hour in [0, 6, 12, 18] {
        let at = hour * per_hour;
        let pad = at.saturating_sub(axis.len()).max(usize::from(hour > 0));
        axis.push_str(&format!("{:pad$}{hour}", ""));
    }
    frame.render_widget(Paragraph::new(Line::styled(axis, theme.dim())), axis_row);
}

/// `values` with each repeated as many times as fit in `width` columns (at least
/// once), and the columns they then take.
fn widen(values: Vec<u64>, width: u16) -> (Vec<u64>, u16) {
    let times = usize::from(width)
        .checked_div(values.len())
        .unwrap_or(1)
        .max(1);
    let wide: Vec<u64> = values
        .into_iter()
        .flat_map(|v| std::iter::repeat_n(v, times))
        .collect();
    let used = u16::try_from(wide.len()).unwrap_or(u16::MAX);
    (wide, used)
}

/// How the listens-over-time sparkline groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Month,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
        }
    }

    /// A bucket's first day as the axis shows it ("2025-03" for a month).
    fn label(self, first_day: &str) -> String {
        match self {
            Unit::Month => first_day.chars().take(7).collect(),
            Unit::Day | Unit::Week => first_day.to_owned(),
        }
    }
}

/// The days as at most `width` bars (one column each), each with its first day:
/// one per day when they fit; else one per 7 days counted back from the last (so the
/// last bar is a whole week ending today, the first may be shorter); else one per
/// calendar month, the most recent `width` of them.
fn buckets(days: &[DayCount], width: usize) -> (Unit, Vec<(String, u64)>) {
    if days.len() <= width {
        let all = days.iter().map(|d| (d.date.clone(), d.listens)).collect();
        return (Unit::Day, all);
    }
    if days.len().div_ceil(7) <= width {
        let mut weeks: Vec<(String, u64)> = days
            .rchunks(7)
            .map(|w| (w[0].date.clone(), w.iter().map(|d| d.listens).sum()))
            .collect();
        weeks.reverse();
        return (Unit::Week, weeks);
    }
    let mut months: Vec<(String, u64)> = Vec::new();
    for day in days {
        let month = day.date.get(..7).unwrap_or(&day.date);
        match months.last_mut() {
            Some((first, sum)) if first.starts_with(month) => *sum += day.listens,
            _ => months.push((day.date.clone(), day.listens)),
        }
    }
    let skip = months.len().saturating_sub(width);
    (Unit::Month, months.split_off(skip))
}

fn draw_discoveries(frame: &mut Frame, area: Rect, stats: &StatsState, theme: Theme) {
    let Some(found) = &stats.discoveries else {
        let block = section("New artists".to_owned(), theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(placeholder(stats, theme), inner);
        return;
    };
    let title = match found.total {
        0 => "New artists · none this period".to_owned(),
        1 => "New artists · 1 first heard this period".to_owned(),
        n => format!("New artists · {} first heard this period", thousands(n)),
    };
    let block = section(title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let rows = usize::from(inner.height);
    let entries = &found.discoveries;
    // One a line when all of them (or at least 4) fit, else as many as fit packed.
    let lines = if rows >= entries.len().min(4) {
        let numbers = entries
            .iter()
            .map(|d| text_width(&thousands(d.listens)))
            .max()
            .unwrap_or(0);
        let counts: Vec<String> = entries
            .iter()
            .map(|d| {
                format!(
                    "{:>numbers$}{:<8} · first {}",
                    thousands(d.listens),
                    plural(d.listens, " listen"),
                    local_date(d.first_listened_at, stats.utc_offset_minutes)
                )
            })
            .collect();
        let tail = counts.iter().map(|c| text_width(c)).max().unwrap_or(0);
        let longest = entries
            .iter()
            .map(|d| text_width(&d.artist))
            .max()
            .unwrap_or(0);
        let name_width = longest.min(width.saturating_sub(tail + 2));
        entries
            .iter()
            .zip(counts)
            .take(rows)
            .map(|(d, count)| {
                Line::from(vec![
                    Span::raw(format!("{}  ", fit(&d.artist, name_width))),
                    Span::styled(count, theme.dim()),
                ])
            })
            .collect()
    } else {
        let chunks = entries
            .iter()
            .map(|d| {
                vec![
                    Span::raw(fit(&d.artist, 24).trim_end().to_owned()),
                    Span::styled(format!(" ({})", thousands(d.listens)), theme.label()),
                ]
            })
            .collect();
        let mut lines = pack(chunks, inner.width, theme);
        lines.truncate(rows);
        lines
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Lays chunks out on lines of `width` cells, " · " between them, never splitting a
/// chunk (one wider than a line gets a line to itself and is cut at its end).
fn pack(chunks: Vec<Vec<Span<'static>>>, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut used = 0;
    for chunk in chunks {
        let w: usize = chunk.iter().map(Span::width).sum();
        match lines.last_mut() {
            Some(line) if used + 3 + w <= width => {
                line.spans.push(Span::styled(" · ", theme.dim()));
                line.spans.extend(chunk);
                used += 3 + w;
            }
            _ => {
                lines.push(Line::from(chunk));
                used = w;
            }
        }
    }
    lines
}

/// "Title – Artist", or whichever of them is known.
fn joined(name: &str, artist: &str) -> String {
    match (name.is_empty(), artist.is_empty()) {
        (false, false) => format!("{name} – {artist}"),
        (true, _) => artist.to_owned(),
        (false, true) => name.to_owned(),
    }
}

/// Terminal cells `s` takes (wide CJK characters count two).
fn text_width(s: &str) -> usize {
    Span::raw(s).width()
}

/// `s` cut to `width` cells (ending in "…" when cut) and padded with spaces to
/// exactly `width`.
fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if text_width(s) > width {
        let room = width.saturating_sub(1);
        for c in s.chars() {
            let w = text_width(c.encode_utf8(&mut [0; 4]));
            if used + w > room {
                break;
            }
            out.push(c);
            used += w;
        }
        if width > 0 {
            out.push('…');
            used += 1;
        }
    } else {
        out.push_str(s);
        used = text_width(s);
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// "1 day", "3 days" (the word as given, with its leading space if any).
fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// 12345 as "12,345".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The local date ("2025-06-15") of a unix second, at `offset` minutes from UTC.
fn local_date(at: i64, offset_minutes: i32) -> String {
    let offset =
        UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60)).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.to_offset(offset)
                .format(format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<DayCount> {
        // Consecutive days ending 2025-06-15, one listen each.
        let last = time::macros::date!(2025 - 06 - 15);
        (0..n)
            .rev()
            .map(|back| DayCount {
                date: (last - time::Duration::days(back as i64)).to_string(),
                listens: 1,
            })
            .collect()
    }

    #[test]
    fn days_that_fit_stay_days() {
        let (unit, b) = buckets(&days(30), 50);
        assert_eq!(unit, Unit::Day);
        assert_eq!(b.len(), 30);
        assert_eq!(b[29], ("2025-06-15".to_owned(), 1));
    }

    #[test]
    fn too_many_days_become_weeks_ending_today() {
        let (unit, b) = buckets(&days(365), 53);
        assert_eq!(unit, Unit::Week);
        assert_eq!(b.len(), 53);
        assert_eq!(b[52], ("2025-06-09".to_owned(), 7));
        assert_eq!(b[0].1, 1, "the first week is the odd day out");
        assert_eq!(b.iter().map(|b| b.1).sum::<u64>(), 365);
    }

    #[test]
    fn too_many_weeks_become_the_latest_months() {
        let (unit, b) = buckets(&days(3000), 40);
        assert_eq!(unit, Unit::Month);
        assert_eq!(b.len(), 40);
        assert_eq!(b[39], ("2025-06-01".to_owned(), 15));
        assert_eq!(b[38], ("2025-05-01".to_owned(), 31));
    }

    #[test]
    fn names_are_cut_by_cells_not_characters() {
        assert_eq!(fit("坂本龍一", 8), "坂本龍一");
        assert_eq!(fit("坂本龍一", 6), "坂本… ");
        assert_eq!(text_width(&fit("坂本龍一", 6)), 6);
        assert_eq!(fit("Sigur Rós", 12), "Sigur Rós   ");
        assert_eq!(fit("Sigur Rós", 6), "Sigur…");
    }

    #[test]
    fn the_plan_fills_80x24_and_grows_at_120x40() {
        // 80x24 less the tab bar, the footer and a 3-line header.
        assert_eq!(
            plan(19, 8),
            Plan {
                gap: 0,
                tops: 11,
                charts: 5,
                discoveries: 3
            }
        );
        // Short of rows: the top lists give way first.
        assert_eq!(plan(15, 8).tops, 8);
        // 120x40: the discoveries get a line each, the sections some air, the
        // charts the rest.
        assert_eq!(
            plan(35, 8),
            Plan {
                gap: 1,
                tops: 11,
                charts: 12,
                discoveries: 9
            }
        );
        // Tiny terminals do not panic.
        assert_eq!(plan(3, 8).charts, 3);
        assert_eq!(plan(0, 8).tops, 0);
    }
}

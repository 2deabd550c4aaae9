//! The import dialog: the file and format form, then a gauge of how much of the
//! file the daemon has read with the counts so far, then the summary with the
//! first bad rows (or why it failed).

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Position, Rect},
    text::Line,
    widgets::{Gauge, Paragraph, Wrap},
};
use spotter_proto::v1::ImportProgress;

use super::import::{FORMATS, ImportDialog, ImportPhase};
use crate::component::widgets::{dialog::popup_of_width, fields, fields::field, fields::thousands, form, theme::Theme};

const WIDTH: u16 = 72;
/// Bad rows listed at most (the rest are counted).
const BAD_ROWS_SHOWN: usize = 6;

pub fn draw(frame: &mut Frame, area: Rect, dialog: &ImportDialog, theme: Theme) {
    match &dialog.phase {
        ImportPhase::Choosing => render_form(frame, area, dialog, theme),
        ImportPhase::Running { progress } => {
            render_running(frame, area, dialog, progress.as_ref(), theme);
        }
        ImportPhase::Done(progress) => render_done(frame, area, dialog, progress, theme),
        ImportPhase::Failed(error) => render_failed(frame, area, dialog, error, theme),
    }
}

fn popup(frame: &mut Frame, area: Rect, height: usize, title: &str, theme: Theme) -> Rect {
    let height = u16::try_from(height).unwrap_or(u16::MAX);
    popup_of_width(frame, area, WIDTH, height, title, theme)
}

fn render_form(frame: &mut Frame, area: Rect, dialog: &ImportDialog, theme: Theme) {
    let f = &dialog.form;
    let width = WIDTH.min(area.width).saturating_sub(4);
    let (mut lines, cursor) = form::field_lines(f, width, theme);
    lines.push(Line::default());
    lines.push(form::message_line(f, theme).unwrap_or_default());
    let note = format!("Formats: {FORMATS}. A leading ~ is your home directory.");
    let wrapped = fields::wrap(&note, usize::from(width));
    lines.extend(wrapped.into_iter().map(|l| Line::styled(l, theme.dim())));
    lines.push(Line::default());
    lines.push(Line::styled(
        "Enter imports · Tab next field · Esc cancels",
        theme.dim(),
    ));
    let inner = popup(frame, area, lines.len() + 2, " Import listens ", theme);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(at) = cursor
        && at.x < inner.width
    {
        frame.set_cursor_position(Position::new(inner.x + at.x, inner.y + at.y));
    }
}

/// File and format, as the first lines of the running and finished dialog.
fn file_lines(dialog: &ImportDialog, format: &str, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = field(
        "File",
        &dialog.path,
        theme.label(),
        ratatui::style::Style::new(),
        width,
    );
    let format = if format.is_empty() {
        "detecting…"
    } else {
        format
    };
    lines.extend(field(
        "Format",
        format,
        theme.label(),
        ratatui::style::Style::new(),
        width,
    ));
    lines
}

fn counts(p: &ImportProgress) -> String {
    let mut s = format!(
        "{} added · {} merged · {} already there · {} skipped · {} bad",
        thousands(p.added),
        thousands(p.merged),
        thousands(p.duplicates),
        thousands(p.skipped),
        thousands(p.bad)
    );
    if p.cut > 0 {
        s.push_str(&format!(" · {} with a name cut", thousands(p.cut)));
    }
    s
}

fn render_gauge(frame: &mut Frame, area: Rect, ratio: Option<f64>, label: String, theme: Theme) {
    let gauge = Gauge::default()
        .ratio(ratio.unwrap_or(0.0).clamp(0.0, 1.0))
        .label(label)
        .gauge_style(theme.gauge_filled())
        .use_unicode(true);
    frame.render_widget(gauge, area);
}

fn render_running(
    frame: &mut Frame,
    area: Rect,
    dialog: &ImportDialog,
    progress: Option<&ImportProgress>,
    theme: Theme,
) {
    let width = WIDTH.min(area.width).saturating_sub(4);
    let format = progress.map_or("", |p| p.format.as_str());
    let top = file_lines(dialog, format, width, theme);
    let top_rows = top.len();
    // File lines, gap, gauge, gap, counts (two lines when long), gap, hint.
    let count_rows = progress.map_or(1, |p| {
        counts(p)
            .chars()
            .count()
            .div_ceil(usize::from(width).max(1))
    });
    let inner = popup(
        frame,
        area,
        top_rows + 5 + count_rows + 2,
        " Importing listens ",
        theme,
    );
    let [head, _, bar, _, rest] = Layout::vertical([
        Constraint::Length(u16::try_from(top_rows).unwrap_or(2)),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(top), head);
    let read = progress.map_or(0, |p| p.bytes_read);
    let label = match (dialog.ratio(), dialog.size) {
        (Some(ratio), size) => format!(
            "{:.0}% · {} of {}",
            ratio * 100.0,
            bytes(read.min(size)),
            bytes(size)
        ),
        (None, _) => "opening the file…".to_owned(),
    };
    render_gauge(frame, bar, dialog.ratio(), label, theme);
    let mut lines = match progress {
        Some(p) => fields::wrap(&counts(p), usize::from(width))
            .into_iter()
            .map(Line::raw)
            .collect(),
        None => vec![Line::styled("Waiting for spotterd to count…", theme.dim())],
    };
    lines.push(Line::default());
    lines.push(Line::styled(
        "Esc cancels (what is imported so far is kept)",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), rest);
}

fn render_done(
    frame: &mut Frame,
    area: Rect,
    dialog: &ImportDialog,
    progress: &ImportProgress,
    theme: Theme,
) {
    let width = WIDTH.min(area.width).saturating_sub(4);
    let mut lines = file_lines(dialog, &progress.format, width, theme);
    lines.push(Line::default());
    lines.push(Line::raw(match progress.plays {
        1 => "1 play read:".to_owned(),
        n => format!("{} plays read:", thousands(n)),
    }));
    lines.extend(
        fields::wrap(&counts(progress), usize::from(width))
            .into_iter()
            .map(|l| Line::styled(l, theme.good())),
    );
    let noted = progress.bad + progress.cut;
    if noted > 0 {
        lines.push(Line::default());
        let title = if progress.cut == 0 {
            "Rows that could not be read:"
        } else {
            "Rows that could not be read, or were cut:"
        };
        lines.push(Line::styled(title, theme.bad()));
        let room = usize::from(area.height).saturating_sub(lines.len() + 6);
        let shown = progress.bad_rows.len().min(BAD_ROWS_SHOWN).min(room.max(1));
        for bad in progress.bad_rows.iter().take(shown) {
            let text = format!("line {}: {}", bad.line, bad.reason);
            let cut: String = text.chars().take(usize::from(width)).collect();
            lines.push(Line::raw(cut));
        }
        let rest = noted.saturating_sub(shown as u64);
        if rest > 0 {
            lines.push(Line::styled(
                format!("… and {} more", thousands(rest)),
                theme.dim(),
            ));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled("Enter or Esc closes", theme.dim()));
    let inner = popup(frame, area, lines.len() + 2, " Import finished ", theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_failed(frame: &mut Frame, area: Rect, dialog: &ImportDialog, error: &str, theme: Theme) {
    let width = WIDTH.min(area.width).saturating_sub(4);
    let mut lines = field(
        "File",
        &dialog.path,
        theme.label(),
        ratatui::style::Style::new(),
        width,
    );
    lines.push(Line::default());
    lines.extend(
        fields::wrap(error, usize::from(width))
            .into_iter()
            .map(|l| Line::styled(l, theme.bad())),
    );
    lines.push(Line::default());
    lines.push(Line::styled("Enter tries again · Esc closes", theme.dim()));
    let inner = popup(frame, area, lines.len() + 2, " Import failed ", theme);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// 1536 as "1.5 KiB".
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_short() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 + 300_000), "3.3 MiB");
    }
}

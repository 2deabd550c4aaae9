//! The Jobs tab: one row per job (state, next run), the selected job in full
//! underneath (a progress gauge while it runs, else why it waits), then the recent
//! runs with fatal errors picked out.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    style::Style,
    text::{Line, Span},
    widgets::{Block, Cell, LineGauge, Padding, Paragraph, Row},
};
use spotter_proto::v1::{Job, JobRun, job, job_run};

use super::state::JobsTab;
use crate::{
    component::{
        LiveState, View,
        widgets::{
            fields::field,
            table::{self, ListView},
            theme::Theme,
        },
    },
    dates::Zone,
    job_kinds::job_name,
    when,
};

pub fn draw(frame: &mut Frame, area: Rect, jobs: &JobsTab, view: &View) {
    let (now, zone, theme) = (view.now, view.zone, view.theme);
    let table_height = u16::try_from(jobs.rows.items.len().max(1) + 3).unwrap_or(u16::MAX);
    let detail_lines = jobs
        .rows
        .selected_item()
        .map(|job| detail_lines(job, now, zone, area.width.saturating_sub(4), theme));
    let detail_height = detail_lines
        .as_ref()
        .map_or(0, |d| u16::try_from(d.rows() + 2).unwrap_or(u16::MAX));
    let [list, detail, recent] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Length(detail_height),
        Constraint::Fill(1),
    ])
    .areas(area);

    let live = match view.live {
        LiveState::Live => " · live",
        LiveState::Lost => " · live updates lost, reconnecting…",
        LiveState::Connecting => "",
    };
    let list_view = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(format!(" Jobs{live} ")),
        header: Row::new(["Job", "State", "Next run"]),
        widths: &[
            Constraint::Length(13),
            Constraint::Fill(1),
            Constraint::Length(10),
        ],
        len: jobs.rows.items.len(),
        selected: Some(jobs.rows.selected),
        row: |i| {
            let job = &jobs.rows.items[i];
            let (state, style) = state(job, theme);
            Row::new([
                Cell::from(job_name(job.kind())),
                Cell::from(Span::styled(state, style)),
                Cell::from(next_run(job, now)),
            ])
        },
        empty: if jobs.rows.loaded {
            "No jobs."
        } else {
            "Loading jobs…"
        },
    };
    table::render(frame, list, list_view, theme);
    if let (Some(job), Some(lines)) = (jobs.rows.selected_item(), detail_lines) {
        render_detail(frame, detail, job, lines, theme);
    }
    render_recent(frame, recent, (now, zone), jobs, theme);
}

fn state(job: &Job, theme: Theme) -> (String, Style) {
    match job.state() {
        job::State::Running => {
            let progress = job.current.as_ref().map_or(String::new(), |run| {
                if run.total > 0 {
                    format!(" · {}%", percent(run))
                } else {
                    format!(" · {} done", run.done)
                }
            });
            (format!("running{progress}"), theme.busy())
        }
        job::State::BackingOff => (
            match job.failures {
                1 => "backing off after 1 failure".into(),
                n => format!("backing off after {n} failures"),
            },
            theme.bad(),
        ),
        job::State::Blocked if job.blocked_reason.is_empty() => ("blocked".into(), theme.bad()),
        job::State::Blocked => (format!("blocked: {}", job.blocked_reason), theme.bad()),
        job::State::Idle => ("idle".into(), Style::new()),
        job::State::Unspecified => ("unknown".into(), theme.dim()),
    }
}

fn next_run(job: &Job, now: i64) -> String {
    match job.state() {
        job::State::Running | job::State::Blocked => "—".into(),
        _ if job.next_run_at != 0 && job.next_run_at <= now => "due".into(),
        _ => when::until(now, job.next_run_at),
    }
}

fn percent(run: &JobRun) -> u64 {
    (run.done.min(run.total) * 100)
        .checked_div(run.total)
        .unwrap_or(0)
}

/// The selected job in full: a gauge line (while running with a known total) and
/// text lines.
struct Detail {
    gauge: Option<(f64, String)>,
    lines: Vec<Line<'static>>,
}

impl Detail {
    fn rows(&self) -> usize {
        usize::from(self.gauge.is_some()) + self.lines.len()
    }
}

fn detail_lines(job: &Job, now: i64, zone: Zone, width: u16, theme: Theme) -> Detail {
    let row =
        |label: &str, value: &str, style: Style| field(label, value, theme.label(), style, width);
    let mut lines = Vec::new();
    if let (job::State::Running, Some(run)) = (job.state(), &job.current) {
        let gauge = if run.total > 0 {
            let ratio = run.done.min(run.total) as f64 / run.total as f64;
            Some((
                ratio,
                format!("{:>3}% {}/{}", percent(run), run.done, run.total),
            ))
        } else {
            // Nothing to measure against: say how far it got.
            lines.push(Line::styled(
                format!("{} done so far (total not known yet)", run.done),
                theme.busy(),
            ));
            None
        };
        let message = if run.message.is_empty() {
            "working…"
        } else {
            &run.message
        };
        lines.push(Line::raw(message.to_owned()));
        let trigger = if run.manual {
            "run by hand"
        } else {
            "on schedule"
        };
        lines.push(Line::styled(
            format!("Started {} · {trigger}", when::ago(now, run.started_at, zone)),
            theme.dim(),
        ));
        return Detail { gauge, lines };
    }
    let explanation = match job.state() {
        job::State::Idle => "idle: runs on its schedule; n runs it now".to_owned(),
        job::State::BackingOff => format!(
            "failed {} time{} in a row; it is retried at the next run, or n retries now",
            job.failures,
            if job.failures == 1 { "" } else { "s" }
        ),
        job::State::Blocked => format!(
            "blocked: {}. Connect what it needs on the Connections tab.",
            if job.blocked_reason.is_empty() {
                "nothing it could run"
            } else {
                &job.blocked_reason
            }
        ),
        _ => "unknown".to_owned(),
    };
    lines.extend(row("State", &explanation, state(job, theme).1));
    lines.extend(row("Next run", &next_run(job, now), Style::new()));
    Detail { gauge: None, lines }
}

fn render_detail(frame: &mut Frame, area: Rect, job: &Job, detail: Detail, theme: Theme) {
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(format!(" {} ", job_name(job.kind())));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let gauge_rows = u16::from(detail.gauge.is_some());
    let [gauge_area, text] =
        Layout::vertical([Constraint::Length(gauge_rows), Constraint::Fill(1)]).areas(inner);
    if let Some((ratio, label)) = detail.gauge {
        let (filled, unfilled) = theme.gauge_symbols();
        frame.render_widget(
            LineGauge::default()
                .ratio(ratio)
                .label(label)
                .filled_symbol(filled)
                .unfilled_symbol(unfilled)
                .filled_style(theme.gauge_filled())
                .unfilled_style(theme.gauge_unfilled()),
            gauge_area,
        );
    }
    frame.render_widget(Paragraph::new(detail.lines), text);
}

fn render_recent(
    frame: &mut Frame,
    area: Rect,
    (now, zone): (i64, Zone),
    jobs: &JobsTab,
    theme: Theme,
) {
    let runs = &jobs.recent;
    let list_view = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(" Recent runs "),
        header: Row::new([
            "Job", "Trigger", "State", "Started", "Took", "Done", "Message",
        ]),
        widths: &[
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Fill(1),
        ],
        len: runs.len(),
        selected: None,
        row: |i| run_row(&runs[i], now, zone, theme),
        empty: if jobs.rows.loaded {
            "No runs yet."
        } else {
            "Loading runs…"
        },
    };
    table::render(frame, area, list_view, theme);
}

fn run_row(run: &JobRun, now: i64, zone: Zone, theme: Theme) -> Row<'static> {
    let (state, style) = match run.state() {
        job_run::State::Running => ("running", theme.busy()),
        job_run::State::Succeeded => ("succeeded", theme.good()),
        job_run::State::Failed => ("failed", theme.bad()),
        job_run::State::Cancelled => ("cancelled", theme.busy()),
        job_run::State::Interrupted => ("interrupted", theme.busy()),
        job_run::State::Unspecified => ("unknown", theme.dim()),
    };
    let end = if run.finished_at == 0 {
        now
    } else {
        run.finished_at
    };
    let message = if run.error_fatal {
        format!("fatal: {}", run.message)
    } else {
        run.message.clone()
    };
    let row = Row::new([
        Cell::from(job_name(run.kind())),
        Cell::from(if run.manual { "manual" } else { "schedule" }),
        Cell::from(Span::styled(state, style)),
        Cell::from(when::ago(now, run.started_at, zone)),
        Cell::from(when::duration(end - run.started_at)),
        Cell::from(run.done.to_string()),
        Cell::from(message),
    ]);
    // A fatal error stops the job until the user acts: the whole row says so.
    if run.error_fatal {
        row.style(theme.bad())
    } else {
        row
    }
}

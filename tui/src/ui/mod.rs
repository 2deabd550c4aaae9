//! Rendering: turns `&App` into a frame and does nothing else (no I/O, no state
//! changes), so every screen can be snapshot-tested with fixed state.
//!
//! Layout at any size: a title bar (the tab bar once signed in), the current
//! screen, a status line when there is something to say, and a footer of keys;
//! dialogs and the help overlay go on top. Designed for 80x24.

mod dialogs;
mod error_screen;
mod help;
mod sign_in_screen;
mod tab_bar;
mod waiting_screen;

pub use crate::component::widgets::theme;

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use crate::{
    app::{App, AuthState, Command, Connection},
    component::{LiveState, View, form::FieldId},
    keymap,
    status::DaemonStatus,
    tabs::status,
};
use theme::Theme;

pub fn render(frame: &mut Frame, app: &App) {
    let theme = Theme::new(app.colour);
    let notice = notice(app);
    let [title, body, status_line, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(u16::from(notice.is_some())),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    let connected = matches!(app.connection, Connection::Connected(_));
    match (&app.connection, &app.auth) {
        (Connection::Connected(_), AuthState::SignedIn(main)) => {
            tab_bar::render(frame, title, main, theme);
        }
        _ => render_title(frame, title, app, theme),
    }
    match &app.connection {
        Connection::Connected(status) => match &app.auth {
            AuthState::Setup(form) => sign_in_screen::setup(frame, body, app, form, theme),
            AuthState::SignIn(form) => sign_in_screen::sign_in(frame, body, app, form, theme),
            AuthState::SignedIn(main) => main.draw_tab(frame, body, &view(app, status, theme)),
            // Until there is a sign-in form to show, the daemon's status is.
            AuthState::Unknown | AuthState::Checking | AuthState::Unavailable { .. } => {
                status::view::draw(frame, body, &view(app, status, theme));
            }
        },
        Connection::Unreachable { problem, failures } => {
            error_screen::render(frame, body, app, problem, *failures, theme);
        }
        Connection::Connecting => waiting_screen::connecting(frame, body, app, theme),
        Connection::StartingDaemon { log } => waiting_screen::starting(frame, body, log, theme),
    }
    if let Some((text, error)) = notice {
        let style = if error { theme.bad() } else { theme.good() };
        frame.render_widget(
            Paragraph::new(Line::from(vec![Span::raw(" "), Span::styled(text, style)])),
            status_line,
        );
    }
    render_footer(frame, footer, app, theme);
    if let (true, Some(main), Connection::Connected(status)) =
        (connected, app.main(), &app.connection)
    {
        dialogs::render(frame, body, &main.overlays, &view(app, status, theme));
    }
    if app.show_help {
        help::render(frame, frame.area(), &app.screen_scopes(), theme);
    }
}

/// What a tab draws with.
fn view<'a>(app: &'a App, status: &'a DaemonStatus, theme: Theme) -> View<'a> {
    View {
        now: app.now,
        zone: app.zone,
        theme,
        live: app.main().map_or(LiveState::Connecting, |main| main.live),
        status,
        socket: &app.socket,
        client_protocol_version: app.client_protocol_version,
    }
}

/// The status line: the outcome of the last action, or why signing in is not
/// possible right now.
fn notice(app: &App) -> Option<(String, bool)> {
    if !matches!(app.connection, Connection::Connected(_)) {
        return None;
    }
    match &app.auth {
        AuthState::SignedIn(main) => main.notice.as_ref().map(|n| (n.text.clone(), n.error)),
        AuthState::Unavailable { problem, .. } => Some((
            format!(
                "Cannot sign in: {} (retrying; r retries now)",
                problem.reason
            ),
            true,
        )),
        _ => None,
    }
}

fn render_title(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let (screen, state) = match (&app.connection, &app.auth) {
        (Connection::Connected(_), AuthState::Setup(_)) => ("first-run setup", "connected"),
        (Connection::Connected(_), AuthState::SignIn(_)) => ("sign in", "connected"),
        (Connection::Connected(_), _) => ("daemon status", "connected"),
        (Connection::Connecting, _) => ("daemon status", "connecting…"),
        (Connection::StartingDaemon { .. }, _) => ("daemon status", "starting daemon…"),
        (Connection::Unreachable { .. }, _) => ("daemon status", "unreachable"),
    };
    frame.render_widget(Block::new().style(theme.title_bar()), area);
    frame.render_widget(Paragraph::new(format!(" spotter · {screen}")), area);
    frame.render_widget(
        Paragraph::new(Line::from(format!("{state} ")).right_aligned()),
        area,
    );
}

/// As many key hints as fit, most specific first; roomier spacing when all fit.
fn render_footer(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let has_method = match &app.auth {
        AuthState::Setup(form) | AuthState::SignIn(form) => form.field(FieldId::Method).is_some(),
        _ => false,
    };
    let hints: Vec<(String, &str)> = keymap::footer_hints(&app.key_scopes())
        .into_iter()
        .filter(|(command, ..)| *command != Command::SwitchMethod || has_method)
        .map(|(_, key, label)| (key, label))
        .collect();
    let width = |(key, label): &(String, &str)| key.chars().count() + 1 + label.chars().count();
    let room = usize::from(area.width).saturating_sub(1);
    let wide: usize = hints.iter().map(|h| width(h) + 3).sum();
    let gap = if wide <= room + 3 { "   " } else { "  " };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 0;
    for hint in hints {
        let needed = width(&hint);
        if used + needed > room {
            break;
        }
        used += needed + gap.len();
        spans.push(Span::styled(hint.0, theme.key()));
        spans.push(Span::raw(format!(" {}{gap}", hint.1)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests;

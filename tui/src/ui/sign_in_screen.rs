//! The way in: the sign-in form and the first-run setup form (which also says
//! where the one-time setup code is to be found).

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Position, Rect},
    text::Line,
    widgets::{Block, Padding, Paragraph, Wrap},
};
use spotter_proto::locations::{Mode, SYSTEM_STATE_DIR};

use crate::component::widgets::{form, theme::Theme};
use crate::{app::App, component::form::Form, daemon_launch::LOG_FILE_NAME};

/// Rows kept for an error message (daemon messages can be a sentence or two).
const MESSAGE_ROWS: u16 = 3;
const SIGN_IN_WIDTH: u16 = 66;

pub fn sign_in(frame: &mut Frame, area: Rect, app: &App, form: &Form, theme: Theme) {
    let fields = visible_fields(form);
    // Borders, socket line, gaps, fields, message, hint.
    let height = 2 + 2 + fields + 1 + MESSAGE_ROWS + 1 + 1;
    let popup = area.centered(
        Constraint::Length(SIGN_IN_WIDTH.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" Sign in to spotterd ")
        .border_style(theme.border(theme.good()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [socket, _, fields_area, _, message, _, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(fields),
        Constraint::Length(1),
        Constraint::Length(MESSAGE_ROWS),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::styled(
            format!("Daemon  {}", app.socket.path.display()),
            theme.dim(),
        )),
        socket,
    );
    render_fields(frame, fields_area, form, theme);
    render_message(frame, message, form, theme);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "Enter signs in · Tab moves between fields · Esc quits",
            theme.dim(),
        )),
        hint,
    );
}

pub fn setup(frame: &mut Frame, area: Rect, app: &App, form: &Form, theme: Theme) {
    let fields = visible_fields(form);
    let code_rows = if app.setup.setup_code_required { 3 } else { 0 };
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" First-run setup: create the owner ")
        .border_style(theme.border(theme.busy()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [intro, _, fields_area, _, code, message, _, hint] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(fields),
        Constraint::Length(1),
        Constraint::Length(code_rows),
        Constraint::Length(MESSAGE_ROWS),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let mut intro_text = String::from(
        "No account exists yet. The account you create now becomes the owner of this \
         spotterd: it manages users, sessions and settings.",
    );
    if app.setup.navidrome_available {
        intro_text.push_str(" With Navidrome, use your Navidrome username and password.");
    }
    frame.render_widget(Paragraph::new(intro_text).wrap(Wrap { trim: true }), intro);
    render_fields(frame, fields_area, form, theme);
    if code_rows > 0 {
        frame.render_widget(
            Paragraph::new(setup_code_help(app.socket.mode))
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            code,
        );
    }
    render_message(frame, message, form, theme);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "Enter creates the owner · Tab moves between fields · Esc quits",
            theme.dim(),
        )),
        hint,
    );
}

/// Where the daemon puts the one-time setup code.
fn setup_code_help(mode: Mode) -> String {
    match mode {
        Mode::System => format!(
            "The setup code is printed in the daemon log (journalctl -u spotterd) and \
             kept in the state directory file setup-code ({SYSTEM_STATE_DIR}/setup-code)."
        ),
        Mode::Personal => format!(
            "The setup code is printed in the daemon log ({LOG_FILE_NAME}) and kept in \
             the state directory file setup-code (usually ~/.local/state/spotter/setup-code)."
        ),
    }
}

fn visible_fields(form: &Form) -> u16 {
    u16::try_from(form.fields.iter().filter(|f| !f.hidden).count()).unwrap_or(u16::MAX)
}

fn render_fields(frame: &mut Frame, area: Rect, form: &Form, theme: Theme) {
    let (lines, cursor) = form::field_lines(form, area.width, theme);
    frame.render_widget(Paragraph::new(lines), area);
    if let Some(at) = cursor
        && at.y < area.height
        && at.x < area.width
    {
        frame.set_cursor_position(Position::new(area.x + at.x, area.y + at.y));
    }
}

fn render_message(frame: &mut Frame, area: Rect, form: &Form, theme: Theme) {
    if let Some(line) = form::message_line(form, theme) {
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), area);
    }
}

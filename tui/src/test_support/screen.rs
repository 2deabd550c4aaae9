//! The app drawn as unit tests look at it: at 80x24 on a test backend, as text,
//! and the colour rules every screen keeps (none with `NO_COLOR`, only the 16 ANSI
//! colours without).

use ratatui::{Terminal, backend::TestBackend, style::Color};

use crate::{app::App, ui::render};

pub fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| render(frame, app)).unwrap();
    terminal
}

pub fn screen(app: &App) -> String {
    draw(app).backend().to_string()
}

/// Whether any cell is drawn in a colour.
pub fn has_colour(terminal: &Terminal<TestBackend>) -> bool {
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .any(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset)
}

/// `NO_COLOR`: every cell in the terminal's own colours.
pub fn assert_no_colour(terminal: &Terminal<TestBackend>) {
    assert!(!has_colour(terminal), "{}", terminal.backend());
}

/// Only the 16 ANSI colours, which every terminal has (never RGB or indexed).
pub fn assert_ansi_colours_only(terminal: &Terminal<TestBackend>) {
    for cell in terminal.backend().buffer().content() {
        for colour in [cell.fg, cell.bg] {
            assert!(
                !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                "{colour:?} in\n{}",
                terminal.backend()
            );
        }
    }
}

/// Both rules for the screens `screens(colour)` makes.
pub fn assert_colour_rules(screens: impl Fn(bool) -> Vec<App>) {
    for app in screens(false) {
        assert_no_colour(&draw(&app));
    }
    for app in screens(true) {
        assert_ansi_colours_only(&draw(&app));
    }
}

//! Snapshots of every screen at 80x24, the size the product must read well at.
//! The way in and the signed-in screens are in `signed_in_tests`.

use std::path::{Path, PathBuf};

use ratatui::{Terminal, backend::TestBackend, style::Color};
use spotter_proto::locations::Mode;

use super::render;
use crate::{
    app::{Action, App, Command},
    client::ClientError,
    problem::Problem,
    test_support::{sample_status, sample_target},
};

/// The clock every snapshot is drawn at.
pub const NOW: i64 = 1_750_000_000;

pub fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| render(frame, app)).unwrap();
    terminal
}

pub fn connected(colour: bool) -> App {
    let mut app = App::new(sample_target(Mode::Personal), colour, NOW);
    app.init();
    app.update(Action::StatusLoaded(sample_status()));
    app
}

fn unreachable_app() -> App {
    let mut app = App::new(sample_target(Mode::System), true, NOW);
    app.init();
    let err = ClientError::SocketMissing {
        path: app.socket.path.clone(),
    };
    for _ in 0..3 {
        app.update(Action::StatusFailed {
            problem: Problem::from(&err),
            daemon_absent: true,
        });
        app.update(Action::Tick { now: NOW });
    }
    app
}

#[test]
fn status_screen() {
    insta::assert_snapshot!(draw(&connected(true)).backend());
}

#[test]
fn error_screen() {
    insta::assert_snapshot!(draw(&unreachable_app()).backend());
}

#[test]
fn error_screen_with_daemon_log() {
    let mut app = App::new(sample_target(Mode::Personal), true, NOW);
    app.init();
    app.update(Action::DaemonStarting {
        log: PathBuf::from("/home/ann/.local/state/spotter/spotterd.log"),
    });
    let problem = Problem {
        reason: "could not start spotterd: spotterd exited (exit status: 1) before it was ready"
            .into(),
        hint: "run `spotterd` in a terminal to see the error; log at \
               /home/ann/.local/state/spotter/spotterd.log"
            .into(),
        details: (1..=12).map(|i| format!("log line {i}")).collect(),
    };
    app.update(Action::DaemonLaunchFailed(problem));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_single_log_line_is_shown() {
    let mut app = App::new(sample_target(Mode::Personal), true, NOW);
    app.init();
    let mut problem = Problem::new("could not start spotterd", "run `spotterd`");
    problem.details = vec!["error: config broken at line 3".into()];
    app.update(Action::DaemonLaunchFailed(problem));
    let screen = draw(&app).backend().to_string();
    assert!(
        screen.contains("error: config broken at line 3"),
        "{screen}"
    );
}

#[test]
fn a_socket_served_by_someone_else_shows_the_refusal_and_no_sign_in_form() {
    // The fallback without XDG_RUNTIME_DIR, which another user created first.
    let target = crate::socket::SocketTarget::new(
        PathBuf::from("/tmp/spotter-1000/spotterd.sock"),
        crate::socket::SocketOrigin::Default,
        Mode::Personal,
        None,
    );
    let mut app = App::new(target, true, NOW);
    app.init();
    let err = ClientError::ForeignDaemon(Box::new(crate::client::ForeignDaemon {
        path: PathBuf::from("/tmp/spotter-1000/spotterd.sock"),
        uid: 1001,
        name: Some("mallory".into()),
        expected: "you (uid 1000)".into(),
        trust: crate::client::Trust::Own,
    }));
    app.update(Action::StatusFailed {
        problem: Problem::from(&err),
        daemon_absent: err.daemon_absent(),
    });
    app.update(Action::Tick { now: NOW });
    let screen = draw(&app).backend().to_string();
    // The explanation wraps: compare its words, without borders and the quotes
    // TestBackend puts around each line.
    let flat = screen
        .split(|c: char| c.is_whitespace() || c == '│' || c == '"')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("served by uid 1001 (mallory), not by you (uid 1000)"),
        "{screen}"
    );
    assert!(flat.contains("remove /tmp/spotter-1000"), "{screen}");
    assert!(!screen.contains("Password"), "{screen}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn starting_screen() {
    let mut app = App::new(sample_target(Mode::Personal), true, NOW);
    app.init();
    app.update(Action::DaemonStarting {
        log: Path::new("/home/ann/.local/state/spotter/spotterd.log").to_path_buf(),
    });
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn help_overlay() {
    let mut app = connected(true);
    app.update(Action::Command(Command::ToggleHelp));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn no_color_means_no_colour_anywhere() {
    let coloured = |app: &App| {
        draw(app)
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset)
    };
    assert!(
        coloured(&connected(true)),
        "the colour theme should use colour"
    );
    let mut plain = connected(false);
    assert!(!coloured(&plain));
    plain.update(Action::Command(Command::ToggleHelp));
    assert!(!coloured(&plain));
    let mut unreachable = unreachable_app();
    unreachable.colour = false;
    assert!(!coloured(&unreachable));
}

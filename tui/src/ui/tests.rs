//! Snapshots of every screen at 80x24, the size the product must read well at.
//! The shell's screens are here (the way in, the tab bar, errors, help); each
//! tab's screens are in its folder's tests.

use std::path::{Path, PathBuf};

use ratatui::style::Color;
use spotter_proto::locations::Mode;

use spotter_proto::v1::Role;

use crate::{
    app::{Action, App, Command, SetupState},
    client::ClientError,
    problem::Problem,
    test_support::{app::*, sample_status, sample_target, screen::*},
};

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

fn sign_in_app(colour: bool) -> App {
    let mut app = connected(colour);
    app.update(Action::SetupStateLoaded(SetupState {
        navidrome_available: true,
        ..SetupState::default()
    }));
    app.update(Action::NoStoredSession);
    app
}

#[test]
fn sign_in_local_with_an_error() {
    let mut app = sign_in_app(true);
    type_text(&mut app, "ann");
    press(&mut app, Command::NextField);
    type_text(&mut app, "hunter2");
    press(&mut app, Command::Submit);
    app.update(Action::SignInRejected("wrong username or password".into()));
    type_text(&mut app, "pass");
    let text = screen(&app);
    assert!(
        !text.contains("hunter2") && !text.contains("pass\""),
        "{text}"
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn signed_out_because_the_session_was_revoked() {
    let mut app = signed_in(Role::User);
    app.update(Action::SessionEnded("session revoked".into()));
    let text = screen(&app);
    assert!(text.contains("Signed out: session revoked"), "{text}");
    assert!(text.contains("Sign in to spotterd"), "{text}");
}

#[test]
fn setup_in_system_mode_with_a_code() {
    let mut app = App::new(sample_target(Mode::System), true, NOW);
    app.init();
    app.update(Action::StatusLoaded(sample_status()));
    app.update(Action::SetupStateLoaded(SetupState {
        setup_required: true,
        setup_code_required: true,
        navidrome_available: true,
    }));
    type_text(&mut app, "ann");
    press(&mut app, Command::NextField);
    type_text(&mut app, "a long password");
    press(&mut app, Command::NextField);
    type_text(&mut app, "a long password");
    press(&mut app, Command::NextField);
    press(&mut app, Command::Submit);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn an_owner_at_80_columns_sees_every_tab_and_their_name() {
    let mut app = signed_in(Role::Owner);
    app.update(Action::TokensRefreshed(crate::app::Identity {
        user: spotter_proto::v1::User {
            username: "owner".into(),
            role: Role::Owner as i32,
            ..Default::default()
        },
        session_id: "s-1".into(),
        access_expires_at: NOW + 900,
    }));
    let text = screen(&app);
    let bar = text.lines().next().unwrap();
    assert!(
        bar.contains("[1 Status]") && bar.contains("7Lists") && bar.contains("0Audit"),
        "{bar}"
    );
    assert!(bar.contains("owner"), "{bar}");
}

#[test]
fn no_colour_on_the_sign_in_form_with_no_color() {
    assert_no_colour(&draw(&sign_in_app(false)));
}

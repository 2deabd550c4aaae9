//! `App::update`: the connection life cycle here; sign-in flows, the shell and the
//! live events in the submodules (each tab's own tests are in its folder).

mod auth_flows;
mod live_events;
mod shell;

use super::*;
pub use crate::test_support::app::*;
use crate::test_support::sample_status;

fn tick() -> Action {
    Action::Tick { now: NOW }
}

fn problem() -> Problem {
    Problem::new("no daemon socket at /x", "start it")
}

fn absent() -> Action {
    Action::StatusFailed {
        problem: problem(),
        daemon_absent: true,
    }
}

#[test]
fn starts_connecting_and_fetches_once() {
    let mut app = new_app(Mode::Personal);
    assert_eq!(app.connection, Connection::Connecting);
    assert_eq!(
        app.init(),
        vec![Effect::FetchStatus {
            may_start_daemon: true
        }]
    );
    // A tick while the first fetch runs must not queue a second one.
    assert_eq!(app.update(tick()), vec![]);
}

#[test]
fn quit_keys_quit() {
    let mut app = connected_app();
    assert!(!app.should_quit());
    app.update(Action::Command(Command::Quit));
    assert!(app.should_quit());
}

#[test]
fn back_closes_help_before_quitting() {
    let mut app = connected_app();
    app.update(Action::Command(Command::ToggleHelp));
    assert!(app.show_help);
    app.update(Action::Command(Command::Back));
    assert!(!app.show_help);
    assert!(!app.should_quit());
    app.update(Action::Command(Command::Back));
    assert!(app.should_quit());
}

#[test]
fn refresh_and_tick_produce_a_fetch_when_idle() {
    let mut app = connected_app();
    assert_eq!(
        app.update(Action::Command(Command::Refresh)),
        vec![Effect::FetchStatus {
            may_start_daemon: true
        }]
    );
    app.update(Action::StatusLoaded(sample_status()));
    assert_eq!(app.update(tick()).len(), 1);
}

#[test]
fn status_result_updates_state() {
    let mut app = connected_app();
    app.update(tick());
    let mut later = sample_status();
    later.uptime_seconds += 1;
    app.update(Action::StatusLoaded(later.clone()));
    assert_eq!(app.connection, Connection::Connected(later));
}

#[test]
fn disconnect_shows_the_problem_and_keeps_retrying() {
    let mut app = connected_app();
    app.update(tick());
    app.update(absent());
    assert_eq!(
        app.connection,
        Connection::Unreachable {
            problem: problem(),
            failures: 1
        }
    );
    assert_eq!(app.update(tick()).len(), 1, "retries on the next tick");
    app.update(absent());
    assert!(matches!(
        app.connection,
        Connection::Unreachable { failures: 2, .. }
    ));
    // The daemon comes back.
    app.update(tick());
    app.update(Action::StatusLoaded(sample_status()));
    assert_eq!(app.connection, Connection::Connected(sample_status()));
}

#[test]
fn failed_start_is_not_retried_until_refresh() {
    let mut app = new_app(Mode::Personal);
    app.init();
    app.update(Action::DaemonStarting {
        log: PathBuf::from("/s/spotterd.log"),
    });
    assert!(matches!(app.connection, Connection::StartingDaemon { .. }));
    let launch = Problem {
        reason: "could not start spotterd: exited".into(),
        hint: "run `spotterd` in a terminal".into(),
        details: vec!["error: bad config".into()],
    };
    app.update(Action::DaemonLaunchFailed(launch.clone()));
    assert_eq!(
        app.update(tick()),
        vec![Effect::FetchStatus {
            may_start_daemon: false
        }]
    );
    app.update(absent());
    // The launch failure, with its log, stays on screen while nobody listens.
    assert_eq!(
        app.connection,
        Connection::Unreachable {
            problem: launch,
            failures: 2
        }
    );
    // A different failure (someone else's daemon, misbehaving) is shown instead.
    app.update(tick());
    let hung = Problem::new("spotterd did not answer", "restart it");
    app.update(Action::StatusFailed {
        problem: hung.clone(),
        daemon_absent: false,
    });
    assert!(matches!(&app.connection, Connection::Unreachable { problem, .. } if *problem == hung));
    assert_eq!(
        app.update(Action::Command(Command::Refresh)),
        vec![Effect::FetchStatus {
            may_start_daemon: true
        }]
    );
}

#[test]
fn system_mode_never_starts_a_daemon() {
    let mut app = new_app(Mode::System);
    assert_eq!(
        app.init(),
        vec![Effect::FetchStatus {
            may_start_daemon: false
        }]
    );
}

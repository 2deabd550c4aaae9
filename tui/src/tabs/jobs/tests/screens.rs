//! The Jobs tab drawn at 80x24.

use spotter_proto::v1::{
    Event, Job, JobKind, JobRun, Role, event, job, job_run,
};
use crate::{
    app::{
        Action, App, Command, Reply,
    },
    tabs::jobs,
    test_support::{app::*, screen::*},
};

fn with_jobs(colour: bool) -> App {
    let mut app = signed_in_in_colour(Role::User, colour);
    press(&mut app, Command::ShowTab(jobs::TAB));
    app.update(Action::LiveStream(true));
    let run =
        |kind: JobKind, state: job_run::State, ago: i64, took: i64, done, message: &str| JobRun {
            id: ago,
            kind: kind as i32,
            state: state as i32,
            manual: kind == JobKind::HistorySync,
            started_at: NOW - ago,
            finished_at: if took == 0 { 0 } else { NOW - ago + took },
            done,
            total: 0,
            message: message.into(),
            error_fatal: false,
        };
    let mut current = run(
        JobKind::HistorySync,
        job_run::State::Running,
        130,
        0,
        450,
        "Last.fm scrobbles, page 3 of 7",
    );
    current.total = 1000;
    let mut fatal = run(
        JobKind::LibrarySync,
        job_run::State::Failed,
        700,
        4,
        0,
        "Navidrome refused the credentials",
    );
    fatal.error_fatal = true;
    app.update(Action::CallDone(Reply::Jobs(jobs::Reply::Jobs {
        jobs: vec![
            Job {
                kind: JobKind::HistorySync as i32,
                state: job::State::Running as i32,
                next_run_at: NOW + 170,
                current: Some(current.clone()),
                ..Job::default()
            },
            Job {
                kind: JobKind::LibrarySync as i32,
                state: job::State::BackingOff as i32,
                next_run_at: NOW + 12 * 60,
                failures: 3,
                ..Job::default()
            },
        ],
        recent_runs: vec![
            current,
            fatal,
            run(
                JobKind::HistorySync,
                job_run::State::Succeeded,
                3600,
                95,
                212,
                "212 new listens",
            ),
            run(
                JobKind::LibrarySync,
                job_run::State::Cancelled,
                2 * 86_400,
                1400,
                9000,
                "cancelled by you",
            ),
        ],
    })));
    app
}

#[test]
fn jobs_tab_with_a_running_job() {
    let app = with_jobs(true);
    let text = screen(&app);
    assert!(text.contains(" 45% 450/1000"), "{text}");
    assert!(text.contains("fatal: Navidrome"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn jobs_tab_without_colour_draws_the_gauge_in_shapes() {
    let app = with_jobs(false);
    let text = screen(&app);
    assert!(text.contains("█░"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_job_without_a_total_shows_how_far_it_got() {
    let mut app = with_jobs(true);
    app.update(Action::LiveEvent(Event {
        seq: 3,
        at: NOW,
        epoch: 1,
        kind: Some(event::Kind::JobProgress(event::JobProgress {
            job_id: "130".into(),
            job_kind: JobKind::HistorySync as i32,
            done: 460,
            total: 0,
            state: event::job_progress::State::Running as i32,
            message: "Spotify: recently played".into(),
        })),
    }));
    let text = screen(&app);
    assert!(text.contains("460 done so far"), "{text}");
    assert!(text.contains("running · 460 done"), "{text}");
    assert!(text.contains("Spotify: recently played"), "{text}");
}

#[test]
fn no_colour_with_no_color_and_only_the_16_ansi_ones_without() {
    assert_colour_rules(|colour| vec![with_jobs(colour)]);
}

//! What keys and replies do to the Jobs tab.

use spotter_proto::v1::{Job, JobKind, Role, job};
use crate::{
    app::{
        Action, App, Call, CallError, Command, Reply,
    },
    tabs::jobs,
    test_support::app::*,
};

pub(crate) fn job(kind: JobKind, state: job::State) -> Job {
    Job {
        kind: kind as i32,
        state: state as i32,
        next_run_at: NOW + 300,
        ..Job::default()
    }
}

/// Signed in on the Jobs tab with both jobs idle, history sync selected.
pub(crate) fn on_jobs() -> App {
    let mut app = signed_in(Role::User);
    assert_eq!(
        press(&mut app, Command::ShowTab(jobs::TAB)),
        vec![call(Call::Jobs(jobs::Call::ListJobs))]
    );
    app.update(Action::CallDone(Reply::Jobs(jobs::Reply::Jobs {
        jobs: vec![
            job(JobKind::LibrarySync, job::State::Idle),
            job(JobKind::HistorySync, job::State::Idle),
        ],
        recent_runs: vec![],
    })));
    app
}

#[test]
fn run_now_on_a_running_job_says_it_is_already_running() {
    let mut app = on_jobs();
    assert_eq!(
        press(&mut app, Command::Tab(jobs::RUN_JOB)),
        vec![call(Call::Jobs(jobs::Call::RunJob {
            kind: JobKind::HistorySync,
            everything: false,
        }))]
    );
    // `N` asks for all of the history, whichever job is selected.
    assert_eq!(
        press(&mut app, Command::Tab(jobs::SYNC_EVERYTHING)),
        vec![call(Call::Jobs(jobs::Call::RunJob {
            kind: JobKind::HistorySync,
            everything: true,
        }))]
    );
    app.update(Action::CallFailed {
        call: Call::Jobs(jobs::Call::RunJob {
            kind: JobKind::HistorySync,
            everything: false,
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::AlreadyExists,
            message: "job is running".into(),
        },
    });
    let notice = main(&app).notice.clone().unwrap();
    assert!(!notice.error, "not a failure");
    assert_eq!(notice.text, "History sync is already running.");

    // Started: the list is re-read to show the run.
    assert_eq!(
        app.update(Action::CallDone(Reply::Jobs(jobs::Reply::JobStarted {
            kind: JobKind::HistorySync
        }))),
        vec![call(Call::Jobs(jobs::Call::ListJobs))]
    );
}

#[test]
fn cancel_applies_to_the_selected_job_and_rereads_the_list() {
    let mut app = on_jobs();
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Tab(jobs::CANCEL_JOB)),
        vec![call(Call::Jobs(jobs::Call::CancelJob {
            kind: JobKind::LibrarySync
        }))]
    );
    assert_eq!(
        app.update(Action::CallDone(Reply::Jobs(jobs::Reply::JobCancelled {
            kind: JobKind::LibrarySync,
            cancelled: false,
        }))),
        vec![call(Call::Jobs(jobs::Call::ListJobs))]
    );
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "Library sync was not running."
    );
}

#[test]
fn playlist_sync_is_listed_by_its_name_and_runs_and_cancels_like_the_others() {
    let mut app = on_jobs();
    app.update(Action::CallDone(Reply::Jobs(jobs::Reply::Jobs {
        jobs: vec![
            job(JobKind::PlaylistSync, job::State::Idle),
            job(JobKind::LibrarySync, job::State::Idle),
            job(JobKind::HistorySync, job::State::Idle),
        ],
        recent_runs: vec![],
    })));
    let screen = crate::test_support::screen::screen(&app);
    assert!(screen.contains("Playlist sync"), "{screen}");
    // Sorted by kind: history, library, playlists.
    press(&mut app, Command::Down);
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Tab(jobs::RUN_JOB)),
        vec![call(Call::Jobs(jobs::Call::RunJob {
            kind: JobKind::PlaylistSync,
            everything: false
        }))]
    );
    app.update(Action::CallDone(Reply::Jobs(jobs::Reply::JobStarted {
        kind: JobKind::PlaylistSync,
    })));
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "Playlist sync started."
    );
    assert_eq!(
        press(&mut app, Command::Tab(jobs::CANCEL_JOB)),
        vec![call(Call::Jobs(jobs::Call::CancelJob {
            kind: JobKind::PlaylistSync
        }))]
    );
}

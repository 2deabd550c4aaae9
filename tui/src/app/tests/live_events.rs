//! Live events: the stream follows the session, progress moves the right row,
//! and the rest reload what is on screen.

use spotter_proto::v1::{
    Event, JobKind, ListListensRequest, Provider, Role,
    event::{self, Kind, connection_changed, error, job_progress, session_changed},
    job,
};

use super::{
    auth_flows::{identity, press, signed_in, type_text},
    jobs_listens::{job, on_jobs},
    tabs::{call, main},
    *,
};
use crate::app::live::{LiveState, NOTICE_SECONDS};

fn event(seq: u64, kind: Kind) -> Action {
    Action::LiveEvent(Event {
        seq,
        at: NOW - 30,
        epoch: 77,
        kind: Some(kind),
    })
}

/// `kind` as on the wire, so a kind newer than this build can be sent too.
fn progress(kind: i32, state: job_progress::State, done: u64, total: u64) -> Action {
    event(
        5,
        Kind::JobProgress(event::JobProgress {
            job_id: "41".into(),
            job_kind: kind,
            done,
            total,
            state: state as i32,
            message: "fetching page 3".into(),
        }),
    )
}

#[test]
fn the_stream_starts_at_sign_in_and_stops_on_the_way_out() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    assert_eq!(
        app.update(Action::SignedIn(identity(Role::User, 900))),
        vec![Effect::StartEvents]
    );
    assert_eq!(
        app.update(Action::TokensRefreshed(identity(Role::User, 900))),
        vec![],
        "a refresh keeps the stream"
    );
    assert_eq!(
        app.update(Action::SessionEnded("session revoked".into())),
        vec![Effect::StopEvents]
    );
}

#[test]
fn job_progress_moves_the_right_row_and_a_finished_run_rereads_the_jobs() {
    let mut app = on_jobs();
    assert_eq!(
        app.update(progress(
            JobKind::LibrarySync as i32,
            job_progress::State::Running,
            40,
            160
        )),
        vec![],
        "no polling: the event carries the progress"
    );
    let jobs = &main(&app).jobs.rows.items;
    let history = jobs
        .iter()
        .find(|j| j.kind() == JobKind::HistorySync)
        .unwrap();
    let library = jobs
        .iter()
        .find(|j| j.kind() == JobKind::LibrarySync)
        .unwrap();
    assert_eq!(history.state(), job::State::Idle);
    assert_eq!(library.state(), job::State::Running);
    let run = library.current.as_ref().unwrap();
    assert_eq!((run.id, run.done, run.total), (41, 40, 160));
    assert_eq!(run.message, "fetching page 3");
    assert_eq!(run.started_at, NOW - 30);

    app.update(progress(
        JobKind::LibrarySync as i32,
        job_progress::State::Running,
        80,
        160,
    ));
    let library = &main(&app).jobs.rows.items[1];
    assert_eq!(library.current.as_ref().unwrap().done, 80);

    assert_eq!(
        app.update(progress(
            JobKind::LibrarySync as i32,
            job_progress::State::Succeeded,
            160,
            160
        )),
        vec![call(Call::ListJobs)]
    );
    // Kinds this build does not know (a newer daemon's) are ignored.
    assert_eq!(
        app.update(progress(99, job_progress::State::Running, 1, 2)),
        vec![]
    );
}

#[test]
fn resync_reloads_the_visible_tab() {
    let mut app = on_jobs();
    let resync = || {
        event(
            0,
            Kind::ResyncRequired(event::ResyncRequired { current_seq: 9 }),
        )
    };
    assert_eq!(app.update(resync()), vec![call(Call::ListJobs)]);
    press(&mut app, Command::ShowTab(Tab::Status));
    assert_eq!(app.update(resync()), vec![]);
}

#[test]
fn new_listens_reload_the_history_only_at_its_unfiltered_top() {
    let mut app = signed_in(Role::User);
    let new = || {
        event(
            3,
            Kind::NewListens(event::NewListens {
                source: Provider::Spotify as i32,
                imported: false,
                count: 12,
            }),
        )
    };
    assert_eq!(
        app.update(new()),
        vec![],
        "not on screen: loaded when shown"
    );
    press(&mut app, Command::ShowTab(Tab::History));
    app.update(Action::CallDone(Reply::ListenSummary(Default::default())));
    let page = |generation| Reply::ListenPage {
        generation,
        page: 0,
        listens: vec![Default::default(), Default::default()],
        next_cursor: String::new(),
    };
    app.update(Action::CallDone(page(1)));
    let first_page = ListListensRequest {
        filter: None,
        page_size: 200,
        cursor: String::new(),
        at: 0,
    };
    assert_eq!(
        app.update(new()),
        vec![
            call(Call::GetListenSummary),
            call(Call::ListListens {
                generation: 2,
                page: 0,
                request: first_page,
            })
        ]
    );
    app.update(Action::CallDone(Reply::ListenSummary(Default::default())));
    app.update(Action::CallDone(page(2)));
    // Reading further down: only the totals, and a word on how to see them.
    press(&mut app, Command::Down);
    assert_eq!(app.update(new()), vec![call(Call::GetListenSummary)]);
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "12 new listens: r reloads."
    );
}

#[test]
fn a_connection_needing_reconnect_is_announced_and_the_tab_reloaded() {
    let mut app = signed_in(Role::User);
    press(&mut app, Command::ShowTab(Tab::Connections));
    let changed = event(
        4,
        Kind::Connection(event::ConnectionChanged {
            upstream: Provider::Spotify as i32,
            state: connection_changed::State::NeedsReconnect as i32,
            detail: "invalid_grant".into(),
        }),
    );
    assert_eq!(app.update(changed), vec![call(Call::ListConnections)]);
    let notice = main(&app).notice.clone().unwrap();
    assert!(notice.error);
    assert!(
        notice
            .text
            .starts_with("Spotify refused the stored credentials"),
        "{notice:?}"
    );
}

#[test]
fn error_events_show_a_notice_that_goes_away() {
    let mut app = signed_in(Role::User);
    app.update(event(
        6,
        Kind::Error(event::Error {
            origin: Some(error::Origin::JobKind(JobKind::HistorySync as i32)),
            message: "Last.fm answered 500".into(),
            fatal: false,
        }),
    ));
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "History sync: Last.fm answered 500"
    );
    app.update(Action::Tick {
        now: NOW + NOTICE_SECONDS - 1,
    });
    assert!(main(&app).notice.is_some());
    app.update(Action::Tick {
        now: NOW + NOTICE_SECONDS,
    });
    assert!(main(&app).notice.is_none());

    app.update(event(
        7,
        Kind::Error(event::Error {
            origin: Some(error::Origin::Provider(Provider::Lastfm as i32)),
            message: "session key refused".into(),
            fatal: true,
        }),
    ));
    assert!(
        main(&app)
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("reconnect")
    );
}

#[test]
fn a_stream_that_comes_back_reloads_the_tab_and_polling_stops() {
    let mut app = on_jobs();
    app.update(progress(
        JobKind::HistorySync as i32,
        job_progress::State::Running,
        1,
        10,
    ));
    assert_eq!(app.update(Action::LiveStream(true)), vec![]);
    assert_eq!(main(&app).live, LiveState::Live);
    let tick = |app: &mut App, now| {
        app.update(Action::StatusLoaded(crate::test_support::sample_status()));
        app.update(Action::Tick { now })
    };
    assert!(!tick(&mut app, NOW + 10).contains(&call(Call::ListJobs)));

    // Lost: a running job is re-read on the ticks, a few seconds apart.
    assert_eq!(app.update(Action::LiveStream(false)), vec![]);
    assert!(tick(&mut app, NOW + 20).contains(&call(Call::ListJobs)));
    app.update(Action::CallDone(Reply::Jobs {
        jobs: vec![job(JobKind::HistorySync, job::State::Running)],
        recent_runs: vec![],
    }));
    assert!(!tick(&mut app, NOW + 21).contains(&call(Call::ListJobs)));
    assert!(tick(&mut app, NOW + 25).contains(&call(Call::ListJobs)));

    // Back: what was missed meanwhile is reloaded once.
    assert_eq!(
        app.update(Action::LiveStream(true)),
        vec![call(Call::ListJobs)]
    );
}

#[test]
fn our_session_revoked_elsewhere_refreshes_to_find_out_at_once() {
    let mut app = signed_in(Role::User);
    let revoked = |session: &str, change: session_changed::Change| {
        event(
            2,
            Kind::Session(event::SessionChanged {
                change: change as i32,
                session_id: session.into(),
                count: 1,
            }),
        )
    };
    assert_eq!(
        app.update(revoked("s-other", session_changed::Change::SessionRevoked)),
        vec![]
    );
    assert_eq!(
        app.update(revoked(
            "s-7",
            session_changed::Change::OtherSessionsRevoked
        )),
        vec![],
        "we were the one kept"
    );
    assert_eq!(
        app.update(revoked("s-7", session_changed::Change::SessionRevoked)),
        vec![Effect::RefreshTokens]
    );
    // On the Sessions tab, any change reloads the list.
    let mut app = signed_in(Role::User);
    press(&mut app, Command::ShowTab(Tab::Sessions));
    assert_eq!(
        app.update(revoked("s-other", session_changed::Change::SessionRevoked)),
        vec![call(Call::ListSessions)]
    );
}

#[test]
fn a_refused_stream_asks_for_fresh_tokens() {
    let mut app = signed_in(Role::User);
    assert_eq!(
        app.update(Action::LiveStreamUnauthenticated),
        vec![Effect::RefreshTokens]
    );
    assert_eq!(
        app.update(Action::LiveStreamUnauthenticated),
        vec![],
        "one refresh at a time"
    );
}

#[test]
fn a_paste_types_into_the_focused_field_only() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::NoStoredSession);
    type_text(&mut app, "a");
    app.update(Action::Paste("nn\r\n".into()));
    match &app.auth {
        AuthState::SignIn(form) => assert_eq!(form.text(form::FieldId::Username), "ann"),
        other => panic!("{other:?}"),
    }
    // On a list there is nothing to type into.
    let mut app = signed_in(Role::User);
    let before = format!("{:?}", app.main());
    app.update(Action::Paste("xyz".into()));
    assert_eq!(format!("{:?}", app.main()), before);
}

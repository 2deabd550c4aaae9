//! Snapshots of the Connections and Jobs tabs and the connect dialogs at 80x24,
//! and their colours (the History tab's too): none with `NO_COLOR`, only the 16
//! ANSI ones without.

use ratatui::style::Color;
use spotter_proto::v1::{
    Connection, Event, Job, JobKind, JobRun, Provider, Role, connection, event, job, job_run,
};

use super::{
    history_tests::with_history,
    signed_in_tests::{press, screen, signed_in, type_text},
    tests::{NOW, draw},
};
use crate::app::{Action, App, Command, Reply, Tab, connect::ApprovalStart};

const SPOTIFY_URL: &str = "https://accounts.spotify.com/authorize?response_type=code\
    &client_id=5f3c0a9d1e7b4c2a8f6e0d9b3a1c7e5f&scope=user-read-recently-played%20\
    playlist-read-private%20playlist-modify-private&redirect_uri=http%3A%2F%2F127.0.0.1\
    %3A8888%2Fcallback&state=Zq3v9Xk2LwP0aR7sT4uY1bN6mC8dE5fG&code_challenge_method=S256\
    &code_challenge=Hj2Kl4Mn6Op8Qr0St2Uv4Wx6Yz8Ab0Cd2Ef4Gh6Ij8K";

fn provider(
    provider: Provider,
    state: connection::State,
    user: &str,
    synced_ago: i64,
) -> Connection {
    Connection {
        provider: provider as i32,
        state: state as i32,
        external_user: user.into(),
        connected_at: NOW - 40 * 86_400,
        last_sync_at: if synced_ago == 0 { 0 } else { NOW - synced_ago },
        available: true,
        ..Connection::default()
    }
}

fn with_connections(colour: bool) -> App {
    let mut app = signed_in(Role::User, colour);
    press(&mut app, Command::ShowTab(Tab::Connections));
    let mut spotify = provider(
        Provider::Spotify,
        connection::State::NeedsReconnect,
        "ann.sp",
        2 * 3600,
    );
    spotify.last_error = "invalid_grant: Refresh token revoked".into();
    spotify.last_error_fatal = true;
    let mut lastfm = provider(Provider::Lastfm, connection::State::NotConnected, "", 0);
    lastfm.available = false;
    lastfm.unavailable_reason = "no Last.fm API key is configured".into();
    let mut listenbrainz = provider(
        Provider::Listenbrainz,
        connection::State::Connected,
        "annlb",
        5 * 60,
    );
    listenbrainz.submit_listens = true;
    app.update(Action::CallDone(Reply::Connections(vec![
        provider(
            Provider::Navidrome,
            connection::State::Connected,
            "ann",
            180,
        ),
        spotify,
        lastfm,
        listenbrainz,
    ])));
    press(&mut app, Command::Down);
    app
}

fn approval(colour: bool, provider: Provider) -> App {
    let mut app = with_connections(colour);
    if provider == Provider::Lastfm {
        // Offered on this daemon after all.
        let mut lastfm = self::provider(Provider::Lastfm, connection::State::NotConnected, "", 0);
        lastfm.available = true;
        app.update(Action::CallDone(Reply::Connected(lastfm)));
        press(&mut app, Command::Down);
    }
    press(&mut app, Command::Connect);
    app.update(Action::CallDone(Reply::ConnectBegun(ApprovalStart {
        provider,
        flow_id: "flow-1".into(),
        authorize_url: if provider == Provider::Spotify {
            SPOTIFY_URL.into()
        } else {
            "https://www.last.fm/api/auth/?api_key=0123456789abcdef0123456789abcdef\
             &token=fedcba9876543210fedcba9876543210"
                .into()
        },
        expires_at: NOW + 600,
        instructions: String::new(),
    })));
    app
}

fn with_jobs(colour: bool) -> App {
    let mut app = signed_in(Role::User, colour);
    press(&mut app, Command::ShowTab(Tab::Jobs));
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
    app.update(Action::CallDone(Reply::Jobs {
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
    }));
    app
}

#[test]
fn connections_tab_with_a_provider_needing_reconnect() {
    let app = with_connections(true);
    let text = screen(&app);
    assert!(text.contains("needs reconnect"), "{text}");
    assert!(text.contains("reconnect to resume"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn an_unavailable_provider_shows_why() {
    let mut app = with_connections(true);
    press(&mut app, Command::Down);
    let text = screen(&app);
    assert!(
        text.contains("not offered by this spotterd: no Last.fm"),
        "{text}"
    );
}

#[test]
fn spotify_approval_shows_the_whole_address_for_copying() {
    let mut app = approval(true, Provider::Spotify);
    type_text(&mut app, "http://127.0.0.1:8888/callback?code=AQB");
    let terminal = draw(&app);
    // The address on rows of its own, nothing else on them: joined, it is whole.
    let text = terminal.backend().to_string();
    let rows: Vec<String> = text
        .lines()
        .map(|l| l.trim_matches('"').to_owned())
        .collect();
    let first = rows.iter().position(|r| r.starts_with("https://")).unwrap();
    let joined: String = rows[first..]
        .iter()
        .take_while(|r| !r.starts_with('┌'))
        .map(|r| r.trim_end())
        .collect();
    assert_eq!(joined, SPOTIFY_URL);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn lastfm_approval_waits_for_enter() {
    let app = approval(true, Provider::Lastfm);
    let text = screen(&app);
    assert!(text.contains("Connect Last.fm"), "{text}");
    assert!(text.contains("press Enter here"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn listenbrainz_token_form_masks_the_token() {
    let mut app = with_connections(true);
    press(&mut app, Command::Down);
    press(&mut app, Command::Down);
    press(&mut app, Command::Connect);
    type_text(&mut app, "0f1e2d3c-token");
    let text = screen(&app);
    assert!(!text.contains("0f1e2d3c"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
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
fn an_owner_at_80_columns_sees_every_tab_and_their_name() {
    let mut app = signed_in(Role::Owner, true);
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
        bar.contains("[1 Status]") && bar.contains("9 Audit"),
        "{bar}"
    );
    assert!(bar.contains("owner"), "{bar}");
}

fn all_screens(colour: bool) -> Vec<App> {
    let mut disconnect = with_connections(colour);
    press(&mut disconnect, Command::Disconnect);
    let mut token = with_connections(colour);
    press(&mut token, Command::Down);
    press(&mut token, Command::Down);
    press(&mut token, Command::Connect);
    vec![
        with_connections(colour),
        approval(colour, Provider::Spotify),
        approval(colour, Provider::Lastfm),
        disconnect,
        token,
        with_jobs(colour),
        with_history(colour),
    ]
}

#[test]
fn no_colour_on_the_sync_screens_with_no_color() {
    for app in all_screens(false) {
        let plain = draw(&app)
            .backend()
            .buffer()
            .content()
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.bg == Color::Reset);
        assert!(plain, "{}", screen(&app));
    }
}

#[test]
fn only_the_16_ansi_colours_are_used() {
    for app in all_screens(true) {
        for cell in draw(&app).backend().buffer().content() {
            for colour in [cell.fg, cell.bg] {
                assert!(
                    !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                    "{colour:?} in\n{}",
                    screen(&app)
                );
            }
        }
    }
}

#[test]
fn help_on_the_connections_tab_fits_and_names_its_keys() {
    let mut app = with_connections(true);
    press(&mut app, Command::ToggleHelp);
    let text = screen(&app);
    for description in [
        "connect or reconnect the selected provider",
        "ListenBrainz: submit your other listens, or stop",
        "select the row below (loads older rows at the end)",
    ] {
        assert!(text.contains(description), "{text}");
    }
    assert!(text.contains("1–9"), "{text}");
    assert!(text.contains("Press Esc or ? to close."), "{text}");
}

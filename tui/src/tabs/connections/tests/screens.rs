//! The Connections tab and its connect dialogs drawn at 80x24.

use spotter_proto::v1::{
    Connection, Provider, Role, connection,
};

use crate::tabs::connections::connect::ApprovalStart;
use crate::{
    app::{
        Action, App, Command, Reply,
    },
    tabs::connections,
    test_support::{app::*, screen::*},
};

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
    let mut app = signed_in_in_colour(Role::User, colour);
    press(&mut app, Command::ShowTab(connections::TAB));
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
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::Connections(vec![
            provider(
                Provider::Navidrome,
                connection::State::Connected,
                "ann",
                180,
            ),
            spotify,
            lastfm,
            listenbrainz,
        ]),
    )));
    press(&mut app, Command::Down);
    app
}

fn approval(colour: bool, provider: Provider) -> App {
    let mut app = with_connections(colour);
    if provider == Provider::Lastfm {
        // Offered on this daemon after all.
        let mut lastfm = self::provider(Provider::Lastfm, connection::State::NotConnected, "", 0);
        lastfm.available = true;
        app.update(Action::CallDone(Reply::Connections(
            connections::Reply::Connected(lastfm),
        )));
        press(&mut app, Command::Down);
    }
    press(&mut app, Command::Tab(connections::CONNECT));
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::ConnectBegun(ApprovalStart {
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
        }),
    )));
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
    press(&mut app, Command::Tab(connections::CONNECT));
    type_text(&mut app, "0f1e2d3c-token");
    let text = screen(&app);
    assert!(!text.contains("0f1e2d3c"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
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

fn all_screens(colour: bool) -> Vec<App> {
    let mut disconnect = with_connections(colour);
    press(&mut disconnect, Command::Tab(connections::DISCONNECT));
    let mut token = with_connections(colour);
    press(&mut token, Command::Down);
    press(&mut token, Command::Down);
    press(&mut token, Command::Tab(connections::CONNECT));
    vec![
        with_connections(colour),
        approval(colour, Provider::Spotify),
        approval(colour, Provider::Lastfm),
        disconnect,
        token,
    ]
}

#[test]
fn no_colour_with_no_color_and_only_the_16_ansi_ones_without() {
    assert_colour_rules(all_screens);
}

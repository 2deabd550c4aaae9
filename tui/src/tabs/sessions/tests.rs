//! The Sessions tab: revoking asks first (the session in use: signing out), and
//! its screens.

use spotter_proto::v1::{Role, Session};
use crate::{
    app::{
        Action, App, AuthState, Call, Command, Effect, Reply, Scope,
    },
    component::Out,
    tabs::{
        Overlay, sessions,
    },
    test_support::{app::*, screen::*},
};

fn session(id: &str, label: &str, current: bool) -> Session {
    Session {
        id: id.into(),
        device_label: label.into(),
        current,
        ..Session::default()
    }
}

fn with_sessions() -> App {
    let mut app = signed_in(Role::User);
    press(&mut app, Command::ShowTab(sessions::TAB));
    app.update(Action::CallDone(Reply::Sessions(
        sessions::Reply::Sessions(vec![
            session("s-7", "spotter on nas", true),
            session("s-8", "spotter on laptop", false),
        ]),
    )));
    app
}

#[test]
fn revoking_a_session_needs_confirmation() {
    let mut app = with_sessions();
    press(&mut app, Command::Down);
    assert_eq!(press(&mut app, Command::Tab(sessions::REVOKE)), vec![]);
    assert_eq!(app.key_scopes(), vec![Scope::Confirm, Scope::Always]);
    // "n" cancels and nothing is sent.
    assert_eq!(press(&mut app, Command::No), vec![]);
    assert_eq!(main(&app).overlay(), None);

    press(&mut app, Command::Tab(sessions::REVOKE));
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![call(Call::Sessions(sessions::Call::RevokeSession {
            session_id: "s-8".into()
        }))]
    );
    // The list refreshes after the action.
    assert_eq!(
        app.update(Action::CallDone(Reply::Sessions(
            sessions::Reply::SessionsRevoked { revoked: 1 }
        ))),
        vec![call(Call::Sessions(sessions::Call::ListSessions))]
    );
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "Revoked 1 session."
    );
}

#[test]
fn revoking_the_current_session_is_signing_out() {
    let mut app = with_sessions();
    press(&mut app, Command::Tab(sessions::REVOKE));
    match main(&app).overlay() {
        Some(Overlay::Confirm { confirm: c, .. }) => assert_eq!(c.on_yes, Out::SignOut),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![Effect::SignOut, Effect::StopEvents]
    );
    assert!(matches!(app.auth, AuthState::SignIn(_)));
}

#[test]
fn revoking_all_others_needs_confirmation() {
    let mut app = with_sessions();
    assert_eq!(
        press(&mut app, Command::Tab(sessions::REVOKE_OTHERS)),
        vec![]
    );
    assert_eq!(press(&mut app, Command::Back), vec![]);
    assert!(!app.should_quit(), "Esc closes the dialog first");
    press(&mut app, Command::Tab(sessions::REVOKE_OTHERS));
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![call(Call::Sessions(sessions::Call::RevokeOtherSessions))]
    );
}

fn drawn_with_sessions(colour: bool) -> App {
    let mut app = signed_in_in_colour(Role::User, colour);
    press(&mut app, Command::ShowTab(sessions::TAB));
    let session = |id: &str, label: &str, created: i64, used: i64, current| Session {
        id: id.into(),
        user_id: 1,
        username: "ann".into(),
        device_label: label.into(),
        peer_uid: 1000,
        created_at: NOW - created,
        last_used_at: NOW - used,
        expires_at: NOW + 86_400,
        current,
    };
    app.update(Action::CallDone(Reply::Sessions(
        sessions::Reply::Sessions(vec![
            session("s-1", "spotter on nas", 3 * 86_400, 2, true),
            session("s-2", "spotter on laptop", 12 * 86_400, 3 * 3600, false),
            session("s-3", "python grpc client", 400, 190, false),
        ]),
    )));
    press(&mut app, Command::Down);
    app
}

#[test]
fn sessions_list() {
    insta::assert_snapshot!(draw(&drawn_with_sessions(true)).backend());
}

#[test]
fn confirmation_dialog() {
    let mut app = drawn_with_sessions(true);
    press(&mut app, Command::Tab(sessions::REVOKE));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_user_sees_only_their_tabs() {
    let text = screen(&drawn_with_sessions(true));
    assert!(text.contains("[2 Sessions]"), "{text}");
    assert!(!text.contains("Users") && !text.contains("Audit"), "{text}");
}

#[test]
fn no_colour_with_no_color() {
    let mut confirm = drawn_with_sessions(false);
    press(&mut confirm, Command::Tab(sessions::REVOKE));
    for app in [drawn_with_sessions(false), confirm] {
        assert_no_colour(&draw(&app));
    }
}

//! Snapshots of the way in (sign-in, setup) and of the signed-in tabs and dialogs.

use ratatui::style::Color;
use spotter_proto::{
    locations::Mode,
    v1::{AuditEvent, Lockout, Role, Session, User},
};

use super::tests::{NOW, connected, draw};
use crate::{
    app::{Action, App, Command, Identity, Reply, SetupState},
    tabs::{audit, lockouts, sessions, users},
    test_support::{sample_status, sample_target},
};

pub(super) fn press(app: &mut App, command: Command) {
    app.update(Action::Command(command));
}

pub(super) fn type_text(app: &mut App, text: &str) {
    text.chars().for_each(|c| {
        app.update(Action::Input(c));
    });
}

pub(super) fn screen(app: &App) -> String {
    draw(app).backend().to_string()
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

pub(super) fn signed_in(role: Role, colour: bool) -> App {
    let mut app = connected(colour);
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::SignedIn(Identity {
        user: User {
            id: 1,
            username: "ann".into(),
            role: role as i32,
            ..User::default()
        },
        session_id: "s-1".into(),
        access_expires_at: NOW + 900,
    }));
    app
}

fn with_sessions(colour: bool) -> App {
    let mut app = signed_in(Role::User, colour);
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

fn with_users(colour: bool) -> App {
    let mut app = signed_in(Role::Owner, colour);
    press(&mut app, Command::ShowTab(users::TAB));
    let user = |id, name: &str, role: Role, disabled, local, navidrome| User {
        id,
        username: String::from(name),
        role: role as i32,
        disabled,
        created_at: NOW - id * 86_400,
        has_local_password: local,
        navidrome_linked: navidrome,
        navidrome_account: String::new(),
    };
    app.update(Action::CallDone(Reply::Users(users::Reply::Users {
        query: String::new(),
        after_id: 0,
        users: vec![
            user(1, "ann", Role::Owner, false, true, false),
            user(2, "bob", Role::Admin, false, false, true),
            user(3, "carol", Role::User, true, true, true),
            user(4, "dave", Role::User, false, true, false),
        ],
        next_after_id: 0,
    })));
    press(&mut app, Command::Down);
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
    let mut app = signed_in(Role::User, true);
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
fn sessions_list() {
    insta::assert_snapshot!(draw(&with_sessions(true)).backend());
}

#[test]
fn confirmation_dialog() {
    let mut app = with_sessions(true);
    press(&mut app, Command::Tab(sessions::REVOKE));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn users_list() {
    insta::assert_snapshot!(draw(&with_users(true)).backend());
}

#[test]
fn role_chooser() {
    let mut app = with_users(true);
    press(&mut app, Command::Tab(users::CHANGE_ROLE));
    let text = screen(&app);
    assert!(text.contains("Role for bob"), "{text}");
    assert!(text.contains("admin (current)"), "{text}");
}

#[test]
fn lockouts_list() {
    let mut app = signed_in(Role::Admin, true);
    press(&mut app, Command::ShowTab(lockouts::TAB));
    app.update(Action::CallDone(Reply::Lockouts(
        lockouts::Reply::Lockouts(vec![
            Lockout {
                id: "9f2c4e7a1b3d5f60a8c2e4f6".into(),
                failures: 7,
                tier: 2,
                locked_until: NOW + 24 * 60,
                last_failure_at: NOW - 120,
            },
            Lockout {
                id: "03ab".into(),
                failures: 3,
                tier: 0,
                locked_until: 0,
                last_failure_at: NOW - 3 * 3600,
            },
        ]),
    )));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn audit_log_draws_only_the_visible_window() {
    let mut app = signed_in(Role::Admin, true);
    press(&mut app, Command::ShowTab(audit::TAB));
    let kinds = [
        "sign_in",
        "sign_in_failed",
        "role_change",
        "session_revoked",
    ];
    let events = (1..=400_i64)
        .rev()
        .map(|id| AuditEvent {
            id,
            at: NOW - (400 - id) * 97,
            kind: kinds[usize::try_from(id).unwrap() % kinds.len()].into(),
            actor_user_id: id % 3,
            subject_user_id: id % 5,
            peer_uid: 1000,
            detail: format!("event {id}: username=ann method=local device=\"spotter on nas\""),
        })
        .collect();
    app.update(Action::CallDone(Reply::Audit(audit::Reply::AuditEvents {
        before_id: 0,
        events,
        next_before_id: 1,
    })));
    for _ in 0..20 {
        press(&mut app, Command::Down);
    }
    let text = screen(&app);
    assert!(
        text.contains("event 380:"),
        "the selected row is shown: {text}"
    );
    assert!(
        !text.contains("event 400:"),
        "scrolled past the top: {text}"
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn help_lists_the_keys_of_the_screen_beneath() {
    let mut app = with_users(true);
    press(&mut app, Command::ToggleHelp);
    let text = screen(&app);
    assert!(text.contains("change the selected user's role"), "{text}");
    assert!(text.contains("F5"), "{text}");
    assert!(text.lines().count() <= 24);
}

#[test]
fn a_user_sees_only_their_tabs() {
    let text = screen(&with_sessions(true));
    assert!(text.contains("[2 Sessions]"), "{text}");
    assert!(!text.contains("Users") && !text.contains("Audit"), "{text}");
}

#[test]
fn no_colour_on_the_new_screens_with_no_color() {
    let coloured = |app: &App| {
        draw(app)
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset)
    };
    let mut confirm = with_sessions(false);
    press(&mut confirm, Command::Tab(sessions::REVOKE));
    let mut chooser = with_users(false);
    press(&mut chooser, Command::Tab(users::CHANGE_ROLE));
    for app in [sign_in_app(false), with_sessions(false), confirm, chooser] {
        assert!(!coloured(&app), "{}", screen(&app));
    }
    assert!(coloured(&with_users(true)));
}

#[test]
fn new_user_form() {
    let mut app = with_users(true);
    press(&mut app, Command::Tab(users::NEW_USER));
    type_text(&mut app, "eve");
    press(&mut app, Command::NextField);
    type_text(&mut app, "secret-pw");
    let text = screen(&app);
    assert!(!text.contains("secret-pw"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

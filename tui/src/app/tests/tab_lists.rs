//! The signed-in tabs: who sees which, confirmations, lists and their actions.

use spotter_proto::v1::{AuditEvent, Lockout, Role, Session, User};

use super::{
    auth_flows::{press, signed_in, type_text},
    *,
};
use crate::tabs::{
    self, audit, connections, history, jobs, lockouts, sessions, stats, status, users,
};
use crate::{
    component::Out,
    tabs::{Dialog, Overlay},
};

fn session(id: &str, label: &str, current: bool) -> Session {
    Session {
        id: id.into(),
        device_label: label.into(),
        current,
        ..Session::default()
    }
}

fn user(id: i64, name: &str, role: Role) -> User {
    User {
        id,
        username: name.into(),
        role: role as i32,
        ..User::default()
    }
}

pub fn call(call: Call) -> Effect {
    Effect::Call {
        call,
        retried: false,
    }
}

pub fn main(app: &App) -> &Main {
    app.main().expect("signed in")
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
fn admin_tabs_are_hidden_for_role_user() {
    let mut app = signed_in(Role::User);
    assert_eq!(
        main(&app).tabs(),
        vec![
            status::TAB,
            sessions::TAB,
            connections::TAB,
            jobs::TAB,
            history::TAB,
            stats::TAB
        ]
    );
    assert_eq!(press(&mut app, Command::ShowTab(users::TAB)), vec![]);
    assert_eq!(main(&app).tab, status::TAB);
    for _ in 0..6 {
        press(&mut app, Command::NextTab);
    }
    assert_eq!(
        main(&app).tab,
        status::TAB,
        "cycles over the user's tabs only"
    );

    let mut admin = signed_in(Role::Admin);
    assert_eq!(main(&admin).tabs(), tabs::ALL.to_vec());
    assert_eq!(
        press(&mut admin, Command::ShowTab(users::TAB)),
        vec![call(Call::Users(users::Call::ListUsers {
            query: String::new(),
            after_id: 0
        }))]
    );
}

#[test]
fn a_demotion_seen_at_refresh_leaves_the_admin_tabs() {
    let mut app = signed_in(Role::Admin);
    press(&mut app, Command::ShowTab(audit::TAB));
    app.update(Action::TokensRefreshed(auth_flows::identity(
        Role::User,
        900,
    )));
    assert_eq!(main(&app).tab, status::TAB);
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

#[test]
fn action_errors_land_in_the_status_line() {
    let mut app = signed_in(Role::Owner);
    press(&mut app, Command::ShowTab(users::TAB));
    app.update(Action::CallDone(Reply::Users(users::Reply::Users {
        query: String::new(),
        after_id: 0,
        users: vec![user(1, "ann", Role::Owner)],
        next_after_id: 0,
    })));
    press(&mut app, Command::Tab(users::CHANGE_ROLE));
    press(&mut app, Command::Up);
    press(&mut app, Command::Up);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Users(users::Call::SetUserRole {
            user_id: 1,
            role: Role::User
        }))]
    );
    app.update(Action::CallFailed {
        call: Call::Users(users::Call::SetUserRole {
            user_id: 1,
            role: Role::User,
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::FailedPrecondition,
            message: "the last owner cannot be demoted".into(),
        },
    });
    let notice = main(&app).notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "Could not change the role: the last owner cannot be demoted"
    );
}

#[test]
fn users_filter_disable_delete_and_create() {
    let mut app = signed_in(Role::Admin);
    press(&mut app, Command::ShowTab(users::TAB));
    press(&mut app, Command::Tab(users::FILTER));
    type_text(&mut app, "bo");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Users(users::Call::ListUsers {
            query: "bo".into(),
            after_id: 0
        }))]
    );
    // A late answer for the old filter is ignored.
    app.update(Action::CallDone(Reply::Users(users::Reply::Users {
        query: String::new(),
        after_id: 0,
        users: vec![user(1, "ann", Role::Owner)],
        next_after_id: 0,
    })));
    assert!(tab::<UsersTab>(&app).rows.items.is_empty());
    app.update(Action::CallDone(Reply::Users(users::Reply::Users {
        query: "bo".into(),
        after_id: 0,
        users: vec![user(2, "bob", Role::User)],
        next_after_id: 0,
    })));
    assert_eq!(
        press(&mut app, Command::Tab(users::TOGGLE_DISABLED)),
        vec![call(Call::Users(users::Call::SetUserDisabled {
            user_id: 2,
            disabled: true
        }))]
    );
    let mut bob = user(2, "bob", Role::User);
    bob.disabled = true;
    app.update(Action::CallDone(Reply::Users(users::Reply::UserUpdated(
        bob,
    ))));
    assert!(tab::<UsersTab>(&app).rows.items[0].disabled);

    assert_eq!(press(&mut app, Command::Tab(users::DELETE_USER)), vec![]);
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![call(Call::Users(users::Call::DeleteUser {
            user_id: 2,
            username: "bob".into()
        }))]
    );

    press(&mut app, Command::Tab(users::NEW_USER));
    type_text(&mut app, "cy");
    press(&mut app, Command::NextField);
    type_text(&mut app, "short");
    let effects = press(&mut app, Command::Submit);
    assert!(matches!(
        &effects[..],
        [Effect::Call { call: Call::Users(users::Call::CreateUser { username, .. }), .. }] if username == "cy"
    ));
    app.update(Action::CallFailed {
        call: Call::Users(users::Call::CreateUser {
            username: "cy".into(),
            password: "short".to_owned().into(),
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::InvalidArgument,
            message: "the password must have at least 12 characters".into(),
        },
    });
    match main(&app).overlay() {
        Some(Overlay::Dialog(Dialog::Users(users::Dialog::NewUser(form)))) => assert_eq!(
            form.error.as_deref(),
            Some("the password must have at least 12 characters")
        ),
        other => panic!("the form stays open with the error: {other:?}"),
    }
}

#[test]
fn an_admin_lets_a_user_connect_another_navidrome_account() {
    let mut app = signed_in(Role::Admin);
    press(&mut app, Command::ShowTab(users::TAB));
    app.update(Action::CallDone(Reply::Users(users::Reply::Users {
        query: String::new(),
        after_id: 0,
        users: vec![user(2, "bob", Role::User)],
        next_after_id: 0,
    })));
    assert_eq!(
        press(&mut app, Command::Tab(users::NAVIDROME_ACCOUNT)),
        vec![]
    );
    type_text(&mut app, " bobby ");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Users(users::Call::SetNavidromeAccount {
            user_id: 2,
            name: "bobby".into()
        }))]
    );
    // Refused: the form stays open with the reason.
    app.update(Action::CallFailed {
        call: Call::Users(users::Call::SetNavidromeAccount {
            user_id: 2,
            name: "bobby".into(),
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::PermissionDenied,
            message: "only the owner acts on administrators and owners".into(),
        },
    });
    match main(&app).overlay() {
        Some(Overlay::Dialog(Dialog::Users(users::Dialog::NavidromeAccount { form, .. }))) => {
            assert!(form.error.as_deref().unwrap().contains("only the owner"));
            assert!(!form.busy);
        }
        other => panic!("the form stays open with the error: {other:?}"),
    }
    let mut bob = user(2, "bob", Role::User);
    bob.navidrome_account = "bobby".into();
    app.update(Action::CallDone(Reply::Users(
        users::Reply::NavidromeAccountSet(bob),
    )));
    assert!(main(&app).overlay().is_none());
    assert_eq!(
        tab::<UsersTab>(&app).rows.items[0].navidrome_account,
        "bobby"
    );
    assert!(
        main(&app)
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("may connect the Navidrome account bobby")),
        "{:?}",
        main(&app).notice
    );
}

#[test]
fn clearing_a_lockout_needs_confirmation() {
    let mut app = signed_in(Role::Admin);
    press(&mut app, Command::ShowTab(lockouts::TAB));
    app.update(Action::CallDone(Reply::Lockouts(
        lockouts::Reply::Lockouts(vec![Lockout {
            id: "ab12".into(),
            failures: 5,
            ..Lockout::default()
        }]),
    )));
    assert_eq!(
        press(&mut app, Command::Tab(lockouts::CLEAR_LOCKOUT)),
        vec![]
    );
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![call(Call::Lockouts(lockouts::Call::ClearLockout {
            id: "ab12".into()
        }))]
    );
    assert_eq!(
        app.update(Action::CallDone(Reply::Lockouts(
            lockouts::Reply::LockoutCleared { cleared: true }
        ))),
        vec![call(Call::Lockouts(lockouts::Call::ListLockouts))]
    );
}

#[test]
fn audit_pages_load_on_demand() {
    let mut app = signed_in(Role::Admin);
    assert_eq!(
        press(&mut app, Command::ShowTab(audit::TAB)),
        vec![call(Call::Audit(audit::Call::ListAuditEvents {
            before_id: 0
        }))]
    );
    let events = |ids: std::ops::Range<i64>| {
        ids.rev()
            .map(|id| AuditEvent {
                id,
                kind: "sign_in".into(),
                ..AuditEvent::default()
            })
            .collect::<Vec<_>>()
    };
    app.update(Action::CallDone(Reply::Audit(audit::Reply::AuditEvents {
        before_id: 0,
        events: events(50..52),
        next_before_id: 50,
    })));
    assert_eq!(
        press(&mut app, Command::Tab(audit::OLDER_PAGE)),
        vec![call(Call::Audit(audit::Call::ListAuditEvents {
            before_id: 50
        }))]
    );
    assert_eq!(
        press(&mut app, Command::Tab(audit::OLDER_PAGE)),
        vec![],
        "already loading"
    );
    app.update(Action::CallDone(Reply::Audit(audit::Reply::AuditEvents {
        before_id: 50,
        events: events(48..50),
        next_before_id: 48,
    })));
    assert_eq!(tab::<AuditTab>(&app).rows.items.len(), 4);
    // Moving onto the last row fetches the next page by itself.
    assert_eq!(
        press(&mut app, Command::PageDown),
        vec![call(Call::Audit(audit::Call::ListAuditEvents {
            before_id: 48
        }))]
    );
    app.update(Action::CallDone(Reply::Audit(audit::Reply::AuditEvents {
        before_id: 48,
        events: vec![],
        next_before_id: 0,
    })));
    assert_eq!(press(&mut app, Command::Tab(audit::OLDER_PAGE)), vec![]);
    assert_eq!(main(&app).notice.as_ref().unwrap().text, "No older events.");
}

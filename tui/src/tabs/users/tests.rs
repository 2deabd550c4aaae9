//! The Users tab: filter, paging, role, disable, delete, new user and the
//! Navidrome account, and its screens.

use spotter_proto::v1::{Role, User};

use crate::{
    app::{
        Action, App, Call, CallError, Command, Effect, Reply,
    },
    tabs::{
        Dialog, Overlay, users, users::UsersTab,
    },
    test_support::{app::*, screen::*},
};

fn user(id: i64, name: &str, role: Role) -> User {
    User {
        id,
        username: name.into(),
        role: role as i32,
        ..User::default()
    }
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

fn drawn_with_users(colour: bool) -> App {
    let mut app = signed_in_in_colour(Role::Owner, colour);
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
fn users_list() {
    insta::assert_snapshot!(draw(&drawn_with_users(true)).backend());
}

#[test]
fn role_chooser() {
    let mut app = drawn_with_users(true);
    press(&mut app, Command::Tab(users::CHANGE_ROLE));
    let text = screen(&app);
    assert!(text.contains("Role for bob"), "{text}");
    assert!(text.contains("admin (current)"), "{text}");
}

#[test]
fn help_lists_the_keys_of_the_screen_beneath() {
    let mut app = drawn_with_users(true);
    press(&mut app, Command::ToggleHelp);
    let text = screen(&app);
    assert!(text.contains("change the selected user's role"), "{text}");
    assert!(text.contains("F5"), "{text}");
    assert!(text.lines().count() <= 24);
}

#[test]
fn new_user_form() {
    let mut app = drawn_with_users(true);
    press(&mut app, Command::Tab(users::NEW_USER));
    type_text(&mut app, "eve");
    press(&mut app, Command::NextField);
    type_text(&mut app, "secret-pw");
    let text = screen(&app);
    assert!(!text.contains("secret-pw"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn no_colour_with_no_color() {
    let mut chooser = drawn_with_users(false);
    press(&mut chooser, Command::Tab(users::CHANGE_ROLE));
    assert_no_colour(&draw(&chooser));
    assert!(has_colour(&draw(&drawn_with_users(true))));
}

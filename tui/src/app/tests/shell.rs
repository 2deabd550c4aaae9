//! The shell: which tabs a role has, and a tab's confirmation on the overlay stack.

use spotter_proto::v1::{Lockout, Role};

use crate::{
    app::{Action, Call, Command, Reply},
    tabs::{self, audit, connections, history, jobs, lockouts, sessions, stats, status, users},
    test_support::app::*,
};

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
    app.update(Action::TokensRefreshed(identity(Role::User, 900)));
    assert_eq!(main(&app).tab, status::TAB);
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

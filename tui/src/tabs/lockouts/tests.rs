//! The Lockouts tab: clearing asks first, and its screen.

use spotter_proto::v1::{Lockout, Role};

use crate::{
    app::{Action, Call, Command, Reply},
    tabs::lockouts,
    test_support::{app::*, screen::*},
};

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
fn lockouts_list() {
    let mut app = signed_in(Role::Admin);
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

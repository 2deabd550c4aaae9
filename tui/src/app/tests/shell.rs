//! The shell: which tabs a role has.

use spotter_proto::v1::Role;

use crate::{
    app::{Action, Call, Command},
    tabs::{self, audit, connections, history, jobs, playlists, sessions, stats, status, users},
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
            stats::TAB,
            playlists::TAB
        ]
    );
    assert_eq!(press(&mut app, Command::ShowTab(users::TAB)), vec![]);
    assert_eq!(main(&app).tab, status::TAB);
    for _ in 0..7 {
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

//! The Audit tab: older pages on demand, and only the visible window drawn.

use spotter_proto::v1::{AuditEvent, Role};

use crate::{
    app::{
        Action, Call, Command, Reply,
    },
    tabs::{
        audit, audit::AuditTab,
    },
    test_support::{app::*, screen::*},
};

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

#[test]
fn audit_log_draws_only_the_visible_window() {
    let mut app = signed_in(Role::Admin);
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

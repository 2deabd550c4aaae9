//! The Sessions tab: the user's own sessions, the one in use marked; revoking one
//! (the one in use: signing out) or all the others, each asked first.

pub mod calls;
pub mod state;
pub mod view;

pub use state::{Call, Reply, SessionsTab};

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::event::Kind;

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        Command, Component, Cx, KeyBinding, Nothing, Out, Start, Tab, TabKey, View,
        command::tab_ch,
        rows::step,
    },
};

pub const TAB: Tab = Tab {
    title: "Sessions",
    short_title: "Sess",
    admin_only: false,
};

pub const REVOKE: TabKey = TabKey {
    label: Some("revoke"),
    description: "revoke the selected session (asks first)",
};
pub const REVOKE_OTHERS: TabKey = TabKey {
    label: Some("revoke others"),
    description: "revoke every other session (asks first)",
};

impl SessionsTab {
    fn confirm_revoke(&self, cx: &mut Cx<Self>) {
        let Some(session) = self.rows.selected_item() else {
            return;
        };
        if session.current {
            cx.confirm(
                "Sign out of this session?".into(),
                "It is the one you are using: spotter returns to sign-in.",
                Out::SignOut,
            );
        } else {
            cx.confirm(
                format!("Revoke the session \"{}\"?", session.device_label),
                "That device must sign in again.",
                Out::Call(Call::RevokeSession {
                    session_id: session.id.clone(),
                }),
            );
        }
    }
}

impl Component for SessionsTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Nothing;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[tab_ch(TAB, 'd', REVOKE), tab_ch(TAB, 'o', REVOKE_OTHERS)];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        SessionsTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(Call::ListSessions);
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            self.rows.move_by(step);
            return;
        }
        match command {
            Command::Tab(REVOKE) => self.confirm_revoke(cx),
            Command::Tab(REVOKE_OTHERS) => cx.confirm(
                "Revoke all your other sessions?".into(),
                "Every other device must sign in again; this one stays signed in.",
                Out::Call(Call::RevokeOtherSessions),
            ),
            _ => {}
        }
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::Sessions(sessions) => self.rows.replace(sessions, 0),
            Reply::SessionsRevoked { revoked } => {
                cx.info(match revoked {
                    1 => "Revoked 1 session.".to_owned(),
                    n => format!("Revoked {n} sessions."),
                });
                cx.call(Call::ListSessions);
            }
        }
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::ListSessions => "Could not load sessions",
            Call::RevokeSession { .. } => "Could not revoke the session",
            Call::RevokeOtherSessions => "Could not revoke the other sessions",
        }
        .into()
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if *call == Call::ListSessions {
            self.rows.loading = loading;
        }
    }

    /// Another session came or went (the shell handles this one's end).
    fn on_event(&mut self, event: &Kind, _at: i64, cx: &mut Cx<Self>) {
        if matches!(event, Kind::Session(_)) && cx.shown {
            cx.call(Call::ListSessions);
        }
    }

    fn run(
        client: &DaemonClient,
        auth: &Authenticator,
        call: Call,
    ) -> impl Future<Output = Result<Reply, ClientError>> + Send {
        calls::run(client, auth, call)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        view::draw(frame, area, self, view);
    }
}

#[cfg(test)]
mod tests;

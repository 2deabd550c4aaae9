//! The Lockouts tab (admins): accounts whose failed sign-ins are counted or
//! locked, by opaque id; clearing one (asked first).

pub mod calls;
pub mod state;
pub mod view;

pub use state::{Call, LockoutsTab, Reply, short_id};

use ratatui::{Frame, layout::Rect};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        Command, Component, Cx, KeyBinding, Nothing, Out, Start, Tab, TabKey, View,
        command::tab_ch,
        rows::step,
    },
};

pub const TAB: Tab = Tab {
    title: "Lockouts",
    short_title: "Locks",
    admin_only: true,
};

pub const CLEAR_LOCKOUT: TabKey = TabKey {
    label: Some("clear"),
    description: "clear the selected lockout (asks first)",
};

impl Component for LockoutsTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Nothing;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[tab_ch(TAB, 'c', CLEAR_LOCKOUT)];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        LockoutsTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(Call::ListLockouts);
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            self.rows.move_by(step);
        } else if command == Command::Tab(CLEAR_LOCKOUT)
            && let Some(lockout) = self.rows.selected_item()
        {
            cx.confirm(
                format!("Clear the lockout {}?", short_id(&lockout.id)),
                "That account may try to sign in again at once.",
                Out::Call(Call::ClearLockout {
                    id: lockout.id.clone(),
                }),
            );
        }
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::Lockouts(lockouts) => self.rows.replace(lockouts, 0),
            Reply::LockoutCleared { cleared } => {
                cx.info(if cleared {
                    "Lockout cleared."
                } else {
                    "That lockout was already gone."
                });
                cx.call(Call::ListLockouts);
            }
        }
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::ListLockouts => "Could not load lockouts",
            Call::ClearLockout { .. } => "Could not clear the lockout",
        }
        .into()
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if *call == Call::ListLockouts {
            self.rows.loading = loading;
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

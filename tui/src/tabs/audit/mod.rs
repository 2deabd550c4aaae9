//! The Audit tab (admins): security events newest first, older pages fetched on
//! demand as the selection reaches the end (or with `n`).

pub mod calls;
pub mod state;
pub mod view;

pub use state::{AuditTab, Call, Reply};

use ratatui::{Frame, layout::Rect};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        Command, Component, Cx, KeyBinding, Nothing, Start, Tab, TabKey, View,
        command::tab_ch,
        rows::step,
    },
};

pub const TAB: Tab = Tab {
    title: "Audit",
    short_title: "Audit",
    admin_only: true,
};

pub const OLDER_PAGE: TabKey = TabKey {
    label: Some("older"),
    description: "load the next, older page",
};

impl AuditTab {
    fn load_older(&self, cx: &mut Cx<Self>) {
        if self.rows.loading {
            return;
        }
        if self.rows.next == 0 {
            cx.info("No older events.");
            return;
        }
        cx.call(Call::ListAuditEvents {
            before_id: self.rows.next,
        });
    }
}

impl Component for AuditTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Nothing;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[tab_ch(TAB, 'n', OLDER_PAGE)];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        AuditTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(Call::ListAuditEvents { before_id: 0 });
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            if self.rows.move_by(step) {
                self.load_older(cx);
            }
        } else if command == Command::Tab(OLDER_PAGE) {
            self.load_older(cx);
        }
    }

    fn on_reply(&mut self, reply: Reply, _cx: &mut Cx<Self>) {
        let Reply::AuditEvents {
            before_id,
            events,
            next_before_id,
        } = reply;
        if before_id == 0 {
            self.rows.replace(events, next_before_id);
        } else if before_id == self.rows.next {
            self.rows.append(events, next_before_id);
        }
    }

    fn failure(_: &Call) -> String {
        "Could not load the audit log".into()
    }

    fn set_loading(&mut self, _: &Call, loading: bool) {
        self.rows.loading = loading;
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

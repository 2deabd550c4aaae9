//! The Lockouts tab (admins): accounts whose failed sign-ins are counted or
//! locked, by opaque id; clearing one (asked first). Drawn by
//! `ui::lockouts_screen`, its calls run by `client::calls`.

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::Lockout;

use crate::{
    client::{Authenticator, ClientError, DaemonClient, calls},
    component::{
        Command, Component, Cx, KeyBinding, Nothing, Out, Start, Tab, TabKey, View,
        command::tab_ch,
        rows::{Rows, step},
    },
    ui::lockouts_screen,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListLockouts,
    ClearLockout { id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Lockouts(Vec<Lockout>),
    LockoutCleared { cleared: bool },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LockoutsTab {
    pub rows: Rows<Lockout>,
}

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
        lockouts_screen::draw(frame, area, self, view);
    }
}

/// Lockout ids are long opaque hashes; a prefix is enough to tell them apart.
pub fn short_id(id: &str) -> String {
    const SHOWN: usize = 12;
    if id.chars().count() <= SHOWN {
        id.to_owned()
    } else {
        format!("{}…", id.chars().take(SHOWN).collect::<String>())
    }
}

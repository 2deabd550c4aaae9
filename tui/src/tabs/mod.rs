//! The tabs, one folder each (state, update, view and calls behind
//! [`Component`]), and the registry below: one line per tab, in the order of the
//! tab bar and the digit keys. Adding a tab is a folder and a line here.
//!
//! From those lines the registry makes what the shell needs to hold tabs of
//! different types side by side: the envelopes of every tab's calls, replies and
//! dialogs ([`Call`], [`Reply`], [`Dialog`]), each knowing the tab it belongs to
//! so the shell routes it back there, and [`AnyTab`], the tab as the shell drives
//! it, which lends the tab its dialog from the top of the overlay stack and turns
//! what it asks for into the shell's terms.

use std::any::Any;

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::event::Kind;

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Confirm, Cx, ImportEvent, KeyBinding, LiveState, Notice,
        Out, Scope, Start, Tab, View,
    },
    dates::Zone,
    identity::Identity,
};

/// The registry: `Variant => folder::Component`, in tab-bar order.
macro_rules! tabs {
    ($($(#[$attr:meta])* $variant:ident => $module:ident :: $component:ident,)*) => {
        $($(#[$attr])* pub mod $module;)*

        /// Every tab's calls, each knowing its tab.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Call {
            $($variant(<$module::$component as Component>::Call),)*
        }

        /// Every tab's replies, each knowing its tab.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Reply {
            $($variant(<$module::$component as Component>::Reply),)*
        }

        /// Every tab's dialogs, each knowing its tab.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Dialog {
            $($variant(<$module::$component as Component>::Dialog),)*
        }

        $(
            impl Registered for $module::$component {
                fn wrap_call(call: Self::Call) -> Call {
                    Call::$variant(call)
                }

                #[allow(unreachable_patterns)]
                fn unwrap_call(call: Call) -> Option<Self::Call> {
                    match call {
                        Call::$variant(call) => Some(call),
                        _ => None,
                    }
                }

                #[allow(unreachable_patterns)]
                fn unwrap_reply(reply: Reply) -> Option<Self::Reply> {
                    match reply {
                        Reply::$variant(reply) => Some(reply),
                        _ => None,
                    }
                }

                fn wrap_dialog(dialog: Self::Dialog) -> Dialog {
                    Dialog::$variant(dialog)
                }

                #[allow(unreachable_patterns)]
                fn unwrap_dialog(dialog: Dialog) -> Option<Self::Dialog> {
                    match dialog {
                        Dialog::$variant(dialog) => Some(dialog),
                        _ => None,
                    }
                }
            }

            impl From<<$module::$component as Component>::Call> for Call {
                fn from(call: <$module::$component as Component>::Call) -> Self {
                    Call::$variant(call)
                }
            }

            impl From<<$module::$component as Component>::Reply> for Reply {
                fn from(reply: <$module::$component as Component>::Reply) -> Self {
                    Reply::$variant(reply)
                }
            }
        )*

        /// Every tab, in the order of the tab bar and the digits.
        pub const ALL: &[Tab] = &[$(<$module::$component as Component>::TAB,)*];

        /// A fresh set of tabs, at sign-in.
        pub fn all(start: Start) -> Vec<Box<dyn AnyTab>> {
            vec![$(Box::new(<$module::$component as Component>::new(start)),)*]
        }

        /// The keys `tab` declares for itself.
        pub fn keys(tab: Tab) -> &'static [KeyBinding] {
            $(
                if tab == <$module::$component as Component>::TAB {
                    return <$module::$component as Component>::KEYS;
                }
            )*
            &[]
        }

        /// The keys `tab` declares for its dialogs.
        pub fn dialog_keys(tab: Tab) -> &'static [KeyBinding] {
            $(
                if tab == <$module::$component as Component>::TAB {
                    return <$module::$component as Component>::DIALOG_KEYS;
                }
            )*
            &[]
        }

        impl Call {
            /// The tab that made it.
            pub fn tab(&self) -> Tab {
                match self {
                    $(Call::$variant(_) => <$module::$component as Component>::TAB,)*
                }
            }

            /// The start of the status line when it fails.
            pub fn failure(&self) -> String {
                match self {
                    $(Call::$variant(call) => <$module::$component as Component>::failure(call),)*
                }
            }

            /// Runs it against the daemon.
            pub async fn run(
                self,
                client: &DaemonClient,
                auth: &Authenticator,
            ) -> Result<Reply, ClientError> {
                match self {
                    $(Call::$variant(call) => {
                        <$module::$component as Component>::run(client, auth, call)
                            .await
                            .map(Reply::$variant)
                    })*
                }
            }
        }

        impl Reply {
            /// The tab whose call it answers.
            pub fn tab(&self) -> Tab {
                match self {
                    $(Reply::$variant(_) => <$module::$component as Component>::TAB,)*
                }
            }
        }

        impl Dialog {
            /// The tab that opened it.
            pub fn tab(&self) -> Tab {
                match self {
                    $(Dialog::$variant(_) => <$module::$component as Component>::TAB,)*
                }
            }

            /// The keys live while it is on top.
            pub fn scopes(&self) -> Vec<Scope> {
                match self {
                    $(Dialog::$variant(dialog) => {
                        <$module::$component as Component>::dialog_scopes(dialog)
                    })*
                }
            }

            pub fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
                match self {
                    $(Dialog::$variant(dialog) => {
                        <$module::$component as Component>::draw_dialog(dialog, frame, area, view)
                    })*
                }
            }
        }
    };
}

tabs! {
    Status => status::StatusTab,
    Sessions => sessions::SessionsTab,
    Connections => connections::ConnectionsTab,
    Jobs => jobs::JobsTab,
    History => history::HistoryTab,
    Stats => stats::StatsTab,
    Playlists => playlists::PlaylistsTab,
    Users => users::UsersTab,
    Lockouts => lockouts::LockoutsTab,
    Audit => audit::AuditTab,
}

/// What the registry knows of each tab: how its calls, replies and dialogs are
/// wrapped into the envelopes and taken out again.
pub trait Registered: Component {
    fn wrap_call(call: Self::Call) -> Call;
    fn unwrap_call(call: Call) -> Option<Self::Call>;
    fn unwrap_reply(reply: Reply) -> Option<Self::Reply>;
    fn wrap_dialog(dialog: Self::Dialog) -> Dialog;
    fn unwrap_dialog(dialog: Dialog) -> Option<Self::Dialog>;
}

/// What opens on top of the tabs, newest last.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// A tab's question before a destructive action.
    Confirm { tab: Tab, confirm: Confirm<Call> },
    /// A tab's dialog.
    Dialog(Dialog),
}

/// What the shell lends a tab while it handles something.
#[derive(Debug)]
pub struct Host<'a> {
    pub now: i64,
    pub zone: Zone,
    pub live: LiveState,
    pub identity: &'a Identity,
    /// The tab on screen.
    pub shown: Tab,
    pub notice: &'a mut Option<Notice>,
    pub overlays: &'a mut Vec<Overlay>,
    /// What the tabs asked for, in order.
    pub out: &'a mut Vec<Out<Call>>,
}

/// A tab as the shell drives it, whatever its type.
pub trait AnyTab: std::fmt::Debug {
    fn tab(&self) -> Tab;
    fn is_list(&self) -> bool;
    fn show(&mut self, host: &mut Host);
    fn reload(&mut self, host: &mut Host);
    fn command(&mut self, command: Command, host: &mut Host);
    fn back(&mut self) -> bool;
    fn on_reply(&mut self, reply: Reply, host: &mut Host);
    fn on_failure(&mut self, call: Call, error: &CallError, host: &mut Host);
    fn set_loading(&mut self, call: &Call, loading: bool);
    fn on_event(&mut self, event: &Kind, at: i64, host: &mut Host);
    fn tick(&mut self, host: &mut Host);
    fn listens_changed(&mut self);
    fn dialog_command(&mut self, command: Command, host: &mut Host);
    fn dialog_input(&mut self, c: char, host: &mut Host);
    fn after_input(&mut self, host: &mut Host);
    fn on_import(&mut self, id: u64, event: ImportEvent, host: &mut Host);
    fn draw(&self, frame: &mut Frame, area: Rect, view: &View);
    fn clone_box(&self) -> Box<dyn AnyTab>;
    fn as_any(&self) -> &dyn Any;
}

impl Clone for Box<dyn AnyTab> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl<C: Registered> AnyTab for C {
    fn tab(&self) -> Tab {
        C::TAB
    }

    fn is_list(&self) -> bool {
        C::LIST
    }

    fn show(&mut self, host: &mut Host) {
        lend(self, host, |tab, cx| tab.show(cx));
    }

    fn reload(&mut self, host: &mut Host) {
        lend(self, host, |tab, cx| tab.reload(cx));
    }

    fn command(&mut self, command: Command, host: &mut Host) {
        lend(self, host, |tab, cx| tab.command(command, cx));
    }

    fn back(&mut self) -> bool {
        Component::back(self)
    }

    fn on_reply(&mut self, reply: Reply, host: &mut Host) {
        if let Some(reply) = C::unwrap_reply(reply) {
            lend(self, host, |tab, cx| tab.on_reply(reply, cx));
        }
    }

    fn on_failure(&mut self, call: Call, error: &CallError, host: &mut Host) {
        if let Some(call) = C::unwrap_call(call) {
            lend(self, host, |tab, cx| tab.on_failure(call, error, cx));
        }
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if let Some(call) = C::unwrap_call(call.clone()) {
            Component::set_loading(self, &call, loading);
        }
    }

    fn on_event(&mut self, event: &Kind, at: i64, host: &mut Host) {
        lend(self, host, |tab, cx| tab.on_event(event, at, cx));
    }

    fn tick(&mut self, host: &mut Host) {
        lend(self, host, |tab, cx| tab.tick(cx));
    }

    fn listens_changed(&mut self) {
        Component::listens_changed(self);
    }

    fn dialog_command(&mut self, command: Command, host: &mut Host) {
        lend(self, host, |tab, cx| tab.dialog_command(command, cx));
    }

    fn dialog_input(&mut self, c: char, host: &mut Host) {
        lend(self, host, |tab, cx| tab.dialog_input(c, cx));
    }

    fn after_input(&mut self, host: &mut Host) {
        lend(self, host, |tab, cx| tab.after_input(cx));
    }

    fn on_import(&mut self, id: u64, event: ImportEvent, host: &mut Host) {
        lend(self, host, |tab, cx| tab.on_import(id, event, cx));
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        Component::draw(self, frame, area, view);
    }

    fn clone_box(&self) -> Box<dyn AnyTab> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Runs `f` on `tab` with its context: its dialog, when it is the one on top of
/// the overlays, is taken off the stack and lent to it, then put back (or the one
/// it opened pushed); a confirmation it asks for goes on top; its calls mark what
/// they fill as loading and join what the shell will do.
fn lend<C: Registered>(tab: &mut C, host: &mut Host, f: impl FnOnce(&mut C, &mut Cx<C>)) {
    let ours = matches!(host.overlays.last(), Some(Overlay::Dialog(d)) if d.tab() == C::TAB);
    let dialog = match ours.then(|| host.overlays.pop()).flatten() {
        Some(Overlay::Dialog(dialog)) => C::unwrap_dialog(dialog),
        _ => None,
    };
    let mut cx = Cx {
        now: host.now,
        zone: host.zone,
        live: host.live,
        identity: host.identity,
        shown: host.shown == C::TAB,
        notice: &mut *host.notice,
        dialog,
        covered: !host.overlays.is_empty(),
        confirm: None,
        out: Vec::new(),
    };
    f(tab, &mut cx);
    let Cx {
        dialog,
        confirm,
        out,
        ..
    } = cx;
    for asked in &out {
        if let Out::Call(call) = asked {
            Component::set_loading(tab, call, true);
        }
    }
    if let Some(dialog) = dialog {
        host.overlays.push(Overlay::Dialog(C::wrap_dialog(dialog)));
    }
    if let Some(confirm) = confirm {
        host.overlays.push(Overlay::Confirm {
            tab: C::TAB,
            confirm: confirm.map(C::wrap_call),
        });
    }
    host.out
        .extend(out.into_iter().map(|asked| asked.map(C::wrap_call)));
}

//! What every tab is built from: the [`Component`] trait each tab implements in
//! its own folder under `tabs/`, the [`Cx`] it works through (the shell's facts,
//! the status line, its dialog, what it asks for), and the pieces tabs share:
//! commands and key bindings ([`command`]), forms ([`form`]), lists with a
//! selection ([`rows`]), how calls fail ([`call_error`]), and the drawing blocks
//! ([`widgets`]).
//!
//! A tab never sees another tab, the overlay stack or a token: the shell (`app`)
//! hands it the replies to its own calls, the live events and the keys while it is
//! on screen, and turns what it asks for ([`Out`]) into effects.

pub mod call_error;
pub mod command;
pub mod form;
pub mod rows;
pub mod widgets;

use std::{fmt::Debug, future::Future};

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::{ImportProgress, event::Kind};

pub use call_error::{CallError, rejection_text};
pub use command::{Command, KeyBinding, Scope, Tab, TabKey};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    dates::Zone,
    identity::Identity,
    socket::SocketTarget,
    status::DaemonStatus,
};
use widgets::theme::Theme;

/// One line of feedback under the screen: what an action did, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// Unix seconds when it goes away by itself (notices from live events); the
    /// outcome of a key stays until the next key.
    pub until: Option<i64>,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            error: false,
            until: None,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            error: true,
            until: None,
        }
    }

    pub fn transient(text: impl Into<String>, error: bool, until: i64) -> Self {
        Notice {
            text: text.into(),
            error,
            until: Some(until),
        }
    }
}

/// Whether live events are arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    /// Not open yet since sign-in.
    Connecting,
    Live,
    /// Was open, broke; the client is reopening it.
    Lost,
}

/// What the client reports about a running import (History's dialog shows it).
#[derive(Debug, Clone, PartialEq)]
pub enum ImportEvent {
    /// The file is open and streaming (`path` with `~` expanded).
    Started { path: String, size: u64 },
    /// The daemon's count so far; the last one has `done` set.
    Progress(ImportProgress),
    /// The file could not be read, or the daemon stopped the import.
    Failed(String),
}

/// What a tab asks of the world, in order; the shell turns it into effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out<C> {
    /// One of the tab's calls.
    Call(C),
    /// End the session (revoking the session in use is signing out).
    SignOut,
    /// Stream the file at `path` through `History.Import`.
    Import {
        id: u64,
        path: String,
        format: String,
    },
    /// Stop the import `id` (what the daemon has stored stays).
    CancelImport { id: u64 },
    /// Listens were added: every tab drops what it derived from them.
    ListensChanged,
}

impl<C> Out<C> {
    pub fn map<D>(self, f: impl FnOnce(C) -> D) -> Out<D> {
        match self {
            Out::Call(call) => Out::Call(f(call)),
            Out::SignOut => Out::SignOut,
            Out::Import { id, path, format } => Out::Import { id, path, format },
            Out::CancelImport { id } => Out::CancelImport { id },
            Out::ListensChanged => Out::ListensChanged,
        }
    }
}

/// A question that must be answered y before `on_yes` happens; it guards every
/// destructive action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm<C> {
    pub question: String,
    pub detail: String,
    pub on_yes: Out<C>,
}

impl<C> Confirm<C> {
    pub fn map<D>(self, f: impl FnOnce(C) -> D) -> Confirm<D> {
        Confirm {
            question: self.question,
            detail: self.detail,
            on_yes: self.on_yes.map(f),
        }
    }
}

/// For a tab without dialogs, calls or replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nothing {}

/// What a tab is created with, at sign-in.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    pub zone: Zone,
    pub now: i64,
}

/// What a tab works through while it handles something.
#[derive(Debug)]
pub struct Cx<'a, C: Component> {
    /// Unix seconds, from the last tick.
    pub now: i64,
    /// Local time, for dates typed in.
    pub zone: Zone,
    pub live: LiveState,
    pub identity: &'a Identity,
    /// The tab is the one on screen.
    pub shown: bool,
    /// The status line.
    pub notice: &'a mut Option<Notice>,
    /// The tab's dialog, when it is the one on top of the overlays; set it to open
    /// one, take it to close it.
    pub dialog: Option<C::Dialog>,
    /// Something else is open on top (another dialog, a confirmation).
    pub covered: bool,
    /// A confirmation to open on top.
    pub confirm: Option<Confirm<C::Call>>,
    pub out: Vec<Out<C::Call>>,
}

impl<C: Component> Cx<'_, C> {
    pub fn call(&mut self, call: C::Call) {
        self.out.push(Out::Call(call));
    }

    pub fn info(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice::info(text));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice::error(text));
    }

    /// Asks `question` first; y does `on_yes`.
    pub fn confirm(&mut self, question: String, detail: impl Into<String>, on_yes: Out<C::Call>) {
        self.confirm = Some(Confirm {
            question,
            detail: detail.into(),
            on_yes,
        });
    }

    /// Nothing at all is open on top, the tab's own dialog included.
    pub fn nothing_open(&self) -> bool {
        self.dialog.is_none() && !self.covered
    }
}

/// What a tab draws with, besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub now: i64,
    pub zone: Zone,
    pub theme: Theme,
    pub live: LiveState,
    pub status: &'a DaemonStatus,
    pub socket: &'a SocketTarget,
    pub client_protocol_version: u32,
}

/// One tab: its state, its keys, its calls and how it draws, in one folder.
///
/// The shell calls a tab only about its own business: its keys while it is on
/// screen, the replies and failures of its own calls, its own dialog's keys, and
/// the live events (which every tab hears, `cx.shown` saying whether it is on
/// screen).
pub trait Component: Debug + Clone + 'static {
    /// Its calls as data (the shell retries them after a token refresh).
    type Call: Debug + Clone + PartialEq + Eq + Send + Sync + 'static;
    /// What its calls answer.
    type Reply: Debug + Clone + PartialEq + Send + 'static;
    /// What it opens on top of itself ([`Nothing`] when it opens nothing).
    type Dialog: Debug + Clone + PartialEq + 'static;

    const TAB: Tab;
    /// Its own keys, in the order the footer and the help list them.
    const KEYS: &'static [KeyBinding] = &[];
    /// The keys of its dialogs, each in its [`Scope::Dialog`].
    const DIALOG_KEYS: &'static [KeyBinding] = &[];
    /// A list: the arrows and the page keys move its selection.
    const LIST: bool = false;

    fn new(start: Start) -> Self;

    /// Coming to the tab: loads it afresh unless it keeps its place.
    fn show(&mut self, cx: &mut Cx<Self>) {
        self.reload(cx);
    }

    /// Loads what it shows afresh (refresh, resync).
    fn reload(&mut self, cx: &mut Cx<Self>);

    /// One of its keys, or a list move, while it is on screen and nothing is open.
    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let _ = (command, cx);
    }

    /// Esc: closes something of its own (true), or lets the shell quit.
    fn back(&mut self) -> bool {
        false
    }

    fn on_reply(&mut self, reply: Self::Reply, cx: &mut Cx<Self>);

    /// A call of its own failed (after `set_loading(call, false)`); by default the
    /// status line says so.
    fn on_failure(&mut self, call: Self::Call, error: &CallError, cx: &mut Cx<Self>) {
        let text = error.text();
        cx.error(format!("{}: {text}", Self::failure(&call)));
    }

    /// The start of the status line when `call` fails: "Could not load sessions".
    fn failure(call: &Self::Call) -> String;

    /// Marks what `call` fills as loading, or done.
    fn set_loading(&mut self, call: &Self::Call, loading: bool) {
        let _ = (call, loading);
    }

    /// A live event (every tab hears each one).
    fn on_event(&mut self, event: &Kind, at: i64, cx: &mut Cx<Self>) {
        let _ = (event, at, cx);
    }

    /// The slow clock, while the daemon is connected.
    fn tick(&mut self, cx: &mut Cx<Self>) {
        let _ = cx;
    }

    /// Listens were added (an import): drop what was derived from them.
    fn listens_changed(&mut self) {}

    /// Runs `call` against the daemon (the client side of the tab).
    fn run(
        client: &DaemonClient,
        auth: &Authenticator,
        call: Self::Call,
    ) -> impl Future<Output = Result<Self::Reply, ClientError>> + Send;

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View);

    /// The keys live while `dialog` is on top.
    fn dialog_scopes(dialog: &Self::Dialog) -> Vec<Scope> {
        let _ = dialog;
        vec![Scope::Form]
    }

    /// A key while its dialog (`cx.dialog`) is on top.
    fn dialog_command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let _ = (command, cx);
    }

    /// A character typed into its dialog.
    fn dialog_input(&mut self, c: char, cx: &mut Cx<Self>) {
        let _ = (c, cx);
    }

    /// After typing or pasting into its dialog.
    fn after_input(&mut self, cx: &mut Cx<Self>) {
        let _ = cx;
    }

    /// How the import `id` its dialog started is going.
    fn on_import(&mut self, id: u64, event: ImportEvent, cx: &mut Cx<Self>) {
        let _ = (id, event, cx);
    }

    fn draw_dialog(dialog: &Self::Dialog, frame: &mut Frame, area: Rect, view: &View) {
        let _ = (dialog, frame, area, view);
    }
}

//! The Status tab: what the connected daemon says about itself and how we reach
//! it (the status ticks keep it fresh; it makes no calls of its own).

pub mod view;

use ratatui::{Frame, layout::Rect};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{Component, Cx, Nothing, Start, Tab, View},
};

pub const TAB: Tab = Tab {
    title: "Status",
    short_title: "Status",
    admin_only: false,
};

/// It makes no calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {}

/// It gets no replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusTab;

impl Component for StatusTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Nothing;

    const TAB: Tab = TAB;

    fn new(_: Start) -> Self {
        StatusTab
    }

    /// The status ticks keep it fresh.
    fn reload(&mut self, _: &mut Cx<Self>) {}

    fn on_reply(&mut self, reply: Reply, _: &mut Cx<Self>) {
        match reply {}
    }

    fn failure(call: &Call) -> String {
        match *call {}
    }

    #[allow(clippy::manual_async_fn)]
    fn run(
        _: &DaemonClient,
        _: &Authenticator,
        call: Call,
    ) -> impl Future<Output = Result<Reply, ClientError>> + Send {
        async move { match call {} }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        view::draw(frame, area, view);
    }
}

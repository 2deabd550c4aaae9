//! The Stats tab: its keys (the period), the calls that fill [`StatsState`] (top
//! artists, albums and tracks, activity in local days and hours, discoveries, the
//! totals), and where their answers and failures go. The state is in [`state`],
//! its drawing in [`view`].

pub mod calls;
pub mod state;
pub mod view;

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::StatsSubject;

pub use state::{Call, Reply, STATS_LIMIT, StatsAnswer, StatsTab};
use state::{PeriodChoice, StatsState};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Cx, KeyBinding, Nothing, Start, Tab, TabKey, View,
        command::tab_ch,
    },
};

pub const TAB: Tab = Tab {
    title: "Stats",
    short_title: "Stats",
    admin_only: false,
};

pub const NEXT_PERIOD: TabKey = TabKey {
    label: Some("period"),
    description: "the next period",
};
pub const PERIOD_WEEK: TabKey = TabKey {
    label: None,
    description: "the last 7 days",
};
pub const PERIOD_MONTH: TabKey = TabKey {
    label: None,
    description: "the last 30 days",
};
pub const PERIOD_YEAR: TabKey = TabKey {
    label: None,
    description: "the last 365 days",
};
pub const PERIOD_ALL_TIME: TabKey = TabKey {
    label: None,
    description: "all time",
};

impl Component for StatsTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Nothing;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[
        tab_ch(TAB, 'p', NEXT_PERIOD),
        tab_ch(TAB, 'w', PERIOD_WEEK),
        tab_ch(TAB, 'm', PERIOD_MONTH),
        tab_ch(TAB, 'y', PERIOD_YEAR),
        tab_ch(TAB, 'a', PERIOD_ALL_TIME),
    ];

    /// Local days as of sign-in.
    fn new(start: Start) -> Self {
        StatsTab {
            stats: StatsState::new(start.zone.offset_minutes(start.now)),
        }
    }

    /// Everything the tab shows, for the period on screen, from scratch.
    fn reload(&mut self, cx: &mut Cx<Self>) {
        self.stats.reload();
        let period = self.stats.period;
        let utc_offset_minutes = self.stats.utc_offset_minutes;
        for call in [
            Call::StatsTop {
                period,
                subject: StatsSubject::Artists,
            },
            Call::StatsTop {
                period,
                subject: StatsSubject::Albums,
            },
            Call::StatsTop {
                period,
                subject: StatsSubject::Tracks,
            },
            Call::StatsActivity {
                period,
                utc_offset_minutes,
            },
            Call::StatsDiscoveries { period },
            Call::StatsSummary { period },
        ] {
            cx.call(call);
        }
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let period = match command {
            Command::Tab(PERIOD_WEEK) => PeriodChoice::Week,
            Command::Tab(PERIOD_MONTH) => PeriodChoice::Month,
            Command::Tab(PERIOD_YEAR) => PeriodChoice::Year,
            Command::Tab(PERIOD_ALL_TIME) => PeriodChoice::AllTime,
            Command::Tab(NEXT_PERIOD) => self.stats.period.next(),
            _ => return,
        };
        if self.stats.set_period(period) {
            self.reload(cx);
        }
    }

    fn on_reply(&mut self, reply: Reply, _: &mut Cx<Self>) {
        self.stats.apply(reply.period, reply.answer.into());
    }

    /// The tab shows the failure (for the period it was for).
    fn on_failure(&mut self, call: Call, error: &CallError, _: &mut Cx<Self>) {
        let period = match call {
            Call::StatsTop { period, .. }
            | Call::StatsActivity { period, .. }
            | Call::StatsDiscoveries { period }
            | Call::StatsSummary { period } => period,
        };
        self.stats
            .fail(period, format!("{}: {}", Self::failure(&call), error.text()));
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::StatsTop {
                subject: StatsSubject::Albums,
                ..
            } => "Could not load the top albums",
            Call::StatsTop {
                subject: StatsSubject::Tracks,
                ..
            } => "Could not load the top tracks",
            Call::StatsTop { .. } => "Could not load the top artists",
            Call::StatsActivity { .. } => "Could not load the activity",
            Call::StatsDiscoveries { .. } => "Could not load the discoveries",
            Call::StatsSummary { .. } => "Could not load the totals",
        }
        .into()
    }

    fn listens_changed(&mut self) {
        self.stats.reload();
    }

    fn run(
        client: &DaemonClient,
        auth: &Authenticator,
        call: Call,
    ) -> impl Future<Output = Result<Reply, ClientError>> + Send {
        calls::run(client, auth, call)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        view::draw(frame, area, &self.stats, view.theme);
    }
}

#[cfg(test)]
mod tests;

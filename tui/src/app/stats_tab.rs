//! The Stats tab's wiring: its keys (the period), the calls that fill
//! [`StatsState`] (top artists, albums and tracks, activity in local days and
//! hours, discoveries, the totals), and where their answers and failures go. The
//! state and its drawing are in [`super::stats`] and `ui::stats_screen`.

use spotter_proto::v1::{
    GetActivityResponse, GetDiscoveriesResponse, GetSummaryResponse, GetTopResponse, StatsSubject,
};

use super::{
    Command, Effect,
    calls::Call,
    signed_in::{Main, Outcome},
    stats::{PeriodChoice, StatsReply},
};

/// Entries in each top list and in the discoveries.
pub const STATS_LIMIT: u32 = 10;

/// One answer for the Stats tab, as the client hands it over (comparable, unlike
/// [`StatsReply`], so it can travel in a [`super::Reply`]).
#[derive(Debug, Clone, PartialEq)]
pub enum StatsAnswer {
    Top(StatsSubject, GetTopResponse),
    Activity(GetActivityResponse),
    Discoveries(GetDiscoveriesResponse),
    Summary(GetSummaryResponse),
}

impl From<StatsAnswer> for StatsReply {
    fn from(answer: StatsAnswer) -> Self {
        match answer {
            StatsAnswer::Top(subject, r) => StatsReply::Top(subject, r),
            StatsAnswer::Activity(r) => StatsReply::Activity(r),
            StatsAnswer::Discoveries(r) => StatsReply::Discoveries(r),
            StatsAnswer::Summary(r) => StatsReply::Summary(r),
        }
    }
}

impl Main {
    /// Everything the tab shows, for the period on screen, from scratch.
    pub(super) fn fetch_stats(&mut self) -> Vec<Effect> {
        self.stats.reload();
        let period = self.stats.period;
        let utc_offset_minutes = self.stats.utc_offset_minutes;
        [
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
        ]
        .into_iter()
        .map(|call| self.call(call))
        .collect()
    }

    pub(super) fn stats_command(&mut self, command: Command) -> Outcome {
        let period = match command {
            Command::PeriodWeek => PeriodChoice::Week,
            Command::PeriodMonth => PeriodChoice::Month,
            Command::PeriodYear => PeriodChoice::Year,
            Command::PeriodAllTime => PeriodChoice::AllTime,
            Command::NextPeriod => self.stats.period.next(),
            _ => return Outcome::default(),
        };
        if self.stats.set_period(period) {
            self.fetch_stats().into()
        } else {
            Outcome::default()
        }
    }

    pub(super) fn stats_reply(&mut self, period: PeriodChoice, answer: StatsAnswer) {
        self.stats.apply(period, answer.into());
    }

    /// A stats call failed: the tab shows it. True when the call was one of its.
    pub(super) fn stats_failed(&mut self, call: &Call, text: &str) -> bool {
        let period = match call {
            Call::StatsTop { period, .. }
            | Call::StatsActivity { period, .. }
            | Call::StatsDiscoveries { period }
            | Call::StatsSummary { period } => *period,
            _ => return false,
        };
        self.stats
            .fail(period, format!("{}: {text}", call.failure()));
        true
    }
}

//! The Stats tab's state and its calls as data: for one period, the answers of `History.GetTop` (artists,
//! albums, tracks), `GetActivity` and `GetDiscoveries`, plus `GetSummary` (whole
//! history, so it survives a change of period).
//!
//! Pure data, no calls: whoever fetches tags each request with the
//! [`PeriodChoice`] it was made for and hands the answer (or the failure) back with
//! the same tag through [`StatsState::apply`] / [`StatsState::fail`]. Answers for a
//! period other than the one on screen are dropped, so switching quickly never
//! mixes two periods, whatever order the answers arrive in.

use spotter_proto::v1::{
    GetActivityResponse, GetDiscoveriesResponse, GetSummaryResponse, GetTopResponse, StatsPeriod,
    StatsSubject, stats_period::Kind,
};

/// The periods offered (the daemon's rolling ones, ending now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodChoice {
    Week,
    Month,
    #[default]
    Year,
    AllTime,
}

impl PeriodChoice {
    pub const ALL: [PeriodChoice; 4] = [
        PeriodChoice::Week,
        PeriodChoice::Month,
        PeriodChoice::Year,
        PeriodChoice::AllTime,
    ];

    /// As the screen's title says it: "last 7 days", …, "all time".
    pub fn label(self) -> &'static str {
        match self {
            PeriodChoice::Week => "last 7 days",
            PeriodChoice::Month => "last 30 days",
            PeriodChoice::Year => "last 365 days",
            PeriodChoice::AllTime => "all time",
        }
    }

    pub fn to_proto(self) -> StatsPeriod {
        let kind = match self {
            PeriodChoice::Week => Kind::Week,
            PeriodChoice::Month => Kind::Month,
            PeriodChoice::Year => Kind::Year,
            PeriodChoice::AllTime => Kind::AllTime,
        };
        StatsPeriod {
            kind: kind as i32,
            ..StatsPeriod::default()
        }
    }

    /// The next longer period, wrapping from all time back to the week.
    pub fn next(self) -> Self {
        match self {
            PeriodChoice::Week => PeriodChoice::Month,
            PeriodChoice::Month => PeriodChoice::Year,
            PeriodChoice::Year => PeriodChoice::AllTime,
            PeriodChoice::AllTime => PeriodChoice::Week,
        }
    }
}

/// One answer for the Stats tab. `Top` carries the subject it was asked for
/// (`STATS_SUBJECT_UNSPECIFIED` counts as artists, as in the protocol).
#[derive(Debug, Clone, PartialEq)]
pub enum StatsReply {
    Top(StatsSubject, GetTopResponse),
    Activity(GetActivityResponse),
    Discoveries(GetDiscoveriesResponse),
    Summary(GetSummaryResponse),
}

/// How many answers make a complete screen: three tops, activity, discoveries,
/// summary.
const ANSWERS: usize = 6;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsState {
    pub period: PeriodChoice,
    /// The terminal's offset from UTC in minutes, the one sent with `GetActivity`:
    /// the period's dates on screen are local like the activity's days. Set by the
    /// wiring; kept across periods and sign-outs.
    pub utc_offset_minutes: i32,
    pub artists: Option<GetTopResponse>,
    pub albums: Option<GetTopResponse>,
    pub tracks: Option<GetTopResponse>,
    pub activity: Option<GetActivityResponse>,
    pub discoveries: Option<GetDiscoveriesResponse>,
    /// Whole-history totals: not tied to the period, so kept when it changes (and
    /// replaced by the next answer).
    pub summary: Option<GetSummaryResponse>,
    /// Failures reported for the current period, oldest first.
    pub errors: Vec<String>,
}

impl StatsState {
    pub fn new(utc_offset_minutes: i32) -> Self {
        StatsState {
            utc_offset_minutes,
            ..StatsState::default()
        }
    }

    /// Switches period; returns true when it changed (the caller then fetches
    /// again). The period's answers and errors go; the summary stays.
    pub fn set_period(&mut self, p: PeriodChoice) -> bool {
        if p == self.period {
            return false;
        }
        *self = StatsState {
            period: p,
            utc_offset_minutes: self.utc_offset_minutes,
            summary: self.summary.take(),
            ..StatsState::default()
        };
        true
    }

    /// Files an answer to a request made for `period`; ignored when that is no
    /// longer the period on screen.
    pub fn apply(&mut self, period: PeriodChoice, reply: StatsReply) {
        if period != self.period {
            return;
        }
        match reply {
            StatsReply::Top(StatsSubject::Albums, r) => self.albums = Some(r),
            StatsReply::Top(StatsSubject::Tracks, r) => self.tracks = Some(r),
            StatsReply::Top(StatsSubject::Artists | StatsSubject::Unspecified, r) => {
                self.artists = Some(r);
            }
            StatsReply::Activity(r) => self.activity = Some(r),
            StatsReply::Discoveries(r) => self.discoveries = Some(r),
            StatsReply::Summary(r) => self.summary = Some(r),
        }
    }

    /// A request made for `period` failed (one call each time): the message shows
    /// as an error line, and that call no longer counts as loading. Ignored when
    /// `period` is no longer the one on screen.
    pub fn fail(&mut self, period: PeriodChoice, message: String) {
        if period == self.period {
            self.errors.push(message);
        }
    }

    /// Forgets the answers and errors of the current period (and the summary) before
    /// fetching it all again, e.g. on `r`.
    pub fn reload(&mut self) {
        *self = StatsState {
            period: self.period,
            utc_offset_minutes: self.utc_offset_minutes,
            ..StatsState::default()
        };
    }

    /// Some answer for the current period is still missing: more are missing than
    /// calls have failed.
    pub fn is_loading(&self) -> bool {
        self.missing() > self.errors.len()
    }

    fn missing(&self) -> usize {
        let have = [
            self.artists.is_some(),
            self.albums.is_some(),
            self.tracks.is_some(),
            self.activity.is_some(),
            self.discoveries.is_some(),
            self.summary.is_some(),
        ];
        ANSWERS - have.into_iter().filter(|&h| h).count()
    }

    /// The period had no listens at all (known as soon as the activity or any top
    /// list has answered).
    pub fn no_listens(&self) -> bool {
        let listens = self.activity.as_ref().map(|a| a.listens).or_else(|| {
            [&self.artists, &self.tracks, &self.albums]
                .into_iter()
                .flatten()
                .map(|t| t.listens)
                .next()
        });
        listens == Some(0)
    }

    /// The period's bounds as the daemon evaluated them (unix seconds, `[from,
    /// to)`), from whichever answer has them.
    pub fn range(&self) -> Option<(i64, i64)> {
        let tops = [&self.artists, &self.tracks, &self.albums]
            .into_iter()
            .flatten()
            .map(|t| (t.from, t.to));
        self.activity
            .as_ref()
            .map(|a| (a.from, a.to))
            .into_iter()
            .chain(tops)
            .chain(self.discoveries.as_ref().map(|d| (d.from, d.to)))
            .find(|&(_, to)| to != 0)
    }

    /// On sign-out: back to the default period with nothing loaded (the UTC offset
    /// stays, it belongs to the terminal).
    pub fn clear(&mut self) {
        *self = StatsState::new(self.utc_offset_minutes);
    }
}

/// Entries in each top list and in the discoveries.
pub const STATS_LIMIT: u32 = 10;

/// The tab's calls, each for the period it was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    StatsTop {
        period: PeriodChoice,
        subject: StatsSubject,
    },
    StatsActivity {
        period: PeriodChoice,
        utc_offset_minutes: i32,
    },
    StatsDiscoveries {
        period: PeriodChoice,
    },
    StatsSummary {
        period: PeriodChoice,
    },
}

/// An answer, with the period it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub period: PeriodChoice,
    pub answer: StatsAnswer,
}

/// One answer for the Stats tab, as the client hands it over (comparable, unlike
/// [`StatsReply`], so it can travel in a reply).
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

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsTab {
    pub stats: StatsState,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(listens: u64) -> GetTopResponse {
        GetTopResponse {
            listens,
            from: 100,
            to: 200,
            ..GetTopResponse::default()
        }
    }

    fn everything(state: &mut StatsState, period: PeriodChoice) {
        for subject in [
            StatsSubject::Artists,
            StatsSubject::Albums,
            StatsSubject::Tracks,
        ] {
            state.apply(period, StatsReply::Top(subject, top(5)));
        }
        state.apply(
            period,
            StatsReply::Activity(GetActivityResponse {
                listens: 5,
                ..GetActivityResponse::default()
            }),
        );
        state.apply(
            period,
            StatsReply::Discoveries(GetDiscoveriesResponse::default()),
        );
        state.apply(period, StatsReply::Summary(GetSummaryResponse::default()));
    }

    #[test]
    fn periods_cycle_and_map_to_the_protocol() {
        assert_eq!(PeriodChoice::default(), PeriodChoice::Year);
        let mut p = PeriodChoice::Week;
        for _ in 0..4 {
            p = p.next();
        }
        assert_eq!(p, PeriodChoice::Week);
        assert_eq!(PeriodChoice::Month.to_proto().kind(), Kind::Month);
        assert_eq!(PeriodChoice::AllTime.to_proto().kind(), Kind::AllTime);
        assert_eq!(PeriodChoice::Week.label(), "last 7 days");
    }

    #[test]
    fn loading_until_every_answer_is_in() {
        let mut state = StatsState::default();
        assert!(state.is_loading());
        state.apply(
            PeriodChoice::Year,
            StatsReply::Top(StatsSubject::Artists, top(5)),
        );
        assert!(state.is_loading());
        everything(&mut state, PeriodChoice::Year);
        assert!(!state.is_loading());
        assert!(!state.no_listens());
        assert_eq!(state.range(), Some((100, 200)));
    }

    #[test]
    fn a_failed_call_stops_counting_as_loading() {
        let mut state = StatsState::default();
        everything(&mut state, PeriodChoice::Year);
        state.tracks = None;
        assert!(state.is_loading());
        state.fail(PeriodChoice::Year, "GetTop: unavailable".into());
        assert!(!state.is_loading());
        assert_eq!(state.errors, ["GetTop: unavailable"]);
    }

    #[test]
    fn switching_period_clears_stale_answers_but_keeps_the_summary() {
        let mut state = StatsState::new(60);
        everything(&mut state, PeriodChoice::Year);
        state.fail(PeriodChoice::Year, "boom".into());
        assert!(!state.set_period(PeriodChoice::Year));
        assert!(state.artists.is_some());

        assert!(state.set_period(PeriodChoice::Week));
        assert_eq!(state.period, PeriodChoice::Week);
        assert!(state.artists.is_none() && state.albums.is_none() && state.tracks.is_none());
        assert!(state.activity.is_none() && state.discoveries.is_none());
        assert!(state.errors.is_empty());
        assert!(state.summary.is_some());
        assert_eq!(state.utc_offset_minutes, 60);
        assert!(state.is_loading());
    }

    #[test]
    fn answers_for_another_period_are_ignored() {
        let mut state = StatsState::default();
        state.set_period(PeriodChoice::Month);
        everything(&mut state, PeriodChoice::Year);
        state.fail(PeriodChoice::Year, "late failure".into());
        assert!(state.artists.is_none() && state.activity.is_none());
        assert!(state.summary.is_none());
        assert!(state.errors.is_empty());
        assert!(state.is_loading());
        everything(&mut state, PeriodChoice::Month);
        assert!(!state.is_loading());
    }

    #[test]
    fn no_listens_is_known_from_the_first_answer() {
        let mut state = StatsState::default();
        assert!(!state.no_listens());
        state.apply(
            PeriodChoice::Year,
            StatsReply::Top(StatsSubject::Tracks, top(0)),
        );
        assert!(state.no_listens());
    }

    #[test]
    fn unspecified_subject_counts_as_artists() {
        let mut state = StatsState::default();
        state.apply(
            PeriodChoice::Year,
            StatsReply::Top(StatsSubject::Unspecified, top(3)),
        );
        assert!(state.artists.is_some());
    }

    #[test]
    fn reload_and_clear() {
        let mut state = StatsState::new(-300);
        state.set_period(PeriodChoice::Week);
        everything(&mut state, PeriodChoice::Week);
        state.reload();
        assert_eq!(state.period, PeriodChoice::Week);
        assert!(state.summary.is_none() && state.artists.is_none());
        everything(&mut state, PeriodChoice::Week);
        state.clear();
        assert_eq!(state.period, PeriodChoice::Year);
        assert!(state.artists.is_none() && state.summary.is_none());
        assert_eq!(state.utc_offset_minutes, -300);
    }
}

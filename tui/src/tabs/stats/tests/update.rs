//! What keys, replies and failures do to the Stats tab.

use spotter_proto::v1::{GetTopResponse, Role, StatsSubject, TopEntry};

use crate::tabs::stats::{StatsAnswer, state::PeriodChoice};
use crate::{
    app::{
        Action, App, Call, CallError, Command, Effect, Reply, Scope,
        SetupState,
    },
    dates::Zone,
    tabs::{
        stats,
        stats::StatsTab,
    },
    test_support::app::*,
};

fn on_stats(zone: Zone) -> (App, Vec<Effect>) {
    let mut app = connected_app();
    app.zone = zone;
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::SignedIn(identity(Role::User, 900)));
    let effects = press(&mut app, Command::ShowTab(stats::TAB));
    (app, effects)
}

fn everything(period: PeriodChoice, utc_offset_minutes: i32) -> Vec<Effect> {
    vec![
        call(Call::Stats(stats::Call::StatsTop {
            period,
            subject: StatsSubject::Artists,
        })),
        call(Call::Stats(stats::Call::StatsTop {
            period,
            subject: StatsSubject::Albums,
        })),
        call(Call::Stats(stats::Call::StatsTop {
            period,
            subject: StatsSubject::Tracks,
        })),
        call(Call::Stats(stats::Call::StatsActivity {
            period,
            utc_offset_minutes,
        })),
        call(Call::Stats(stats::Call::StatsDiscoveries { period })),
        call(Call::Stats(stats::Call::StatsSummary { period })),
    ]
}

fn top(artist: &str) -> GetTopResponse {
    GetTopResponse {
        entries: vec![TopEntry {
            artist: artist.into(),
            listens: 20,
            ..TopEntry::default()
        }],
        listens: 20,
        ..GetTopResponse::default()
    }
}

#[test]
fn entering_the_tab_asks_for_everything_with_the_local_offset() {
    let (app, effects) = on_stats(Zone::Fixed(-300));
    assert_eq!(effects, everything(PeriodChoice::Year, -300));
    assert_eq!(
        app.key_scopes(),
        vec![
            Scope::Tab(stats::TAB),
            Scope::Tabs,
            Scope::Screen,
            Scope::Always
        ]
    );
}

#[test]
fn period_keys_ask_again_only_when_the_period_changes() {
    let (mut app, _) = on_stats(Zone::Utc);
    assert_eq!(
        press(&mut app, Command::Tab(stats::PERIOD_WEEK)),
        everything(PeriodChoice::Week, 0)
    );
    assert_eq!(press(&mut app, Command::Tab(stats::PERIOD_WEEK)), vec![]);
    assert_eq!(
        press(&mut app, Command::Tab(stats::NEXT_PERIOD)),
        everything(PeriodChoice::Month, 0)
    );
    assert_eq!(
        press(&mut app, Command::Tab(stats::PERIOD_ALL_TIME)),
        everything(PeriodChoice::AllTime, 0)
    );
    assert_eq!(
        press(&mut app, Command::Tab(stats::PERIOD_YEAR)),
        everything(PeriodChoice::Year, 0)
    );
    // r: the same period afresh.
    let effects = press(&mut app, Command::Refresh);
    assert!(
        effects.ends_with(&everything(PeriodChoice::Year, 0)),
        "{effects:?}"
    );
}

#[test]
fn answers_land_for_their_period_only() {
    let (mut app, _) = on_stats(Zone::Utc);
    let answer = |period, artist: &str| {
        Action::CallDone(Reply::Stats(stats::Reply {
            period,
            answer: StatsAnswer::Top(StatsSubject::Artists, top(artist)),
        }))
    };
    app.update(answer(PeriodChoice::Week, "Stale"));
    assert_eq!(tab::<StatsTab>(&app).stats.artists, None);
    app.update(answer(PeriodChoice::Year, "Björk"));
    assert_eq!(
        tab::<StatsTab>(&app)
            .stats
            .artists
            .as_ref()
            .unwrap()
            .entries[0]
            .artist,
        "Björk"
    );
}

#[test]
fn failures_show_on_the_tab_not_in_the_status_line() {
    let (mut app, _) = on_stats(Zone::Utc);
    app.update(Action::CallFailed {
        call: Call::Stats(stats::Call::StatsActivity {
            period: PeriodChoice::Year,
            utc_offset_minutes: 0,
        }),
        retried: false,
        error: CallError::Unreachable("spotterd went away".into()),
    });
    assert_eq!(
        tab::<StatsTab>(&app).stats.errors,
        ["Could not load the activity: spotterd went away"]
    );
    assert!(main(&app).notice.is_none());
}

//! The app as unit tests drive it: a fixed clock, the app at each step of the way
//! in, keys and typing, and the calls and tab states the tests look for.

use spotter_proto::{
    locations::Mode,
    v1::{Role, User},
};

use super::{sample_status, sample_target};
use crate::{
    app::{Action, App, Command, Effect, Main, SetupState},
    dates::Zone,
    identity::Identity,
    tabs::Call,
};

/// The clock the tests run (and the snapshots are drawn) at.
pub const NOW: i64 = 1_750_000_000;

pub fn new_app(mode: Mode) -> App {
    App::new(sample_target(mode), true, NOW)
}

/// Connected to a personal daemon, in colour or not (`NO_COLOR`).
pub fn connected(colour: bool) -> App {
    let mut app = App::new(sample_target(Mode::Personal), colour, NOW);
    app.init();
    app.update(Action::StatusLoaded(sample_status()));
    app
}

pub fn connected_app() -> App {
    connected(true)
}

/// Ann, with `role`, whose access token lasts `expires_in` more seconds.
pub fn identity(role: Role, expires_in: i64) -> Identity {
    Identity {
        user: User {
            id: 7,
            username: "ann".into(),
            role: role as i32,
            has_local_password: true,
            ..User::default()
        },
        session_id: "s-7".into(),
        access_expires_at: NOW + expires_in,
    }
}

/// Connected, no setup needed, resumed from a stored token.
pub fn signed_in(role: Role) -> App {
    signed_in_in_colour(role, true)
}

/// The same, in colour or not.
pub fn signed_in_in_colour(role: Role, colour: bool) -> App {
    signed_in_zoned(role, colour, Zone::Utc)
}

/// The same, with local time in `zone`.
pub fn signed_in_zoned(role: Role, colour: bool, zone: Zone) -> App {
    let mut app = connected(colour);
    app.zone = zone;
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::SignedIn(identity(role, 900)));
    app
}

pub fn press(app: &mut App, command: Command) -> Vec<Effect> {
    app.update(Action::Command(command))
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Input(c));
    }
}

/// A tab's call, as the app asks for it (not a retry).
pub fn call(call: impl Into<Call>) -> Effect {
    Effect::Call {
        call: call.into(),
        retried: false,
    }
}

pub fn main(app: &App) -> &Main {
    app.main().expect("signed in")
}

/// The state of the tab of type `C`.
pub fn tab<C: 'static>(app: &App) -> &C {
    main(app).state::<C>().expect("a registered tab")
}

//! Setup, sign-in, resuming, the refresh policy and signing out.

use spotter_proto::v1::{Role, SignInMethod};

use super::*;
use crate::component::form::{FieldId, FieldValue};
use crate::tabs::{sessions, status};

fn form(app: &App) -> &crate::component::form::Form {
    match &app.auth {
        AuthState::Setup(form) | AuthState::SignIn(form) => form,
        other => panic!("no form: {other:?}"),
    }
}

#[test]
fn once_connected_it_asks_what_setup_needs_once() {
    let mut app = new_app(Mode::Personal);
    app.init();
    assert_eq!(
        app.update(Action::StatusLoaded(sample_status())),
        vec![Effect::GetSetupState]
    );
    assert!(matches!(app.auth, AuthState::Checking));
    assert_eq!(app.update(Action::StatusLoaded(sample_status())), vec![]);
}

#[test]
fn setup_needed_shows_the_setup_form_with_a_code_field() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState {
        setup_required: true,
        setup_code_required: true,
        navidrome_available: false,
    }));
    let form = form(&app);
    assert!(matches!(app.auth, AuthState::Setup(_)));
    assert!(form.field(FieldId::SetupCode).is_some());
    assert!(
        form.field(FieldId::Method).is_none(),
        "no Navidrome configured"
    );
    assert_eq!(app.key_scopes(), vec![Scope::Form, Scope::Always]);
}

#[test]
fn setup_checks_the_confirmation_and_code_before_submitting() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState {
        setup_required: true,
        setup_code_required: true,
        navidrome_available: true,
    }));
    type_text(&mut app, "owner");
    press(&mut app, Command::NextField);
    type_text(&mut app, "pw-one");
    press(&mut app, Command::NextField);
    type_text(&mut app, "pw-two");
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert_eq!(
        form(&app).error.as_deref(),
        Some("The passwords do not match.")
    );
    for _ in 0..3 {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "one");
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert_eq!(form(&app).focused().unwrap().id, FieldId::SetupCode);
    type_text(&mut app, "CODE-1");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![Effect::Setup {
            method: SignInMethod::Local,
            username: "owner".into(),
            password: "pw-one".to_owned().into(),
            setup_code: "CODE-1".to_owned().into(),
        }]
    );
    assert!(form(&app).busy);
    app.update(Action::SignedIn(identity(Role::Owner, 900)));
    assert!(app.main().is_some());
}

#[test]
fn stored_token_that_refreshes_goes_straight_to_the_main_screens() {
    let mut app = connected_app();
    assert_eq!(
        app.update(Action::SetupStateLoaded(SetupState::default())),
        vec![Effect::ResumeSession]
    );
    app.update(Action::SignedIn(identity(Role::User, 900)));
    let main = app.main().expect("signed in");
    assert_eq!(main.tab, status::TAB);
    assert_eq!(main.identity.user.username, "ann");
}

#[test]
fn without_a_stored_token_the_sign_in_form_opens() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::NoStoredSession);
    let form = form(&app);
    assert_eq!(form.error, None);
    assert_eq!(form.focused().unwrap().id, FieldId::Username);
}

#[test]
fn a_rejected_refresh_returns_to_sign_in_saying_why() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::SessionEnded("session revoked".into()));
    assert_eq!(
        form(&app).error.as_deref(),
        Some("Signed out: session revoked")
    );

    // And while signed in: the username is kept for the next attempt.
    let mut app = signed_in(Role::User);
    app.update(Action::SessionEnded("session revoked".into()));
    let form = form(&app);
    assert_eq!(form.error.as_deref(), Some("Signed out: session revoked"));
    assert_eq!(form.text(FieldId::Username), "ann");
    assert_eq!(form.focused().unwrap().id, FieldId::Password);
}

#[test]
fn sign_in_submits_with_enter_and_shows_the_daemons_error() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState {
        navidrome_available: true,
        ..SetupState::default()
    }));
    app.update(Action::NoStoredSession);
    // Letters that are keys elsewhere are typed here.
    type_text(&mut app, "qr?");
    assert!(!app.should_quit());
    for _ in 0..3 {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "ann");
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert_eq!(form(&app).error.as_deref(), Some("Enter your password."));
    type_text(&mut app, "wrong");
    // Shift-Tab twice reaches the method; switch to Navidrome.
    press(&mut app, Command::PrevField);
    press(&mut app, Command::PrevField);
    press(&mut app, Command::SwitchMethod);
    let effects = press(&mut app, Command::Submit);
    assert_eq!(
        effects,
        vec![Effect::SignIn {
            method: SignInMethod::Navidrome,
            username: "ann".into(),
            password: "wrong".to_owned().into(),
        }]
    );
    // While it is out, the form takes no keys but Ctrl-C.
    assert_eq!(app.key_scopes(), vec![Scope::Always]);
    app.update(Action::SignInRejected(
        "too many failed attempts: try again in 15 minutes".into(),
    ));
    let form = form(&app);
    assert!(!form.busy);
    assert_eq!(
        form.error.as_deref(),
        Some("too many failed attempts: try again in 15 minutes")
    );
    assert_eq!(
        form.field(FieldId::Password).unwrap().value,
        FieldValue::Masked(Default::default()),
        "the spent password is cleared"
    );
}

#[test]
fn navidrome_is_only_offered_when_the_daemon_has_it() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::NoStoredSession);
    assert!(form(&app).field(FieldId::Method).is_none());
}

#[test]
fn an_unauthenticated_call_refreshes_once_then_retries() {
    let mut app = signed_in(Role::User);
    assert_eq!(
        press(&mut app, Command::ShowTab(sessions::TAB)),
        vec![Effect::Call {
            call: Call::Sessions(sessions::Call::ListSessions),
            retried: false
        }]
    );
    let refused = |call: Call, retried| Action::CallFailed {
        call,
        retried,
        error: CallError::Unauthenticated("access token expired".into()),
    };
    assert_eq!(
        app.update(refused(Call::Sessions(sessions::Call::ListSessions), false)),
        vec![Effect::RefreshTokens]
    );
    // A second refusal while the refresh runs waits for the same refresh.
    assert_eq!(
        app.update(refused(
            Call::Sessions(sessions::Call::RevokeOtherSessions),
            false
        )),
        vec![]
    );
    assert_eq!(
        app.update(Action::TokensRefreshed(identity(Role::User, 900))),
        vec![
            Effect::Call {
                call: Call::Sessions(sessions::Call::ListSessions),
                retried: true
            },
            Effect::Call {
                call: Call::Sessions(sessions::Call::RevokeOtherSessions),
                retried: true
            },
        ]
    );
    app.update(Action::CallDone(Reply::Sessions(
        sessions::Reply::Sessions(vec![]),
    )));
    assert!(
        app.main()
            .unwrap()
            .state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .loaded
    );

    // Refused again after a good refresh: the session is over.
    assert_eq!(
        app.update(refused(
            Call::Sessions(sessions::Call::RevokeOtherSessions),
            true
        )),
        vec![Effect::SignOut, Effect::StopEvents]
    );
    assert_eq!(
        form(&app).error.as_deref(),
        Some("Signed out: access token expired")
    );
}

#[test]
fn tokens_are_refreshed_shortly_before_they_expire() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::SignedIn(identity(Role::User, 300)));
    let at = |app: &mut App, now| {
        app.update(Action::StatusLoaded(sample_status()));
        app.update(Action::Tick { now })
    };
    assert!(!at(&mut app, NOW + 100).contains(&Effect::RefreshTokens));
    assert!(
        at(&mut app, NOW + 300 - auth::REFRESH_MARGIN_SECONDS).contains(&Effect::RefreshTokens)
    );
    assert!(
        !at(&mut app, NOW + 250).contains(&Effect::RefreshTokens),
        "one refresh at a time"
    );
    app.update(Action::TokensRefreshed(identity(Role::User, 900)));
    assert!(!at(&mut app, NOW + 300).contains(&Effect::RefreshTokens));
}

#[test]
fn a_refresh_that_cannot_reach_the_daemon_fails_the_waiting_calls_and_retries_later() {
    let mut app = signed_in(Role::User);
    press(&mut app, Command::ShowTab(sessions::TAB));
    app.update(Action::CallFailed {
        call: Call::Sessions(sessions::Call::ListSessions),
        retried: false,
        error: CallError::Unauthenticated(String::new()),
    });
    app.update(Action::AuthUnavailable(Problem::new(
        "no daemon socket at /x",
        "start it",
    )));
    let main = app.main().expect("still signed in");
    assert!(
        !main
            .state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .loading
    );
    assert!(
        main.notice
            .as_ref()
            .unwrap()
            .text
            .contains("no daemon socket")
    );
    // The next refusal starts a new refresh.
    assert_eq!(
        app.update(Action::CallFailed {
            call: Call::Sessions(sessions::Call::ListSessions),
            retried: false,
            error: CallError::Unauthenticated(String::new()),
        }),
        vec![Effect::RefreshTokens]
    );
}

#[test]
fn sign_out_forgets_the_session_and_shows_sign_in() {
    let mut app = signed_in(Role::Admin);
    assert_eq!(
        press(&mut app, Command::SignOut),
        vec![Effect::SignOut, Effect::StopEvents]
    );
    let form = form(&app);
    assert_eq!(form.info.as_deref(), Some("Signed out."));
    assert_eq!(form.text(FieldId::Username), "ann");
    app.update(Action::SignedOut {
        warning: Some("spotterd was not told".into()),
    });
    assert_eq!(form_error(&app), Some("spotterd was not told"));
}

fn form_error(app: &App) -> Option<&str> {
    form(app).error.as_deref()
}

#[test]
fn a_daemon_without_accounts_keeps_the_status_screen_and_asks_again_later() {
    let mut app = connected_app();
    app.update(Action::AuthUnavailable(Problem::new(
        "spotterd answered Unimplemented",
        "upgrade",
    )));
    assert!(matches!(app.auth, AuthState::Unavailable { .. }));
    assert_eq!(app.key_scopes(), vec![Scope::Screen, Scope::Always]);
    assert_eq!(app.update(Action::StatusLoaded(sample_status())), vec![]);
    app.update(Action::Tick {
        now: NOW + auth::AUTH_RETRY_SECONDS,
    });
    assert_eq!(
        app.update(Action::StatusLoaded(sample_status())),
        vec![Effect::GetSetupState]
    );
}

#[test]
fn secrets_typed_into_forms_never_reach_debug_output() {
    let mut app = connected_app();
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::NoStoredSession);
    type_text(&mut app, "ann");
    press(&mut app, Command::NextField);
    type_text(&mut app, "correct-horse");
    let effects = press(&mut app, Command::Submit);
    let text = format!("{app:?} {effects:?}");
    assert!(!text.contains("correct-horse"), "{text}");
}

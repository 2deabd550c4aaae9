//! The effect runner against stand-in daemons on temp Unix sockets: recovery
//! after a restart, and the session life cycle with real gRPC (sign-in, resume,
//! refresh rotation, silent refresh on UNAUTHENTICATED, revocation, sign-out),
//! driven through the real `App` as the TUI drives it.

use std::{path::Path, time::Duration};

use spotter_proto::v1::Role;
use tokio::sync::mpsc;

use super::*;
use crate::{
    app::{App, AuthState, Command},
    component::form::FieldId,
    secret::Secret,
    session_file::StoredSession,
    tabs::sessions,
    test_support::{FAKE_NOW, FakeAccounts, FakeDaemon, sample_response, sample_status},
};

fn target(socket: &Path) -> SocketTarget {
    // System mode: never start a real daemon from a unit test.
    crate::test_support::target_at(socket)
}

#[tokio::test]
async fn recovers_when_the_daemon_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let (effects, mut actions) = spawn(target(&socket), SessionFile::in_dir(dir.path(), &socket));
    let fetch = Effect::FetchStatus {
        may_start_daemon: false,
    };

    let daemon = FakeDaemon::start(&socket, sample_response());
    effects.send(fetch.clone()).unwrap();
    assert_eq!(
        actions.recv().await,
        Some(Action::StatusLoaded(sample_status()))
    );

    drop(daemon);
    effects.send(fetch.clone()).unwrap();
    match actions.recv().await {
        Some(Action::StatusFailed {
            problem,
            daemon_absent,
        }) => {
            assert!(problem.reason.contains("stale socket"), "{problem:?}");
            assert!(daemon_absent);
        }
        other => panic!("expected a failure, got {other:?}"),
    }

    std::fs::remove_file(&socket).unwrap();
    let mut restarted = sample_response();
    restarted.pid = 7;
    let _daemon = FakeDaemon::start(&socket, restarted.clone());
    effects.send(fetch).unwrap();
    assert_eq!(
        actions.recv().await,
        Some(Action::StatusLoaded(restarted.into()))
    );
}

/// The TUI without a terminal: the real app and the real runner, actions fed
/// back into `update` until the app reaches the state a test waits for.
struct Harness {
    app: App,
    effects: mpsc::UnboundedSender<Effect>,
    actions: mpsc::UnboundedReceiver<Action>,
    pending: Vec<Effect>,
    file: SessionFile,
    _dir: tempfile::TempDir,
    _daemon: FakeDaemon,
}

impl Harness {
    /// A stand-in daemon with `accounts`; `stored` is put in the session file first.
    fn start(accounts: &FakeAccounts, stored: Option<&str>) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("d.sock");
        let daemon = FakeDaemon::start_with(&socket, sample_response(), Some(accounts.clone()));
        let file = SessionFile::in_dir(&dir.path().join("state"), &socket);
        if let Some(token) = stored {
            file.save(&StoredSession {
                refresh_token: Secret::new(token),
                username: "ann".into(),
                session_id: "?".into(),
            })
            .unwrap();
        }
        let (effects, actions) = spawn(target(&socket), file.clone());
        let mut app = App::new(target(&socket), false, FAKE_NOW);
        let pending = app.init();
        Harness {
            app,
            effects,
            actions,
            pending,
            file,
            _dir: dir,
            _daemon: daemon,
        }
    }

    fn act(&mut self, action: Action) {
        let effects = self.app.update(action);
        self.pending.extend(effects);
    }

    fn press(&mut self, command: Command) {
        self.act(Action::Command(command));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.act(Action::Input(c));
        }
    }

    async fn run_until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        loop {
            for effect in self.pending.drain(..) {
                self.effects.send(effect).unwrap();
            }
            if done(&self.app) {
                return;
            }
            let action = tokio::time::timeout(Duration::from_secs(5), self.actions.recv())
                .await
                .unwrap_or_else(|_| panic!("never reached: {what}; app: {:?}", self.app.auth))
                .expect("the runner stopped");
            let effects = self.app.update(action);
            self.pending.extend(effects);
        }
    }

    /// Lets every outstanding effect finish.
    async fn settle(&mut self) {
        loop {
            for effect in self.pending.drain(..) {
                self.effects.send(effect).unwrap();
            }
            match tokio::time::timeout(Duration::from_millis(300), self.actions.recv()).await {
                Ok(Some(action)) => {
                    let effects = self.app.update(action);
                    self.pending.extend(effects);
                }
                _ => return,
            }
        }
    }

    fn stored_token(&self) -> Option<String> {
        self.file
            .load()
            .unwrap()
            .map(|s| s.refresh_token.expose().to_owned())
    }
}

fn signed_in(app: &App) -> bool {
    app.main().is_some()
}

fn sessions_loaded(app: &App) -> bool {
    app.main().is_some_and(|m| {
        m.state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .loaded
            && !m
                .state::<crate::tabs::sessions::SessionsTab>()
                .unwrap()
                .rows
                .loading
    })
}

#[tokio::test]
async fn sign_in_then_a_silent_refresh_when_the_access_token_is_refused() {
    let accounts = FakeAccounts::with_user("ann", "pw", Role::User);
    let mut h = Harness::start(&accounts, None);
    h.run_until("the sign-in form", |app| {
        matches!(app.auth, AuthState::SignIn(_))
    })
    .await;
    h.type_text("ann");
    h.press(Command::NextField);
    h.type_text("pw");
    h.press(Command::Submit);
    h.run_until("signed in", signed_in).await;
    let first = h.stored_token().expect("sign-in stores the refresh token");
    assert_eq!(Some(first.clone()), accounts.live_refresh_token());

    // The access token dies (as after 15 minutes); the next call is refused,
    // refreshed once, and retried.
    accounts.expire_access_tokens();
    h.press(Command::ShowTab(sessions::TAB));
    h.run_until("sessions listed", sessions_loaded).await;
    assert_eq!(accounts.calls("Refresh"), 1);
    assert_eq!(accounts.calls("ListSessions"), 2, "refused, then retried");
    let main = h.app.main().unwrap();
    assert_eq!(
        main.state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .items
            .len(),
        1
    );
    assert!(
        main.state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .items[0]
            .current
    );
    assert!(main.notice.is_none(), "{:?}", main.notice);

    // Rotation: the file holds the new refresh token, and only that one works.
    let second = h.stored_token().unwrap();
    assert_ne!(second, first);
    assert_eq!(Some(second), accounts.live_refresh_token());
}

#[tokio::test]
async fn a_stored_session_is_resumed_and_its_token_rotated() {
    let accounts = FakeAccounts::with_user("ann", "pw", Role::Admin);
    let stored = accounts.seed_session("spotter on nas");
    let mut h = Harness::start(&accounts, Some(&stored));
    h.run_until("signed in", signed_in).await;
    let main = h.app.main().unwrap();
    assert_eq!(main.identity.user.username, "ann");
    assert!(main.identity.is_admin());
    let now_stored = h.stored_token().unwrap();
    assert_ne!(now_stored, stored, "the refresh token rotated");
    assert_eq!(Some(now_stored), accounts.live_refresh_token());
}

#[tokio::test]
async fn a_revoked_session_returns_to_sign_in_and_its_token_is_deleted() {
    let accounts = FakeAccounts::with_user("ann", "pw", Role::User);
    let stored = accounts.seed_session("spotter on nas");
    accounts.revoke_everything();
    let mut h = Harness::start(&accounts, Some(&stored));
    h.run_until("the sign-in form", |app| {
        matches!(app.auth, AuthState::SignIn(_))
    })
    .await;
    match &h.app.auth {
        AuthState::SignIn(form) => {
            assert_eq!(form.error.as_deref(), Some("Signed out: session revoked"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.stored_token(), None);
}

#[tokio::test]
async fn revoking_another_session_and_signing_out() {
    let accounts = FakeAccounts::with_user("ann", "pw", Role::User);
    accounts.seed_session("spotter on laptop");
    let stored = accounts.seed_session("spotter on nas");
    let mut h = Harness::start(&accounts, Some(&stored));
    h.run_until("signed in", signed_in).await;
    h.press(Command::ShowTab(sessions::TAB));
    h.run_until("sessions listed", sessions_loaded).await;
    let main = h.app.main().unwrap();
    assert_eq!(
        main.state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .items
            .len(),
        2
    );
    assert!(
        !main
            .state::<crate::tabs::sessions::SessionsTab>()
            .unwrap()
            .rows
            .items[0]
            .current,
        "the laptop is listed first"
    );
    h.press(Command::Tab(sessions::REVOKE));
    h.press(Command::Yes);
    h.run_until("the list refreshed", |app| {
        app.main().is_some_and(|m| {
            m.state::<crate::tabs::sessions::SessionsTab>()
                .unwrap()
                .rows
                .items
                .len()
                == 1
                && !m
                    .state::<crate::tabs::sessions::SessionsTab>()
                    .unwrap()
                    .rows
                    .loading
        })
    })
    .await;
    assert_eq!(accounts.live_sessions(), 1);

    h.press(Command::SignOut);
    h.settle().await;
    assert_eq!(accounts.calls("SignOut"), 1);
    assert_eq!(accounts.live_sessions(), 0);
    assert_eq!(h.stored_token(), None);
    match &h.app.auth {
        AuthState::SignIn(form) => {
            assert_eq!(form.error, None);
            assert_eq!(form.text(FieldId::Username), "ann");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn two_clients_sharing_the_file_never_present_a_spent_token() {
    let accounts = FakeAccounts::with_user("ann", "pw", Role::User);
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let _daemon = FakeDaemon::start_with(&socket, sample_response(), Some(accounts.clone()));
    let file = SessionFile::in_dir(dir.path(), &socket);
    let (client, _) = crate::client::connect_and_handshake(&target(&socket), Default::default())
        .await
        .unwrap();
    let mut first = Authenticator::new(file.clone());
    let mut second = Authenticator::new(file.clone());
    first
        .sign_in(
            &client,
            spotter_proto::v1::SignInMethod::Local,
            "ann",
            &Secret::new("pw"),
        )
        .await
        .unwrap();
    // Each refresh reads the token the other one stored: no replay, no revocation.
    for _ in 0..3 {
        first.refresh(&client).await.unwrap();
        second.refresh(&client).await.unwrap();
    }
    assert_eq!(accounts.live_sessions(), 1);
    assert_eq!(
        file.load()
            .unwrap()
            .map(|s| s.refresh_token.expose().to_owned()),
        accounts.live_refresh_token()
    );
}

#[tokio::test]
async fn wrong_password_is_shown_in_the_form() {
    let accounts = FakeAccounts::with_user("ann", "pw", Role::User);
    let mut h = Harness::start(&accounts, None);
    h.run_until("the sign-in form", |app| {
        matches!(app.auth, AuthState::SignIn(_))
    })
    .await;
    h.type_text("ann");
    h.press(Command::NextField);
    h.type_text("nope");
    h.press(Command::Submit);
    h.run_until(
        "the error",
        |app| matches!(&app.auth, AuthState::SignIn(form) if form.error.is_some()),
    )
    .await;
    match &h.app.auth {
        AuthState::SignIn(form) => {
            assert_eq!(form.error.as_deref(), Some("wrong username or password"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.stored_token(), None);
}

#[tokio::test]
async fn first_run_setup_with_a_code() {
    let accounts = FakeAccounts::needing_setup(true);
    let mut h = Harness::start(&accounts, None);
    h.run_until("the setup form", |app| {
        matches!(app.auth, AuthState::Setup(_))
    })
    .await;
    h.type_text("owner");
    h.press(Command::NextField);
    h.type_text("a good password");
    h.press(Command::NextField);
    h.type_text("a good password");
    h.press(Command::NextField);
    h.type_text("CODE-1234");
    h.press(Command::Submit);
    h.run_until("signed in", signed_in).await;
    assert_eq!(h.app.main().unwrap().identity.role(), Role::Owner);
    assert!(h.stored_token().is_some());
}

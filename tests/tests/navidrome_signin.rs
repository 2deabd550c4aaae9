//! Navidrome passthrough sign-in against a real Subsonic server (Supysonic, which only
//! accepts password auth: every success here went through the token-auth fallback).

use spotter_daemon::{boot, config::Settings, crypto::KeyInputs, store::Provider};
use spotter_e2e::{Api, TestDirs, supysonic::Supysonic};
use spotter_proto::v1::{self, Role, SignInMethod};
use tonic::Code;

fn navidrome_sign_in(username: &str, password: &str) -> v1::SignInRequest {
    v1::SignInRequest {
        method: SignInMethod::Navidrome as i32,
        username: username.into(),
        password: password.into(),
        device_label: "e2e navidrome".into(),
    }
}

#[tokio::test]
async fn navidrome_users_sign_in_with_their_navidrome_password() {
    let server = tokio::task::spawn_blocking(Supysonic::start).await.unwrap();
    let [alice, bob] = server.users();
    let dirs = TestDirs::new();
    let mut settings = Settings::default();
    settings.navidrome.base_url = Some(server.base_url());
    let running = boot(dirs.config_with(settings, KeyInputs::default()))
        .await
        .unwrap();
    let api = Api::connect(running.socket_path()).await;
    let state = api.setup_state().await;
    assert!(state.navidrome_available);

    // First-run setup through Navidrome: alice becomes the owner.
    let wrong_setup = api
        .auth()
        .setup(v1::SetupRequest {
            method: SignInMethod::Navidrome as i32,
            username: alice.name.into(),
            password: "not-alices-password".into(),
            setup_code: String::new(),
            device_label: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong_setup.code(), Code::Unauthenticated);
    let owner = api
        .auth()
        .setup(v1::SetupRequest {
            method: SignInMethod::Navidrome as i32,
            username: alice.name.into(),
            password: alice.password.into(),
            setup_code: String::new(),
            device_label: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let alice_user = owner.user.clone().unwrap();
    assert_eq!(alice_user.role(), Role::Owner);
    assert!(alice_user.navidrome_linked && !alice_user.has_local_password);

    // bob: first Navidrome sign-in creates a linked user account.
    let bob_session = api
        .auth()
        .sign_in(navidrome_sign_in(bob.name, bob.password))
        .await
        .unwrap()
        .into_inner();
    let bob_user = bob_session.user.clone().unwrap();
    assert_eq!(bob_user.role(), Role::User);
    assert!(bob_user.navidrome_linked);
    // The Navidrome password is stored, sealed, for background jobs.
    let ring = running.state().keyring.read().await.clone();
    let stored = running
        .state()
        .store
        .credential(&ring, bob_user.id, Provider::Navidrome)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.expose(), bob.password);

    // Wrong password and unknown user: the same refusal.
    let wrong = api
        .auth()
        .sign_in(navidrome_sign_in(bob.name, "nope-nope-nope"))
        .await
        .unwrap_err();
    let unknown = api
        .auth()
        .sign_in(navidrome_sign_in("carol", "nope-nope-nope"))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    assert_eq!(
        (wrong.code(), wrong.message()),
        (unknown.code(), unknown.message())
    );

    // Navidrome goes down: sign-in says so clearly; existing sessions keep working.
    drop(server);
    let down = api
        .auth()
        .sign_in(navidrome_sign_in(bob.name, bob.password))
        .await
        .unwrap_err();
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");
    assert!(
        down.message().contains("Navidrome is unreachable"),
        "{down:?}"
    );
    let me = api
        .auth_as(&bob_session.access_token)
        .who_am_i(v1::WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.user.unwrap().username, bob.name);
    let refreshed = api
        .auth()
        .refresh(v1::RefreshRequest {
            refresh_token: bob_session.refresh_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!refreshed.access_token.is_empty());
    // Being down is not a failed password: no lockout was counted.
    let n: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(failures), 0) FROM login_lockouts WHERE failures > 0",
    )
    .fetch_one(running.state().store.pool())
    .await
    .unwrap();
    assert_eq!(n, 2, "only the two wrong-credential attempts count");
    running.shutdown().await;
}

#[tokio::test]
async fn navidrome_sign_in_without_a_configured_server_is_a_clear_precondition() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let api = Api::connect(running.socket_path()).await;
    api.setup_owner("olga", "olive-garnet-lake").await;
    let e = api
        .auth()
        .sign_in(navidrome_sign_in("olga", "x-x-x-x-x-x"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("navidrome.base_url"), "{e:?}");
    running.shutdown().await;
}

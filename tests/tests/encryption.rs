//! Encryption at rest (SECURITY.md T1, T1b) against the real database file.

use spotter_daemon::{
    boot,
    config::Settings,
    crypto::{Key, KeyInputs, Keyring, OpenError, SEALED_COLUMNS, write_key_file},
    domains::{
        admin::rotation::{RotationError, rotate_encryption_key},
        identity::users::Role,
    },
    store::{Provider, Store, StoreError},
};
use spotter_e2e::TestDirs;

const NAVIDROME_PASSWORD: &str = "navidrome-password-Zq8!";
const SPOTIFY_TOKENS: &str =
    r#"{"access":"BQD-spotify-access-7f3e","refresh":"AQC-spotify-refresh-91ab"}"#;
const LLM_KEY: &str = "sk-llm-key-4c2d9e";

/// Fills every registered sealed column with known secrets; returns the store.
async fn seed(store: &Store, ring: &Keyring) {
    let alice = store.create_user("alice", Role::Owner).await.unwrap();
    let bob = store.create_user("bob", Role::User).await.unwrap();
    let pw = spotter_daemon::crypto::SecretString::new(NAVIDROME_PASSWORD);
    store
        .put_credential(ring, alice.id, Provider::Navidrome, &pw)
        .await
        .unwrap();
    store
        .put_credential(ring, bob.id, Provider::Navidrome, &pw)
        .await
        .unwrap();
    let sp = spotter_daemon::crypto::SecretString::new(SPOTIFY_TOKENS);
    store
        .put_credential(ring, alice.id, Provider::Spotify, &sp)
        .await
        .unwrap();
    let llm = spotter_daemon::crypto::SecretString::new(LLM_KEY);
    store
        .put_instance_secret(ring, "llm_api_key", &llm)
        .await
        .unwrap();
}

/// The credential of `user_id` for `provider` is refused by the associated data.
async fn assert_does_not_open(store: &Store, ring: &Keyring, user_id: i64, provider: Provider) {
    let err = store.credential(ring, user_id, provider).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Open(OpenError::Authentication)),
        "user {user_id}'s {provider:?} credential: {err:?}"
    );
}

/// The credential of `user_id` for `provider`, opened with `ring`.
async fn opened(store: &Store, ring: &Keyring, user_id: i64, provider: Provider) -> String {
    let secret = store.credential(ring, user_id, provider).await.unwrap();
    secret.expect("credential stored").expose().to_string()
}

fn read_all_db_bytes(dirs: &TestDirs) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", dirs.database().display());
        if let Ok(b) = std::fs::read(p) {
            bytes.extend(b);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn database_bytes_hold_no_plaintext_secret() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    seed(&state.store, &ring).await;
    // Read back through the store: the secrets are there, sealed.
    let alice = state.store.user(1).await.unwrap().unwrap();
    let pw = state
        .store
        .credential(&ring, alice.id, Provider::Navidrome)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pw.expose(), NAVIDROME_PASSWORD);
    running.shutdown().await;

    let bytes = read_all_db_bytes(&dirs);
    assert!(
        contains(&bytes, "spotter:v2:"),
        "sealed envelopes are in the file"
    );
    for secret in [
        NAVIDROME_PASSWORD,
        "BQD-spotify-access-7f3e",
        "AQC-spotify-refresh-91ab",
        LLM_KEY,
    ] {
        assert!(
            !contains(&bytes, secret),
            "plaintext {secret:?} found in the database file"
        );
    }
    let key_hex = std::fs::read_to_string(dirs.generated_key()).unwrap();
    assert!(
        !contains(&bytes, key_hex.trim()),
        "the key itself is in the database file"
    );
}

#[tokio::test]
async fn ciphertext_moved_to_another_row_or_column_does_not_open() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    seed(&state.store, &ring).await;
    let pool = state.store.writer();
    // alice's Navidrome password copied over bob's (same table and column, other row).
    sqlx::query(
        "UPDATE provider_credentials SET secret = (SELECT secret FROM provider_credentials WHERE user_id = 1 AND provider = 'navidrome') \
         WHERE user_id = 2 AND provider = 'navidrome'",
    )
    .execute(pool)
    .await
    .unwrap();
    assert_does_not_open(&state.store, &ring, 2, Provider::Navidrome).await;
    // A provider credential copied into the instance secrets (other table and column).
    sqlx::query("UPDATE instance_secrets SET value = (SELECT secret FROM provider_credentials WHERE id = 1)")
        .execute(pool)
        .await
        .unwrap();
    let err = state
        .store
        .instance_secret(&ring, "llm_api_key")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Open(OpenError::Authentication)),
        "{err:?}"
    );
    // The untouched row still opens.
    assert_eq!(
        opened(&state.store, &ring, 1, Provider::Navidrome).await,
        NAVIDROME_PASSWORD
    );
    running.shutdown().await;
}

/// Issue 10, finding 9: the associated data binds the owner. A credential sealed
/// for one user, put back into the same row id after that row went to another user
/// (ids can be reused: a restored backup, an old copy of the file), does not open as
/// theirs; and a credential moved to another provider's row of the same user neither.
#[tokio::test]
async fn a_ciphertext_in_a_reused_row_of_another_owner_does_not_open() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    seed(&state.store, &ring).await;
    let pool = state.store.writer();
    // alice's Spotify tokens, row and all, kept aside (say, in an old backup).
    let (row, stolen): (i64, String) = sqlx::query_as(
        "SELECT id, secret FROM provider_credentials WHERE user_id = 1 AND provider = 'spotify'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    // That row id later holds bob's Spotify credential; the old ciphertext goes in.
    sqlx::query("DELETE FROM provider_credentials WHERE id = ?")
        .bind(row)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO provider_credentials (id, user_id, provider, secret, created_at, updated_at) \
         VALUES (?, 2, 'spotify', ?, 0, 0)",
    )
    .bind(row)
    .bind(&stolen)
    .execute(pool)
    .await
    .unwrap();
    // Another user's tokens do not open as bob's.
    assert_does_not_open(&state.store, &ring, 2, Provider::Spotify).await;
    // Same row, same user, another provider.
    sqlx::query("UPDATE provider_credentials SET user_id = 1, provider = 'lastfm' WHERE id = ?")
        .bind(row)
        .execute(pool)
        .await
        .unwrap();
    assert_does_not_open(&state.store, &ring, 1, Provider::LastFm).await;
    running.shutdown().await;
}

#[tokio::test]
async fn wrong_key_fails_cleanly() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    seed(&state.store, &ring).await;
    running.shutdown().await;

    // Restart with a different key: the daemon starts (and warns), values do not open.
    let other = dirs.path("other.key");
    write_key_file(&other, &Key::generate()).unwrap();
    let inputs = KeyInputs {
        key_file: Some(other),
        ..Default::default()
    };
    let mut settings = Settings::default();
    settings.security.encryption_key_file = inputs.key_file.clone();
    let running = boot(dirs.config_with(settings, inputs)).await.unwrap();
    let state = running.state().clone();
    let wrong = state.keyring.read().await.clone();
    let err = state
        .store
        .credential(&wrong, 1, Provider::Navidrome)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Open(OpenError::UnknownKey(_))),
        "{err:?}"
    );
    running.shutdown().await;
}

#[tokio::test]
async fn every_sealed_value_lives_in_a_registered_column() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    seed(&state.store, &ring).await;
    // Every registered column really holds values after seeding (else this test
    // proves nothing about it).
    for column in SEALED_COLUMNS {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE {} LIKE 'spotter:v2:%'",
            column.table, column.column
        );
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(state.store.writer())
            .await
            .unwrap();
        assert!(
            n > 0,
            "{}.{} was not exercised",
            column.table,
            column.column
        );
    }
    assert_eq!(
        state.store.unregistered_sealed_columns().await.unwrap(),
        vec![]
    );

    // The audit does find a sealed value outside the registry.
    let stray = ring
        .seal(
            spotter_daemon::crypto::Sealed {
                table: "instance_settings",
                column: "value",
                row_id: "x",
                owner: Default::default(),
            },
            "s",
        )
        .unwrap();
    sqlx::query("INSERT INTO instance_settings (name, value, updated_at) VALUES ('x', ?, 0)")
        .bind(stray)
        .execute(state.store.writer())
        .await
        .unwrap();
    let found = state.store.unregistered_sealed_columns().await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].table.as_str(),
            found[0].column.as_str(),
            found[0].count
        ),
        ("instance_settings", "value", 1)
    );
    running.shutdown().await;
}

#[tokio::test]
async fn rotation_reseals_everything_and_survives_a_restart_with_the_new_key() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let old_ring = state.keyring.read().await.clone();
    seed(&state.store, &old_ring).await;
    running.shutdown().await;

    let store = Store::open(&dirs.database()).await.unwrap();
    let new_key = Key::generate();
    let report = rotate_encryption_key(&store, &old_ring, &new_key)
        .await
        .unwrap();
    assert_eq!(report.total(), 4);
    assert_eq!(report.new_key_id, new_key.id());
    store.close().await;

    let new_file = dirs.path("new.key");
    write_key_file(&new_file, &new_key).unwrap();
    let inputs = KeyInputs {
        key_file: Some(new_file.clone()),
        ..Default::default()
    };
    let mut settings = Settings::default();
    settings.security.encryption_key_file = Some(new_file);
    let running = boot(dirs.config_with(settings, inputs)).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    assert_eq!(ring.primary_id(), new_key.id());
    assert_eq!(
        opened(&state.store, &ring, 1, Provider::Navidrome).await,
        NAVIDROME_PASSWORD
    );
    assert_eq!(
        opened(&state.store, &ring, 2, Provider::Navidrome).await,
        NAVIDROME_PASSWORD
    );
    assert_eq!(
        opened(&state.store, &ring, 1, Provider::Spotify).await,
        SPOTIFY_TOKENS
    );
    assert_eq!(
        state
            .store
            .instance_secret(&ring, "llm_api_key")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        LLM_KEY
    );
    // The old key no longer opens anything.
    assert!(
        state
            .store
            .credential(&old_ring, 1, Provider::Navidrome)
            .await
            .is_err()
    );
    running.shutdown().await;
}

#[tokio::test]
async fn a_failure_part_way_leaves_the_old_key_state_intact() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let ring = state.keyring.read().await.clone();
    seed(&state.store, &ring).await;
    // The last registered column gets a value the current key cannot open, so the
    // rotation fails after re-sealing every provider credential.
    assert_eq!(SEALED_COLUMNS.last().unwrap().table, "instance_secrets");
    let foreign = Keyring::new(Key::generate());
    let bad = foreign
        .seal(
            spotter_daemon::crypto::Sealed {
                table: "instance_secrets",
                column: "value",
                row_id: "zz_last",
                owner: Default::default(),
            },
            "x",
        )
        .unwrap();
    sqlx::query("INSERT INTO instance_secrets (name, value, updated_at) VALUES ('zz_last', ?, 0)")
        .bind(bad)
        .execute(state.store.writer())
        .await
        .unwrap();
    let before: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, secret FROM provider_credentials ORDER BY id")
            .fetch_all(state.store.writer())
            .await
            .unwrap();

    let err = rotate_encryption_key(&state.store, &ring, &Key::generate())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RotationError::Unopenable {
                table: "instance_secrets",
                ..
            }
        ),
        "{err}"
    );

    let after: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, secret FROM provider_credentials ORDER BY id")
            .fetch_all(state.store.writer())
            .await
            .unwrap();
    assert_eq!(
        before, after,
        "provider credentials changed although the rotation failed"
    );
    assert_eq!(
        opened(&state.store, &ring, 1, Provider::Navidrome).await,
        NAVIDROME_PASSWORD
    );
    running.shutdown().await;
}

#[tokio::test]
async fn rotating_to_the_same_key_is_refused() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let state = running.state().clone();
    let key = spotter_daemon::crypto::read_key_file(&dirs.generated_key()).unwrap();
    let ring = state.keyring.read().await.clone();
    let err = rotate_encryption_key(&state.store, &ring, &key)
        .await
        .unwrap_err();
    assert!(matches!(err, RotationError::SameKey(_)), "{err}");
    running.shutdown().await;
}

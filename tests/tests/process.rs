//! The real `spotterd` binary as systemd or a user would run it: signals, readiness
//! notification, socket activation, key validation, offline admin commands, logs.

use std::{
    io::Read,
    os::unix::net::UnixDatagram,
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use nix::sys::signal::Signal;
use spotter_daemon::{
    crypto::{Key, Keyring, SecretString, read_key_file, write_key_file},
    domains::identity::users::Role,
    store::{Provider, Store},
};
use spotter_e2e::{KillOnDrop, TestDirs, bin, get_status, signal, wait_exit, wait_ready};
use spotter_proto::v1::GetStatusRequest;

const EXIT_WAIT: Duration = Duration::from_secs(20);

fn spawn_daemon(dirs: &TestDirs, envs: &[(&str, &str)]) -> KillOnDrop {
    let mut cmd = dirs.command(&bin("spotterd"));
    cmd.envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    KillOnDrop(cmd.spawn().expect("spawn spotterd"))
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut s).unwrap();
    }
    s
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully_and_removes_the_socket() {
    let dirs = TestDirs::new();
    let mut child = spawn_daemon(&dirs, &[]);
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    signal(&child, Signal::SIGTERM);
    let status = wait_exit(&mut child, EXIT_WAIT).await;
    assert!(status.success(), "exit status {status}");
    assert!(!dirs.socket().exists(), "socket left behind");
}

#[tokio::test]
async fn readiness_and_stopping_are_sent_to_notify_socket() {
    let dirs = TestDirs::new();
    let notify_path = dirs.path("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut child = spawn_daemon(&dirs, &[("NOTIFY_SOCKET", notify_path.to_str().unwrap())]);

    let mut buf = [0u8; 4096];
    let n = notify.recv(&mut buf).expect("READY notification");
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(msg.lines().any(|l| l == "READY=1"), "{msg}");
    assert!(
        msg.lines().any(|l| l.starts_with("STATUS=serving on")),
        "{msg}"
    );
    // READY is only sent once the socket answers.
    get_status(&dirs.socket()).await.unwrap();

    signal(&child, Signal::SIGTERM);
    let n = notify.recv(&mut buf).expect("STOPPING notification");
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(msg.lines().any(|l| l == "STOPPING=1"), "{msg}");
    assert!(wait_exit(&mut child, EXIT_WAIT).await.success());
}

#[tokio::test]
async fn socket_activation_serves_on_the_inherited_socket() {
    let dirs = TestDirs::new();
    let socket = dirs.path("activated.sock");
    let activate = which("systemd-socket-activate");
    let mut cmd = dirs.command(&activate);
    cmd.arg("-l")
        .arg(&socket)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // systemd-socket-activate passes only variables named with -E.
    for var in [
        "XDG_RUNTIME_DIR",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "HOME",
    ] {
        cmd.arg(format!("-E{var}"));
    }
    cmd.arg(bin("spotterd"));
    let mut child = cmd.spawn().unwrap();
    // The first connection makes systemd-socket-activate exec spotterd with LISTEN_FDS.
    let status = wait_ready(&socket, Some(&mut child)).await.unwrap();
    assert_eq!(status.pid, child.id(), "served by the exec'd daemon");
    // The daemon did not bind its default path: it used the inherited socket.
    assert!(!dirs.socket().exists());
    signal(&child, Signal::SIGTERM);
    assert!(wait_exit(&mut child, EXIT_WAIT).await.success());
    // systemd owns an activated socket's path: the daemon leaves it alone.
    assert!(socket.exists());
}

fn which(program: &str) -> std::path::PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(program))
                .find(|p| p.exists())
        })
        .unwrap_or_else(|| panic!("{program} not found: install systemd (scripts/test does)"))
}

#[tokio::test]
async fn bad_keys_are_refused_at_startup_with_a_clear_error() {
    let cases = [
        ("short", "0123456789abcdef"),
        ("non-hex", &"zz".repeat(32)),
        ("wrong length base64", "AAECAwQFBgcICQoLDA0ODw=="),
        ("hex of wrong length", &"ab12".repeat(17)),
        ("placeholder", "changeme"),
        ("all zeros", &"0".repeat(64)),
    ];
    for (what, key) in cases {
        let dirs = TestDirs::new();
        let mut child = spawn_daemon(&dirs, &[("SPOTTER_SECURITY_ENCRYPTION_KEY", key)]);
        let status = wait_exit(&mut child, EXIT_WAIT).await;
        let err = stderr_of(&mut child);
        assert!(!status.success(), "{what}: started anyway");
        assert!(
            err.contains("SPOTTER_SECURITY_ENCRYPTION_KEY"),
            "{what}: error does not name the source: {err}"
        );
        assert!(err.contains("unusable"), "{what}: {err}");
        assert!(!err.contains(key), "{what}: error echoes the key: {err}");
        assert!(!dirs.socket().exists(), "{what}: socket created");
        assert!(!dirs.database().exists(), "{what}: database created");
    }
}

#[test]
fn system_mode_without_a_key_refuses_to_start() {
    let dirs = TestDirs::new();
    let mut cmd = dirs.command(&bin("spotterd"));
    cmd.args(["--mode", "system"])
        .env("SPOTTER_SOCKET", dirs.path("s.sock"))
        .env("SPOTTER_DAEMON_DATA_DIR", dirs.path("state"))
        .stderr(Stdio::piped());
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no encryption key configured"), "{err}");
    assert!(err.contains("gen-key"), "says how to fix: {err}");
}

#[tokio::test]
async fn second_signal_exits_at_once_while_a_request_is_in_flight() {
    let dirs = TestDirs::new();
    let mut child = spawn_daemon(&dirs, &[("SPOTTER_DAEMON_SHUTDOWN_TIMEOUT_SECS", "120")]);
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    let _stream = open_stream(&dirs).await;

    signal(&child, Signal::SIGTERM);
    // Graceful shutdown waits for the open stream (up to 120 s).
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited although a request was in flight"
    );
    let start = Instant::now();
    signal(&child, Signal::SIGTERM);
    let status = wait_exit(&mut child, EXIT_WAIT).await;
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "second signal took {:?}",
        start.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    assert!(!dirs.socket().exists(), "socket left behind");
}

#[tokio::test]
async fn graceful_shutdown_gives_up_at_the_configured_timeout() {
    let dirs = TestDirs::new();
    let mut child = spawn_daemon(&dirs, &[("SPOTTER_DAEMON_SHUTDOWN_TIMEOUT_SECS", "1")]);
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    let _stream = open_stream(&dirs).await;
    signal(&child, Signal::SIGTERM);
    let status = wait_exit(&mut child, Duration::from_secs(15)).await;
    assert!(status.success(), "{status}");
    assert!(!dirs.socket().exists());
}

/// An open bidirectional reflection stream: an in-flight request that never ends by
/// itself.
async fn open_stream(dirs: &TestDirs) -> impl Sized {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest,
    };
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    })
    .await
    .unwrap();
    let mut client =
        ServerReflectionClient::new(spotter_e2e::channel(&dirs.socket()).await.unwrap());
    let mut responses = client
        .server_reflection_info(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    responses.message().await.unwrap().expect("first answer");
    (tx, responses, client)
}

/// Creates the database with known sealed secrets under the personal generated key,
/// without a daemon running.
async fn seeded_personal_instance(dirs: &TestDirs, secrets: &[&str]) -> Key {
    let mut child = spawn_daemon(dirs, &[]);
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    signal(&child, Signal::SIGTERM);
    assert!(wait_exit(&mut child, EXIT_WAIT).await.success());
    let key = read_key_file(&dirs.generated_key()).unwrap();
    let ring = Keyring::new(key.clone());
    let store = Store::open(&dirs.database()).await.unwrap();
    let user = store.create_user("alice", Role::Owner).await.unwrap();
    for (i, secret) in secrets.iter().enumerate() {
        let s = SecretString::new(*secret);
        match i {
            0 => store
                .put_credential(&ring, user.id, Provider::Navidrome, &s)
                .await
                .unwrap(),
            1 => store
                .put_credential(&ring, user.id, Provider::ListenBrainz, &s)
                .await
                .unwrap(),
            _ => store
                .put_instance_secret(&ring, &format!("secret{i}"), &s)
                .await
                .unwrap(),
        }
    }
    store.close().await;
    key
}

#[tokio::test]
async fn offline_rotate_key_reseals_and_replaces_the_personal_key() {
    let dirs = TestDirs::new();
    let secrets = ["nd-pass-Q1w2e3", "lb-token-0f9e8d", "llm-key-77aa"];
    let old = seeded_personal_instance(&dirs, &secrets).await;
    let new_file = dirs.path("new.key");
    let new = Key::generate();
    write_key_file(&new_file, &new).unwrap();

    let out = dirs
        .command(&bin("spotterd"))
        .args(["admin", "rotate-key", "--new-key-file"])
        .arg(&new_file)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("re-sealed 3 values"), "{stdout}");
    assert!(
        stdout.contains("provider_credentials.secret: 2"),
        "{stdout}"
    );
    assert!(stdout.contains("instance_secrets.value: 1"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(old.to_hex().as_str()), "old key printed");
        assert!(!text.contains(new.to_hex().as_str()), "new key printed");
        for s in secrets {
            assert!(!text.contains(s), "secret {s} printed");
        }
    }
    // The personal key file now holds the new key, still 0600.
    assert_eq!(read_key_file(&dirs.generated_key()).unwrap().id(), new.id());
    assert_eq!(spotter_e2e::mode_of(&dirs.generated_key()), 0o600);

    // A restarted daemon (with the new key) opens everything.
    let mut child = spawn_daemon(&dirs, &[]);
    let status = wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    assert_eq!(status.encryption_key_id, new.id().to_string());
    signal(&child, Signal::SIGTERM);
    wait_exit(&mut child, EXIT_WAIT).await;
    let store = Store::open(&dirs.database()).await.unwrap();
    let ring = Keyring::new(new);
    assert_eq!(
        store
            .credential(&ring, 1, Provider::Navidrome)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        secrets[0]
    );
    assert_eq!(
        store
            .credential(&ring, 1, Provider::ListenBrainz)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        secrets[1]
    );
    assert_eq!(
        store
            .instance_secret(&ring, "secret2")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        secrets[2]
    );
}

#[tokio::test]
async fn offline_rotate_key_refuses_while_a_daemon_holds_the_database() {
    let dirs = TestDirs::new();
    seeded_personal_instance(&dirs, &["nd-pass"]).await;
    let mut daemon = spawn_daemon(&dirs, &[]);
    wait_ready(&dirs.socket(), Some(&mut daemon)).await.unwrap();
    let new_file = dirs.path("new.key");
    write_key_file(&new_file, &Key::generate()).unwrap();
    let before = std::fs::read(dirs.generated_key()).unwrap();

    let out = dirs
        .command(&bin("spotterd"))
        .args(["admin", "rotate-key", "--new-key-file"])
        .arg(&new_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("holds the database"), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {}", daemon.id())),
        "names the daemon: {stderr}"
    );
    assert_eq!(
        std::fs::read(dirs.generated_key()).unwrap(),
        before,
        "key file changed"
    );
    signal(&daemon, Signal::SIGTERM);
    wait_exit(&mut daemon, EXIT_WAIT).await;
}

#[tokio::test]
async fn trace_logs_never_contain_a_secret() {
    let dirs = TestDirs::new();
    let key = Key::generate();
    let key_hex = key.to_hex();
    let log_path = dirs.path("daemon.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = dirs.command(&bin("spotterd"));
    cmd.env("RUST_LOG", "trace")
        .env("SPOTTER_SECURITY_ENCRYPTION_KEY", key_hex.as_str())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child = cmd.spawn().unwrap();
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    // Exercise the daemon while it logs at trace: status calls, sealed writes and reads
    // through the store it shares the database with.
    let ring = Keyring::new(key.clone());
    let store = Store::open(&dirs.database()).await.unwrap();
    let user = store.create_user("carol", Role::Owner).await.unwrap();
    let secret = "spotify-refresh-token-3e5f7a";
    store
        .put_credential(
            &ring,
            user.id,
            Provider::Spotify,
            &SecretString::new(secret),
        )
        .await
        .unwrap();
    store.close().await;
    for _ in 0..5 {
        let mut client = spotter_proto::v1::system_client::SystemClient::new(
            spotter_e2e::channel(&dirs.socket()).await.unwrap(),
        );
        client
            .get_status(GetStatusRequest::default())
            .await
            .unwrap();
    }
    signal(&child, Signal::SIGTERM);
    wait_exit(&mut child, EXIT_WAIT).await;
    // Restart once more so the daemon reads and audits the sealed values at trace.
    let log2 = std::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .unwrap();
    let mut cmd = dirs.command(&bin("spotterd"));
    cmd.env("RUST_LOG", "trace")
        .env("SPOTTER_SECURITY_ENCRYPTION_KEY", key_hex.as_str())
        .stdout(log2.try_clone().unwrap())
        .stderr(log2);
    let mut child = cmd.spawn().unwrap();
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();
    signal(&child, Signal::SIGTERM);
    wait_exit(&mut child, EXIT_WAIT).await;

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "the daemon did not log at trace level:\n{logs}"
    );
    assert!(logs.contains("spotterd ready"));
    assert!(
        !logs.contains(key_hex.as_str()),
        "encryption key in the logs"
    );
    assert!(!logs.contains(secret), "credential in the logs");
}

#[test]
fn check_config_masks_the_key_and_names_its_source() {
    let dirs = TestDirs::new();
    let key = Key::generate();
    let out = dirs
        .command(&bin("spotterd"))
        .arg("check-config")
        .env("SPOTTER_SECURITY_ENCRYPTION_KEY", key.to_hex().as_str())
        .env("SPOTTER_NAVIDROME_BASE_URL", "http://127.0.0.1:4533")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains(key.to_hex().as_str()),
        "key printed: {stdout}"
    );
    assert!(stdout.contains(&format!("id {}", key.id())), "{stdout}");
    assert!(
        stdout.contains("SPOTTER_SECURITY_ENCRYPTION_KEY"),
        "{stdout}"
    );
    assert!(
        stdout.contains("base_url = \"http://127.0.0.1:4533\""),
        "env override applied: {stdout}"
    );
    // check-config never creates a key or a database as a side effect.
    assert!(!dirs.generated_key().exists());
    assert!(!dirs.database().exists());
}

#[test]
fn invalid_environment_values_name_the_key() {
    let dirs = TestDirs::new();
    let out = dirs
        .command(&bin("spotterd"))
        .arg("check-config")
        .env("SPOTTER_NAVIDROME_BASE_URL", "ftp://music")
        .env("SPOTTER_DAEMON_SHUTDOWN_TIMEOUT_SECS", "soon")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("daemon.shutdown_timeout_secs"), "{stderr}");

    let out = dirs
        .command(&bin("spotterd"))
        .arg("check-config")
        .env("SPOTTER_NAVIDROME_BASE_URL", "ftp://music")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("navidrome.base_url"), "{stderr}");
}

#[tokio::test]
async fn auth_failures_log_one_parseable_line_and_trace_logs_hold_no_password_or_token() {
    let dirs = TestDirs::new();
    let log_path = dirs.path("daemon.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = dirs.command(&bin("spotterd"));
    cmd.env("RUST_LOG", "trace")
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child = cmd.spawn().unwrap();
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();

    let api = spotter_e2e::Api::connect(&dirs.socket()).await;
    let password = "teal-granite-orchard-77";
    let owner = api.setup_owner("tess", password).await;
    let wrong = "wrong-password-in-log-99";
    for _ in 0..5 {
        api.sign_in("tess", wrong).await.unwrap_err();
    }
    let refreshed = api
        .auth()
        .refresh(spotter_proto::v1::RefreshRequest {
            refresh_token: owner.refresh_token.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    api.auth_as(&refreshed.access_token)
        .who_am_i(spotter_proto::v1::WhoAmIRequest {})
        .await
        .unwrap();
    signal(&child, Signal::SIGTERM);
    wait_exit(&mut child, EXIT_WAIT).await;

    let logs = std::fs::read_to_string(&log_path).unwrap();
    let uid = nix::unistd::getuid().as_raw();
    let failures: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("spotter auth failure:"))
        .collect();
    assert_eq!(failures.len(), 5, "{logs}");
    for line in &failures {
        // One line each, with the uid and an opaque account key a fail2ban filter can use.
        assert!(
            line.contains(&format!("uid={uid} method=local account=")),
            "{line}"
        );
        assert!(!line.contains("tess"), "username in failure line: {line}");
    }
    assert!(
        logs.lines().any(|l| l.contains("spotter auth lockout:")),
        "lockout logged"
    );
    for secret in [
        password,
        wrong,
        owner.access_token.as_str(),
        owner.refresh_token.as_str(),
        refreshed.access_token.as_str(),
        refreshed.refresh_token.as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret reached the trace log");
    }
    let jwt_secret = std::fs::read_to_string(dirs.config_dir().join("jwt-secret")).unwrap();
    assert!(!logs.contains(jwt_secret.trim()), "JWT secret in the log");
}

#[tokio::test]
async fn trace_logs_hold_no_provider_credential_through_connect_and_sync() {
    use spotter_e2e::{
        Me,
        fakes::{lastfm::FakeLastFm, listenbrainz::FakeListenBrainz, spotify::FakeSpotify},
    };
    use spotter_proto::v1::{
        BeginConnectRequest, CompleteConnectRequest, ConnectListenBrainzRequest, JobKind,
        Provider as Wire, job_run,
    };
    let now = spotter_e2e::now();
    let lb = FakeListenBrainz::start().await;
    let lb_token = "lb-token-in-log-5f0e9a7c";
    lb.add_user("lbuser", lb_token);
    lb.add_listens("lbuser", 50, now - 7_200, 60);
    let sp = FakeSpotify::start().await;
    sp.add_plays(20, (now - 7_200) * 1000, 200_000);
    let fm = FakeLastFm::start().await;
    fm.add_scrobbles(30, now - 7_200, 90);

    let dirs = TestDirs::new();
    let key = Key::generate();
    let ca = dirs.path("ca.pem");
    std::fs::write(&ca, fm.ca_pem()).unwrap();
    let log_path = dirs.path("daemon.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = dirs.command(&bin("spotterd"));
    cmd.env("RUST_LOG", "trace")
        .env("SPOTTER_SECURITY_ENCRYPTION_KEY", key.to_hex().as_str())
        .env("SPOTTER_LISTENBRAINZ_API_URL", lb.api_url())
        .env(
            "SPOTTER_SPOTIFY_CLIENT_ID",
            spotter_e2e::fakes::spotify::CLIENT_ID,
        )
        .env("SPOTTER_SPOTIFY_ACCOUNTS_URL", sp.accounts_url())
        .env("SPOTTER_SPOTIFY_API_URL", sp.api_url())
        .env("SPOTTER_LASTFM_API_KEY", fm.api_key())
        .env("SPOTTER_LASTFM_API_URL", fm.api_url())
        .env("SPOTTER_LASTFM_AUTH_URL", fm.auth_url())
        .env("SPOTTER_LASTFM_SHARED_SECRET", fm.shared_secret())
        .env("SPOTTER_PROVIDERS_CA_FILE", &ca)
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child = cmd.spawn().unwrap();
    wait_ready(&dirs.socket(), Some(&mut child)).await.unwrap();

    let api = spotter_e2e::Api::connect(&dirs.socket()).await;
    let owner = api.setup_owner("tess", "teal-granite-orchard-77").await;
    let mut conns = api.connections_as(&owner.access_token);
    conns
        .connect_listen_brainz(ConnectListenBrainzRequest {
            token: lb_token.into(),
        })
        .await
        .unwrap();
    let began = conns
        .begin_connect(BeginConnectRequest {
            provider: Wire::Spotify as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let redirected = sp.approve(&began.authorize_url);
    let code = url::Url::parse(&redirected)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    conns
        .complete_connect(CompleteConnectRequest {
            provider: Wire::Spotify as i32,
            flow_id: String::new(),
            redirected_url: redirected,
        })
        .await
        .unwrap();
    let began = conns
        .begin_connect(BeginConnectRequest {
            provider: Wire::Lastfm as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let lf_token = url::Url::parse(&began.authorize_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .into_owned();
    fm.approve(&lf_token, fm.user());
    conns
        .complete_connect(CompleteConnectRequest {
            provider: Wire::Lastfm as i32,
            flow_id: began.flow_id,
            redirected_url: String::new(),
        })
        .await
        .unwrap();
    // A history sync over all three, waited for.
    let run = Me::new(&api, &owner).run_job(JobKind::HistorySync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    signal(&child, Signal::SIGTERM);
    wait_exit(&mut child, EXIT_WAIT).await;

    // The credentials as stored, opened with the key.
    let ring = Keyring::new(key);
    let store = Store::open(&dirs.database()).await.unwrap();
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'tess'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let spotify = store
        .credential(&ring, user, Provider::Spotify)
        .await
        .unwrap()
        .unwrap();
    let tokens: serde_json::Value = serde_json::from_str(spotify.expose()).unwrap();
    let lf_session = store
        .credential(&ring, user, Provider::LastFm)
        .await
        .unwrap()
        .unwrap();
    store.close().await;

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"));
    let mut secrets = vec![
        lb_token.to_string(),
        code,
        lf_token,
        lf_session.expose().to_string(),
        fm.shared_secret().to_string(),
    ];
    for field in ["access_token", "refresh_token"] {
        secrets.push(tokens[field].as_str().expect(field).to_string());
    }
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret}");
        assert!(
            !logs.contains(secret.as_str()),
            "a provider secret reached the trace log"
        );
    }
}

//! The `spotter` binary against the real daemon: `spotter status`, autostart in
//! personal mode, and the real TUI driven through tmux.

use std::{
    path::Path,
    process::{Output, Stdio},
    time::Duration,
};

use nix::sys::signal::Signal;
use spotter_e2e::{
    KillOnDrop, TestDirs, bin, signal,
    tmux::{Tmux, stop_pid},
    wait_exit, wait_ready,
};

const EXIT_WAIT: Duration = Duration::from_secs(20);

fn spawn_daemon(dirs: &TestDirs) -> KillOnDrop {
    KillOnDrop(
        dirs.command(&bin("spotterd"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn spotter(dirs: &TestDirs, args: &[&str]) -> Output {
    dirs.command(&bin("spotter")).args(args).output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test]
async fn status_json_reports_the_running_daemon() {
    let dirs = TestDirs::new();
    let mut daemon = spawn_daemon(&dirs);
    wait_ready(&dirs.socket(), Some(&mut daemon)).await.unwrap();

    let out = spotter(&dirs, &["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["pid"], daemon.id());
    assert_eq!(v["mode"], "personal");
    assert_eq!(v["protocol_version"], spotter_proto::PROTOCOL_VERSION);
    assert_eq!(
        v["client_protocol_version"],
        spotter_proto::PROTOCOL_VERSION
    );
    assert_eq!(v["daemon_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["socket"], dirs.socket().to_str().unwrap());
    assert_eq!(v["socket_source"], "default");
    assert_eq!(v["peer_uid"], nix::unistd::getuid().as_raw());
    assert!(v["schema_version"].as_i64().unwrap() >= 1);
    assert_eq!(v["encryption_key_id"].as_str().unwrap().len(), 8);

    // The plain form carries the same facts.
    let out = spotter(&dirs, &["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains(&format!("pid: {}", daemon.id())), "{text}");
    assert!(text.contains("mode: personal"), "{text}");

    signal(&daemon, Signal::SIGTERM);
    wait_exit(&mut daemon, EXIT_WAIT).await;
}

#[test]
fn status_without_a_daemon_fails_with_a_hint_and_starts_nothing() {
    let dirs = TestDirs::new();
    let out = spotter(&dirs, &["status", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout for scripts to misread"
    );
    assert!(stderr.contains("hint"), "{stderr}");
    assert!(!dirs.socket().exists(), "status must not start a daemon");
}

#[test]
fn status_honours_spotter_socket_and_the_socket_flag() {
    let dirs = TestDirs::new();
    let elsewhere = dirs.path("elsewhere.sock");
    let out = dirs
        .command(&bin("spotter"))
        .args(["status", "--json"])
        .env("SPOTTER_SOCKET", &elsewhere)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(elsewhere.to_str().unwrap()));
    let out = spotter(&dirs, &["--socket", "relative.sock", "status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("absolute"));
}

#[test]
fn status_start_launches_a_personal_daemon_that_outlives_the_client() {
    let dirs = TestDirs::new();
    let out = spotter(&dirs, &["status", "--start", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let pid = v["pid"].as_i64().unwrap() as i32;
    // Still there after the client exited, and logging to the state directory.
    assert!(nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok());
    assert!(dirs.path("state/spotter/spotterd.log").exists());
    let again = json(&spotter(&dirs, &["status", "--json"]));
    assert_eq!(again["pid"], pid, "the second call finds the same daemon");
    stop_pid(pid);
    assert!(!dirs.socket().exists());
}

#[tokio::test]
async fn tui_in_tmux_sets_up_signs_in_shows_status_revokes_a_session_and_quits_cleanly() {
    let dirs = TestDirs::new();
    let password = "copper-violin-summit";
    let tmux = Tmux::start(&dirs, &bin("spotter").display().to_string());

    // No daemon yet: the TUI starts one, which asks for first-run setup.
    tmux.set_up_owner(password);

    // The status screen shows the daemon the TUI started.
    let status = json(&spotter(&dirs, &["status", "--json"]));
    let pid = status["pid"].as_i64().unwrap() as i32;
    let screen = tmux.wait_for(&["Schema version", "personal"]);
    assert!(
        screen.contains(&pid.to_string()),
        "pid {pid} not on screen:\n{screen}"
    );
    assert!(screen.lines().count() <= 24);

    // A second device signs in from the command line (its own state directory).
    let other_state = dirs.path("other-state");
    let mut cmd = dirs.command(&bin("spotter"));
    cmd.env("XDG_STATE_HOME", &other_state)
        .args(["sign-in", "--username", "owner"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{password}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token_file = spotter_e2e::session_file(&other_state.join("spotter"))
        .expect("the other device's session file");
    assert_eq!(spotter_e2e::mode_of(&token_file), 0o600);
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&token_file).unwrap()).unwrap();
    let other_refresh = stored["refresh_token"].as_str().unwrap().to_string();

    // Sessions screen: both sessions listed; revoke the other one.
    tmux.keys("2");
    tmux.wait_for(&["Your sessions (", "(this session)"]);
    tmux.keys("o");
    tmux.wait_for(&["Are you sure?"]);
    tmux.keys("y");
    tmux.wait_for(&["Revoked 1 session."]);

    // The other device's refresh token is dead now.
    let api = spotter_e2e::Api::connect(&dirs.socket()).await;
    let e = api
        .auth()
        .refresh(spotter_proto::v1::RefreshRequest {
            refresh_token: other_refresh,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);

    drop(api);
    // Help, then quit: back on the normal screen with a clean exit status.
    tmux.keys("?");
    tmux.wait_for(&["quit"]);
    tmux.keys("Escape");
    tmux.keys("q");
    let screen = tmux.wait_for(&["EXIT=0"]);
    assert!(
        !screen.contains("Your sessions"),
        "alternate screen not restored:\n{screen}"
    );
    // Waited for off this runtime, which meanwhile closes our dropped connection:
    // blocked, it could not, and the daemon's graceful shutdown would wait for it
    // until its timeout.
    tokio::task::spawn_blocking(move || stop_pid(pid))
        .await
        .unwrap();
}

#[test]
fn tui_explains_how_to_fix_a_daemon_that_cannot_start() {
    let dirs = TestDirs::new();
    // A daemon that refuses to start: an unusable key in its environment.
    let tmux = Tmux::start(
        &dirs,
        &format!(
            "SPOTTER_SECURITY_ENCRYPTION_KEY=changeme {}",
            bin("spotter").display()
        ),
    );
    // The log's path shows while the daemon is still starting; wait for the verdict.
    let screen = tmux.wait_until("why the daemon did not start", |screen| {
        screen.contains("unusable") || screen.contains("exited")
    });
    assert!(screen.contains("spotterd.log"), "{screen}");
    tmux.keys("q");
    tmux.wait_for(&["EXIT=0"]);
    assert!(!Path::new(&dirs.socket()).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_in_tmux_connects_listenbrainz_and_shows_the_synced_listens() {
    use spotter_e2e::fakes::listenbrainz::FakeListenBrainz;
    // The fake runs on the runtime's workers while this thread drives tmux.
    let lb = FakeListenBrainz::start().await;
    lb.add_user("tmux-listener", "tmux-token-1234");
    let now = spotter_e2e::now();
    lb.add_listen("tmux-listener", "Stereolab", "French Disko", now - 3_600);
    lb.add_listen(
        "tmux-listener",
        "Broadcast",
        "Tears in the Typing Pool",
        now - 1_800,
    );

    let dirs = TestDirs::new();
    let password = "copper-violin-summit";
    // The daemon the TUI starts inherits the setting.
    let tmux = Tmux::start(
        &dirs,
        &format!(
            "SPOTTER_LISTENBRAINZ_API_URL={} {}",
            lb.api_url(),
            bin("spotter").display()
        ),
    );
    tmux.set_up_owner(password);

    // Connections: ListenBrainz is the fourth row.
    tmux.keys("3");
    tmux.wait_for(&["Connections", "ListenBrainz", "not connected"]);
    for _ in 0..3 {
        tmux.keys("Down");
    }
    tmux.keys("c");
    tmux.wait_for(&["Connect ListenBrainz"]);
    tmux.keys("tmux-token-1234");
    let screen = tmux.capture();
    assert!(
        !screen.contains("tmux-token-1234"),
        "the token is masked:\n{screen}"
    );
    tmux.keys("Enter");
    tmux.wait_for(&["tmux-listener"]);

    // Connecting started a history sync; its listens show up.
    tmux.keys("5");
    let screen = tmux.wait_for(&["French Disko", "Tears in the Typ", "LB"]);
    assert!(screen.lines().count() <= 24);
    tmux.keys("4");
    tmux.wait_for(&["Jobs", "succeeded"]);

    let status = json(&spotter(&dirs, &["status", "--json"]));
    let pid = status["pid"].as_i64().unwrap() as i32;
    tmux.keys("q");
    tmux.wait_for(&["EXIT=0"]);
    stop_pid(pid);
}

//! The `spotter` binary against the real daemon: `spotter status`, autostart in
//! personal mode, and the real TUI driven through tmux.

use std::{
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use nix::sys::signal::Signal;
use spotter_e2e::{TestDirs, bin, signal, wait_exit, wait_ready};

const EXIT_WAIT: Duration = Duration::from_secs(20);

fn spawn_daemon(dirs: &TestDirs) -> Child {
    dirs.command(&bin("spotterd"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn spotter(dirs: &TestDirs, args: &[&str]) -> Output {
    dirs.command(&bin("spotter")).args(args).output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Stops a daemon the client started (it is not our child) by its pid.
fn stop_pid(pid: i32) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM);
    let start = Instant::now();
    while nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
        && start.elapsed() < EXIT_WAIT
    {
        std::thread::sleep(Duration::from_millis(20));
    }
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

/// A tmux server of our own (its socket in the temp dir) running one 80x24 session.
struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    fn start(dirs: &TestDirs, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: dirs.path("tmux.sock"),
        };
        let env = format!(
            "env -u SPOTTER_SOCKET XDG_RUNTIME_DIR={} XDG_CONFIG_HOME={} XDG_DATA_HOME={} XDG_STATE_HOME={} HOME={} TERM=xterm-256color",
            dirs.path("run").display(),
            dirs.path("cfg").display(),
            dirs.path("data").display(),
            dirs.path("state").display(),
            dirs.path("home").display(),
        );
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&tmux.socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                "-s",
                "e2e",
            ])
            .arg(format!("{env} sh -c '{command}; echo EXIT=$?; sleep 60'"))
            .status()
            .expect("tmux (scripts/test installs it)");
        assert!(status.success());
        tmux
    }

    fn capture(&self) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "-t", "e2e", keys])
            .status()
            .unwrap();
    }

    /// Waits until the screen contains every one of `needles`.
    fn wait_for(&self, needles: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "screen never showed {needles:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}

#[test]
fn tui_in_tmux_starts_the_daemon_shows_status_and_quits_cleanly_on_q() {
    let dirs = TestDirs::new();
    let tmux = Tmux::start(&dirs, &bin("spotter").display().to_string());
    let screen = tmux.wait_for(&[
        "daemon status",
        "connected",
        "Mode",
        "personal",
        "Schema version",
    ]);
    assert!(screen.lines().count() <= 24);
    // The status screen shows the daemon the TUI started.
    let status = json(&spotter(&dirs, &["status", "--json"]));
    let pid = status["pid"].as_i64().unwrap() as i32;
    assert!(
        screen.contains(&pid.to_string()),
        "pid {pid} not on screen:\n{screen}"
    );

    tmux.keys("?");
    tmux.wait_for(&["quit", "refresh"]);
    tmux.keys("Escape");
    tmux.keys("q");
    // Back on the normal screen (alternate screen left) with a clean exit status.
    let screen = tmux.wait_for(&["EXIT=0"]);
    assert!(
        !screen.contains("Schema version"),
        "alternate screen not restored:\n{screen}"
    );
    stop_pid(pid);
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
    let screen = tmux.wait_for(&["spotterd.log"]);
    assert!(
        screen.contains("unusable") || screen.contains("exited"),
        "{screen}"
    );
    tmux.keys("q");
    tmux.wait_for(&["EXIT=0"]);
    assert!(!Path::new(&dirs.socket()).exists());
}

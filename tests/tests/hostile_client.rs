//! The client against hostile surroundings (issue 10).
//!
//! - finding 5: a fake daemon another user put in the `/tmp/spotter-<uid>/` fallback
//!   gets refused by `spotter sign-in`, `spotter status` and the TUI, and receives
//!   not a single byte (so no password and no token).
//! - finding 8: stored text full of terminal escapes comes out of `spotter history`
//!   (plain and `--json`), `stats` and `import` with no control character left.

use std::{
    io::{BufRead as _, BufReader, Write as _},
    os::unix::{fs::PermissionsExt as _, net::UnixStream},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use spotter_e2e::{
    Instance, OWNER, OWNER_PW, TestDirs, bin, running_as_root,
    tmux::{Tmux, WAIT},
};
use tokio::io::AsyncWriteExt as _;

/// The other Unix user the fake daemon runs as (nobody).
const STRANGER: u32 = 65534;
/// The fake daemon's last connection, made by the test to flush the record.
const SENTINEL: &[u8] = b"end-of-test-sentinel";

fn chown_to_stranger(path: &Path) {
    std::os::unix::fs::chown(path, Some(STRANGER), Some(STRANGER)).unwrap();
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `spotterd-e2e-recorder` as uid 65534, listening where a personal `spotter` without
/// `XDG_RUNTIME_DIR` looks: `$TMPDIR/spotter-<our uid>/spotterd.sock`, in a directory
/// the stranger created first.
struct FakeDaemon {
    child: Child,
    tmpdir: PathBuf,
    socket: PathBuf,
    record: PathBuf,
}

impl FakeDaemon {
    fn start(dirs: &TestDirs) -> FakeDaemon {
        // The stranger must be able to reach everything below the test's root.
        set_mode(dirs.root.path(), 0o755);
        let tmpdir = dirs.path("tmp");
        std::fs::create_dir_all(&tmpdir).unwrap();
        set_mode(&tmpdir, 0o1777);
        let uid = nix::unistd::getuid().as_raw();
        let planted = tmpdir.join(format!("spotter-{uid}"));
        std::fs::create_dir(&planted).unwrap();
        set_mode(&planted, 0o755);
        chown_to_stranger(&planted);
        let records = dirs.path("records");
        std::fs::create_dir(&records).unwrap();
        chown_to_stranger(&records);

        // Copied out of the checkout, which may sit where nobody cannot enter.
        let bin_dir = dirs.path("bin");
        std::fs::create_dir_all(&bin_dir).unwrap();
        set_mode(&bin_dir, 0o755);
        let recorder = bin_dir.join("spotter-e2e-recorder");
        std::fs::copy(bin("spotter-e2e-recorder"), &recorder).unwrap();
        set_mode(&recorder, 0o755);

        let socket = planted.join("spotterd.sock");
        let record = records.join("received");
        let mut child = Command::new("setpriv")
            .args([
                &format!("--reuid={STRANGER}"),
                &format!("--regid={STRANGER}"),
                "--clear-groups",
            ])
            .arg(&recorder)
            .env("SPOTTER_E2E_LISTEN", &socket)
            .env("SPOTTER_E2E_RECORD", &record)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("setpriv (util-linux)");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "LISTENING", "the fake daemon did not start");
        FakeDaemon {
            child,
            tmpdir,
            socket,
            record,
        }
    }

    /// `spotter` with the test's XDG tree but without `XDG_RUNTIME_DIR`, so it falls
    /// back to the planted directory.
    fn spotter(&self, dirs: &TestDirs, args: &[&str]) -> Command {
        let mut cmd = dirs.command(&bin("spotter"));
        cmd.env_remove("XDG_RUNTIME_DIR")
            .env("TMPDIR", &self.tmpdir)
            .args(args);
        cmd
    }

    /// The byte counts of every connection before the test's own last one.
    fn connections(&self) -> Vec<usize> {
        let mut sentinel = UnixStream::connect(&self.socket).unwrap();
        sentinel.write_all(SENTINEL).unwrap();
        drop(sentinel);
        let sentinel_hex = hex::encode(SENTINEL);
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&self.record).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            if let Some(end) = lines.iter().position(|l| l.ends_with(&sentinel_hex)) {
                return lines[..end]
                    .iter()
                    .map(|l| l.split(' ').next().unwrap().parse().unwrap())
                    .collect();
            }
            assert!(start.elapsed() < WAIT, "the fake daemon recorded:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Asserts the client connected (and was refused) but sent nothing at all.
    #[track_caller]
    fn assert_connected_but_received_nothing(&self) {
        let connections = self.connections();
        assert!(
            !connections.is_empty(),
            "the client never connected to the fake daemon"
        );
        assert!(
            connections.iter().all(|&bytes| bytes == 0),
            "the fake daemon received bytes: {connections:?}"
        );
    }

    /// What the refusal must say: the socket, the stranger and who was expected.
    fn refusal(&self) -> String {
        let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(STRANGER))
            .ok()
            .flatten()
            .map(|u| format!(" ({})", u.name))
            .unwrap_or_default();
        format!(
            "refusing {}: it is served by uid {STRANGER}{name}, not by you (uid {})",
            self.socket.display(),
            nix::unistd::getuid()
        )
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_refused(out: &Output, fake: &FakeDaemon) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains(&fake.refusal()), "stderr:\n{stderr}");
    assert!(stderr.contains("impersonating spotterd"), "{stderr}");
    assert!(stderr.contains("XDG_RUNTIME_DIR"), "the fix: {stderr}");
}

#[test]
fn sign_in_and_status_refuse_a_fake_daemon_in_the_tmp_fallback_and_send_it_nothing() {
    if !running_as_root("run a fake daemon as another Unix user") {
        return;
    }
    let dirs = TestDirs::new();
    let fake = FakeDaemon::start(&dirs);

    let mut sign_in = fake.spotter(&dirs, &["sign-in", "--username", OWNER]);
    let mut child = sign_in
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The password is there for the taking, were the check missing.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{OWNER_PW}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_refused(&out, &fake);
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    let out = fake.spotter(&dirs, &["status"]).output().unwrap();
    assert_refused(&out, &fake);
    let out = fake
        .spotter(&dirs, &["status", "--json", "--start"])
        .output()
        .unwrap();
    assert_refused(&out, &fake);

    // No daemon was started over the planted socket (the launcher logs every start).
    assert!(
        !dirs.path("state/spotter/spotterd.log").exists(),
        "a daemon was started"
    );
    fake.assert_connected_but_received_nothing();
}

#[test]
fn the_tui_shows_the_refusal_and_never_asks_for_a_password() {
    if !running_as_root("run a fake daemon as another Unix user") {
        return;
    }
    let dirs = TestDirs::new();
    let fake = FakeDaemon::start(&dirs);
    let tmux = Tmux::start(
        &dirs,
        &format!(
            "env -u XDG_RUNTIME_DIR TMPDIR={} {}",
            fake.tmpdir.display(),
            bin("spotter").display()
        ),
    );
    // The explanation wraps at 80 columns: compare its words, borders taken out.
    let joined = |screen: &str| {
        screen
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let screen = tmux.wait_until("the refusal", |screen| {
        joined(screen).contains(&format!("uid {STRANGER}"))
    });
    let flat = joined(&screen);
    assert!(flat.contains("refusing"), "{screen}");
    assert!(flat.contains("impersonating spotterd"), "{screen}");
    assert!(!screen.contains("Password"), "{screen}");
    // It keeps retrying (and keeps being refused) rather than moving on.
    let screen = tmux.wait_until("a retry", |screen| {
        joined(screen).contains("failed attempts: 2")
    });
    assert!(!screen.contains("Password"), "{screen}");
    tmux.keys("q");
    tmux.wait_for(&["EXIT=0"]);
    assert!(!dirs.path("state/spotter/spotterd.log").exists());
    fake.assert_connected_but_received_nothing();
}

/// A title that set the window title, cleared the screen and opened a CSI with C1.
const HOSTILE_TITLE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";

#[tokio::test]
async fn stored_escape_sequences_reach_the_terminal_only_as_visible_text() {
    let instance = Instance::start().await;
    let dirs = &instance.dirs;
    let run = async |args: &[&str], stdin: Option<String>| -> Output {
        let mut cmd = dirs.command(&bin("spotter"));
        cmd.args(args)
            .env("TZ", "UTC")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Async, so this runtime keeps serving the in-process daemon meanwhile.
        let mut child = tokio::process::Command::from(cmd).spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(stdin) = stdin {
            input.write_all(stdin.as_bytes()).await.unwrap();
        }
        drop(input);
        child.wait_with_output().await.unwrap()
    };
    let out = run(
        &["sign-in", "--username", OWNER],
        Some(format!("{OWNER_PW}\n")),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // serde_json writes the controls as JSON escapes, which the parser turns back
    // into the raw characters the daemon stores.
    let listen = serde_json::json!({
        "listened_at": 1_610_000_000,
        "track_metadata": {
            "artist_name": "Evil\u{1b}[5m Artist\u{85}",
            "track_name": HOSTILE_TITLE,
            "release_name": "Album\u{7f}\u{9d}",
        },
    });
    let bad_row = serde_json::json!({ "listened_at": "\u{1b}[2J\u{9b}yesterday" });
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("listens.jsonl");
    std::fs::write(&file, format!("{listen}\n{bad_row}\n")).unwrap();

    let out = run(&["import", file.to_str().unwrap()], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_terminal_safe("import", &out);
    assert!(
        text(&out.stdout).contains("1 added"),
        "{}",
        text(&out.stdout)
    );

    let out = run(&["history"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_terminal_safe("history", &out);
    assert!(text(&out.stdout).contains("pwned"), "{}", text(&out.stdout));

    let out = run(&["history", "--json"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_terminal_safe("history --json", &out);
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        row["title"].as_str().unwrap().contains("pwned"),
        "{row}: the escaped JSON still reads back"
    );

    for args in [&["stats"][..], &["stats", "--json"], &["export"]] {
        let out = run(args, None).await;
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert_terminal_safe(&format!("{args:?}"), &out);
    }
    instance.running.shutdown().await;
}

/// stdout and stderr hold no control character but line breaks.
#[track_caller]
fn assert_terminal_safe(what: &str, out: &Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let shown = text(bytes);
        let raw: Vec<char> = shown
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(
            raw.is_empty(),
            "{what} wrote {raw:?} raw to {stream}:\n{}",
            shown.escape_debug()
        );
    }
}

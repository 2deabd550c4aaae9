use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::test_support::{FakeDaemon, sample_response, target_at};

/// Writes an executable shell script standing in for `spotterd`.
fn script(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("fake-spotterd");
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn launcher(dir: &Path, binary: PathBuf) -> Launcher {
    Launcher {
        binary,
        log: dir.join("state/spotter/spotterd.log"),
        ready_timeout: Duration::from_secs(5),
        timeouts: Timeouts {
            connect: Duration::from_millis(500),
            call: Duration::from_millis(500),
        },
    }
}

#[test]
fn binary_override_wins_then_sibling_then_path() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("spotter");
    assert_eq!(
        choose_binary(Some("/opt/spotterd".into()), Some(exe.clone())),
        PathBuf::from("/opt/spotterd")
    );
    assert_eq!(
        choose_binary(Some("".into()), Some(exe.clone())),
        PathBuf::from(DAEMON_BIN_NAME),
        "no sibling yet, so PATH"
    );
    fs::write(dir.path().join(DAEMON_BIN_NAME), "").unwrap();
    assert_eq!(
        choose_binary(None, Some(exe)),
        dir.path().join(DAEMON_BIN_NAME)
    );
}

#[test]
fn tail_is_the_last_lines_written_since_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    fs::write(&log, "old run\n").unwrap();
    let start = fs::metadata(&log).unwrap().len();
    let new: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    fs::write(&log, format!("old run\n{new}")).unwrap();

    let tail = read_tail(&log, start, LOG_TAIL_LINES);
    assert_eq!(tail.len(), LOG_TAIL_LINES);
    assert_eq!(tail.first().unwrap(), "line 11");
    assert_eq!(tail.last().unwrap(), "line 30");
    assert_eq!(read_tail(&log, 0, 100)[0], "old run");
}

#[tokio::test]
async fn early_exit_reports_status_and_log_tail() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let bin = script(
        dir.path(),
        "echo \"socket is $SPOTTER_SOCKET\"; echo 'boom: bad config' >&2; exit 3",
    );
    let launcher = launcher(dir.path(), bin);

    let err = launcher
        .spawn(&socket)
        .unwrap()
        .wait_ready(&target_at(&socket))
        .await
        .unwrap_err();
    let ReachError::Launch(err @ LaunchError::Exited { status, .. }) = &err else {
        panic!("expected an early exit, got {err:?}");
    };
    assert_eq!(status.code(), Some(3));
    let tail = err.log_tail().join("\n");
    assert!(tail.contains("boom: bad config"), "{tail}");
    assert!(
        tail.contains(&format!("socket is {}", socket.display())),
        "{tail}"
    );
    assert!(
        err.hint().contains("run `spotterd` in a terminal"),
        "{}",
        err.hint()
    );
    assert!(err.hint().contains(&launcher.log.display().to_string()));

    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&launcher.log), 0o600);
    assert_eq!(mode(launcher.log.parent().unwrap()), 0o700);
}

#[tokio::test]
async fn gives_up_after_the_ready_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let mut launcher = launcher(dir.path(), script(dir.path(), "exec sleep 3"));
    launcher.ready_timeout = Duration::from_millis(300);

    let err = launcher
        .spawn(&socket)
        .unwrap()
        .wait_ready(&target_at(&socket))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ReachError::Launch(LaunchError::NotReady { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn waits_until_the_daemon_answers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let launched = launcher(dir.path(), script(dir.path(), "exec sleep 3"))
        .spawn(&socket)
        .unwrap();
    // The daemon comes up a little after the launch, as a real one would.
    let late = {
        let socket = socket.clone();
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(300));
            FakeDaemon::start(&socket, sample_response())
        })
    };
    let (_client, status) = launched.wait_ready(&target_at(&socket)).await.unwrap();
    assert_eq!(status.pid, sample_response().pid);
    drop(late.await.unwrap());
}

#[test]
fn daemon_gets_its_own_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let launched = launcher(dir.path(), script(dir.path(), "exec sleep 2"))
        .spawn(&dir.path().join("d.sock"))
        .unwrap();
    let pid = launched.child.id();
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let pgrp: u32 = after_name.split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(pgrp, pid, "not a process group leader: {stat}");
}

#[test]
fn missing_binary_says_how_to_install_or_override() {
    let dir = tempfile::tempdir().unwrap();
    let err = launcher(dir.path(), dir.path().join("no-such-spotterd"))
        .spawn(&dir.path().join("d.sock"))
        .unwrap_err();
    assert!(matches!(err, LaunchError::Spawn { .. }), "{err:?}");
    assert!(err.hint().contains(DAEMON_BIN_ENV), "{}", err.hint());
}

//! Running the real `spotter` binary in a test: its output, signing it in as the
//! instance's owner (password on stdin), and files for it to read. Async, so the test's
//! runtime keeps serving the in-process daemon meanwhile.

use std::{
    path::{Path, PathBuf},
    process::{Output, Stdio},
};

use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use crate::{OWNER, OWNER_PW, TestDirs, bin};

/// `spotter ARGS` with the time zone `tz` (the test process's own never changes).
pub async fn spotter_tz(dirs: &TestDirs, tz: &str, args: &[&str]) -> Output {
    let mut cmd = dirs.command(&bin("spotter"));
    cmd.args(args).env("TZ", tz);
    tokio::process::Command::from(cmd)
        .output()
        .await
        .expect("run spotter")
}

/// `spotter ARGS` in UTC.
pub async fn spotter(dirs: &TestDirs, args: &[&str]) -> Output {
    spotter_tz(dirs, "UTC", args).await
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

/// Standard output as JSON lines, one value each.
pub fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// `spotter sign-in` as the instance's owner, the password on stdin.
pub async fn sign_in(dirs: &TestDirs) {
    let mut cmd = dirs.command(&bin("spotter"));
    cmd.args(["sign-in", "--username", OWNER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = tokio::process::Command::from(cmd).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{OWNER_PW}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    assert_ok(&child.wait_with_output().await.unwrap());
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

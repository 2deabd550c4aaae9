//! The real TUI in a terminal, for end-to-end tests: a tmux server of the test's own
//! (socket in the test's temp dir), keys in, the screen out.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use nix::sys::signal::Signal;

use crate::TestDirs;

/// How long a screen or a process gets before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// A tmux server of our own (its socket in the temp dir) running one 80x24 session.
pub struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    /// Runs `command` (a shell command line) in an 80x24 session, with the XDG
    /// directories and HOME in the test's temp dir and `TZ=UTC`; when it exits the
    /// pane shows `EXIT=<status>`.
    pub fn start(dirs: &TestDirs, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: dirs.path("tmux.sock"),
        };
        let env = format!(
            "env -u SPOTTER_SOCKET XDG_RUNTIME_DIR={} XDG_CONFIG_HOME={} XDG_DATA_HOME={} \
             XDG_STATE_HOME={} HOME={} TERM=xterm-256color TZ=UTC",
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

    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &str) {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "-t", "e2e", keys])
            .status()
            .unwrap();
    }

    /// Typed as text, whatever it spells (no key names).
    pub fn text(&self, text: &str) {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "-t", "e2e", "-l", text])
            .status()
            .unwrap();
    }

    /// Waits until `ready` holds for the screen, and returns that screen.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "screen never showed {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen contains every one of `needles`.
    pub fn wait_for(&self, needles: &[&str]) -> String {
        self.wait_until(&format!("{needles:?}"), |screen| {
            needles.iter().all(|n| screen.contains(n))
        })
    }

    /// Answers the TUI's first-run setup: the owner `owner` with `password`, then
    /// waits for the status tab they land on.
    pub fn set_up_owner(&self, password: &str) {
        self.wait_for(&["First-run setup"]);
        for k in ["owner", "Tab", password, "Tab", password, "Enter"] {
            self.keys(k);
        }
        self.wait_for(&["[1 Status]", "owner"]);
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

/// Stops the daemon the TUI started (it is not our child) by its pid.
pub fn stop_pid(pid: i32) {
    let pid = nix::unistd::Pid::from_raw(pid);
    let _ = nix::sys::signal::kill(pid, Signal::SIGTERM);
    let start = Instant::now();
    while nix::sys::signal::kill(pid, None).is_ok() && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
}

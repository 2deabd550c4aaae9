//! A real Supysonic 0.7.9 server (a Python Subsonic server) for provider tests.
//!
//! `scripts/test` installs Supysonic (and the waitress WSGI server it runs on) into
//! `<workspace>/.venv/supysonic`. [`Supysonic::start`] then, in a fresh temp dir:
//! writes `supysonic.conf` (SQLite database, cache, logs and daemon socket all inside
//! the temp dir; Supysonic reads `./supysonic.conf` from its working directory, and
//! `HOME` points at the temp dir so no user config leaks in), creates the users of
//! [`USERS`] with `supysonic-cli user add`, generates the tagged MP3 library of
//! [`LIBRARY`] (`tests/fixtures/supysonic/make_library.py`, run by the venv's
//! Python), adds and scans it with `supysonic-cli folder add/scan`, and starts
//! `supysonic-server -S waitress` on 127.0.0.1 with a free port, returning once
//! `/rest/ping.view` answers `ok`. Dropping it kills the server; if the test is
//! panicking, the server's logs are printed first.
//!
//! A missing venv is a failure, never a skip.
//!
//! ```ignore
//! let s = Supysonic::start();
//! let client = SubsonicClient::new(&s.base_url(), Duration::from_secs(10))?;
//! let alice = s.users()[0];
//! client.ping(alice.name, &SecretString::new(alice.password)).await?;
//! ```

use std::{
    collections::BTreeSet,
    fs,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use tempfile::TempDir;

/// How long the server gets to answer its first ping.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A Supysonic account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct User {
    pub name: &'static str,
    pub password: &'static str,
}

/// Alice and Bob. Passwords include characters that need URL encoding.
pub const USERS: [User; 2] = [
    User {
        name: "alice",
        password: "alice-S3cret pass&=?",
    },
    User {
        name: "bob",
        password: "bob-hunter2-Passw0rd",
    },
];

/// One generated track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Track {
    pub artist: &'static str,
    pub album: &'static str,
    pub title: &'static str,
    pub track: u32,
    pub year: u32,
}

/// The generated library: 2 artists, 2 albums, 4 tracks.
pub const LIBRARY: [Track; 4] = [
    Track {
        artist: "Alpha Artist",
        album: "First Album",
        title: "Opening",
        track: 1,
        year: 2001,
    },
    Track {
        artist: "Alpha Artist",
        album: "First Album",
        title: "Second Thoughts",
        track: 2,
        year: 2001,
    },
    Track {
        artist: "Beta Band",
        album: "Other Record",
        title: "Side B",
        track: 1,
        year: 2010,
    },
    Track {
        artist: "Beta Band",
        album: "Other Record",
        title: "Closing Time",
        track: 2,
        year: 2010,
    },
];

/// A running Supysonic server on 127.0.0.1.
pub struct Supysonic {
    dir: TempDir,
    child: Child,
    port: u16,
}

impl Supysonic {
    /// Sets up and starts a server; panics (with its logs) if it cannot.
    pub fn start() -> Supysonic {
        let venv = venv_dir();
        let dir = tempfile::Builder::new()
            .prefix("supysonic-")
            .tempdir()
            .expect("temp dir");
        write_config(dir.path());

        for user in USERS {
            run_checked(
                cli(&venv, dir.path()).args(["user", "add", user.name, "-p", user.password]),
                "supysonic-cli user add",
                dir.path(),
            );
        }

        let music = dir.path().join("music");
        let spec = dir.path().join("library.json");
        let tracks: Vec<serde_json::Value> = LIBRARY
            .iter()
            .map(|t| {
                serde_json::json!({
                    "artist": t.artist, "album": t.album, "title": t.title,
                    "track": t.track, "year": t.year,
                })
            })
            .collect();
        fs::write(&spec, serde_json::to_vec(&tracks).unwrap()).expect("library spec");
        run_checked(
            Command::new(venv.join("bin/python"))
                .arg(workspace_root().join("tests/fixtures/supysonic/make_library.py"))
                .arg(&spec)
                .arg(&music)
                .current_dir(dir.path()),
            "make_library.py",
            dir.path(),
        );
        run_checked(
            cli(&venv, dir.path())
                .args(["folder", "add", "Music"])
                .arg(&music),
            "supysonic-cli folder add",
            dir.path(),
        );
        let scan = run_checked(
            cli(&venv, dir.path()).args(["folder", "scan", "--foreground"]),
            "supysonic-cli folder scan",
            dir.path(),
        );
        let scan_out = String::from_utf8_lossy(&scan.stdout);
        let expected = format!(
            "Added: {} artists, {} albums, {} tracks",
            artists().len(),
            albums().len(),
            LIBRARY.len()
        );
        assert!(
            scan_out.contains(&expected),
            "the Supysonic scan did not add the generated library (expected {expected:?}):\n{scan_out}"
        );

        // The port is free when probed; another process could take it before the
        // server binds, so a failed start is retried on a new port.
        let mut last_failure = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let mut child = spawn_server(&venv, dir.path(), port);
            match wait_until_ready(&mut child, port) {
                Ok(()) => return Supysonic { dir, child, port },
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_failure = format!("{why}\n{}", read_logs(dir.path()));
                }
            }
        }
        panic!("Supysonic did not start:\n{last_failure}");
    }

    /// `http://127.0.0.1:<port>`: the base URL a Subsonic client is configured with.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Alice and Bob, with their passwords.
    pub fn users(&self) -> [User; 2] {
        USERS
    }

    /// The generated library's tracks.
    pub fn library(&self) -> &'static [Track] {
        &LIBRARY
    }

    /// The generated library's artist names, sorted.
    pub fn artists(&self) -> Vec<&'static str> {
        artists()
    }

    /// The generated library's album titles, sorted.
    pub fn albums(&self) -> Vec<&'static str> {
        albums()
    }

    /// The server's working directory (config, database, logs, music).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A raw GET against the server (no client logic): the response body.
    pub fn get(&self, path_and_query: &str) -> String {
        http_get(self.port, path_and_query)
            .unwrap_or_else(|e| panic!("GET {path_and_query}: {e}\n{}", self.logs()))
    }

    /// Everything the server and Supysonic have logged so far.
    pub fn logs(&self) -> String {
        read_logs(self.dir.path())
    }
}

impl Drop for Supysonic {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!(
                "---- Supysonic logs ({}) ----\n{}\n---- end of Supysonic logs ----",
                self.dir.path().display(),
                self.logs()
            );
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

fn venv_dir() -> PathBuf {
    let venv = workspace_root().join(".venv/supysonic");
    for tool in ["bin/supysonic-server", "bin/supysonic-cli", "bin/python"] {
        assert!(
            venv.join(tool).exists(),
            "{} is missing: run scripts/test (it installs Supysonic into .venv/supysonic)",
            venv.join(tool).display()
        );
    }
    let waitress = Command::new(venv.join("bin/python"))
        .args(["-c", "import waitress"])
        .output()
        .expect("run the venv's python");
    assert!(
        waitress.status.success(),
        "waitress is missing from {}: run scripts/test (it installs Supysonic into .venv/supysonic)",
        venv.display()
    );
    venv
}

fn write_config(dir: &Path) {
    let d = dir.display();
    let config = format!(
        "[base]\n\
         database_uri = sqlite:///{d}/supysonic.db\n\
         \n\
         [webapp]\n\
         cache_dir = {d}/cache\n\
         log_file = {d}/webapp.log\n\
         log_level = DEBUG\n\
         log_rotate = no\n\
         mount_webui = no\n\
         \n\
         [daemon]\n\
         socket = {d}/daemon.sock\n\
         run_watcher = no\n\
         log_file = {d}/daemon.log\n\
         log_rotate = no\n"
    );
    fs::write(dir.join("supysonic.conf"), config).expect("write supysonic.conf");
}

/// A Supysonic command with the temp dir as working directory and `HOME`.
fn command(venv: &Path, tool: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(venv.join("bin").join(tool));
    cmd.current_dir(dir)
        .env("HOME", dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null());
    cmd
}

fn cli(venv: &Path, dir: &Path) -> Command {
    command(venv, "supysonic-cli", dir)
}

fn run_checked(cmd: &mut Command, what: &str, dir: &Path) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}\nlogs:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        read_logs(dir)
    );
    out
}

fn spawn_server(venv: &Path, dir: &Path, port: u16) -> Child {
    let log = |name: &str| fs::File::create(dir.join(name)).expect("server log file");
    command(venv, "supysonic-server", dir)
        .args(["-S", "waitress", "-h", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .args(["--threads", "8"])
        .stdout(log("server.stdout.log"))
        .stderr(log("server.stderr.log"))
        .spawn()
        .expect("spawn supysonic-server")
}

/// Streams song `id` as `user` from the Supysonic on `port` (which then reports it
/// in `getNowPlaying` and as recently played): the HTTP status and the body length.
/// A raw request, since the body is audio.
pub fn stream(port: u16, user: &str, password: &str, id: &str) -> (u16, usize) {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        sock,
        "GET /rest/stream.view?u={user}&p=enc:{}&v={}&c=spotter-test&f=json&id={id} \
         HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        hex::encode(password),
        spotter_daemon::providers::subsonic::API_VERSION,
    )
    .unwrap();
    let mut answer = Vec::new();
    sock.read_to_end(&mut answer).unwrap();
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..head_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, answer.len() - head_end - 4)
}

/// Polls `/rest/ping.view` (as Alice, password auth) until it answers `ok`.
fn wait_until_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let user = USERS[0];
    let query = format!(
        "u={}&p=enc:{}&v=1.12.0&c=spotter-harness&f=json",
        user.name,
        hex::encode(user.password)
    );
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("poll supysonic-server") {
            return Err(format!("supysonic-server exited early with {status}"));
        }
        match http_get(port, &format!("/rest/ping.view?{query}")) {
            Ok(body) if body.contains(r#""status":"ok""#) => return Ok(()),
            Ok(body) => last = format!("ping answered: {body}"),
            Err(e) => last = format!("ping failed: {e}"),
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "supysonic-server did not answer a ping within {START_TIMEOUT:?}; last: {last}"
    ))
}

fn read_logs(dir: &Path) -> String {
    let mut out = String::new();
    for name in [
        "server.stdout.log",
        "server.stderr.log",
        "webapp.log",
        "daemon.log",
    ] {
        if let Ok(text) = fs::read_to_string(dir.join(name)) {
            out.push_str(&format!("== {name} ==\n{text}\n"));
        }
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A minimal blocking HTTP/1.0 GET: the body of the answer.
fn http_get(port: u16, path_and_query: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer
        .split_once("\r\n\r\n")
        .map_or(answer.clone(), |(_, body)| body.to_string()))
}

fn artists() -> Vec<&'static str> {
    LIBRARY
        .iter()
        .map(|t| t.artist)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn albums() -> Vec<&'static str> {
    LIBRARY
        .iter()
        .map(|t| t.album)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

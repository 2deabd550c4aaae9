//! Shared helpers for the end-to-end tests: temp directories laid out like a user's
//! XDG tree, the built binaries, an in-process daemon, and a client on the socket.
//!
//! Environment variables are only ever set on child processes, never on the test
//! process (tests run in parallel).

pub mod cli;
pub mod daemon_process;
pub mod fakes;
pub mod me;
pub mod playlists;
pub mod supysonic;
pub mod tmux;
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use spotter_daemon::{
    config::{Config, Settings},
    crypto::KeyInputs,
};
use spotter_proto::{
    locations::{Dirs, Mode},
    v1::{
        self, GetStatusRequest, GetStatusResponse, GetSummaryRequest, ListJobsRequest,
        ListRecentListensRequest, events_client::EventsClient, system_client::SystemClient,
    },
};
use tonic::{
    Streaming,
    transport::{Channel, Endpoint},
};

pub use me::Me;

/// How long any test waits for a daemon to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A built workspace binary (`spotterd`, `spotter`), next to the test executable's
/// parent directory (`target/<profile>/`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` first (scripts/test does)",
        path.display()
    );
    path
}

/// A fresh XDG tree: `run/`, `cfg/`, `data/`, `state/` under one temp dir.
pub struct TestDirs {
    pub root: tempfile::TempDir,
}

impl Default for TestDirs {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDirs {
    pub fn new() -> Self {
        // Short prefix: Unix socket paths are limited to 107 bytes.
        let root = tempfile::Builder::new()
            .prefix("sp")
            .tempdir_in("/tmp")
            .expect("tempdir");
        TestDirs { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Where a personal daemon with [`TestDirs::env`] puts its socket.
    pub fn socket(&self) -> PathBuf {
        self.path("run/spotter/spotterd.sock")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path("cfg/spotter")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path("data/spotter")
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir().join("spotter.db")
    }

    pub fn generated_key(&self) -> PathBuf {
        self.config_dir().join("encryption-key")
    }

    /// The XDG variables for a child process, with every inherited `SPOTTER_*` and
    /// systemd variable cleared so the developer's own setup cannot leak in.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("SPOTTER_")
                || [
                    "NOTIFY_SOCKET",
                    "LISTEN_FDS",
                    "LISTEN_PID",
                    "CREDENTIALS_DIRECTORY",
                    "JOURNAL_STREAM",
                    "RUST_LOG",
                ]
                .contains(&k.as_str())
            {
                cmd.env_remove(&k);
            }
        }
        cmd.env("XDG_RUNTIME_DIR", self.path("run"))
            .env("XDG_CONFIG_HOME", self.path("cfg"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("HOME", self.path("home"))
            .stdin(Stdio::null());
        cmd
    }

    /// Configuration for an in-process personal daemon in these directories.
    pub fn config(&self) -> Config {
        self.config_with(Settings::default(), KeyInputs::default())
    }

    pub fn config_with(&self, mut settings: Settings, key_inputs: KeyInputs) -> Config {
        settings.daemon.socket.get_or_insert_with(|| self.socket());
        let dirs = Dirs {
            config: self.config_dir(),
            data: self.data_dir(),
            state: self.path("state/spotter"),
        };
        Config::resolve(Mode::Personal, None, dirs, settings, key_inputs)
            .expect("valid test config")
    }
}

/// A gRPC channel over the Unix socket at `path`.
pub async fn channel(path: &Path) -> anyhow::Result<Channel> {
    let path = path.to_path_buf();
    let channel = Endpoint::try_from("http://localhost")?
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_| {
            let path = path.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::UnixStream::connect(path).await?,
                ))
            }
        }))
        .await?;
    Ok(channel)
}

pub async fn get_status(path: &Path) -> anyhow::Result<GetStatusResponse> {
    let mut client = SystemClient::new(channel(path).await?);
    let request = GetStatusRequest {
        client_protocol_version: spotter_proto::PROTOCOL_VERSION,
    };
    Ok(client.get_status(request).await?.into_inner())
}

/// Polls until a daemon answers `GetStatus` on `path`, or the child exits, or the
/// timeout passes.
pub async fn wait_ready(
    path: &Path,
    mut child: Option<&mut Child>,
) -> anyhow::Result<GetStatusResponse> {
    let start = Instant::now();
    loop {
        if let Ok(status) = get_status(path).await {
            return Ok(status);
        }
        if let Some(c) = child.as_deref_mut()
            && let Some(exit) = c.try_wait()?
        {
            anyhow::bail!("daemon exited before becoming ready: {exit}");
        }
        if start.elapsed() > READY_TIMEOUT {
            anyhow::bail!(
                "daemon not ready on {} after {READY_TIMEOUT:?}",
                path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A spawned process that is killed (and reaped) when dropped, so a test that
/// fails half-way leaves no daemon behind. Derefs to the [`Child`].
pub struct KillOnDrop(pub Child);

impl std::ops::Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Sends `signal` to `child`.
pub fn signal(child: &Child, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).expect("kill");
}

/// Waits for `child` to exit, at most `timeout`; kills it and panics on timeout.
/// Async so the test's own client connections keep being served meanwhile (a blocked
/// runtime cannot answer the daemon's GOAWAY, which stalls its graceful shutdown).
pub async fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("process did not exit within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Permission bits of `path`.
pub fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Whether this test runs as root, which acting as another Unix user needs; if not,
/// says on stderr that it cannot `what` here (the caller then skips its work).
pub fn running_as_root(what: &str) -> bool {
    if nix::unistd::getuid().is_root() {
        return true;
    }
    eprintln!("not root: cannot {what} here");
    false
}

/// The CLI's session file (`session-*.json`) in its state directory `dir`.
pub fn session_file(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("session-")
                && p.extension().is_some_and(|x| x == "json")
        })
}

/// Neither `Display` nor `Debug` of `err` contains any of `secrets` (empty ones
/// aside) or any of `params` (the query parameters and markers that carry them).
pub fn assert_secret_free(
    err: &(impl std::fmt::Display + std::fmt::Debug),
    secrets: &[&str],
    params: &[&str],
) {
    let shown = format!("{err} | {err:?}");
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!shown.contains(s), "error text leaks {s:?}: {shown}");
    }
    for param in params {
        assert!(!shown.contains(param), "error text has {param:?}: {shown}");
    }
}

/// Runs the e2e call client as uid/gid 65534 (nobody) against `socket` with `token`
/// (empty: the public `GetStatus`); what it printed (`OK`, `STATUS …`, `CONNECT …`).
/// The client is copied into the test's own directory first: the checkout may sit
/// under a directory that user cannot enter (e.g. /root). Async: the in-process daemon
/// serving the call runs on this test's runtime.
pub async fn call_as_nobody(dirs: &TestDirs, socket: &std::path::Path, token: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin_dir = dirs.path("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let client = bin_dir.join("spotter-e2e-call");
    if !client.exists() {
        std::fs::copy(bin("spotter-e2e-call"), &client).unwrap();
    }
    for path in [dirs.root.path(), bin_dir.as_path()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&client, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = tokio::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&client)
        .env("SPOTTER_E2E_SOCKET", socket)
        .env("SPOTTER_E2E_TOKEN", token)
        .output()
        .await
        .expect("setpriv (util-linux)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(pub String);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let value = format!("Bearer {}", self.0)
            .parse()
            .map_err(|_| tonic::Status::internal("bad token"))?;
        request.metadata_mut().insert("authorization", value);
        Ok(request)
    }
}

pub type Authed = tonic::service::interceptor::InterceptedService<Channel, Bearer>;

/// Typed clients on one connection, with or without a token.
pub struct Api {
    pub channel: Channel,
}

impl Api {
    pub async fn connect(path: &Path) -> Api {
        Api {
            channel: channel(path).await.expect("connect"),
        }
    }

    pub fn auth(&self) -> spotter_proto::v1::auth_client::AuthClient<Channel> {
        spotter_proto::v1::auth_client::AuthClient::new(self.channel.clone())
    }

    pub fn auth_as(&self, token: &str) -> spotter_proto::v1::auth_client::AuthClient<Authed> {
        spotter_proto::v1::auth_client::AuthClient::with_interceptor(
            self.channel.clone(),
            Bearer(token.into()),
        )
    }

    pub fn sessions_as(
        &self,
        token: &str,
    ) -> spotter_proto::v1::sessions_client::SessionsClient<Authed> {
        spotter_proto::v1::sessions_client::SessionsClient::with_interceptor(
            self.channel.clone(),
            Bearer(token.into()),
        )
    }

    pub fn admin_as(&self, token: &str) -> spotter_proto::v1::admin_client::AdminClient<Authed> {
        spotter_proto::v1::admin_client::AdminClient::with_interceptor(
            self.channel.clone(),
            Bearer(token.into()),
        )
    }

    pub fn connections_as(
        &self,
        token: &str,
    ) -> spotter_proto::v1::connections_client::ConnectionsClient<Authed> {
        spotter_proto::v1::connections_client::ConnectionsClient::with_interceptor(
            self.channel.clone(),
            Bearer(token.into()),
        )
    }

    pub fn jobs_as(&self, token: &str) -> spotter_proto::v1::jobs_client::JobsClient<Authed> {
        spotter_proto::v1::jobs_client::JobsClient::with_interceptor(
            self.channel.clone(),
            Bearer(token.into()),
        )
    }

    pub fn history_as(
        &self,
        token: &str,
    ) -> spotter_proto::v1::history_client::HistoryClient<Authed> {
        spotter_proto::v1::history_client::HistoryClient::with_interceptor(
            self.channel.clone(),
            Bearer(token.into()),
        )
    }

    /// The jobs and recent runs of `token`'s user.
    pub async fn list_jobs(&self, token: &str) -> v1::ListJobsResponse {
        self.jobs_as(token)
            .list_jobs(ListJobsRequest {})
            .await
            .unwrap()
            .into_inner()
    }

    /// The history summary of `token`'s user.
    pub async fn summary(&self, token: &str) -> v1::GetSummaryResponse {
        self.history_as(token)
            .get_summary(GetSummaryRequest {})
            .await
            .unwrap()
            .into_inner()
    }

    /// Every listen of `token`'s user, newest first, read page by page.
    pub async fn recent_listens(&self, token: &str) -> Vec<v1::Listen> {
        let mut out = Vec::new();
        let mut before = String::new();
        loop {
            let page = self
                .history_as(token)
                .list_recent_listens(ListRecentListensRequest {
                    page_size: 200,
                    before: before.clone(),
                })
                .await
                .unwrap()
                .into_inner();
            out.extend(page.listens);
            if page.next_before.is_empty() {
                return out;
            }
            before = page.next_before;
        }
    }

    /// Whether first-run setup is still to be done, and how.
    pub async fn setup_state(&self) -> v1::GetSetupStateResponse {
        self.auth()
            .get_setup_state(v1::GetSetupStateRequest {})
            .await
            .unwrap()
            .into_inner()
    }

    /// First-run setup of a local owner.
    pub async fn setup_owner(
        &self,
        username: &str,
        password: &str,
    ) -> spotter_proto::v1::SignInResponse {
        use spotter_proto::v1::{SetupRequest, SignInMethod};
        self.auth()
            .setup(SetupRequest {
                method: SignInMethod::Local as i32,
                username: username.into(),
                password: password.into(),
                setup_code: String::new(),
                device_label: "e2e".into(),
            })
            .await
            .expect("setup")
            .into_inner()
    }

    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<spotter_proto::v1::SignInResponse, tonic::Status> {
        use spotter_proto::v1::{SignInMethod, SignInRequest};
        self.auth()
            .sign_in(SignInRequest {
                method: SignInMethod::Local as i32,
                username: username.into(),
                password: password.into(),
                device_label: "e2e".into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }
}

/// Owner and password of the [`Instance`] fixture, and the password its users get.
pub const OWNER: &str = "olivia";
pub const OWNER_PW: &str = "ochre-lantern-harbour";
pub const USER_PW: &str = "umber-kettle-meadow";

/// The API tests' fixture: a daemon booted in-process on a temp directory, a client
/// connection, and the owner created by first-run setup.
pub struct Instance {
    pub dirs: TestDirs,
    pub running: spotter_daemon::Running,
    pub api: Api,
    pub owner: spotter_proto::v1::SignInResponse,
}

impl Instance {
    pub async fn start() -> Instance {
        Instance::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> Instance {
        Instance::with_config(settings, |_| {}).await
    }

    /// Like [`Instance::with_settings`], with a last look at the resolved [`Config`]
    /// (secrets that do not come from settings, such as the Last.fm shared secret).
    pub async fn with_config(settings: Settings, adjust: impl FnOnce(&mut Config)) -> Instance {
        let dirs = TestDirs::new();
        let mut config = dirs.config_with(settings, KeyInputs::default());
        adjust(&mut config);
        let running = spotter_daemon::boot(config).await.expect("boot");
        let api = Api::connect(running.socket_path()).await;
        let owner = api.setup_owner(OWNER, OWNER_PW).await;
        Instance {
            dirs,
            running,
            api,
            owner,
        }
    }

    /// The owner, for the calls of [`Me`].
    pub fn me(&self) -> Me<'_> {
        Me::new(&self.api, &self.owner)
    }

    /// An events client on a connection of its own, as a separate process (the TUI's
    /// event stream) has: a stalled one must not stall the others.
    pub async fn events_as(&self, token: &str) -> EventsClient<Authed> {
        let api = Api::connect(self.running.socket_path()).await;
        EventsClient::with_interceptor(api.channel, Bearer(token.into()))
    }

    /// An event stream of `token`'s user on a connection of its own, resumed after
    /// `after_seq` of `epoch` (0, 0: from now).
    pub async fn subscribe(&self, token: &str, after_seq: u64, epoch: u64) -> Streaming<v1::Event> {
        self.events_as(token)
            .await
            .subscribe(v1::SubscribeRequest { after_seq, epoch })
            .await
            .unwrap()
            .into_inner()
    }

    /// Creates a local user (as the owner) and signs them in.
    pub async fn user(&self, name: &str) -> spotter_proto::v1::SignInResponse {
        self.api
            .admin_as(&self.owner.access_token)
            .create_user(spotter_proto::v1::CreateUserRequest {
                username: name.into(),
                password: USER_PW.into(),
            })
            .await
            .expect("create user");
        self.api.sign_in(name, USER_PW).await.expect("sign in")
    }
}

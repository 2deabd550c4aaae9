//! Configuration: defaults in code, then a TOML file, then `SPOTTER_<SECTION>_<KEY>`
//! environment variables (e.g. `SPOTTER_NAVIDROME_BASE_URL` → `navidrome.base_url`).
//! Validated at startup; every message names the offending key.
//!
//! Secrets never live here: keys come from [`crate::crypto::KeyInputs`], which reads
//! the systemd credential, the environment or a key file.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use spotter_proto::locations::{self, Dirs, Mode, SocketLocation};

use crate::crypto::{ENCRYPTION_KEY, JWT_SECRET, KeyInputs, LASTFM_SHARED_SECRET};

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "SPOTTER_CONFIG";
/// File name of the configuration in the mode's config directory.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// Database file name in the data directory.
pub const DATABASE_FILE_NAME: &str = "spotter.db";
/// Sections that `SPOTTER_<SECTION>_<KEY>` variables map into.
const SECTIONS: &[&str] = &[
    "daemon",
    "log",
    "security",
    "auth",
    "navidrome",
    "sync",
    "history",
    "providers",
    "spotify",
    "lastfm",
    "listenbrainz",
];

/// What the TOML file and the environment may set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub daemon: DaemonSettings,
    pub log: LogSettings,
    pub security: SecuritySettings,
    pub auth: AuthSettings,
    pub navidrome: NavidromeSettings,
    pub sync: SyncSettings,
    pub history: HistorySettings,
    pub playlists: PlaylistsSettings,
    pub providers: ProvidersSettings,
    pub spotify: SpotifySettings,
    pub lastfm: LastFmSettings,
    pub listenbrainz: ListenBrainzSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonSettings {
    /// Socket path; default `$XDG_RUNTIME_DIR/spotter/spotterd.sock` (personal) or
    /// `/run/spotter/spotterd.sock` (system). `SPOTTER_SOCKET` wins over this.
    pub socket: Option<PathBuf>,
    /// Database directory; default `$XDG_DATA_HOME/spotter` or `/var/lib/spotter`.
    pub data_dir: Option<PathBuf>,
    /// Graceful shutdown budget after SIGTERM/SIGINT; a second signal exits at once.
    pub shutdown_timeout_secs: u64,
    /// Requests served at once on one connection (SECURITY.md T12).
    pub max_concurrent_requests_per_connection: usize,
    /// Client connections open at once, all Unix users together (T12). Lowered at
    /// start-up to fit the open-file limit.
    pub max_connections: usize,
    /// Client connections open at once from one Unix user (T12).
    pub max_connections_per_uid: usize,
    /// Seconds a new connection has to start HTTP/2 (send its preface).
    pub handshake_timeout_secs: u64,
    /// Seconds a connection may stay open with no call in progress.
    pub idle_timeout_secs: u64,
    /// Seconds between keep-alive pings on a connection; an unanswered ping closes it.
    pub keepalive_interval_secs: u64,
    /// Seconds a keep-alive ping may go unanswered.
    pub keepalive_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `error`, `warn`, `info`, `debug` or `trace`, or a full filter directive.
    /// `RUST_LOG` wins over this.
    pub level: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// A file holding the encryption key (64 hex characters or base64 of 32 bytes).
    pub encryption_key_file: Option<PathBuf>,
    /// A file holding the JWT signing secret (at least 32 bytes; not the encryption key).
    pub jwt_secret_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Lifetime of an access token (at most 900 s, SECURITY.md T3).
    pub access_token_ttl_secs: u64,
    /// Lifetime of a session (its refresh tokens) without being used.
    pub session_ttl_days: u64,
    /// Shortest local password accepted.
    pub min_password_length: usize,
    /// Sign-in attempts per minute from one Unix uid (burst of the same size).
    pub sign_in_attempts_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            access_token_ttl_secs: 900,
            session_ttl_days: 30,
            min_password_length: 10,
            sign_in_attempts_per_minute: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NavidromeSettings {
    /// Base URL of the Navidrome (Subsonic API) server, e.g. `http://127.0.0.1:4533`.
    pub base_url: Option<String>,
    /// Timeout of one call to Navidrome.
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Seconds between history syncs of one user.
    pub history_interval_secs: u64,
    /// Seconds between library syncs of one user.
    pub library_interval_secs: u64,
    /// Seconds between playlist syncs of one user (sources followed, re-match,
    /// Navidrome pushes).
    pub playlist_interval_secs: u64,
    /// How far back the first history sync of a connection reaches, in days; 0 means
    /// everything the provider has.
    pub lookback_days: u64,
    /// Sync runs going on at once across all users.
    pub max_concurrent_jobs: usize,
    /// Spotify export imports skip plays shorter than this many seconds.
    pub import_min_play_secs: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            history_interval_secs: 300,
            library_interval_secs: 3600,
            playlist_interval_secs: 3600,
            lookback_days: 30,
            max_concurrent_jobs: 2,
            import_min_play_secs: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySettings {
    /// Listens one user may hold; syncs and imports stop adding at this many.
    pub max_listens_per_user: u64,
    /// Imports running at once, all users together (each user runs one at a time).
    pub max_concurrent_imports: usize,
    /// Seconds an upload may stall (no data from the client) before it is ended.
    pub import_idle_timeout_secs: u64,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            max_listens_per_user: crate::store::DEFAULT_LISTEN_QUOTA,
            max_concurrent_imports: 2,
            import_idle_timeout_secs: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaylistsSettings {
    /// Fuzzy matches scoring at least this (0.5..=1.0) are taken; lower ones are
    /// offered for review.
    pub match_threshold: f32,
    /// Largest playlist file an import reads, in bytes.
    pub max_import_bytes: u64,
    /// Entries one playlist may hold: a longer file is refused whole; a longer source
    /// playlist is cut there, and the sync says so.
    pub max_entries: u64,
    /// Playlists one user may hold, imported ones included.
    pub max_playlists_per_user: u64,
    /// Users whose library match index is kept in memory (about 90 MB for a
    /// 200,000-song library); others are rebuilt when needed.
    pub index_cache_users: u64,
}

impl Default for PlaylistsSettings {
    fn default() -> Self {
        PlaylistsSettings {
            match_threshold: crate::music_text::matching::DEFAULT_THRESHOLD,
            max_import_bytes: 16 * 1024 * 1024,
            max_entries: 20_000,
            max_playlists_per_user: 2_000,
            index_cache_users: 4,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProvidersSettings {
    /// Extra trusted root certificates (PEM bundle) for outbound https, added to the
    /// built-in roots: a private mirror of an API, or a TLS-intercepting proxy.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpotifySettings {
    /// Client id of the operator's Spotify app; unset: Spotify is not offered.
    pub client_id: Option<String>,
    /// Redirect URI registered with the app. Nothing needs to listen there: the user
    /// pastes the URL the browser was sent to back into the TUI.
    pub redirect_uri: String,
    pub accounts_url: String,
    pub api_url: String,
}

impl Default for SpotifySettings {
    fn default() -> Self {
        SpotifySettings {
            client_id: None,
            redirect_uri: crate::providers::spotify::DEFAULT_REDIRECT_URI.into(),
            accounts_url: crate::providers::spotify::DEFAULT_ACCOUNTS_URL.into(),
            api_url: crate::providers::spotify::DEFAULT_API_URL.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LastFmSettings {
    /// API key of the operator's Last.fm API account; unset: Last.fm is not offered.
    /// Its shared secret comes from the `lastfm-shared-secret` credential,
    /// `SPOTTER_LASTFM_SHARED_SECRET` or `shared_secret_file`.
    pub api_key: Option<String>,
    pub shared_secret_file: Option<PathBuf>,
    /// https only.
    pub api_url: String,
    pub auth_url: String,
    /// Requests per second to Last.fm at most (their terms ask for 5).
    pub requests_per_second: u32,
}

impl Default for LastFmSettings {
    fn default() -> Self {
        LastFmSettings {
            api_key: None,
            shared_secret_file: None,
            api_url: crate::providers::lastfm::DEFAULT_API_URL.into(),
            auth_url: crate::providers::lastfm::DEFAULT_AUTH_URL.into(),
            requests_per_second: crate::providers::lastfm::DEFAULT_REQUESTS_PER_SECOND,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListenBrainzSettings {
    /// API base URL; other servers implement the ListenBrainz API.
    pub api_url: String,
}

impl Default for ListenBrainzSettings {
    fn default() -> Self {
        ListenBrainzSettings {
            api_url: crate::providers::listenbrainz::DEFAULT_API_URL.into(),
        }
    }
}

impl Default for DaemonSettings {
    fn default() -> Self {
        DaemonSettings {
            socket: None,
            data_dir: None,
            shutdown_timeout_secs: 10,
            max_concurrent_requests_per_connection: 32,
            max_connections: 1024,
            max_connections_per_uid: 128,
            handshake_timeout_secs: 10,
            idle_timeout_secs: 600,
            keepalive_interval_secs: 60,
            keepalive_timeout_secs: 20,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".into(),
        }
    }
}

impl Default for NavidromeSettings {
    fn default() -> Self {
        NavidromeSettings {
            base_url: None,
            timeout_secs: 15,
        }
    }
}

/// A configuration problem, named by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub key: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("invalid configuration: {0}")]
    Parse(String),
    #[error("invalid configuration:{}", .0.iter().map(|i| format!("\n  {}: {}", i.key, i.message)).collect::<String>())]
    Invalid(Vec<Invalid>),
    #[error("{0}")]
    Location(#[from] locations::LocationError),
}

/// The effective configuration: settings plus every resolved location.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// The file read, if any.
    pub file: Option<PathBuf>,
    pub socket: SocketLocation,
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
    pub settings: Settings,
    /// Where the encryption key may come from (captured from the environment once).
    pub key_inputs: KeyInputs,
    /// Where the JWT signing secret may come from.
    pub jwt_inputs: KeyInputs,
    /// Where the Last.fm shared secret may come from (never generated).
    pub lastfm_secret_inputs: KeyInputs,
}

impl Config {
    /// Loads from the process: `--config`/`SPOTTER_CONFIG` or the mode's default file
    /// (missing is fine unless named explicitly), then `SPOTTER_*` variables.
    pub fn load(mode: Mode, explicit_file: Option<&Path>) -> Result<Config, ConfigError> {
        let dirs = Dirs::for_mode(mode)?;
        let env_file = std::env::var_os(CONFIG_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let (file, required) = match explicit_file.map(Path::to_path_buf).or(env_file) {
            Some(p) => (p, true),
            None => (dirs.config.join(CONFIG_FILE_NAME), false),
        };
        let file = if file.exists() {
            Some(file)
        } else if required {
            return Err(ConfigError::File {
                path: file,
                message: "not found".into(),
            });
        } else {
            None
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(f) = &file {
            let text = std::fs::read_to_string(f).map_err(|e| ConfigError::File {
                path: f.clone(),
                message: e.to_string(),
            })?;
            figment = figment.merge(Toml::string(&text));
        }
        figment = figment.merge(env_provider());
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Parse(describe_figment_error(e)))?;
        let mut config = Config::resolve(
            mode,
            file,
            dirs,
            settings,
            KeyInputs::from_env(&ENCRYPTION_KEY, None, None),
        )?;
        let jwt = KeyInputs::from_env(&JWT_SECRET, None, None);
        config.jwt_inputs.credentials_directory = jwt.credentials_directory;
        config.jwt_inputs.env_value = jwt.env_value;
        config.lastfm_secret_inputs.env_value =
            KeyInputs::from_env(&LASTFM_SHARED_SECRET, None, None).env_value;
        Ok(config)
    }

    /// Builds the effective configuration from already-parsed settings (tests use this
    /// with temp directories).
    pub fn resolve(
        mode: Mode,
        file: Option<PathBuf>,
        dirs: Dirs,
        settings: Settings,
        mut key_inputs: KeyInputs,
    ) -> Result<Config, ConfigError> {
        let problems = settings.validate();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        let socket = locations::resolve_socket(mode, settings.daemon.socket.as_deref())?;
        let data_dir = settings.daemon.data_dir.clone().unwrap_or(dirs.data);
        key_inputs.key_file = settings.security.encryption_key_file.clone();
        key_inputs.generated_key_path = match mode {
            Mode::Personal => Some(dirs.config.join(ENCRYPTION_KEY.credential)),
            Mode::System => None,
        };
        // Same credentials directory as the key; the environment value is filled in by
        // `load` (tests leave it empty).
        let jwt_inputs = KeyInputs {
            spec: &JWT_SECRET,
            credentials_directory: key_inputs.credentials_directory.clone(),
            env_value: None,
            key_file: settings.security.jwt_secret_file.clone(),
            generated_key_path: match mode {
                Mode::Personal => Some(dirs.config.join(JWT_SECRET.credential)),
                Mode::System => None,
            },
        };
        let lastfm_secret_inputs = KeyInputs {
            spec: &LASTFM_SHARED_SECRET,
            credentials_directory: key_inputs.credentials_directory.clone(),
            env_value: None,
            key_file: settings.lastfm.shared_secret_file.clone(),
            generated_key_path: None,
        };
        Ok(Config {
            lastfm_secret_inputs,
            mode,
            file,
            socket,
            config_dir: dirs.config,
            data_dir,
            state_dir: dirs.state,
            settings,
            key_inputs,
            jwt_inputs,
        })
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE_NAME)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.daemon.shutdown_timeout_secs)
    }
}

/// `SPOTTER_<SECTION>_<KEY>` → `<section>.<key>`; other `SPOTTER_*` variables (the
/// socket, the config file, the key, the TUI's own) are not settings and are skipped.
fn env_provider() -> Env {
    Env::prefixed("SPOTTER_").filter_map(|key| setting_for_env(key.as_str()).map(Into::into))
}

/// The setting `SPOTTER_<rest>` maps to (`rest` without the prefix), if any.
fn setting_for_env(rest: &str) -> Option<String> {
    let key = rest.to_ascii_lowercase();
    // Secrets read by `KeyInputs`, never settings.
    if [&ENCRYPTION_KEY, &JWT_SECRET, &LASTFM_SHARED_SECRET]
        .iter()
        .any(|spec| spec.env.eq_ignore_ascii_case(&format!("SPOTTER_{key}")))
    {
        return None;
    }
    SECTIONS.iter().find_map(|section| {
        key.strip_prefix(section)
            .and_then(|rest| rest.strip_prefix('_'))
            .filter(|rest| !rest.is_empty())
            .map(|rest| format!("{section}.{rest}"))
    })
}

fn describe_figment_error(e: figment::Error) -> String {
    e.into_iter()
        .map(|err| {
            let key = err.path.join(".");
            let origin = err
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            let mut kind = err.kind.to_string();
            if let figment::error::Kind::UnknownField(field, _) = &err.kind {
                kind = format!("unknown key `{field}`");
            }
            match (key.is_empty(), origin.is_empty()) {
                (false, false) => format!("{key}: {kind} (from {origin})"),
                (false, true) => format!("{key}: {kind}"),
                (true, false) => format!("{kind} (from {origin})"),
                (true, true) => kind,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A numeric setting and the range it must fall in: a row of [`RANGES`].
struct Range {
    /// The key as users write it and as messages name it (`section.field`).
    key: &'static str,
    get: fn(&Settings) -> u64,
    min: u64,
    /// `u64::MAX`: no upper bound.
    max: u64,
    /// Said after an "at most" bound (what the 0 it allows means).
    note: &'static str,
}

impl Range {
    fn check(&self, settings: &Settings) -> Option<Invalid> {
        let got = (self.get)(settings);
        if (self.min..=self.max).contains(&got) {
            return None;
        }
        let message = match (self.min, self.max) {
            (min, u64::MAX) => format!("must be at least {min}"),
            (0, max) => format!("must be at most {max}{} (got {got})", self.note),
            (min, max) => format!("must be between {min} and {max} (got {got})"),
        };
        Some(Invalid {
            key: self.key.into(),
            message,
        })
    }
}

/// A setting's number as the `u64` that [`RANGES`] compares.
trait Widen {
    fn widen(self) -> u64;
}

impl Widen for u64 {
    fn widen(self) -> u64 {
        self
    }
}

impl Widen for u32 {
    fn widen(self) -> u64 {
        self.into()
    }
}

impl Widen for usize {
    fn widen(self) -> u64 {
        self as u64
    }
}

/// One row of [`RANGES`]: `section.field, min..=max` (`min..`: no upper bound), and
/// for an "at most" row a note on what its 0 means. The key is the field's path, so
/// the two cannot drift apart.
macro_rules! range {
    ($section:ident . $field:ident, $min:literal ..= $max:literal $(, $note:literal)?) => {
        Range {
            key: concat!(stringify!($section), ".", stringify!($field)),
            get: |s| s.$section.$field.widen(),
            min: $min,
            max: $max,
            note: concat!($($note)?),
        }
    };
    ($section:ident . $field:ident, $min:literal ..) => {
        Range {
            key: concat!(stringify!($section), ".", stringify!($field)),
            get: |s| s.$section.$field.widen(),
            min: $min,
            max: u64::MAX,
            note: "",
        }
    };
}

/// Every numeric setting with the range it must fall in, checked in this order.
const RANGES: &[Range] = &[
    range!(daemon.shutdown_timeout_secs, 1..=3_600),
    range!(daemon.max_concurrent_requests_per_connection, 1..=1_024),
    range!(daemon.max_connections, 1..=1_000_000),
    range!(daemon.handshake_timeout_secs, 1..=300),
    range!(daemon.idle_timeout_secs, 10..=86_400),
    range!(daemon.keepalive_interval_secs, 5..=3_600),
    range!(daemon.keepalive_timeout_secs, 1..=600),
    range!(history.max_listens_per_user, 1..),
    range!(history.max_concurrent_imports, 1..=64),
    range!(history.import_idle_timeout_secs, 1..=3_600),
    range!(auth.access_token_ttl_secs, 60..=900),
    range!(auth.session_ttl_days, 1..=365),
    range!(auth.min_password_length, 8..=128),
    range!(auth.sign_in_attempts_per_minute, 1..=1_000),
    range!(sync.history_interval_secs, 30..=86_400),
    range!(sync.library_interval_secs, 60..=604_800),
    range!(sync.playlist_interval_secs, 60..=604_800),
    range!(playlists.max_import_bytes, 1_024..=1_073_741_824),
    range!(playlists.max_entries, 1..=1_000_000),
    range!(playlists.max_playlists_per_user, 1..=1_000_000),
    range!(playlists.index_cache_users, 1..=1_024),
    range!(sync.lookback_days, 0..=36_500, ", or 0 for everything"),
    range!(sync.max_concurrent_jobs, 1..=64),
    range!(sync.import_min_play_secs, 0..=3_600),
    range!(lastfm.requests_per_second, 1..=1_000),
    range!(navidrome.timeout_secs, 1..=300),
];

/// The problems [`Settings::validate`] has found so far.
struct Problems(Vec<Invalid>);

impl Problems {
    fn add(&mut self, key: &str, message: String) {
        self.0.push(Invalid {
            key: key.into(),
            message,
        });
    }

    /// `key`, when set, must be an absolute path.
    fn absolute(&mut self, key: &str, path: &Option<PathBuf>) {
        if let Some(p) = path
            && !p.is_absolute()
        {
            self.add(
                key,
                format!("must be an absolute path (got {})", p.display()),
            );
        }
    }
}

impl Settings {
    /// Every problem at once, each naming its key: the numeric ranges of [`RANGES`]
    /// first, then the rules that are not a range.
    pub fn validate(&self) -> Vec<Invalid> {
        let mut out = Problems(RANGES.iter().filter_map(|r| r.check(self)).collect());
        let threshold = self.playlists.match_threshold;
        if !(0.5..=1.0).contains(&threshold) {
            out.add(
                "playlists.match_threshold",
                format!("must be between 0.5 and 1.0 (got {threshold})"),
            );
        }
        let d = &self.daemon;
        if d.max_connections_per_uid == 0 || d.max_connections_per_uid > d.max_connections {
            out.add(
                "daemon.max_connections_per_uid",
                format!(
                    "must be between 1 and daemon.max_connections, {} (got {})",
                    d.max_connections, d.max_connections_per_uid
                ),
            );
        }
        out.absolute("daemon.socket", &d.socket);
        out.absolute("daemon.data_dir", &d.data_dir);
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err()
            || self.log.level.trim().is_empty()
        {
            out.add(
                "log.level",
                format!(
                    "`{}` is not a level (error, warn, info, debug, trace) or filter",
                    self.log.level
                ),
            );
        }
        out.absolute(
            "security.encryption_key_file",
            &self.security.encryption_key_file,
        );
        out.absolute("security.jwt_secret_file", &self.security.jwt_secret_file);
        if let Some(url) = &self.navidrome.base_url
            && let Err(why) = check_base_url(url)
        {
            out.add("navidrome.base_url", why);
        }
        out.absolute("providers.ca_file", &self.providers.ca_file);
        out.absolute("lastfm.shared_secret_file", &self.lastfm.shared_secret_file);
        for (key, url) in [
            ("spotify.accounts_url", &self.spotify.accounts_url),
            ("spotify.api_url", &self.spotify.api_url),
            ("spotify.redirect_uri", &self.spotify.redirect_uri),
            ("lastfm.api_url", &self.lastfm.api_url),
            ("lastfm.auth_url", &self.lastfm.auth_url),
            ("listenbrainz.api_url", &self.listenbrainz.api_url),
        ] {
            if let Err(why) = check_base_url(url) {
                out.add(key, why);
            }
        }
        for (key, url) in [
            ("lastfm.api_url", &self.lastfm.api_url),
            ("lastfm.auth_url", &self.lastfm.auth_url),
        ] {
            if !url.starts_with("https://") {
                out.add(
                    key,
                    "must use https (Last.fm calls are signed and carry a session key)".into(),
                );
            }
        }
        for (key, value) in [
            ("spotify.client_id", &self.spotify.client_id),
            ("lastfm.api_key", &self.lastfm.api_key),
        ] {
            if let Some(v) = value
                && (v.trim().is_empty()
                    || v.len() > 255
                    || !v.chars().all(|c| c.is_ascii_graphic()))
            {
                out.add(key, "must be 1 to 255 printable ASCII characters".into());
            }
        }
        out.0
    }
}

/// An operator-configured base URL: http(s), a host, no credentials, no query.
fn check_base_url(url: &str) -> Result<(), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{url}` is not an absolute http(s) URL"))?;
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme must be http or https (got `{scheme}`)"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err("URL has no host".into());
    }
    if authority.contains('@') {
        return Err("must not contain credentials; sign-in supplies them".into());
    }
    if rest.contains('?') || rest.contains('#') {
        return Err("must not contain a query or fragment".into());
    }
    if url.len() > 2048 {
        return Err("longer than 2048 characters".into());
    }
    Ok(())
}

/// The effective configuration as `check-config` prints it: TOML, secrets masked
/// (they cannot be serialised any other way), plus where things are.
pub struct Effective<'a>(pub &'a Config);

impl fmt::Display for Effective<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        writeln!(f, "# mode: {}", c.mode)?;
        match &c.file {
            Some(p) => writeln!(f, "# file: {}", p.display())?,
            None => writeln!(f, "# file: none (defaults and environment only)")?,
        }
        writeln!(
            f,
            "# socket: {} ({:?})",
            c.socket.path.display(),
            c.socket.source
        )?;
        writeln!(f, "# database: {}", c.database_path().display())?;

        let toml = toml::to_string_pretty(&c.settings).map_err(|_| fmt::Error)?;
        f.write_str(&toml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Settings::default().validate().is_empty());
    }

    #[test]
    fn every_problem_names_its_key() {
        let mut s = Settings::default();
        s.daemon.shutdown_timeout_secs = 0;
        s.daemon.socket = Some("relative.sock".into());
        s.log.level = "loud[".into();
        s.navidrome.base_url = Some("ftp://music".into());
        let keys: Vec<_> = s.validate().into_iter().map(|i| i.key).collect();
        assert_eq!(
            keys,
            [
                "daemon.shutdown_timeout_secs",
                "daemon.socket",
                "log.level",
                "navidrome.base_url"
            ]
        );
    }

    #[test]
    fn sync_and_provider_settings_are_checked() {
        let mut s = Settings::default();
        s.sync.history_interval_secs = 5;
        s.sync.max_concurrent_jobs = 0;
        s.sync.lookback_days = 100_000;
        s.providers.ca_file = Some("roots.pem".into());
        s.spotify.client_id = Some("has space".into());
        s.lastfm.api_url = "http://ws.audioscrobbler.com/2.0/".into();
        s.listenbrainz.api_url = "file:///etc/passwd".into();
        let keys: Vec<_> = s.validate().into_iter().map(|i| i.key).collect();
        assert_eq!(
            keys,
            [
                "sync.history_interval_secs",
                "sync.lookback_days",
                "sync.max_concurrent_jobs",
                "providers.ca_file",
                "listenbrainz.api_url",
                "lastfm.api_url",
                "spotify.client_id",
            ]
        );
        // Everything (0) is a valid look-back.
        let mut s = Settings::default();
        s.sync.lookback_days = 0;
        assert!(s.validate().is_empty());
    }

    /// Each row of [`RANGES`], set through the key users write (so the key is the
    /// field's): both bounds pass, and one past either bound is refused under that
    /// key. A new row is tested here without a line more.
    #[test]
    fn every_range_row_accepts_its_bounds_and_refuses_one_past_them() {
        let mut keys: Vec<_> = RANGES.iter().map(|r| r.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), RANGES.len(), "one row per key");
        for row in RANGES {
            let problems = |value: u64| {
                let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
                    .merge(Serialized::default(row.key, value))
                    .extract()
                    .unwrap_or_else(|e| panic!("{} = {value}: {e}", row.key));
                assert_eq!(
                    (row.get)(&settings),
                    value,
                    "{} reads its own field",
                    row.key
                );
                settings
                    .validate()
                    .into_iter()
                    .filter(|i| i.key == row.key)
                    .collect::<Vec<_>>()
            };
            for bound in [row.min, row.max] {
                let found = problems(bound);
                assert!(found.is_empty(), "{} = {bound}: {found:?}", row.key);
            }
            let past = row
                .min
                .checked_sub(1)
                .into_iter()
                .chain(row.max.checked_add(1));
            for value in past {
                let found = problems(value);
                assert_eq!(found.len(), 1, "{} = {value}: {found:?}", row.key);
                assert!(found[0].message.starts_with("must be"), "{found:?}");
            }
        }
    }

    #[test]
    fn range_messages_name_the_bounds_and_the_value() {
        let mut s = Settings::default();
        s.daemon.shutdown_timeout_secs = 0;
        s.history.max_listens_per_user = 0;
        s.sync.lookback_days = 36_501;
        s.sync.import_min_play_secs = 3_601;
        let problems: Vec<_> = s
            .validate()
            .into_iter()
            .map(|i| format!("{}: {}", i.key, i.message))
            .collect();
        assert_eq!(
            problems,
            [
                "daemon.shutdown_timeout_secs: must be between 1 and 3600 (got 0)",
                "history.max_listens_per_user: must be at least 1",
                "sync.lookback_days: must be at most 36500, or 0 for everything (got 36501)",
                "sync.import_min_play_secs: must be at most 3600 (got 3601)",
            ]
        );
    }

    #[test]
    fn secret_environment_variables_are_not_settings() {
        // `SPOTTER_LASTFM_SHARED_SECRET` would otherwise map to an unknown key.
        assert_eq!(setting_for_env("LASTFM_SHARED_SECRET"), None);
        assert_eq!(setting_for_env("SECURITY_JWT_SECRET"), None);
        assert_eq!(setting_for_env("SECURITY_ENCRYPTION_KEY"), None);
        assert_eq!(
            setting_for_env("SYNC_LOOKBACK_DAYS").as_deref(),
            Some("sync.lookback_days")
        );
        assert_eq!(
            setting_for_env("LASTFM_API_KEY").as_deref(),
            Some("lastfm.api_key")
        );
        assert_eq!(setting_for_env("SOCKET"), None);
    }

    #[test]
    fn base_url_rules() {
        assert!(check_base_url("http://127.0.0.1:4533").is_ok());
        assert!(check_base_url("https://music.example.org/navidrome").is_ok());
        assert!(check_base_url("https://user:pw@music.example.org").is_err());
        assert!(check_base_url("music.example.org").is_err());
        assert!(check_base_url("https://music.example.org/?u=x").is_err());
    }

    #[test]
    fn toml_errors_name_the_key() {
        let err = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[daemon]\nshutdown_timeout_secs = \"soon\"\n"))
            .extract::<Settings>()
            .unwrap_err();
        let msg = describe_figment_error(err);
        assert!(msg.contains("daemon.shutdown_timeout_secs"), "{msg}");
        let err = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string("[navidrome]\nbase_ulr = \"http://x\"\n"))
            .extract::<Settings>()
            .unwrap_err();
        let msg = describe_figment_error(err);
        assert!(msg.contains("base_ulr"), "{msg}");
    }
}

//! spotterd: the spotter daemon.
//!
//! One folder per domain ([`domains`]: identity and sessions, admin, connections,
//! sync, history), each holding its rpc adapter, its service and its store queries;
//! below them the infrastructure that knows no domain: `store` (the SQLite pools and
//! transaction helpers), `crypto`, `auth` primitives, `providers`, `events`, `config`,
//! `transport`, `logging`, `music_text`, and `rpc` (what every adapter shares: error
//! mapping, the peer, message limits). [`boot`] starts the whole daemon from a
//! [`Config`] and composes the domains; `main.rs` only parses flags and calls it, so
//! tests run the real daemon in-process on a temp directory.

pub mod auth;
pub mod config;
pub mod crypto;
pub mod domains;
pub mod events;
mod fsutil;
#[doc(hidden)]
pub mod fuzzing;
pub mod lock;
pub mod logging;
pub mod music_text;
pub mod notify;
pub mod providers;
pub mod rpc;
pub mod service;
pub mod store;
pub mod transport;
#[cfg(test)]
mod validation_props;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use spotter_proto::{FILE_DESCRIPTOR_SET, v1::system_server};
use tokio::{sync::RwLock, task::JoinHandle};
use tonic_reflection::server::{
    Builder as ReflectionBuilder, Error as ReflectionError, v1::ServerReflectionServer,
    v1alpha::ServerReflectionServer as ServerReflectionServerV1Alpha,
};

pub use config::Config;
use config::DaemonSettings;
use crypto::{KeySource, Keyring, SEALED_COLUMNS};
pub use domains::DaemonState;
use domains::{
    admin::rotation, connections::service::Connections, identity::service::Identity,
    sync::jobs::Jobs,
};
use lock::InstanceLock;
use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Key(#[from] crypto::KeyError),
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    #[error("after an interrupted key rotation: {0}")]
    KeySettle(#[from] rotation::SettleError),
    #[error("cannot open database {path}: {source}")]
    Store {
        path: PathBuf,
        source: store::StoreError,
    },
    #[error("cannot prepare data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] ReflectionError),
    #[error("navidrome.base_url: {0}")]
    Navidrome(#[source] providers::subsonic::SubsonicError),
    #[error("cannot start the identity service: {0}")]
    Identity(#[source] service::ServiceError),
    #[error(transparent)]
    Providers(#[from] domains::connections::clients::ClientsError),
    #[error("providers.ca_file {path}: {source}")]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A running daemon. Dropping it without [`Running::shutdown`] still removes the socket.
pub struct Running {
    socket: PathBuf,
    activated: bool,
    state: Arc<DaemonState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
    scheduler: Option<JoinHandle<()>>,
    shutdown_timeout: Duration,
    _lock: InstanceLock,
}

impl Running {
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// True when systemd handed us the socket (it then owns the path).
    pub fn activated(&self) -> bool {
        self.activated
    }

    pub fn state(&self) -> &Arc<DaemonState> {
        &self.state
    }

    /// Stops accepting, lets in-flight requests finish within the shutdown timeout,
    /// then removes the socket and closes the database.
    pub async fn shutdown(mut self) {
        // Ends open event streams, which would otherwise hold the graceful shutdown.
        self.state.events.close();
        // Running syncs stop at their next await; committed pages stay.
        self.state.jobs.shutdown();
        if let Some(scheduler) = self.scheduler.take() {
            let _ = tokio::time::timeout(self.shutdown_timeout, scheduler).await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take() {
            match tokio::time::timeout(self.shutdown_timeout, &mut server).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => tracing::warn!(error = %e, "server ended with an error"),
                // Never the panic's message: it may quote what the task held.
                Ok(Err(e)) => tracing::warn!(panicked = e.is_panic(), "server task failed"),
                Err(_) => {
                    tracing::warn!(timeout = ?self.shutdown_timeout, "requests still running at the shutdown timeout; aborting them");
                    server.abort();
                }
            }
        }
        transport::remove(&self.socket, self.activated);
        self.state.store.close().await;
        tracing::info!("stopped");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            transport::remove(&self.socket, self.activated);
        }
        if let Some(scheduler) = self.scheduler.take() {
            self.state.jobs.shutdown();
            scheduler.abort();
        }
    }
}

/// Starts the daemon: key, lock, store, socket, services. Returns once it accepts
/// connections (and has told systemd it is ready).
///
/// Infrastructure first (keys, socket, lock, store, event bus, provider clients),
/// then the domain services others depend on (identity, connections, jobs), then
/// every domain's rpc services from the registry in [`domains::routes`].
pub async fn boot(config: Config) -> Result<Running, BootError> {
    let (key, key_source, jwt_secret) = load_secrets(&config)?;

    // Activated sockets belong to systemd; otherwise refuse a live daemon before
    // touching anything else.
    let activated = transport::activated(&config.socket.path)?;
    if activated.is_none() {
        transport::claim_path(&config.socket.path)?;
    }
    fsutil::ensure_private_dir(&config.data_dir).map_err(|source| BootError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let lock = InstanceLock::acquire(&config.data_dir)?;
    let (store, schema_version) = open_store(&config).await?;
    // A key rotation cut short may have left its new key staged beside the key file:
    // keep the key the database is sealed with. Only now, holding the instance lock,
    // so a running daemon's rotation is never touched.
    let keyring = rotation::settle_staged_key(&store, &key_source, key).await?;
    warn_about_foreign_keys(&store, &keyring).await;
    let keyring = Arc::new(RwLock::new(keyring));

    let events = Arc::new(events::EventBus::new());
    tokio::spawn(events.clone().follow(store.auth_changes()));
    let identity = Arc::new(
        Identity::new(domains::identity::service::IdentityConfig {
            store: store.clone(),
            keyring: keyring.clone(),
            secret: jwt_secret,
            settings: config.settings.auth.clone(),
            mode: config.mode,
            navidrome: navidrome_client(&config)?,
            state_dir: config.data_dir.clone(),
        })
        .await
        .map_err(BootError::Identity)?,
    );
    let (wake_tx, wake_rx) = tokio::sync::mpsc::unbounded_channel();
    let connections = Arc::new(Connections::new(
        store.clone(),
        identity.clone(),
        keyring.clone(),
        events.clone(),
        Arc::new(provider_clients(&config)?),
        wake_tx,
    ));
    // One matcher (its index cache) for the Playlists service and the sync job.
    let matcher = Arc::new(domains::playlists::matcher::Matcher::new(
        store.clone(),
        &config.settings.playlists,
    ));
    let playlist_jobs = domains::sync::service::playlists::PlaylistJobs::new(
        &store,
        &connections,
        &matcher,
        &config.settings.playlists,
    );
    // The Playlists service pushes with the job's NavidromeSync (one of each).
    let playlists = Arc::new(domains::playlists::service::Playlists::new(
        store.clone(),
        matcher,
        playlist_jobs.navidrome.clone(),
        config.settings.playlists.clone(),
    ));
    let jobs = Jobs::new(
        store.clone(),
        connections.clone(),
        events.clone(),
        config.settings.sync.clone(),
        playlist_jobs,
    );
    jobs.mark_interrupted_runs().await;

    let listener = match activated {
        Some(l) => l,
        None => transport::bind(&config.socket.path, config.mode)?,
    };
    let daemon = &config.settings.daemon;
    let admission = transport::connections::Admission::new(admission_limits(daemon));
    let state = Arc::new(DaemonState {
        mode: config.mode,
        started: Instant::now(),
        schema_version,
        store,
        keyring,
        key_source,
        identity: identity.clone(),
        events,
        connections,
        playlists,
        jobs: jobs.clone(),
        admission: admission.clone(),
    });

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status(
            system_server::SERVICE_NAME,
            tonic_health::ServingStatus::Serving,
        )
        .await;
    let (reflection_v1, reflection_v1alpha) = reflection()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let router = tonic::transport::Server::builder()
        .concurrency_limit_per_connection(daemon.max_concurrent_requests_per_connection)
        .http2_keepalive_interval(Some(Duration::from_secs(daemon.keepalive_interval_secs)))
        .http2_keepalive_timeout(Some(Duration::from_secs(daemon.keepalive_timeout_secs)))
        .layer(transport::connections::ActivityLayer)
        .layer(domains::identity::access::AuthLayer::new(identity))
        .add_routes(domains::routes(&state, &config.settings))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    let incoming = transport::connections::incoming(listener.listener, admission);
    let server = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        let _ = stop_rx.await;
    }));

    let scheduler = jobs.spawn_scheduler(wake_rx);

    let socket = listener.path.clone();
    tracing::info!(
        socket = %socket.display(),
        mode = %config.mode,
        activated = listener.activated,
        schema_version,
        version = env!("CARGO_PKG_VERSION"),
        "spotterd ready"
    );
    notify::ready(&format!("serving on {}", socket.display()));
    Ok(Running {
        socket,
        activated: listener.activated,
        state,
        stop: Some(stop_tx),
        server: Some(server),
        scheduler: Some(scheduler),
        shutdown_timeout: config.shutdown_timeout(),
        _lock: lock,
    })
}

/// The encryption key, where it came from, and the JWT signing secret (never the
/// same key twice).
fn load_secrets(
    config: &Config,
) -> Result<(crypto::Key, KeySource, auth::jwt::JwtSecret), BootError> {
    let (key, source) = config.key_inputs.load()?;
    match &source {
        KeySource::Generated {
            path,
            created: true,
        } => tracing::warn!(
            key_file = %path.display(),
            key_id = %key.id(),
            "generated a new encryption key; back it up separately from the database"
        ),
        other => tracing::info!(source = %other, key_id = %key.id(), "encryption key loaded"),
    }
    let (jwt_secret, jwt_source) = config.jwt_inputs.find(
        true,
        auth::jwt::JwtSecret::generate_text,
        auth::jwt::JwtSecret::parse,
    )?;
    if let Ok(text) = std::str::from_utf8(jwt_secret.bytes())
        && crypto::Key::parse(text).is_ok_and(|k| k.id() == key.id())
    {
        return Err(crypto::KeyError::SameAsEncryptionKey.into());
    }
    match &jwt_source {
        KeySource::Generated {
            path,
            created: true,
        } => {
            tracing::warn!(file = %path.display(), "generated a new JWT signing secret")
        }
        other => tracing::info!(source = %other, "JWT signing secret loaded"),
    }
    Ok((key, source, jwt_secret))
}

/// The database (migrated) and its schema version.
async fn open_store(config: &Config) -> Result<(Store, i64), BootError> {
    let path = config.database_path();
    let failed = |source| BootError::Store {
        path: path.clone(),
        source,
    };
    let store = Store::open_with(
        &path,
        store::StoreOptions {
            listen_quota: config.settings.history.max_listens_per_user,
        },
    )
    .await
    .map_err(failed)?;
    let schema_version = store.schema_version().await.map_err(failed)?;
    Ok((store, schema_version))
}

/// The Navidrome sign-in client, when `navidrome.base_url` is set.
fn navidrome_client(
    config: &Config,
) -> Result<Option<providers::subsonic::SubsonicClient>, BootError> {
    let navidrome = &config.settings.navidrome;
    navidrome
        .base_url
        .as_deref()
        .map(|url| {
            providers::subsonic::SubsonicClient::new(
                url,
                Duration::from_secs(navidrome.timeout_secs),
            )
            .map_err(BootError::Navidrome)
        })
        .transpose()
}

/// The clients of every provider this instance offers.
fn provider_clients(config: &Config) -> Result<providers::clients::ProviderClients, BootError> {
    let lastfm_secret = match config.lastfm_secret_inputs.find(
        false,
        || zeroize::Zeroizing::new(String::new()),
        parse_shared_secret,
    ) {
        Ok((secret, _)) => Some(secret),
        Err(crypto::KeyError::Missing(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let extra_roots = match &config.settings.providers.ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|source| BootError::CaFile {
            path: path.clone(),
            source,
        })?),
        None => None,
    };
    Ok(domains::connections::clients::build(
        &config.settings,
        lastfm_secret,
        extra_roots,
    )?)
}

fn admission_limits(daemon: &DaemonSettings) -> transport::connections::Limits {
    transport::connections::Limits {
        total: transport::connections::fit_to_open_files(daemon.max_connections),
        per_uid: daemon.max_connections_per_uid,
        handshake: Duration::from_secs(daemon.handshake_timeout_secs),
        idle: Duration::from_secs(daemon.idle_timeout_secs),
    }
}

/// gRPC server reflection, both versions clients use, over our API and health.
fn reflection() -> Result<
    (
        ServerReflectionServer<impl tonic_reflection::server::v1::ServerReflection>,
        ServerReflectionServerV1Alpha<impl tonic_reflection::server::v1alpha::ServerReflection>,
    ),
    BootError,
> {
    let builder = || {
        ReflectionBuilder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok((builder().build_v1()?, builder().build_v1alpha()?))
}

/// The Last.fm shared secret: 32 hex characters as Last.fm issues them (anything
/// printable is accepted; placeholders and empty values are not).
fn parse_shared_secret(text: &str) -> Result<crypto::SecretString, crypto::KeyFormatError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crypto::KeyFormatError::Empty);
    }
    if crypto::PLACEHOLDERS
        .iter()
        .any(|p| p.eq_ignore_ascii_case(text))
    {
        return Err(crypto::KeyFormatError::Placeholder);
    }
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err(crypto::KeyFormatError::Malformed { len: text.len() });
    }
    Ok(crypto::SecretString::new(text))
}

/// Logs (never refuses to start) when stored credentials were sealed with keys the
/// keyring lacks: those connections will need reconnecting, but the daemon still works.
async fn warn_about_foreign_keys(store: &Store, keyring: &Keyring) {
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut version_1 = 0;
    for column in SEALED_COLUMNS {
        let Ok(values) = store.sealed_values_of(column).await else {
            continue;
        };
        for v in values {
            if let Ok(id) = Keyring::key_id_of(&v.envelope)
                && id != keyring.primary_id()
            {
                *unknown.entry(id.to_string()).or_default() += 1;
            }
            if !Keyring::is_current(&v.envelope) {
                version_1 += 1;
            }
        }
    }
    if version_1 > 0 {
        tracing::info!(
            count = version_1,
            "stored credentials sealed before envelope version 2 are bound to their row but \
             not their owner; a key rotation re-seals them"
        );
    }
    for (key_id, count) in unknown {
        tracing::warn!(
            key_id,
            count,
            "stored credentials are sealed with a key that is not configured; they cannot be opened"
        );
    }
}

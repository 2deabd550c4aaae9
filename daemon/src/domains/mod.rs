//! The daemon's domains, one folder each (identity and sessions, admin, connections,
//! sync, library, history, playlists, system). A domain owns one slice of what
//! spotterd does, from the wire to the table:
//!
//! - `rpc` (or `*_rpc`): the thin tonic service: validate, authorise, convert;
//! - `service`: the domain logic, in plain Rust values (no tonic, no SQL strings),
//!   failing with [`crate::service::ServiceError`];
//! - `store`: the domain's queries, as `impl Store` blocks (the only SQL);
//! - `mod.rs`: what the domain owns, and `register`, which adds its tonic services
//!   (built with `rpc::server!`) to the registry in [`routes`].
//!
//! Below every domain sits the infrastructure, which knows none of them: the SQLite
//! pool and transaction helpers (`store`), `crypto`, `auth` (token and password
//! primitives), `providers` (the HTTP client and one module per upstream), `events`
//! (the per-user bus), `config`, `transport`, `logging`, `music_text`, and `rpc`
//! (status mapping, the peer, message limits). A domain uses infrastructure and other
//! domains' public service API, never their rpc or internals. Adding a domain is a
//! new folder, its `pub mod` line and one line in [`routes`].

pub mod admin;
pub mod connections;
pub mod history;
pub mod identity;
pub mod library;
pub mod playlists;
pub mod state;
pub mod sync;
pub mod system;

use tonic::service::{Routes, RoutesBuilder};

use crate::config::Settings;
pub use state::DaemonState;

/// The registry: every domain adds its tonic services, built from the shared state
/// and its own settings section.
pub fn routes(state: &DaemonState, settings: &Settings) -> Routes {
    let mut routes = RoutesBuilder::default();
    let s = state;
    let facts = system::rpc::SystemFacts {
        mode: s.mode,
        started: s.started,
        schema_version: s.schema_version,
        keyring: s.keyring.clone(),
    };
    system::register(&mut routes, facts, &s.events, &s.identity);
    identity::register(&mut routes, &s.identity, &s.store, &s.events);
    let admin = admin::AdminDeps {
        store: &s.store,
        identity: &s.identity,
        keyring: &s.keyring,
        key_source: &s.key_source,
        events: &s.events,
    };
    admin::register(&mut routes, admin, &settings.auth);
    connections::register(&mut routes, &s.connections);
    sync::register(&mut routes, &s.jobs);
    history::register(
        &mut routes,
        &s.store,
        &s.events,
        &settings.history,
        &settings.sync,
    );
    playlists::register(
        &mut routes,
        &s.playlists,
        settings.history.max_concurrent_imports,
        std::time::Duration::from_secs(settings.history.import_idle_timeout_secs),
    );
    routes.routes()
}

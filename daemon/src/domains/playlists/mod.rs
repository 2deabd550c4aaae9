//! Playlists (issue 12): imported from Spotify, ListenBrainz, Navidrome and files, or
//! created here; every entry matched to a song of the user's whole library mirror;
//! pushed to Navidrome and kept in sync.
//!
//! - [`model`]: sources, methods, entries as read;
//! - [`files`]: JSPF, M3U/M3U8 and CSV, read and written;
//! - [`import`]: a file upload streamed into a new playlist;
//! - [`matcher`]: entries against the library;
//! - [`service`]: the domain logic the [`rpc`] serves;
//! - [`navidrome`]: push, link and unsync;
//! - [`store`]: the queries.

pub mod files;
pub mod import;
pub mod matcher;
pub mod model;
pub mod navidrome;
pub mod rpc;
pub mod service;
pub mod sources;
pub mod store;

use std::{sync::Arc, time::Duration};

use spotter_proto::v1::playlists_server::PlaylistsServer;
use tonic::service::RoutesBuilder;

use crate::rpc::server;

/// Serves `spotter.v1.Playlists`. Playlist file imports share the history import's
/// bounds: `max_imports` at once in all, ended after `import_idle_timeout` of silence.
pub fn register(
    routes: &mut RoutesBuilder,
    playlists: &Arc<service::Playlists>,
    max_imports: usize,
    import_idle_timeout: Duration,
) {
    routes.add_service(server!(
        PlaylistsServer,
        rpc::PlaylistsService::new(playlists.clone(), max_imports, import_idle_timeout)
    ));
}

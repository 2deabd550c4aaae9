//! Navidrome push, link and unsync. A placeholder with the final API: another change
//! replaces this file whole.

use std::sync::Arc;

use super::matcher::Matcher;
use crate::{domains::connections::service::Connections, service::ServiceError, store::Store};

/// A playlist of the caller's in Navidrome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavidromePlaylist {
    pub id: String,
    pub name: String,
    pub song_count: u32,
    pub changed: i64,
    pub linked_playlist_id: Option<i64>,
}

pub struct NavidromeSync {
    _store: Store,
    _connections: Arc<Connections>,
    _matcher: Arc<Matcher>,
}

fn not_yet() -> ServiceError {
    ServiceError::FailedPrecondition("Navidrome push is not available yet".into())
}

impl NavidromeSync {
    pub fn new(
        store: Store,
        connections: Arc<Connections>,
        matcher: Arc<Matcher>,
    ) -> NavidromeSync {
        NavidromeSync {
            _store: store,
            _connections: connections,
            _matcher: matcher,
        }
    }

    pub async fn push(
        &self,
        _user_id: i64,
        _playlist_id: i64,
        _name: Option<String>,
        _overwrite: bool,
    ) -> Result<(), ServiceError> {
        Err(not_yet())
    }

    pub async fn take_navidrome_version(
        &self,
        _user_id: i64,
        _playlist_id: i64,
    ) -> Result<(), ServiceError> {
        Err(not_yet())
    }

    pub async fn list_navidrome_playlists(
        &self,
        _user_id: i64,
    ) -> Result<Vec<NavidromePlaylist>, ServiceError> {
        Err(not_yet())
    }

    pub async fn link(
        &self,
        _user_id: i64,
        _playlist_id: i64,
        _navidrome_id: &str,
    ) -> Result<(), ServiceError> {
        Err(not_yet())
    }

    pub async fn unsync(
        &self,
        _user_id: i64,
        _playlist_id: i64,
        _delete_from_navidrome: bool,
    ) -> Result<(), ServiceError> {
        Err(not_yet())
    }
}

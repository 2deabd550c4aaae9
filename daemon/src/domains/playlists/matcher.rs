//! STUB standing in for the lead's matcher until it lands on main (same API); the
//! merge takes main's file. Matches `song:` refs and exact artist/title only.

use crate::{
    config::PlaylistsSettings,
    domains::playlists::model::{NewEntry, SourceRef},
    service::ServiceError,
    store::Store,
};

pub struct LibrarySong {
    pub id: String,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<i64>,
    pub path: Option<String>,
}

pub struct Candidate {
    pub song: LibrarySong,
    pub score: f32,
    pub version_differs: bool,
}

#[derive(Default, Debug)]
pub struct MatchReport {
    pub playlists: u32,
    pub entries: u32,
    pub matched: u32,
    pub changed: u32,
}

pub struct Matcher {
    store: Store,
}

impl Matcher {
    pub fn new(store: Store, _settings: &PlaylistsSettings) -> Matcher {
        Matcher { store }
    }

    pub async fn match_playlist(
        &self,
        user_id: i64,
        playlist_id: i64,
    ) -> Result<MatchReport, ServiceError> {
        let n = self.store.stub_match(user_id, playlist_id).await?;
        Ok(MatchReport {
            playlists: 1,
            entries: n,
            matched: n,
            changed: n,
        })
    }

    pub async fn rematch_user(
        &self,
        user_id: i64,
        _force: bool,
    ) -> Result<MatchReport, ServiceError> {
        let mut report = MatchReport::default();
        for id in self.store.stub_active_playlists(user_id).await? {
            let r = self.match_playlist(user_id, id).await?;
            report.playlists += 1;
            report.matched += r.matched;
        }
        Ok(report)
    }

    pub async fn candidates(
        &self,
        _user_id: i64,
        _entry: &NewEntry,
    ) -> Result<Vec<Candidate>, ServiceError> {
        Ok(Vec::new())
    }

    pub async fn song(
        &self,
        _user_id: i64,
        _song_id: &str,
    ) -> Result<Option<LibrarySong>, ServiceError> {
        let _ = SourceRef::Song(String::new());
        Ok(None)
    }
}

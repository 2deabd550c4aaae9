//! What a provider's playlist listing is made of: playlists and their tracks as the
//! provider gives them (the playlists domain turns tracks into entries and matches
//! them against the library).

/// One playlist at a provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemotePlaylist {
    /// The playlist's id there (Spotify id, ListenBrainz MBID, Subsonic id).
    pub id: String,
    pub name: String,
    pub description: String,
    /// Changes whenever the tracks change (Spotify `snapshot_id`, ListenBrainz last
    /// modification, Subsonic `changed`); `None` when the provider says nothing.
    pub version: Option<String>,
    /// Tracks the listing says it holds, when it says.
    pub track_count: Option<u32>,
}

/// One track of a playlist at a provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemoteTrack {
    /// The track's id there (Spotify track id, Subsonic song id), when it has one.
    pub id: Option<String>,
    /// Artists joined with ", ".
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    /// MusicBrainz recording id.
    pub mbid: Option<String>,
}

/// One page of a paged listing: the items, and the offset of the next page when
/// there is one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_offset: Option<u32>,
    /// Items the whole listing holds, when the provider says.
    pub total: Option<u32>,
}

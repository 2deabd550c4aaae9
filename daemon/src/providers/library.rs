//! What a music server's library listing is made of: artists, albums and tracks as
//! the provider lists them (the sync domain mirrors them into the store).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryArtist {
    pub id: String,
    pub name: String,
    pub album_count: i64,
    pub mbid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryAlbum {
    pub id: String,
    pub name: String,
    pub artist: String,
    pub artist_id: Option<String>,
    pub year: Option<i64>,
    pub song_count: i64,
    /// Changes whenever the server's listing of the album changes.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LibraryTrack {
    pub id: String,
    pub album_id: String,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub track_no: Option<i64>,
    pub disc_no: Option<i64>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    /// The file's path as the server reports it (relative to its music folder).
    pub path: Option<String>,
}

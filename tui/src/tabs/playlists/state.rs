//! What the Playlists tab holds, and its calls, replies and dialogs as data (its
//! update is in `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::{
    Candidate, ImportPlaylistProgress, Playlist, PlaylistEntry, RematchResponse, Song,
    export_playlist_request, get_playlist_request,
};

use crate::component::{form::Form, rows::Rows};

/// A file format for export, as `ExportPlaylistRequest.Format` names it.
pub type ExportFormat = export_playlist_request::Format;
/// Which entries the review screen walks.
pub type Filter = get_playlist_request::Filter;

/// A manual choice for an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Song(String),
    NotInLibrary,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// Every playlist, inactive ones included.
    List,
    /// A page of a playlist's entries from `offset`.
    Entries {
        id: i64,
        offset: u32,
    },
    Create {
        name: String,
    },
    Rename {
        id: i64,
        name: String,
    },
    Delete {
        id: i64,
        name: String,
        delete_from_navidrome: bool,
    },
    Duplicate {
        id: i64,
    },
    Rematch {
        id: i64,
    },
    Push {
        id: i64,
        overwrite: bool,
    },
    TakeNavidromeVersion {
        id: i64,
    },
    /// The Navidrome playlists to link `id` to.
    NavidromePlaylists {
        id: i64,
    },
    Link {
        id: i64,
        navidrome_id: String,
    },
    Unsync {
        id: i64,
        delete_from_navidrome: bool,
    },
    /// Streams the file at `path` (as typed) through `ImportPlaylist`.
    Import {
        path: String,
        name: String,
    },
    /// Writes the playlist to the file at `path` (as typed).
    Export {
        id: i64,
        format: ExportFormat,
        path: String,
    },
    Search {
        query: String,
    },
    Add {
        id: i64,
        song_id: String,
        /// Before this position; `None` at the end.
        position: Option<u32>,
    },
    Remove {
        id: i64,
        entry_id: i64,
    },
    Move {
        id: i64,
        entry_id: i64,
        to: u32,
    },
    /// The review screen's entry at `offset` of the filtered list, with its
    /// candidates.
    ReviewAt {
        id: i64,
        filter: Filter,
        offset: u32,
    },
    SetMatch {
        playlist_id: i64,
        entry_id: i64,
        choice: Choice,
    },
    ClearMatch {
        playlist_id: i64,
        entry_id: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Playlists(Vec<Playlist>),
    Entries {
        playlist: Playlist,
        offset: u32,
        entries: Vec<PlaylistEntry>,
        total: u32,
    },
    Created(Playlist),
    Renamed(Playlist),
    Deleted {
        id: i64,
        name: String,
    },
    Duplicated(Playlist),
    Rematched(RematchResponse),
    Pushed(Playlist),
    TookNavidromeVersion(Playlist),
    NavidromePlaylists {
        id: i64,
        playlists: Vec<spotter_proto::v1::NavidromePlaylist>,
    },
    Linked(Playlist),
    Unsynced(Playlist),
    Imported(ImportPlaylistProgress),
    Exported {
        path: String,
        bytes: u64,
    },
    Found {
        query: String,
        songs: Vec<Song>,
    },
    /// An edit (add, remove, move): the playlist as it is now.
    Edited(Playlist),
    ReviewAt {
        id: i64,
        filter: Filter,
        offset: u32,
        total: u32,
        entry: Option<PlaylistEntry>,
        candidates: Vec<Candidate>,
    },
    /// A manual choice was set or cleared.
    Matched(PlaylistEntry),
}

/// Which pane the arrows move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Playlists,
    Entries,
}

/// The entries of the playlist selected in the list, paged by offset (the
/// cursor is the next page's offset, 0 when everything is loaded).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entries {
    /// The playlist they belong to (0: none yet).
    pub id: i64,
    pub rows: Rows<PlaylistEntry>,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlaylistsTab {
    pub rows: Rows<Playlist>,
    pub entries: Entries,
    pub pane: Pane,
    /// The playlist to select when the list next arrives (one just created,
    /// imported or duplicated).
    pub select: Option<i64>,
}

/// What a text prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Create,
    Rename { id: i64 },
    Import,
    Export { id: i64 },
}

/// What a choice among a few lines decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decide {
    /// Link to one of these Navidrome playlists (ids in the options' order).
    Link { id: i64, navidrome_ids: Vec<String> },
    /// Changed in Navidrome: overwrite it, or take its version.
    Conflict { id: i64 },
    /// Stop syncing: keep it in Navidrome, or delete it there.
    Unsync { id: i64 },
    /// Delete a pushed playlist: keep it in Navidrome, or delete it there.
    Delete { id: i64, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chooser {
    pub title: String,
    pub decide: Decide,
    pub options: Vec<String>,
    pub selected: usize,
}

/// A file being imported, then what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Importing {
    pub path: String,
    pub done: Option<ImportPlaylistProgress>,
    pub error: Option<String>,
}

/// The review screen: the entries of one playlist that need a look, one at a
/// time, with their candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: i64,
    pub name: String,
    pub filter: Filter,
    /// Index of the entry shown in the filtered list.
    pub offset: u32,
    pub total: u32,
    pub entry: Option<PlaylistEntry>,
    pub candidates: Vec<Candidate>,
    pub selected: usize,
    pub loading: bool,
    /// The entry just decided: when the reload shows it again (still in the
    /// filter), the review moves past it.
    pub decided: Option<i64>,
}

/// The edit mode of an editable playlist: its entries, to remove and reorder,
/// and a library search to add from.
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub id: i64,
    pub name: String,
    pub rows: Rows<PlaylistEntry>,
    pub total: u32,
}

/// The library search of the edit mode.
#[derive(Debug, Clone, PartialEq)]
pub struct AddSongs {
    pub editor: Editor,
    pub form: Form,
    /// The query the results are for.
    pub searched: Option<String>,
    pub results: Vec<Song>,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Prompt { prompt: Prompt, form: Form },
    Chooser(Chooser),
    Importing(Importing),
    Review(Review),
    Editor(Editor),
    AddSongs(AddSongs),
}

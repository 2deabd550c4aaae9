//! `spotter playlists` and `spotter sync`: their arguments (clap).

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use spotter_proto::v1::{JobKind, export_playlist_request};

/// `spotter playlists`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct PlaylistsArgs {
    #[command(subcommand)]
    pub command: PlaylistsCommand,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum PlaylistsCommand {
    /// Every playlist: id, name, source, entries, matched, Navidrome state.
    List {
        /// One JSON object per playlist and line.
        #[arg(long)]
        json: bool,
    },
    /// A playlist's entries, with how each is matched to the library.
    Show {
        /// The playlist's id or exact name.
        playlist: String,
        /// One JSON object per entry and line.
        #[arg(long)]
        json: bool,
    },
    /// Import a playlist file (JSPF, M3U/M3U8, CSV) as a new playlist; a summary
    /// on stdout, bad rows listed by line.
    Import {
        file: PathBuf,
        /// The playlist's name (default: the file's title or name).
        #[arg(long, value_name = "N")]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = PlaylistFileFormat::Auto)]
        format: PlaylistFileFormat,
    },
    /// Write a playlist as JSPF, M3U8 or CSV (stdout unless -o).
    Export {
        playlist: String,
        #[arg(long, value_enum, default_value_t = PlaylistExportFormat::Jspf)]
        format: PlaylistExportFormat,
        /// Write to FILE (0600, replaced only once complete) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Push a playlist to Navidrome now. Exits 1 when it was changed in Navidrome
    /// since the last push (nothing is written then), unless --overwrite.
    Push {
        playlist: String,
        /// Write ours even when the Navidrome playlist was changed there.
        #[arg(long)]
        overwrite: bool,
    },
    /// Match a playlist against the library again now; prints the counts.
    Match { playlist: String },
}

/// A playlist file format, as `ImportPlaylistStart.format` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlaylistFileFormat {
    Auto,
    Jspf,
    /// M3U and M3U8.
    M3u,
    Csv,
}

impl PlaylistFileFormat {
    pub fn name(self) -> &'static str {
        match self {
            PlaylistFileFormat::Auto => "auto",
            PlaylistFileFormat::Jspf => "jspf",
            PlaylistFileFormat::M3u => "m3u",
            PlaylistFileFormat::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlaylistExportFormat {
    Jspf,
    M3u8,
    Csv,
}

impl PlaylistExportFormat {
    pub fn wire(self) -> export_playlist_request::Format {
        match self {
            PlaylistExportFormat::Jspf => export_playlist_request::Format::Jspf,
            PlaylistExportFormat::M3u8 => export_playlist_request::Format::M3u8,
            PlaylistExportFormat::Csv => export_playlist_request::Format::Csv,
        }
    }
}

/// `spotter sync`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct SyncArgs {
    /// Which job to run now.
    #[arg(value_enum)]
    pub job: SyncJob,
    /// Wait until the run ends; exit 1 when it failed or was cancelled. A run
    /// already going is waited for.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncJob {
    History,
    Library,
    Playlists,
}

impl SyncJob {
    pub fn kind(self) -> JobKind {
        match self {
            SyncJob::History => JobKind::HistorySync,
            SyncJob::Library => JobKind::LibrarySync,
            SyncJob::Playlists => JobKind::PlaylistSync,
        }
    }
}

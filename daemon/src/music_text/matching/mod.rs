//! The track matcher (issue 12): a playlist [`Entry`] matched to a [`Song`] of the
//! user's whole library, by ISRC, then MusicBrainz recording id, then the exact folded
//! primary artist and title, then a fuzzy score over candidates from a token index.
//!
//! Pure infrastructure: the playlists domain builds a [`LibraryIndex`] from the
//! library mirror and calls [`LibraryIndex::match_entry`] per entry. [`fold`] is the
//! comparison normaliser; the match key of [`super::normalize`] is unchanged.

pub mod fold;
mod index;
mod score;
mod types;

pub use index::LibraryIndex;
pub use types::{
    DEFAULT_THRESHOLD, Entry, MAX_CANDIDATES, Match, Method, OTHER_VERSION_FACTOR, Song,
};

#[cfg(test)]
mod tests;

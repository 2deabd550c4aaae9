//! What the daemon and the TUI call providers and job kinds, written once: the
//! proper name people read ("Last.fm") and the lowercase key scripts type and read
//! ("lastfm"). `UNSPECIFIED` names nothing, so its names are empty.

use crate::v1::{JobKind, Provider, playlist};

impl Provider {
    /// The provider's proper name, for people: "Last.fm", "ListenBrainz".
    pub const fn display_name(self) -> &'static str {
        match self {
            Provider::Navidrome => "Navidrome",
            Provider::Spotify => "Spotify",
            Provider::Lastfm => "Last.fm",
            Provider::Listenbrainz => "ListenBrainz",
            Provider::Unspecified => "",
        }
    }

    /// The provider's lowercase key, for scripts: "lastfm", "listenbrainz".
    pub const fn key(self) -> &'static str {
        match self {
            Provider::Navidrome => "navidrome",
            Provider::Spotify => "spotify",
            Provider::Lastfm => "lastfm",
            Provider::Listenbrainz => "listenbrainz",
            Provider::Unspecified => "",
        }
    }
}

impl JobKind {
    /// The job's name, for people: "History sync".
    pub const fn display_name(self) -> &'static str {
        match self {
            JobKind::HistorySync => "History sync",
            JobKind::LibrarySync => "Library sync",
            JobKind::PlaylistSync => "Playlist sync",
            JobKind::Unspecified => "",
        }
    }
}

impl playlist::Source {
    /// Where a playlist comes from, for people: "Spotify", "File".
    pub const fn display_name(self) -> &'static str {
        match self {
            playlist::Source::Local => "Local",
            playlist::Source::File => "File",
            playlist::Source::Spotify => "Spotify",
            playlist::Source::Listenbrainz => "ListenBrainz",
            playlist::Source::Navidrome => "Navidrome",
            playlist::Source::Unspecified => "",
        }
    }

    /// Where a playlist comes from, for scripts: "spotify", "file".
    pub const fn key(self) -> &'static str {
        match self {
            playlist::Source::Local => "local",
            playlist::Source::File => "file",
            playlist::Source::Spotify => "spotify",
            playlist::Source::Listenbrainz => "listenbrainz",
            playlist::Source::Navidrome => "navidrome",
            playlist::Source::Unspecified => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use prost::Message;

    use super::*;

    /// Every value of the top-level enum `name` except UNSPECIFIED (0), as the
    /// `.proto` files declare them: a value added there is checked here.
    fn values<T: TryFrom<i32, Error: std::fmt::Debug>>(name: &str) -> Vec<T> {
        let set = prost_types::FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET).unwrap();
        let enum_ = set
            .file
            .iter()
            .flat_map(|f| &f.enum_type)
            .find(|e| e.name() == name)
            .unwrap_or_else(|| panic!("no enum {name}"));
        enum_
            .value
            .iter()
            .filter(|v| v.number() != 0)
            .map(|v| T::try_from(v.number()).unwrap())
            .collect()
    }

    fn assert_named(names: &[&str], what: &str) {
        assert!(names.len() > 1, "{what}: {names:?}");
        assert!(names.iter().all(|n| !n.is_empty()), "{what}: {names:?}");
        let distinct: HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{what}: {names:?}");
    }

    #[test]
    fn every_provider_has_a_distinct_display_name_and_key() {
        let providers = values::<Provider>("Provider");
        let display: Vec<_> = providers.iter().map(|p| p.display_name()).collect();
        let keys: Vec<_> = providers.iter().map(|p| p.key()).collect();
        assert_named(&display, "display names");
        assert_named(&keys, "keys");
        assert_eq!(Provider::Unspecified.display_name(), "");
    }

    #[test]
    fn every_job_kind_has_a_distinct_display_name() {
        let kinds = values::<JobKind>("JobKind");
        let display: Vec<_> = kinds.iter().map(|k| k.display_name()).collect();
        assert_named(&display, "display names");
        assert_eq!(JobKind::Unspecified.display_name(), "");
    }

    #[test]
    fn keys_are_the_proto_names_in_lowercase() {
        for provider in values::<Provider>("Provider") {
            assert_eq!(provider.key(), provider.as_str_name().to_lowercase());
        }
        for source in playlist_sources() {
            assert_eq!(source.key(), source.as_str_name().to_lowercase());
        }
    }

    /// Every `Playlist.Source` but UNSPECIFIED, as the `.proto` file declares them.
    fn playlist_sources() -> Vec<playlist::Source> {
        let set = prost_types::FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET).unwrap();
        let message = set
            .file
            .iter()
            .flat_map(|f| &f.message_type)
            .find(|m| m.name() == "Playlist")
            .unwrap();
        let source = message
            .enum_type
            .iter()
            .find(|e| e.name() == "Source")
            .unwrap();
        source
            .value
            .iter()
            .filter(|v| v.number() != 0)
            .map(|v| playlist::Source::try_from(v.number()).unwrap())
            .collect()
    }

    #[test]
    fn every_playlist_source_has_a_distinct_display_name_and_key() {
        let sources = playlist_sources();
        let display: Vec<_> = sources.iter().map(|s| s.display_name()).collect();
        let keys: Vec<_> = sources.iter().map(|s| s.key()).collect();
        assert_named(&display, "display names");
        assert_named(&keys, "keys");
    }
}

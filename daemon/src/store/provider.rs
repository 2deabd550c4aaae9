//! The upstream providers a user's data comes from, by the names the database stores.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Navidrome,
    Spotify,
    LastFm,
    ListenBrainz,
}

impl Provider {
    pub const ALL: [Provider; 4] = [
        Provider::Navidrome,
        Provider::Spotify,
        Provider::LastFm,
        Provider::ListenBrainz,
    ];

    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Navidrome => "navidrome",
            Provider::Spotify => "spotify",
            Provider::LastFm => "lastfm",
            Provider::ListenBrainz => "listenbrainz",
        }
    }
}

/// The provider as the API names it.
impl From<Provider> for spotter_proto::v1::Provider {
    fn from(provider: Provider) -> Self {
        match provider {
            Provider::Navidrome => Self::Navidrome,
            Provider::Spotify => Self::Spotify,
            Provider::LastFm => Self::Lastfm,
            Provider::ListenBrainz => Self::Listenbrainz,
        }
    }
}

//! The provider clients of this instance (built at boot by `domains::connections::clients`).
//! A provider the operator did not configure is absent, with the reason users see.

use super::{
    lastfm::LastFmClient, listenbrainz::ListenBrainzClient, spotify::SpotifyClient,
    subsonic::SubsonicClient,
};

/// A provider client, or why this instance does not offer the provider.
pub type Offered<T> = Result<T, String>;

pub struct ProviderClients {
    pub navidrome: Offered<SubsonicClient>,
    pub spotify: Offered<SpotifyClient>,
    pub lastfm: Offered<LastFmClient>,
    pub listenbrainz: Offered<ListenBrainzClient>,
}

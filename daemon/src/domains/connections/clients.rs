//! The provider clients of this instance, built once at boot from the configuration
//! (the operator's settings for each upstream). A provider the operator did not
//! configure is absent, with the reason users see.

use std::{sync::Arc, time::Duration};

use crate::{
    config::Settings,
    crypto::SecretString,
    providers::{
        ProviderError,
        clients::ProviderClients,
        http::HttpSettings,
        lastfm::{LastFmClient, LastFmConfig},
        listenbrainz::{ListenBrainzClient, ListenBrainzConfig},
        spotify::{SpotifyClient, SpotifyConfig},
        subsonic::SubsonicClient,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error("{key}: {error}")]
    Invalid { key: &'static str, error: String },
}

/// Builds every configured client. `lastfm_secret` is the Last.fm shared secret
/// when one was found; `extra_roots_pem` the contents of `providers.ca_file`.
pub fn build(
    settings: &Settings,
    lastfm_secret: Option<SecretString>,
    extra_roots_pem: Option<Vec<u8>>,
) -> Result<ProviderClients, ClientsError> {
    let http = HttpSettings {
        extra_roots_pem: extra_roots_pem.map(Arc::new),
        allow_networks: Vec::new(),
    };
    let invalid = |key: &'static str| {
        move |e: ProviderError| ClientsError::Invalid {
            key,
            error: e.to_string(),
        }
    };
    let navidrome = match &settings.navidrome.base_url {
        Some(url) => Ok(SubsonicClient::new(
            url,
            Duration::from_secs(settings.navidrome.timeout_secs),
        )
        .map_err(|e| ClientsError::Invalid {
            key: "navidrome.base_url",
            error: e.to_string(),
        })?),
        None => {
            Err("no Navidrome server is configured on this instance (navidrome.base_url)".into())
        }
    };
    let spotify = match &settings.spotify.client_id {
        Some(client_id) => Ok(SpotifyClient::new(
            SpotifyConfig {
                client_id: client_id.clone(),
                redirect_uri: settings.spotify.redirect_uri.clone(),
                accounts_url: settings.spotify.accounts_url.clone(),
                api_url: settings.spotify.api_url.clone(),
            },
            &http,
        )
        .map_err(invalid("spotify"))?),
        None => Err("Spotify is not set up on this instance (spotify.client_id)".into()),
    };
    let lastfm = match (&settings.lastfm.api_key, lastfm_secret) {
        (Some(api_key), Some(shared_secret)) => Ok(LastFmClient::new(
            LastFmConfig {
                api_key: api_key.clone(),
                shared_secret,
                api_url: settings.lastfm.api_url.clone(),
                auth_url: settings.lastfm.auth_url.clone(),
                requests_per_second: settings.lastfm.requests_per_second,
            },
            &http,
        )
        .map_err(invalid("lastfm"))?),
        (Some(_), None) => {
            return Err(ClientsError::Invalid {
                key: "lastfm.api_key",
                error: "is set but no shared secret was found (credential \
                        lastfm-shared-secret, SPOTTER_LASTFM_SHARED_SECRET or \
                        lastfm.shared_secret_file)"
                    .into(),
            });
        }
        (None, _) => Err("Last.fm is not set up on this instance (lastfm.api_key)".into()),
    };
    let listenbrainz = Ok(ListenBrainzClient::new(
        ListenBrainzConfig {
            api_url: settings.listenbrainz.api_url.clone(),
        },
        &http,
    )
    .map_err(invalid("listenbrainz.api_url"))?);
    Ok(ProviderClients {
        navidrome,
        spotify,
        lastfm,
        listenbrainz,
    })
}

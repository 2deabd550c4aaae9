//! The providers as the TUI names them, and how each one is connected: by a
//! browser approval (the address shown here, opened anywhere, which matters over
//! SSH), or by a secret typed into a form.

use spotter_proto::v1::Provider;

/// The order of the Connections table and of source tags.
pub const PROVIDERS: [Provider; 4] = [
    Provider::Navidrome,
    Provider::Spotify,
    Provider::Lastfm,
    Provider::Listenbrainz,
];

/// How a provider is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectMethod {
    /// Approve in a browser, then paste back the address the browser was sent to
    /// (OAuth with PKCE: the code travels in that address).
    PasteRedirect,
    /// Approve in a browser, then say so here (Last.fm desktop auth).
    ConfirmApproval,
    /// A user token in a masked field (ListenBrainz).
    Token,
    /// Username and password (Navidrome).
    Password,
}

pub fn connect_method(provider: Provider) -> Option<ConnectMethod> {
    match provider {
        Provider::Spotify => Some(ConnectMethod::PasteRedirect),
        Provider::Lastfm => Some(ConnectMethod::ConfirmApproval),
        Provider::Listenbrainz => Some(ConnectMethod::Token),
        Provider::Navidrome => Some(ConnectMethod::Password),
        Provider::Unspecified => None,
    }
}

pub fn name(provider: Provider) -> &'static str {
    match provider {
        Provider::Navidrome => "Navidrome",
        Provider::Spotify => "Spotify",
        Provider::Lastfm => "Last.fm",
        Provider::Listenbrainz => "ListenBrainz",
        Provider::Unspecified => "an unknown provider",
    }
}

/// Two letters for the sources column: "SP LF LB ND".
pub fn tag(provider: Provider) -> &'static str {
    match provider {
        Provider::Navidrome => "ND",
        Provider::Spotify => "SP",
        Provider::Lastfm => "LF",
        Provider::Listenbrainz => "LB",
        Provider::Unspecified => "??",
    }
}

/// Events and summaries name providers as strings; accept the spellings a daemon
/// might use ("spotify", "SPOTIFY", "last.fm", "lastfm", "listen_brainz").
pub fn parse(text: &str) -> Option<Provider> {
    let folded: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match folded.as_str() {
        "navidrome" => Some(Provider::Navidrome),
        "spotify" => Some(Provider::Spotify),
        "lastfm" => Some(Provider::Lastfm),
        "listenbrainz" => Some(Provider::Listenbrainz),
        _ => None,
    }
}

/// A provider named in an event, for messages: its proper name when known.
pub fn display(text: &str) -> String {
    parse(text).map_or_else(|| text.to_owned(), |p| name(p).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_spellings_are_understood() {
        assert_eq!(parse("spotify"), Some(Provider::Spotify));
        assert_eq!(parse("LASTFM"), Some(Provider::Lastfm));
        assert_eq!(parse("last.fm"), Some(Provider::Lastfm));
        assert_eq!(parse("listen_brainz"), Some(Provider::Listenbrainz));
        assert_eq!(parse("fanart"), None);
        assert_eq!(display("navidrome"), "Navidrome");
        assert_eq!(display("musicbrainz"), "musicbrainz");
    }

    #[test]
    fn every_provider_is_connectable() {
        for provider in PROVIDERS {
            assert!(connect_method(provider).is_some(), "{provider:?}");
        }
    }
}

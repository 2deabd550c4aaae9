//! The providers as the TUI shows them, and how each one is connected: by a
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

/// The provider's proper name ("Last.fm"); the names live in the proto crate.
pub fn name(provider: Provider) -> &'static str {
    match provider {
        Provider::Unspecified => "an unknown provider",
        known => known.display_name(),
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

/// Listen details name sources as strings, and people type them: accept the usual
/// spellings ("spotify", "SPOTIFY", "last.fm", "lastfm", "listen_brainz").
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

/// A source named in listen details, for people: its proper name when known.
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

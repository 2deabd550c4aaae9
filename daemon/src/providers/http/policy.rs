//! Where a provider's requests may go: [`Trust`] and [`Policy`] (SECURITY.md T10).

use std::net::IpAddr;

use ipnet::IpNet;
use reqwest::Url;

use super::{AddressClass, HttpError, classify_ip, sanitize_for_log, url_for_log};

/// Longest host name kept in an error.
const MAX_HOST_CHARS: usize = 100;

/// Where a URL came from, which decides which addresses it may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The operator typed this host into the daemon's configuration (Navidrome,
    /// Lidarr, an LLM server): it may be private or loopback. Only ever granted
    /// together with a pinned base URL, and only to URLs inside that base.
    OperatorConfigured,
    /// Anything else: URLs from a user or from an upstream response (image URLs,
    /// redirect targets) and provider APIs on the internet. Only public addresses
    /// ([`AddressClass::Public`]) are connected to.
    Untrusted,
}

/// What one provider's client may request.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Validated like a base URL: http(s), a host, no user info, query or fragment,
    /// path ending in `/`.
    base: Option<Url>,
    trust: Trust,
}

impl Policy {
    /// An operator-configured server (Navidrome, Lidarr, an LLM host): requests are
    /// pinned to `base` (scheme, host, port and path prefix) and may reach private
    /// and loopback addresses. A redirect that leaves `base` is [`Trust::Untrusted`].
    pub fn operator_configured(base: &str) -> Result<Self, HttpError> {
        Self::pinned(base, Trust::OperatorConfigured)
    }

    /// A provider pinned to `base` with the given trust (an internet API such as
    /// MusicBrainz is `pinned(base, Trust::Untrusted)`).
    pub fn pinned(base: &str, trust: Trust) -> Result<Self, HttpError> {
        Ok(Policy {
            base: Some(parse_base_url(base)?),
            trust,
        })
    }

    /// Any public http(s) URL: image URLs and other URLs that came from a user or an
    /// upstream response. Never operator-trusted.
    pub fn untrusted() -> Self {
        Policy {
            base: None,
            trust: Trust::Untrusted,
        }
    }

    pub fn base(&self) -> Option<&Url> {
        self.base.as_ref()
    }

    pub fn trust(&self) -> Trust {
        self.trust
    }

    /// Whether `url` lies inside the pinned base (always true when unpinned).
    pub fn allows(&self, url: &Url) -> bool {
        self.base.as_ref().is_none_or(|base| within_base(base, url))
    }

    /// Checks the URL a caller asks for and returns the trust it is requested with.
    pub(crate) fn check_request(&self, url: &Url) -> Result<Trust, HttpError> {
        check_url_shape(url)?;
        if !self.allows(url) {
            return Err(HttpError::OutsideBase {
                url: sanitize_for_log(&url_for_log(url), 200),
            });
        }
        Ok(self.trust)
    }

    /// The trust a redirect hop to `next` gets, coming from a hop with `current`:
    /// operator trust survives only while the chain stays inside the base; once a
    /// chain has left it, it stays untrusted.
    pub(crate) fn hop_trust(&self, current: Trust, next: &Url) -> Trust {
        match current {
            Trust::OperatorConfigured if self.allows(next) => Trust::OperatorConfigured,
            _ => Trust::Untrusted,
        }
    }
}

/// Parses and normalises a base URL: http(s), a host, no credentials, query or
/// fragment; the path gets a trailing `/` so it works as a prefix.
pub fn parse_base_url(base: &str) -> Result<Url, HttpError> {
    let invalid = |reason| HttpError::InvalidUrl { reason };
    let mut url = Url::parse(base.trim()).map_err(|_| invalid("not an absolute URL"))?;
    check_url_shape(&url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query string or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// http or https, a host, no user info (credentials never travel in URLs).
pub(crate) fn check_url_shape(url: &Url) -> Result<(), HttpError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpError::SchemeNotAllowed {
            scheme: sanitize_for_log(url.scheme(), 20),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(HttpError::InvalidUrl {
            reason: "the URL has no host",
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HttpError::InvalidUrl {
            reason: "credentials do not belong in a URL",
        });
    }
    Ok(())
}

/// Same scheme, host and port, and the path starts with the base's path (which
/// ends in `/`). `url` normalises `..`, `%2e%2e` and IP spellings before this runs.
fn within_base(base: &Url, url: &Url) -> bool {
    same_origin(base, url) && url.path().starts_with(base.path())
}

/// The origin (scheme, host, port) of `a` and `b` is the same.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The IP address of a URL whose host is an IP literal.
pub(crate) fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(ip.into()),
        url::Host::Ipv6(ip) => Some(ip.into()),
        url::Host::Domain(_) => None,
    }
}

/// The host of `url` as it may appear in an error.
pub(crate) fn host_for_log(url: &Url) -> String {
    sanitize_for_log(url.host_str().unwrap_or_default(), MAX_HOST_CHARS)
}

/// Whether an untrusted URL may connect to `ip`: public addresses, and addresses in
/// the networks the operator explicitly allowed.
pub(crate) fn check_address(ip: IpAddr, allowed: &[IpNet]) -> Result<(), AddressClass> {
    let class = classify_ip(ip);
    if class.is_public() {
        return Ok(());
    }
    let canonical = ip.to_canonical();
    if allowed
        .iter()
        .any(|net| net.contains(&ip) || net.contains(&canonical))
    {
        return Ok(());
    }
    Err(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn pinned_policies_refuse_everything_outside_the_base() {
        let p = Policy::operator_configured("http://127.0.0.1:4533/music").unwrap();
        assert_eq!(p.base().unwrap().as_str(), "http://127.0.0.1:4533/music/");
        for ok in [
            "http://127.0.0.1:4533/music/",
            "http://127.0.0.1:4533/music/rest/ping.view?u=a",
        ] {
            assert_eq!(
                p.check_request(&url(ok)).unwrap(),
                Trust::OperatorConfigured,
                "{ok}"
            );
        }
        for bad in [
            "http://127.0.0.1:4533/",
            "http://127.0.0.1:4533/musicx/",
            "http://127.0.0.1:4533/music",
            "http://127.0.0.1:4533/music/../admin",
            "http://127.0.0.1:4533/music/%2e%2e/admin",
            "http://127.0.0.1:4534/music/",
            "https://127.0.0.1:4533/music/",
            "http://localhost:4533/music/",
            "http://127.0.0.2:4533/music/",
        ] {
            assert!(
                matches!(
                    p.check_request(&url(bad)),
                    Err(HttpError::OutsideBase { .. })
                ),
                "{bad}"
            );
        }
        // Default ports are the same origin.
        let p = Policy::pinned("https://musicbrainz.org/ws/2/", Trust::Untrusted).unwrap();
        assert!(p.allows(&url("https://musicbrainz.org:443/ws/2/artist/x")));
        assert!(!p.allows(&url("http://musicbrainz.org/ws/2/artist/x")));
    }

    #[test]
    fn only_http_urls_without_credentials_are_requested() {
        let p = Policy::untrusted();
        assert_eq!(
            p.check_request(&url("https://coverartarchive.org/x"))
                .unwrap(),
            Trust::Untrusted
        );
        for bad in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "gopher://example.com/",
            "data:text/plain,hi",
        ] {
            assert!(
                matches!(
                    p.check_request(&url(bad)),
                    Err(HttpError::SchemeNotAllowed { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            p.check_request(&url("http://user:pw@example.com/")),
            Err(HttpError::InvalidUrl { .. })
        ));
        for bad in [
            "ftp://x/",
            "http://u:p@x/",
            "http://x/?q=1",
            "http://x/#f",
            "nope",
        ] {
            assert!(Policy::operator_configured(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn operator_trust_does_not_survive_leaving_the_base() {
        let p = Policy::operator_configured("http://10.0.0.5:8686/api/").unwrap();
        let inside = url("http://10.0.0.5:8686/api/v1/x");
        let outside = url("http://10.0.0.6/");
        assert_eq!(
            p.hop_trust(Trust::OperatorConfigured, &inside),
            Trust::OperatorConfigured
        );
        assert_eq!(
            p.hop_trust(Trust::OperatorConfigured, &outside),
            Trust::Untrusted
        );
        // Once untrusted, coming back inside the base does not restore trust.
        assert_eq!(p.hop_trust(Trust::Untrusted, &inside), Trust::Untrusted);
        let u = Policy::untrusted();
        assert_eq!(
            u.hop_trust(Trust::Untrusted, &url("http://x/")),
            Trust::Untrusted
        );
    }

    #[test]
    fn allowed_networks_let_specific_private_addresses_through() {
        let lan: IpNet = "192.168.1.0/24".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(check_address(ip("8.8.8.8"), &[]), Ok(()));
        assert_eq!(
            check_address(ip("192.168.1.7"), &[]),
            Err(AddressClass::Private)
        );
        assert_eq!(check_address(ip("192.168.1.7"), &[lan]), Ok(()));
        assert_eq!(check_address(ip("::ffff:192.168.1.7"), &[lan]), Ok(()));
        assert_eq!(
            check_address(ip("192.168.2.7"), &[lan]),
            Err(AddressClass::Private)
        );
        assert_eq!(
            check_address(ip("169.254.169.254"), &[lan]),
            Err(AddressClass::LinkLocal)
        );
    }
}

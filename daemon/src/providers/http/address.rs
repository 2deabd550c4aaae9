//! Which IP addresses a URL of untrusted origin may reach (SECURITY.md T10).
//!
//! [`classify_ip`] sorts an address into the range it belongs to; only
//! [`AddressClass::Public`] may be connected to for an [`super::Trust::Untrusted`] URL.
//! IPv6 forms that embed an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
//! `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the embedded IPv4
//! address, so `::ffff:127.0.0.1` is loopback and `::ffff:169.254.169.254` link-local.
//! For the rest of IPv6 only global unicast (`2000::/3`) minus the special blocks in it
//! is public: unique-local `fc00::/7`, link-local `fe80::/10`, site-local, multicast and
//! every unassigned range fall outside it by construction.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

use ipnet::{Ipv4Net, Ipv6Net};

/// The kind of range an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressClass {
    /// Globally routable unicast: the only class an untrusted URL may reach.
    Public,
    /// `0.0.0.0`, `0.0.0.0/8` ("this network"), `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918: `10/8`, `172.16/12`, `192.168/16`.
    Private,
    /// Carrier-grade NAT, `100.64.0.0/10`.
    SharedAddressSpace,
    /// `169.254.0.0/16` (cloud metadata lives at `169.254.169.254`), `fe80::/10`.
    LinkLocal,
    /// `fc00::/7` (in practice `fd00::/8`).
    UniqueLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Documentation and benchmarking ranges.
    Documentation,
    /// Reserved, IETF protocol assignments, tunnels without a checkable endpoint
    /// (Teredo), local-use NAT64, discard-only, and anything outside IPv6 global
    /// unicast.
    Reserved,
}

impl AddressClass {
    pub fn is_public(self) -> bool {
        self == AddressClass::Public
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::SharedAddressSpace => "shared (carrier-grade NAT)",
            AddressClass::LinkLocal => "link-local",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Documentation => "documentation",
            AddressClass::Reserved => "reserved",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(a: u16, b: u16, c: u16, d: u16, len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0), len)
}

/// Every non-public IPv4 range. Order matters only for the class reported.
const IPV4_RANGES: &[(Ipv4Net, AddressClass)] = &[
    (v4(0, 0, 0, 0, 8), AddressClass::Unspecified),
    (v4(10, 0, 0, 0, 8), AddressClass::Private),
    (v4(100, 64, 0, 0, 10), AddressClass::SharedAddressSpace),
    (v4(127, 0, 0, 0, 8), AddressClass::Loopback),
    (v4(169, 254, 0, 0, 16), AddressClass::LinkLocal),
    (v4(172, 16, 0, 0, 12), AddressClass::Private),
    // IETF protocol assignments (incl. NAT64 discovery 192.0.0.170/171).
    (v4(192, 0, 0, 0, 24), AddressClass::Reserved),
    (v4(192, 0, 2, 0, 24), AddressClass::Documentation),
    // Deprecated 6to4 relay anycast.
    (v4(192, 88, 99, 0, 24), AddressClass::Reserved),
    (v4(192, 168, 0, 0, 16), AddressClass::Private),
    (v4(198, 18, 0, 0, 15), AddressClass::Documentation),
    (v4(198, 51, 100, 0, 24), AddressClass::Documentation),
    (v4(203, 0, 113, 0, 24), AddressClass::Documentation),
    (v4(224, 0, 0, 0, 4), AddressClass::Multicast),
    (v4(255, 255, 255, 255, 32), AddressClass::Broadcast),
    (v4(240, 0, 0, 0, 4), AddressClass::Reserved),
];

/// IPv6 global unicast, the only IPv6 range that can be public.
const IPV6_GLOBAL_UNICAST: Ipv6Net = v6(0x2000, 0, 0, 0, 3);

/// Non-public blocks inside `2000::/3` that do not embed an IPv4 address.
const IPV6_RANGES: &[(Ipv6Net, AddressClass)] = &[
    // Teredo: the embedded client address is obfuscated and the server address is
    // not the peer; no server has a Teredo address, so refuse the block.
    (v6(0x2001, 0, 0, 0, 32), AddressClass::Reserved),
    (v6(0x2001, 0x2, 0, 0, 48), AddressClass::Documentation),
    (v6(0x2001, 0xdb8, 0, 0, 32), AddressClass::Documentation),
    // ORCHID v1/v2: not routable.
    (v6(0x2001, 0x10, 0, 0, 28), AddressClass::Reserved),
    (v6(0x2001, 0x20, 0, 0, 28), AddressClass::Reserved),
    (v6(0x3fff, 0, 0, 0, 20), AddressClass::Documentation),
];

const NAT64_WELL_KNOWN: Ipv6Net = v6(0x64, 0xff9b, 0, 0, 96);
const SIX_TO_FOUR: Ipv6Net = v6(0x2002, 0, 0, 0, 16);

/// The range `ip` belongs to.
pub fn classify_ip(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    IPV4_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map_or(AddressClass::Public, |(_, class)| *class)
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if ip.is_unspecified() {
        return AddressClass::Unspecified;
    }
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    if let Some(embedded) = embedded_v4(ip) {
        return classify_v4(embedded);
    }
    let segments = ip.segments();
    if segments[0] & 0xff00 == 0xff00 {
        return AddressClass::Multicast;
    }
    if segments[0] & 0xfe00 == 0xfc00 {
        return AddressClass::UniqueLocal;
    }
    if segments[0] & 0xffc0 == 0xfe80 {
        return AddressClass::LinkLocal;
    }
    if !IPV6_GLOBAL_UNICAST.contains(&ip) {
        return AddressClass::Reserved;
    }
    IPV6_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map_or(AddressClass::Public, |(_, class)| *class)
}

/// The IPv4 address an IPv6 address stands for, where the host would (or could) end
/// up talking to that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let last32 = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    // IPv4-mapped ::ffff:a.b.c.d
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    // IPv4-compatible ::a.b.c.d (deprecated; `::` and `::1` are handled before).
    if s[..6].iter().all(|&x| x == 0) {
        return Some(last32());
    }
    // IPv4-translated ::ffff:0:a.b.c.d (SIIT).
    if s[..4].iter().all(|&x| x == 0) && s[4] == 0xffff && s[5] == 0 {
        return Some(last32());
    }
    if NAT64_WELL_KNOWN.contains(&ip) {
        return Some(last32());
    }
    if SIX_TO_FOUR.contains(&ip) {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use AddressClass::*;

    #[test]
    fn addresses_are_classified() {
        let table: &[(&str, AddressClass)] = &[
            // IPv4 public
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("93.184.216.34", Public),
            ("100.63.255.255", Public),
            ("100.128.0.0", Public),
            ("172.15.255.255", Public),
            ("172.32.0.0", Public),
            ("223.255.255.255", Public),
            // IPv4 refused
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.254", Private),
            ("192.168.1.1", Private),
            ("127.0.0.1", Loopback),
            ("127.1.2.3", Loopback),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.0.170", Reserved),
            ("192.0.2.1", Documentation),
            ("198.18.0.1", Documentation),
            // IPv6 public
            ("2606:4700:4700::1111", Public),
            ("2a00:1450:4001:80b::200e", Public),
            ("::ffff:8.8.8.8", Public),
            ("64:ff9b::808:808", Public),
            ("2002:808:808::1", Public),
            // IPv6 refused
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd00::1", UniqueLocal),
            ("fd12::1", UniqueLocal),
            ("ff02::1", Multicast),
            ("fec0::1", Reserved),
            ("100::1", Reserved),
            ("64:ff9b:1::1", Reserved),
            ("2001::1", Reserved),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            // IPv4 embedded in IPv6: judged by the IPv4 address.
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:0.0.0.0", Unspecified),
            ("::127.0.0.1", Loopback),
            ("::169.254.169.254", LinkLocal),
            ("::ffff:0:127.0.0.1", Loopback),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("2002:7f00:1::", Loopback),
            ("2002:a9fe:a9fe::1", LinkLocal),
            ("2002:c0a8:101::", Private),
        ];
        for (text, want) in table {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(classify_ip(ip), *want, "{text}");
            assert_eq!(classify_ip(ip).is_public(), *want == Public, "{text}");
        }
    }

    #[test]
    fn url_host_forms_reach_the_classifier_as_addresses() {
        // What `url` makes of the hosts an attacker might write.
        for (url, want) in [
            ("http://[::ffff:127.0.0.1]:8080/", Loopback),
            ("http://[::ffff:7f00:1]/", Loopback),
            ("http://[::ffff:169.254.169.254]/", LinkLocal),
            ("http://[fd00::1]/", UniqueLocal),
            ("http://0.0.0.0/", Unspecified),
            ("http://2130706433/", Loopback),
            ("http://0x7f.1/", Loopback),
            ("http://0251.0376.0251.0376/", LinkLocal),
        ] {
            let parsed = url::Url::parse(url).unwrap();
            let ip: IpAddr = match parsed.host().unwrap() {
                url::Host::Ipv4(ip) => ip.into(),
                url::Host::Ipv6(ip) => ip.into(),
                url::Host::Domain(d) => panic!("{url} parsed as the domain {d}"),
            };
            assert_eq!(classify_ip(ip), want, "{url}");
        }
    }
}

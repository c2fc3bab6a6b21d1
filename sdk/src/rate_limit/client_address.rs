//! Who is asking: the client's address behind trusted proxies, and the key it is counted
//! under.
//!
//! The socket peer is the client unless it is one of the [`TrustedProxies`]. A trusted peer
//! forwarded the request, so `X-Forwarded-For` (every header line, comma-split, read from the
//! right) names the hops before it: trusted addresses are skipped and the first untrusted one
//! is the client. A malformed entry ends the walk at the last good address, since nothing to
//! its left can be trusted. With no trusted proxies (the default) `X-Forwarded-For` is never
//! read: a client could write anything there.
//!
//! Only `X-Forwarded-For` is read, not RFC 7239 `Forwarded`: it is what load balancers and
//! reverse proxies (nginx, HAProxy, AWS ALB, Cloudflare, Kubernetes ingresses) append.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use http::HeaderMap;
pub use ipnet::IpNet;

use crate::error::{Result, SuperTokensError};

/// The header trusted proxies append the address they received a request from to.
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks whose requests come from proxies the app trusts to append the client's
/// address to `X-Forwarded-For`. Empty by default: trust nobody, count the socket peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// No trusted proxy: the socket peer is the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses CIDRs (`10.0.0.0/8`, `::1/128`) or single addresses (`192.0.2.7`); the error
    /// names the bad entry. IPv4-mapped IPv6 networks (`::ffff:10.0.0.0/104`) mean their IPv4
    /// network.
    pub fn parse<I, S>(entries: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let networks = entries
            .into_iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map(canonical_network)
                    .map_err(|_| {
                        SuperTokensError::Config(format!(
                            "rate_limits.trusted_proxies: {entry:?} is not an IP address or CIDR \
                             (e.g. 10.0.0.0/8, ::1/128)"
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { networks })
    }

    /// These networks.
    pub fn from_networks(networks: impl IntoIterator<Item = IpNet>) -> Self {
        Self {
            networks: networks.into_iter().map(canonical_network).collect(),
        }
    }

    /// The trusted networks.
    pub fn networks(&self) -> &[IpNet] {
        &self.networks
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether the address belongs to a trusted proxy.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.networks
            .iter()
            .any(|network| network.contains(&address))
    }
}

/// An IPv4-mapped IPv6 network as its IPv4 network; others unchanged (truncated to their
/// prefix).
fn canonical_network(network: IpNet) -> IpNet {
    if let IpNet::V6(v6) = network
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Ok(mapped) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(mapped.trunc());
    }
    network.trunc()
}

/// The client's address: the socket peer, or — when the peer is a trusted proxy — the first
/// untrusted address of `X-Forwarded-For` read from the right. `None` when the adapter could
/// not tell the peer. IPv4-mapped IPv6 addresses come back as IPv4.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').collect::<Vec<_>>(),
            // Not text: one malformed entry, which ends the walk.
            Err(_) => vec![""],
        })
        .collect();
    let mut last_good = peer;
    for entry in entries.iter().rev() {
        let Some(address) = parse_forwarded_entry(entry) else {
            return Some(last_good);
        };
        if !trusted.contains(address) {
            return Some(address);
        }
        last_good = address;
    }
    Some(last_good)
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) as some proxies write it.
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    IpAddr::from_str(entry)
        .ok()
        .or_else(|| std::net::SocketAddr::from_str(entry).ok().map(|s| s.ip()))
        .or_else(|| {
            // `[2001:db8::1]` without a port.
            let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
            Ipv6Addr::from_str(inner).ok().map(IpAddr::V6)
        })
        .map(|address| address.to_canonical())
}

/// What requests are counted under: one IPv4 address, one IPv6 `/64` (what a single
/// subscriber or host usually gets), or `unknown` when the adapter could not tell the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An IPv4 address (`/32`).
    Ipv4(Ipv4Addr),
    /// The `/64` network of an IPv6 address (its last 64 bits zeroed).
    Ipv6Prefix(Ipv6Addr),
    /// No peer address: every such request shares this key.
    Unknown,
}

impl ClientKey {
    /// The key of a client address (`None`: [`ClientKey::Unknown`]).
    pub fn of(address: Option<IpAddr>) -> Self {
        match address.map(|address| address.to_canonical()) {
            None => Self::Unknown,
            Some(IpAddr::V4(v4)) => Self::Ipv4(v4),
            Some(IpAddr::V6(v6)) => {
                let bits = u128::from(v6) & !u128::from(u64::MAX);
                Self::Ipv6Prefix(Ipv6Addr::from(bits))
            }
        }
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(address) => write!(f, "{address}"),
            Self::Ipv6Prefix(network) => write!(f, "{network}/64"),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(entries).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let headers = forwarded(&["198.51.100.9"]);
        assert_eq!(
            client_ip(Some(ip("203.0.113.5")), &headers, &TrustedProxies::none()),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(client_ip(None, &headers, &TrustedProxies::none()), None);
    }

    #[test]
    fn a_trusted_proxy_forwards_the_client_address() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["198.51.100.9"]);
        assert_eq!(
            client_ip(Some(ip("10.1.2.3")), &headers, &trusted),
            Some(ip("198.51.100.9"))
        );
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["198.51.100.9"]);
        assert_eq!(
            client_ip(Some(ip("203.0.113.5")), &headers, &trusted),
            Some(ip("203.0.113.5"))
        );
        // The client itself put an address to the left of what the proxy appended: the
        // proxy's entry (the rightmost untrusted one) wins.
        let headers = forwarded(&["1.1.1.1, 198.51.100.9"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("198.51.100.9"))
        );
    }

    #[test]
    fn a_chain_of_proxies_is_walked_from_the_right() {
        let trusted = proxies(&["10.0.0.0/8", "192.168.0.0/16", "::1"]);
        // client → CDN edge (192.168.5.5) → ingress (10.0.0.7) → app; two header lines.
        let headers = forwarded(&["203.0.113.77, 192.168.5.5", "10.0.0.7"]);
        assert_eq!(
            client_ip(Some(ip("::1")), &headers, &trusted),
            Some(ip("203.0.113.77"))
        );
        // Every hop trusted: the leftmost is the best we know.
        let headers = forwarded(&["10.9.9.9, 192.168.5.5"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("10.9.9.9"))
        );
        // No header: the trusted peer itself.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn a_malformed_entry_stops_the_walk() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.1, garbage, 10.0.0.9"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("10.0.0.9"))
        );
        let headers = forwarded(&["203.0.113.1, unknown"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("10.0.0.1"))
        );
        let headers = forwarded(&["203.0.113.1,"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("10.0.0.1"))
        );
        // Ports and brackets, as some proxies write them, are understood.
        let headers = forwarded(&["[2001:db8::5]:443, 198.51.100.2:8080"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("198.51.100.2"))
        );
        let trusted = proxies(&["10.0.0.0/8", "198.51.100.2"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("2001:db8::5"))
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["::ffff:198.51.100.9"]);
        assert_eq!(
            client_ip(Some(ip("::ffff:10.0.0.1")), &headers, &trusted),
            Some(ip("198.51.100.9"))
        );
        let trusted = proxies(&["::ffff:10.0.0.0/104"]);
        assert_eq!(
            trusted.networks(),
            &["10.0.0.0/8".parse::<IpNet>().unwrap()]
        );
        assert!(trusted.contains(ip("10.200.0.1")));
        assert_eq!(
            ClientKey::of(Some(ip("::ffff:203.0.113.5"))),
            ClientKey::Ipv4("203.0.113.5".parse().unwrap())
        );
    }

    #[test]
    fn ipv6_clients_are_grouped_by_64() {
        let a = ClientKey::of(Some(ip("2001:db8:1:2:aaaa::1")));
        let b = ClientKey::of(Some(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        let c = ClientKey::of(Some(ip("2001:db8:1:3::1")));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        assert_eq!(
            ClientKey::of(Some(ip("192.0.2.1"))).to_string(),
            "192.0.2.1"
        );
        assert_eq!(ClientKey::of(None).to_string(), "unknown");
    }

    #[test]
    fn trusted_proxies_parse_or_name_the_bad_entry() {
        let trusted = proxies(&[" 10.0.0.0/8 ", "::1/128", "192.0.2.7", "172.16.5.4/12"]);
        assert!(trusted.contains(ip("10.255.0.1")));
        assert!(trusted.contains(ip("::1")));
        assert!(trusted.contains(ip("192.0.2.7")));
        assert!(!trusted.contains(ip("192.0.2.8")));
        assert!(trusted.contains(ip("172.31.0.1")));
        let error = TrustedProxies::parse(["10.0.0.0/33"]).unwrap_err();
        assert!(error.to_string().contains("10.0.0.0/33"), "{error}");
        assert!(TrustedProxies::parse(["example.com"]).is_err());
    }
}

//! Which address a request comes from. Behind a reverse proxy every connection is the
//! proxy's, so the throttles would make the whole city share one allowance; the proxy
//! names the client in `X-Forwarded-For`. Anyone can send that header, so it is believed
//! only on a connection from a proxy the operator listed (`DATONG_TRUSTED_PROXIES`), and
//! only for the hops such proxies added.

use axum::http::HeaderValue;
use std::net::IpAddr;
use std::str::FromStr;

/// The addresses and networks whose `X-Forwarded-For` is believed. Empty by default: a
/// server facing residents directly must not let them choose their own address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustedProxies(Vec<Network>);

#[derive(Clone, Copy, Debug, PartialEq)]
struct Network {
    base: IpAddr,
    prefix: u8,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("“{0}” is not an IP address or network (e.g. 10.0.0.1, 10.0.0.0/8, ::1, fd00::/8)")]
pub struct NotANetwork(String);

impl FromStr for TrustedProxies {
    type Err = NotANetwork;

    /// Comma-separated addresses and CIDR networks; blanks around entries are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| Network::parse(e).ok_or_else(|| NotANetwork(e.to_owned())))
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl Network {
    fn parse(s: &str) -> Option<Network> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let base = IpAddr::from_str(addr).ok()?.to_canonical();
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
        };
        (prefix <= bits).then_some(Network { base, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        // Compare the leading `prefix` bits; a shift by the whole width (prefix 0) leaves
        // nothing to compare.
        let same = |base: u128, ip: u128, width: u32| {
            let shift = width - u32::from(self.prefix);
            base.checked_shr(shift).unwrap_or(0) == ip.checked_shr(shift).unwrap_or(0)
        };
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => same(u32::from(b).into(), u32::from(a).into(), 32),
            (IpAddr::V6(b), IpAddr::V6(a)) => same(b.into(), a.into(), 128),
            _ => false,
        }
    }
}

impl TrustedProxies {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy; then, reading
    /// `X-Forwarded-For` from the nearest hop outwards, the first address that is not a
    /// trusted proxy. A hop that is not an address ends the walk at the last one vouched
    /// for, as nothing beyond it can be believed.
    pub fn client<'h>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'h HeaderValue>,
    ) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        for value in forwarded_for.rev() {
            let Ok(value) = value.to_str() else {
                return client;
            };
            for hop in value.rsplit(',') {
                match hop_address(hop.trim()) {
                    Some(ip) => {
                        client = ip;
                        if !self.trusts(ip) {
                            return ip;
                        }
                    }
                    None => return client,
                }
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, as nginx writes it, or with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:5678`), as some load balancers do.
fn hop_address(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = IpAddr::from_str(hop) {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = hop.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        return IpAddr::from_str(ip).ok().map(|ip| ip.to_canonical());
    }
    let (ip, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    std::net::Ipv4Addr::from_str(ip).ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `trusted` as configured, the connection's address, the `X-Forwarded-For` headers in
    /// order, and the client the server should count.
    fn check(trusted: &str, peer: &str, headers: &[&str], expect: &str) {
        let proxies: TrustedProxies = trusted.parse().unwrap();
        let values: Vec<HeaderValue> = headers
            .iter()
            .map(|h| HeaderValue::from_str(h).unwrap())
            .collect();
        let got = proxies.client(peer.parse().unwrap(), values.iter());
        assert_eq!(got.to_string(), expect, "{trusted} | {peer} | {headers:?}");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        // Nothing trusted: the header is the client's own say-so.
        check("", "203.0.113.9", &["198.51.100.1"], "203.0.113.9");
        check(
            "10.0.0.0/8",
            "203.0.113.9",
            &["198.51.100.1"],
            "203.0.113.9",
        );
        // The proxy's own hop names the client.
        check("10.0.0.0/8", "10.1.2.3", &["198.51.100.1"], "198.51.100.1");
        check("127.0.0.1", "127.0.0.1", &["198.51.100.1"], "198.51.100.1");
        // A client that sends its own header cannot choose its address: only the hop the
        // trusted proxy appended counts.
        check(
            "10.0.0.1",
            "10.0.0.1",
            &["1.1.1.1, 198.51.100.1"],
            "198.51.100.1",
        );
        // Chains of trusted proxies are walked from the nearest outwards.
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["198.51.100.1, 10.9.9.9"],
            "198.51.100.1",
        );
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["198.51.100.1", "10.9.9.9"],
            "198.51.100.1",
        );
        // Every hop trusted: the farthest one.
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["10.0.0.7, 10.0.0.8"],
            "10.0.0.7",
        );
        // No header: the proxy itself.
        check("10.0.0.0/8", "10.0.0.1", &[], "10.0.0.1");
        // A hop that is not an address stops the walk at the last one vouched for.
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["198.51.100.1, unknown"],
            "10.0.0.1",
        );
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["198.51.100.1, 10.0.0.2, x"],
            "10.0.0.1",
        );
        // Ports, as some load balancers write them.
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["198.51.100.1:4711"],
            "198.51.100.1",
        );
        check(
            "10.0.0.0/8",
            "10.0.0.1",
            &["[2001:db8::1]:4711"],
            "2001:db8::1",
        );
        // IPv6, and IPv4 seen through a dual-stack socket.
        check("fd00::/8", "fd00::1", &["2001:db8::1"], "2001:db8::1");
        check(
            "10.0.0.0/8",
            "::ffff:10.0.0.1",
            &["198.51.100.1"],
            "198.51.100.1",
        );
        check(
            "::ffff:10.0.0.1",
            "10.0.0.1",
            &["198.51.100.1"],
            "198.51.100.1",
        );
        check(
            "0.0.0.0/0",
            "203.0.113.9",
            &["198.51.100.1"],
            "198.51.100.1",
        );
        check("::/0", "2001:db8::9", &["198.51.100.1"], "198.51.100.1");
        check("10.0.0.0/32", "10.0.0.1", &["198.51.100.1"], "10.0.0.1");
    }

    #[test]
    fn the_list_refuses_what_is_not_an_address_or_network() {
        assert!(" 10.0.0.0/8 , ::1,".parse::<TrustedProxies>().is_ok());
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        for bad in [
            "localhost",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/+8",
            "10.0.0.0/",
            "10.0.0",
        ] {
            assert_eq!(
                bad.parse::<TrustedProxies>(),
                Err(NotANetwork(bad.to_owned())),
                "{bad}"
            );
        }
    }
}

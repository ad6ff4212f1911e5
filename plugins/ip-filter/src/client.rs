//! Which address a request comes from. The socket peer is the client unless the
//! peer is a trusted proxy; only then is `X-Forwarded-For` read, right to left,
//! skipping trusted proxies, and the first untrusted hop is the client. Entries
//! left of that hop were written by the client itself and are never believed.

use crate::rules::RangeSet;
use std::net::IpAddr;

/// The client's address, or why it cannot be known (the caller then refuses).
/// `forwarded_for` yields the values of every `X-Forwarded-For` header, in
/// order; it is asked only when the peer is a trusted proxy.
pub fn client_addr(
    peer: IpAddr,
    forwarded_for: impl FnOnce() -> Vec<String>,
    trusted_proxies: &RangeSet,
) -> Result<IpAddr, String> {
    if !trusted_proxies.contains(peer) {
        return Ok(peer);
    }
    let values = forwarded_for();
    let hops = values.iter().flat_map(|v| v.split(','));
    let mut leftmost = None;
    for hop in hops.rev() {
        let hop = hop.trim();
        let ip: IpAddr = hop
            .parse()
            .map_err(|_| format!("X-Forwarded-For hop `{hop}` is not an IP address"))?;
        if !trusted_proxies.contains(ip) {
            return Ok(ip);
        }
        leftmost = Some(ip);
    }
    // Every hop is a trusted proxy (or there are none): the request started there.
    Ok(leftmost.unwrap_or(peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_list;

    fn resolve(peer: &str, xff: &[&str], trusted: &str) -> Result<IpAddr, String> {
        let trusted = parse_list(trusted).unwrap();
        let values = || xff.iter().map(|v| v.to_string()).collect();
        client_addr(peer.parse().unwrap(), values, &trusted)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(
            resolve("203.0.113.5", &["10.0.0.1"], "192.0.2.1"),
            Ok(ip("203.0.113.5"))
        );
    }

    #[test]
    fn trusted_proxy_forwards_the_rightmost_untrusted_hop() {
        // The client wrote "10.0.0.1" itself; the proxy appended the real peer.
        let got = resolve("192.0.2.1", &["10.0.0.1, 198.51.100.7"], "192.0.2.0/24");
        assert_eq!(got, Ok(ip("198.51.100.7")));
    }

    #[test]
    fn chains_of_trusted_proxies_are_skipped_across_headers() {
        let got = resolve("192.0.2.1", &["198.51.100.7", "192.0.2.9"], "192.0.2.0/24");
        assert_eq!(got, Ok(ip("198.51.100.7")));
    }

    #[test]
    fn malformed_hop_before_the_client_is_an_error() {
        assert!(resolve("192.0.2.1", &["evil"], "192.0.2.1").is_err());
        // ...but garbage left of the real client is never read.
        let got = resolve("192.0.2.1", &["evil, 198.51.100.7"], "192.0.2.1");
        assert_eq!(got, Ok(ip("198.51.100.7")));
    }

    #[test]
    fn trusted_proxy_without_header_is_the_client() {
        assert_eq!(resolve("192.0.2.1", &[], "192.0.2.1"), Ok(ip("192.0.2.1")));
    }
}

//! Strict parsing of allow-list entries and the address match. An entry is one
//! IPv4 or IPv6 address or CIDR range; anything a reader could take two ways
//! (`010.0.0.1`, `/33`, a zone id) is refused rather than guessed at. IPv4-mapped
//! IPv6 addresses and ranges are folded onto IPv4 so `::ffff:a.b.c.d` matches
//! IPv4 rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One allow-list entry: a network and its prefix length, IPv4-mapped folded to IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    V4 { net: u32, mask: u32 },
    V6 { net: u128, mask: u128 },
}

impl Range {
    /// Parse one entry, e.g. `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`.
    /// Host bits below the prefix are cleared (`10.1.2.3/8` means `10.0.0.0/8`).
    pub fn parse(entry: &str) -> Result<Range, String> {
        let (addr, prefix) = match entry.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (entry, None),
        };
        // std's parser refuses leading zeros (`010.0.0.1`), zone ids and brackets.
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{entry}` is not an IP address or CIDR range"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                parse_prefix(p, max).ok_or_else(|| format!("`{entry}`: the prefix length must be 0 to {max}"))?
            }
        };
        Ok(match ip {
            IpAddr::V4(v4) => Range::v4(v4, prefix),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) if prefix >= 96 => Range::v4(v4, prefix - 96),
                _ => {
                    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
                    Range::V6 {
                        net: u128::from(v6) & mask,
                        mask,
                    }
                }
            },
        })
    }

    fn v4(ip: Ipv4Addr, prefix: u32) -> Range {
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        Range::V4 {
            net: u32::from(ip) & mask,
            mask,
        }
    }
}

/// A decimal prefix length without sign or leading zero, at most `max`.
fn parse_prefix(p: &str, max: u32) -> Option<u32> {
    let canonical = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'));
    let n: u32 = if canonical { p.parse().ok()? } else { return None };
    (n <= max).then_some(n)
}

/// An address as matched: IPv4-mapped IPv6 folded onto IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// A set of ranges, split by family so a match scans only its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl RangeSet {
    pub fn push(&mut self, range: Range) {
        match range {
            Range::V4 { net, mask } => self.v4.push((net, mask)),
            Range::V6 { net, mask } => self.v6.push((net, mask)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match canonical(ip) {
            IpAddr::V4(v4) => contains4(&self.v4, v4),
            IpAddr::V6(v6) => contains6(&self.v6, v6),
        }
    }
}

fn contains4(ranges: &[(u32, u32)], ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    ranges.iter().any(|&(net, mask)| ip & mask == net)
}

fn contains6(ranges: &[(u128, u128)], ip: Ipv6Addr) -> bool {
    let ip = u128::from(ip);
    ranges.iter().any(|&(net, mask)| ip & mask == net)
}

/// Parse a list with one entry per line. Blank lines and lines starting with `#`
/// are skipped; every bad line is reported as `line N: ...` (1-based).
pub fn parse_list(text: &str) -> Result<RangeSet, Vec<String>> {
    let mut set = RangeSet::default();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        match Range::parse(entry) {
            Ok(range) => set.push(range),
            Err(e) => errors.push(format!("line {}: {e}", i + 1)),
        }
    }
    if errors.is_empty() { Ok(set) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> RangeSet {
        parse_list(text).expect("valid list")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn single_addresses_and_cidrs() {
        let s = set("192.0.2.7\n10.0.0.0/8\n2001:db8::/32\n::1");
        assert!(s.contains(ip("192.0.2.7")));
        assert!(!s.contains(ip("192.0.2.8")));
        assert!(s.contains(ip("10.255.1.2")));
        assert!(!s.contains(ip("11.0.0.1")));
        assert!(s.contains(ip("2001:db8:ffff::1")));
        assert!(!s.contains(ip("2001:db9::1")));
        assert!(s.contains(ip("::1")));
    }

    #[test]
    fn mapped_addresses_match_ipv4_rules_both_ways() {
        let s = set("10.0.0.0/8");
        assert!(s.contains(ip("::ffff:10.1.2.3")));
        assert!(!s.contains(ip("::ffff:11.1.2.3")));
        let mapped_rule = set("::ffff:192.0.2.0/120");
        assert!(mapped_rule.contains(ip("192.0.2.200")));
        assert!(!mapped_rule.contains(ip("192.0.3.1")));
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(Range::parse("10.1.2.3/8"), Range::parse("10.0.0.0/8"));
    }

    #[test]
    fn zero_prefix_matches_its_family_only() {
        let s = set("0.0.0.0/0");
        assert!(s.contains(ip("203.0.113.1")));
        assert!(!s.contains(ip("2001:db8::1")));
    }

    #[test]
    fn ambiguous_or_bad_entries_are_refused() {
        for bad in [
            "10.0.0.1/33",
            "010.0.0.1",
            "banana",
            "10.0.0",
            "10.0.0.1/",
            "10.0.0.1/08",
            "10.0.0.1/+8",
            "::1/129",
            "fe80::1%eth0",
            "[::1]",
            "10.0.0.1 10.0.0.2",
            "1.2.3.4/-1",
        ] {
            assert!(Range::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn errors_name_every_bad_line() {
        let errs = parse_list("10.0.0.1\n\n# office\nbanana\n10.0.0.1/33").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].starts_with("line 4:"), "{}", errs[0]);
        assert!(errs[1].starts_with("line 5:"), "{}", errs[1]);
    }
}

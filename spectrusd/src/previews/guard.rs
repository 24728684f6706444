//! The SSRF guard: which addresses a preview may reach, and the DNS resolver that hands the
//! HTTP client only those (so the checked address is the one connected to: no rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which addresses may be fetched.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// Loopback, private, link-local… allowed too (tests only).
    pub allow_private: bool,
    /// The daemon's own addresses, never fetched.
    pub own: Vec<IpAddr>,
}

impl Guard {
    /// Whether a preview may connect to `ip`.
    pub(crate) fn allows(&self, ip: IpAddr) -> bool {
        if ip.is_unspecified() || self.own.contains(&ip) {
            return false;
        }
        self.allow_private || is_public(ip)
    }
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918), link-local,
/// CGNAT, unique-local, multicast, unspecified, broadcast, reserved or documentation.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || ip.is_documentation()
        || ip.is_multicast()
        || ip.is_broadcast()
        || a >= 240) // reserved 240/4
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64: the v4 behind it is unchecked
        || ip.to_ipv4().is_some()) // IPv4-compatible ::a.b.c.d
}

/// The resolver the preview client uses: the system's lookup, keeping only allowed
/// addresses, failing when none is left.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver(pub Arc<Guard>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| guard.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves to no address a preview may reach").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }

    #[test]
    fn refuses_internal_addresses() {
        for a in [
            "127.0.0.1",
            "127.8.9.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!public(a), "{a} should be refused");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for a in [
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(a), "{a} should be allowed");
        }
    }

    #[test]
    fn own_addresses_and_the_test_switch() {
        let own: IpAddr = "203.0.113.9"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let g = Guard {
            allow_private: true,
            own: vec![own],
        };
        assert!(g.allows(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert!(!g.allows(own));
        assert!(!g.allows(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        let g = Guard {
            allow_private: false,
            own: vec![],
        };
        assert!(!g.allows(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }
}

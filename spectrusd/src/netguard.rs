//! The SSRF guard for every request the daemon makes to a URL someone else chose (link
//! previews, plugin webhooks): which addresses may be reached, the check of a URL's IP
//! literal, and the DNS resolver that hands the HTTP client only allowed addresses (so the
//! checked address is the one connected to: no rebinding). Imports nothing of the crate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which addresses may be reached.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// Loopback, private, link-local… allowed too (`previews.allow_private`,
    /// `plugins.allow_private_webhooks`).
    pub allow_private: bool,
    /// The daemon's own addresses, never reached.
    pub own: Vec<IpAddr>,
}

/// A host the guard refuses: every address it names or resolves to is loopback, private,
/// link-local, reserved or the daemon's own. The HTTP client's resolver fails with it, so a
/// caller finds it in the error's source chain ([`refusal`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{host} is not an address this server connects to (loopback, private, link-local, reserved or its own)"
)]
pub(crate) struct Refused {
    pub host: String,
}

impl Guard {
    /// Whether the daemon may connect to `ip`.
    pub(crate) fn allows(&self, ip: IpAddr) -> bool {
        if ip.is_unspecified() || self.own.contains(&ip) {
            return false;
        }
        self.allow_private || is_public(ip)
    }

    /// Refuses a URL whose host is an IP literal (or `localhost`) the guard does not allow;
    /// names are left to the resolver. A URL without a host is refused.
    pub(crate) fn check_literal(&self, url: &Url) -> Result<(), Refused> {
        let Some(host) = url.host_str() else {
            return Err(Refused {
                host: url.to_string(),
            });
        };
        match literal_ip(host) {
            Some(ip) if !self.allows(ip) => Err(Refused {
                host: ip.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Checks a URL before it is stored: its IP literal, or the addresses its name resolves to
    /// now (refused when every one is refused). A name that does not resolve passes: it is
    /// checked again at every connection.
    pub(crate) async fn check_url(&self, url: &Url) -> Result<(), Refused> {
        self.check_literal(url)?;
        let Some(host) = url.host_str() else {
            return Ok(());
        };
        if literal_ip(host).is_some() {
            return Ok(());
        }
        let port = url.port_or_known_default().unwrap_or(80);
        match tokio::net::lookup_host((host, port)).await {
            Ok(found) => {
                let found: Vec<SocketAddr> = found.collect();
                if !found.is_empty() && !found.iter().any(|a| self.allows(a.ip())) {
                    return Err(Refused {
                        host: host.to_owned(),
                    });
                }
                Ok(())
            }
            Err(_) => Ok(()),
        }
    }
}

/// The address a URL's host names without DNS: an IP literal (IPv6 in brackets or not), or
/// `localhost` and its subdomains, which may never reach DNS.
pub(crate) fn literal_ip(host: &str) -> Option<IpAddr> {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) if host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost") => {
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        }
        Err(_) => None,
    }
}

/// The guard's refusal in an error's source chain (a request whose name resolved only to
/// refused addresses fails with it inside the HTTP client's connect error).
pub(crate) fn refusal<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
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

/// The resolver a guarded HTTP client uses: the system's lookup, keeping only allowed
/// addresses, failing with [`Refused`] when none is left.
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
                return Err(Box::new(Refused { host }) as Box<dyn std::error::Error + Send + Sync>);
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

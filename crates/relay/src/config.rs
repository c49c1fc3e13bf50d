//! What a listener does: where it listens, where it relays to, and how.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::time::Duration;

/// A host name or IP literal with a port. IPv6 literals display in brackets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HostPort {
    /// Host name, IPv4 literal, or IPv6 literal without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl HostPort {
    /// A host and port; brackets around an IPv6 literal are removed.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        let host: String = host.into();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .map_or(host.clone(), str::to_string);
        Self { host, port }
    }

    /// Parses `host:port`, `[v6]:port`, or `host` alone with `default_port`.
    pub fn parse_with_default(text: &str, default_port: Option<u16>) -> Result<Self> {
        let invalid = |reason| Error::InvalidAddress {
            text: text.to_string(),
            reason,
        };
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or(invalid("missing ']' after IPv6 literal"))?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(invalid("unexpected text after ']'")),
            }
        } else {
            match text.rsplit_once(':') {
                Some((host, _)) if host.contains(':') => {
                    return Err(invalid("IPv6 literals need brackets: [::1]:80"));
                }
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            }
        };
        if host.is_empty() {
            return Err(invalid("empty host"));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(invalid("host contains spaces, control characters or '/'"));
        }
        let port = match port {
            Some(p) => p
                .parse()
                .map_err(|_| invalid("port must be a number from 0 to 65535"))?,
            None => default_port.ok_or(invalid("missing :port"))?,
        };
        Ok(Self::new(host, port))
    }
}

impl FromStr for HostPort {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse_with_default(s, None)
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// What a listener does with each connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mode {
    /// Relay every byte to one fixed target.
    Forward {
        /// Where to relay to.
        target: HostPort,
    },
    /// Act as a forward HTTP/1.x proxy: each request names its own origin.
    HttpProxy,
}

/// Apache TCPMon's "Simulate Slow Connection": at most `bytes_per_pause` bytes every `delay_ms`,
/// but spread evenly rather than in bursts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowLink {
    /// Bytes allowed per period.
    pub bytes_per_pause: u64,
    /// The period in milliseconds.
    pub delay_ms: u64,
}

impl SlowLink {
    /// The rate in bytes per second, or `None` when the settings mean "no limit".
    pub fn bytes_per_second(&self) -> Option<f64> {
        (self.bytes_per_pause > 0 && self.delay_ms > 0)
            .then(|| self.bytes_per_pause as f64 * 1000.0 / self.delay_ms as f64)
    }
}

impl FromStr for SlowLink {
    type Err = Error;
    /// Parses `BYTES:MS`.
    fn from_str(s: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidAddress {
            text: s.to_string(),
            reason,
        };
        let (bytes, ms) = s.split_once(':').ok_or(invalid("expected BYTES:MS"))?;
        let bytes_per_pause = bytes
            .parse()
            .map_err(|_| invalid("BYTES must be a number"))?;
        let delay_ms = ms.parse().map_err(|_| invalid("MS must be a number"))?;
        let link = SlowLink {
            bytes_per_pause,
            delay_ms,
        };
        link.bytes_per_second()
            .ok_or(invalid("both numbers must be above 0"))?;
        Ok(link)
    }
}

/// Everything a listener needs; validated when the listener starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerConfig {
    /// Address to bind. Loopback unless the user chooses otherwise: a relay open to the LAN is
    /// a relay anyone can use.
    pub bind: IpAddr,
    /// Port to listen on; 0 lets the system choose (the real port is reported).
    pub port: u16,
    /// Forward or HTTP proxy.
    pub mode: Mode,
    /// Reach targets through this HTTP proxy: CONNECT tunnels in forward mode, absolute-form
    /// requests in proxy mode.
    pub upstream_proxy: Option<HostPort>,
    /// Throttle both directions of every connection.
    pub slow_link: Option<SlowLink>,
    /// How long to wait for the target (or upstream proxy) to accept.
    #[serde(with = "millis")]
    pub connect_timeout: Duration,
    /// Forward mode: set each request's `Host` header to the target (off by default, so bytes
    /// stay untouched). The capture shows the requests as sent to the target.
    #[serde(default)]
    pub rewrite_host: bool,
}

impl ListenerConfig {
    /// A forwarding listener on `127.0.0.1:port` with default options.
    pub fn forward(port: u16, target: HostPort) -> Self {
        Self::with_mode(port, Mode::Forward { target })
    }

    /// An HTTP proxy listener on `127.0.0.1:port` with default options.
    pub fn http_proxy(port: u16) -> Self {
        Self::with_mode(port, Mode::HttpProxy)
    }

    fn with_mode(port: u16, mode: Mode) -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
            mode,
            upstream_proxy: None,
            slow_link: None,
            connect_timeout: Duration::from_secs(10),
            rewrite_host: false,
        }
    }

    /// The `Host` value requests get when [`ListenerConfig::rewrite_host`] is on: the target,
    /// without the port when it is HTTP's default.
    pub fn rewritten_host(&self) -> Option<String> {
        match &self.mode {
            Mode::Forward { target } if self.rewrite_host => {
                let full = target.to_string();
                Some(match full.strip_suffix(":80") {
                    Some(without_port) => without_port.to_string(),
                    None => full,
                })
            }
            _ => None,
        }
    }

    /// Whether the bind address reaches beyond this machine (worth a warning in a UI).
    pub fn binds_beyond_loopback(&self) -> bool {
        !self.bind.is_loopback()
    }

    /// Bind address given as text (`127.0.0.1`, `::1`, `[::1]`, `0.0.0.0`).
    pub fn parse_bind(text: &str) -> Result<IpAddr> {
        let bare = text.trim().trim_start_matches('[').trim_end_matches(']');
        bare.parse().map_err(|_| Error::InvalidAddress {
            text: text.to_string(),
            reason: "bind address must be an IP address such as 127.0.0.1 or ::1",
        })
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_parses_names_ipv4_and_bracketed_ipv6() {
        assert_eq!(
            "example.org:80".parse::<HostPort>().unwrap(),
            HostPort::new("example.org", 80)
        );
        let v6: HostPort = "[::1]:8080".parse().unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.to_string(), "[::1]:8080");
        assert_eq!(
            HostPort::parse_with_default("a.test", Some(80))
                .unwrap()
                .port,
            80
        );
    }

    #[test]
    fn host_port_rejects_what_cannot_be_dialled() {
        for bad in [
            "::1:80",
            "host:",
            "host:99999",
            ":80",
            "a b:1",
            "[::1",
            "noport",
        ] {
            assert!(bad.parse::<HostPort>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn slow_link_needs_two_positive_numbers() {
        let link: SlowLink = "100:100".parse().unwrap();
        assert_eq!(link.bytes_per_second(), Some(1000.0));
        assert!("0:100".parse::<SlowLink>().is_err());
        assert!("100".parse::<SlowLink>().is_err());
    }

    #[test]
    fn bind_defaults_to_loopback() {
        let config = ListenerConfig::http_proxy(0);
        assert!(!config.binds_beyond_loopback());
        assert_eq!(
            ListenerConfig::parse_bind("[::1]").unwrap(),
            "::1".parse::<IpAddr>().unwrap()
        );
        assert!(ListenerConfig::parse_bind("localhost").is_err());
    }
}

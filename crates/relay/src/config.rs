//! What a listener does: where it listens, where it relays to, and how.

use crate::error::{Error, Result};
use crate::validate::{ConfigError, Field};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::time::Duration;
use tcpmon_inspect::url::{self, AuthorityError, split_host_port};

/// Whether `ip` is one of this machine's loopback addresses: `127.0.0.0/8`, `::1`, or
/// `127.0.0.0/8` written as IPv4-mapped IPv6 (`::ffff:127.0.0.1`). The one rule behind
/// [`ListenerConfig::binds_beyond_loopback`], [`check_bind`] (which the app's form asks) and
/// the refusal of loopback targets by an exposed proxy.
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Whether a connection to `ip` ends on this machine without leaving it: a loopback address,
/// or the unspecified address (`0.0.0.0`, `::`), which Linux connects to this machine too.
pub fn reaches_own_loopback(ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    ip.is_loopback() || ip.is_unspecified()
}

/// Whether `host` is a name for this machine's loopback (`localhost`, `*.localhost`, RFC 6761),
/// however the resolver at hand would answer.
pub fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// What a bind address typed in a form means: whether only this machine can reach it, or why it
/// is not an address. The app's Admin tab asks for this as the user types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BindCheck {
    /// The address is one of this machine's loopback addresses. False when it is not an address.
    pub loopback: bool,
    /// Why the text is not a bind address; absent when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Checks a bind address as [`ListenerConfig::parse_bind`] reads it.
pub fn check_bind(text: &str) -> BindCheck {
    match ListenerConfig::parse_bind(text) {
        Ok(ip) => BindCheck {
            loopback: is_loopback_ip(ip),
            error: None,
        },
        Err(e) => BindCheck {
            loopback: false,
            error: Some(e.to_string()),
        },
    }
}

/// The user name and password an HTTP proxy listener asks its clients for (HTTP Basic, RFC
/// 7617), for a proxy shared on a LAN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProxyAuth {
    /// User name (no `:`).
    pub user: String,
    /// Password.
    pub password: String,
}

impl fmt::Debug for ProxyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyAuth")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

impl FromStr for ProxyAuth {
    type Err = Error;
    /// Parses `USER:PASS` (the password may contain `:`, the user name may not).
    fn from_str(s: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidAddress {
            text: "USER:PASS".to_string(),
            reason,
        };
        let (user, password) = s.split_once(':').ok_or(invalid("expected USER:PASS"))?;
        if user.is_empty() {
            return Err(invalid("the user name is empty"));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid(
                "user name and password cannot hold control characters",
            ));
        }
        Ok(Self {
            user: user.to_string(),
            password: password.to_string(),
        })
    }
}

impl ProxyAuth {
    /// Whether a request's `Proxy-Authorization` value carries these credentials.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        use base64::Engine;
        let Some(value) = header else { return false };
        let value = value.trim_ascii();
        let Some((scheme, token)) = value.split_at_checked(6) else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case(b"basic ") {
            return false;
        }
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let Ok(given) = engine.decode(token.trim_ascii()) else {
            return false;
        };
        let expected = format!("{}:{}", self.user, self.password);
        constant_time_eq(&given, expected.as_bytes())
    }
}

/// Compares without stopping at the first difference, so timing does not tell how much of a
/// guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    diff == 0
}

/// A host name or IP literal with a port. IPv6 literals display in brackets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
        Self::read(text, default_port).map_err(|reason| Error::InvalidAddress {
            text: text.to_string(),
            reason,
        })
    }

    /// [`HostPort::parse_with_default`], with only the reason when `text` is not an address.
    pub(crate) fn read(text: &str, default_port: Option<u16>) -> Result<Self, &'static str> {
        let (host, port) = split_host_port(text).map_err(AuthorityError::reason)?;
        let port = match port {
            Some(p) => p
                .parse()
                .map_err(|_| "port must be a number from 0 to 65535")?,
            None => default_port.ok_or("missing :port")?,
        };
        Ok(Self::new(host, port))
    }
}

/// Whether `host` (without brackets) can be dialled and written out as `host:port` again, or
/// why not.
pub(crate) fn check_host(host: &str) -> Result<(), &'static str> {
    url::check_host(host).map_err(AuthorityError::reason)
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// Everything a listener needs; validated ([`ListenerConfig::validate`]) when the listener starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub connect_timeout: Duration,
    /// Forward mode: set each request's `Host` header to the target (off by default, so bytes
    /// stay untouched). The capture shows the requests as sent to the target.
    #[serde(default)]
    pub rewrite_host: bool,
    /// Proxy mode bound beyond loopback: also relay to this machine's own loopback addresses
    /// (off by default: a proxy reachable from the LAN must not open the services that listen
    /// only on 127.0.0.1 to the whole LAN).
    #[serde(default)]
    pub allow_loopback_targets: bool,
    /// Proxy mode: answer `407` to requests (`CONNECT` included) without these credentials.
    #[serde(default)]
    pub proxy_auth: Option<ProxyAuth>,
    /// Close a connection after this long without a byte either way ("idle for N s"). Never
    /// while a message of it is paused.
    #[serde(default, with = "opt_millis")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub idle_timeout: Option<Duration>,
    /// Most connections open at once. A connection over it is accepted and closed at once, its
    /// row saying why, rather than left waiting in the kernel's accept queue: a monitor should
    /// show that clients were turned away, and the client learns it at once instead of hanging
    /// until its own timeout on a connection that looks open.
    #[serde(default)]
    pub max_connections: Option<u32>,
    /// Forward mode: speak TLS to the target (the client speaks plain HTTP to the listener).
    #[serde(default)]
    pub target_tls: Option<TargetTls>,
    /// Clients speak TLS to the listener, which shows a certificate from TCPMon's local CA for
    /// the name they ask for (`localhost` and the bind address without SNI).
    #[serde(default)]
    pub listen_tls: bool,
    /// With `listen_tls`: the protocols the listener agrees to with ALPN, in its order of
    /// preference (`--listen-alpn h2,http/1.1`, for a target that speaks HTTP/2); none by
    /// default, so clients speak HTTP/1.1.
    #[serde(default)]
    pub listen_alpn: Vec<String>,
    /// Proxy mode: decrypt CONNECT tunnels whose client speaks TLS (a certificate from TCPMon's
    /// local CA for the name asked, TLS to the origin as `target_tls` says, or with the system's
    /// trust when it is unset), so their exchanges show in clear.
    #[serde(default)]
    pub decrypt_tls: bool,
    /// With `decrypt_tls`: hosts whose tunnels pass through untouched (clients that pin
    /// certificates), as globs matched against the SNI name and the CONNECT host
    /// (`*.example.com`; `*` matches any characters, dots too; case does not matter).
    #[serde(default)]
    pub no_decrypt: Vec<String>,
    /// Faults injected on purpose (`--fault`), each drawn per connection by its chance.
    #[serde(default)]
    pub faults: Vec<crate::fault::Fault>,
    /// Rules that change HTTP/1 traffic on purpose (`--rules`, the app's Rules panel), as the
    /// rules file's text and the folder its `bodyFile`s are relative to; null for none.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<crate::rules::RulesSource>"))]
    pub rules: crate::rules::Rules,
}

/// How TCPMon speaks TLS to a target: what it trusts, the name it sends and verifies, the
/// client certificate it shows, what it offers with ALPN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetTls {
    /// PEM files of certificates trusted besides the system's (`--target-ca`).
    #[serde(default)]
    pub ca_files: Vec<String>,
    /// Accept any certificate (`--insecure`); each such connection says so.
    #[serde(default)]
    pub insecure: bool,
    /// The name sent as SNI and verified instead of the target host (`--tls-server-name`).
    #[serde(default)]
    pub server_name: Option<String>,
    /// A PEM client certificate chain, with its key unless `client_key` is given.
    #[serde(default)]
    pub client_cert: Option<String>,
    /// The client certificate's key, when it is in a file of its own.
    #[serde(default)]
    pub client_key: Option<String>,
    /// Protocols offered with ALPN (`--target-alpn`), in order; none by default.
    #[serde(default)]
    pub alpn: Vec<String>,
}

impl ListenerConfig {
    /// Whether a decrypting proxy passes `host`'s tunnels through untouched: it matches one of
    /// the `no_decrypt` globs (patterns that do not parse, which validation refuses, match
    /// nothing).
    pub fn passes_through(&self, host: &str) -> bool {
        let options = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.no_decrypt
            .iter()
            .any(|pattern| glob::Pattern::new(pattern).is_ok_and(|p| p.matches_with(host, options)))
    }

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
            allow_loopback_targets: false,
            proxy_auth: None,
            idle_timeout: None,
            max_connections: None,
            target_tls: None,
            listen_tls: false,
            listen_alpn: Vec::new(),
            decrypt_tls: false,
            no_decrypt: Vec::new(),
            faults: Vec::new(),
            rules: Default::default(),
        }
    }

    /// The `Host` value requests get when [`ListenerConfig::rewrite_host`] is on: the target,
    /// without the port when it is the default of HTTP (or of HTTPS, with TLS to the target).
    pub fn rewritten_host(&self) -> Option<String> {
        match &self.mode {
            Mode::Forward { target } if self.rewrite_host => {
                let full = target.to_string();
                let default_port = if self.target_tls.is_some() {
                    ":443"
                } else {
                    ":80"
                };
                Some(match full.strip_suffix(default_port) {
                    Some(without_port) => without_port.to_string(),
                    None => full,
                })
            }
            _ => None,
        }
    }

    /// Whether the bind address reaches beyond this machine (worth a warning in a UI).
    pub fn binds_beyond_loopback(&self) -> bool {
        !is_loopback_ip(self.bind)
    }

    /// Proxy mode reachable from other machines without `allow_loopback_targets`: requests to
    /// this machine's loopback addresses are refused.
    pub fn refuses_loopback_targets(&self) -> bool {
        self.mode == Mode::HttpProxy && self.binds_beyond_loopback() && !self.allow_loopback_targets
    }

    /// Bind address given as text (`127.0.0.1`, `::1`, `[::1]`, `0.0.0.0`, `localhost` meaning
    /// `127.0.0.1`).
    pub fn parse_bind(text: &str) -> Result<IpAddr, ConfigError> {
        let trimmed = text.trim();
        let bare = trimmed
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(trimmed);
        if bare.eq_ignore_ascii_case("localhost") {
            return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        bare.parse().map_err(|_| ConfigError::Address {
            field: Field::BindAddress,
            text: text.to_string(),
            reason: "bind address must be an IP address such as 127.0.0.1 or ::1, or localhost",
        })
    }
}

mod opt_millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<u64>::deserialize(d).map(|ms| ms.map(Duration::from_millis))
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
    fn the_rewritten_host_leaves_out_the_default_port_of_its_scheme() {
        let to = |port, tls: bool| ListenerConfig {
            rewrite_host: true,
            target_tls: tls.then(TargetTls::default),
            ..ListenerConfig::forward(0, HostPort::new("api.test", port))
        };
        let host = |config: ListenerConfig| config.rewritten_host().unwrap_or_default();
        assert_eq!(host(to(80, false)), "api.test");
        assert_eq!(host(to(443, false)), "api.test:443");
        assert_eq!(host(to(443, true)), "api.test");
        assert_eq!(host(to(80, true)), "api.test:80");
    }

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
            "[[::1]:80",
            "a]:80",
        ] {
            assert!(bad.parse::<HostPort>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn bind_defaults_to_loopback() {
        let config = ListenerConfig::http_proxy(0);
        assert!(!config.binds_beyond_loopback());
        assert_eq!(
            ListenerConfig::parse_bind("[::1]").unwrap(),
            "::1".parse::<IpAddr>().unwrap()
        );
    }

    /// The cases the app's form and the engine must agree on. The form asks `check_bind`; the
    /// UI tests' fake backend answers from the same table.
    #[test]
    fn one_address_rule_for_the_form_and_the_engine() {
        #[derive(Deserialize)]
        struct Case {
            addr: String,
            loopback: bool,
            #[serde(default)]
            error: bool,
        }
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("../tests/bind_cases.json")).unwrap();
        assert!(cases.len() > 20);
        for case in cases {
            let text = case.addr.as_str();
            let check = check_bind(text);
            assert_eq!(check.loopback, case.loopback, "{text}");
            match ListenerConfig::parse_bind(text) {
                Ok(ip) => {
                    assert!(!case.error && check.error.is_none(), "{text}");
                    let config = ListenerConfig {
                        bind: ip,
                        ..ListenerConfig::http_proxy(0)
                    };
                    assert_eq!(config.binds_beyond_loopback(), !case.loopback, "{text}");
                }
                Err(_) => assert!(
                    case.error
                        && check
                            .error
                            .as_deref()
                            .is_some_and(|e| e.contains("bind address")),
                    "{text}: {check:?}"
                ),
            }
        }
        assert_eq!(
            ListenerConfig::parse_bind("localhost").unwrap(),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
    }

    #[test]
    fn loopback_targets_include_the_unspecified_address_and_localhost_names() {
        for ip in [
            "127.0.0.1",
            "127.200.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "::",
        ] {
            assert!(reaches_own_loopback(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1"] {
            assert!(!reaches_own_loopback(ip.parse().unwrap()), "{ip}");
        }
        for name in ["localhost", "LOCALHOST.", "api.localhost"] {
            assert!(is_localhost_name(name), "{name}");
        }
        for name in ["localhost.example.org", "mylocalhost", "example.org"] {
            assert!(!is_localhost_name(name), "{name}");
        }
    }

    #[test]
    fn exposed_proxies_refuse_loopback_targets_unless_allowed() {
        let mut config = ListenerConfig::http_proxy(0);
        assert!(!config.refuses_loopback_targets(), "loopback-only proxy");
        config.bind = "0.0.0.0".parse().unwrap();
        assert!(config.refuses_loopback_targets());
        config.allow_loopback_targets = true;
        assert!(!config.refuses_loopback_targets());
        let mut forward = ListenerConfig::forward(0, HostPort::new("127.0.0.1", 80));
        forward.bind = "0.0.0.0".parse().unwrap();
        assert!(
            !forward.refuses_loopback_targets(),
            "forward targets are the user's choice"
        );
    }

    #[test]
    fn proxy_credentials_are_checked_as_basic_auth() {
        let auth: ProxyAuth = "alice:s3:cret".parse().unwrap();
        assert_eq!(auth.password, "s3:cret");
        // base64("alice:s3:cret")
        assert!(auth.accepts(Some(b"Basic YWxpY2U6czM6Y3JldA==")));
        assert!(auth.accepts(Some(b"  basic   YWxpY2U6czM6Y3JldA ")));
        assert!(!auth.accepts(None));
        assert!(
            !auth.accepts(Some(b"Basic YWxpY2U6d3Jvbmc=")),
            "alice:wrong"
        );
        assert!(!auth.accepts(Some(b"Bearer YWxpY2U6czM6Y3JldA==")));
        assert!(!auth.accepts(Some(b"Basic !!!")));
        assert!(!auth.accepts(Some(b"Basic")));
        assert!(":pw".parse::<ProxyAuth>().is_err());
        assert!("nocolon".parse::<ProxyAuth>().is_err());
        assert!(!format!("{auth:?}").contains("s3:cret"));
    }

    #[test]
    fn settings_from_before_the_exposure_options_still_load() {
        let old = r#"{"bind":"127.0.0.1","port":8080,"mode":{"kind":"http_proxy"},
            "upstream_proxy":null,"slow_link":null,"connect_timeout":10000}"#;
        let config: ListenerConfig = serde_json::from_str(old).unwrap();
        assert_eq!(config, ListenerConfig::http_proxy(8080));
        let mut new = ListenerConfig::http_proxy(1);
        new.idle_timeout = Some(Duration::from_millis(1500));
        new.max_connections = Some(3);
        new.proxy_auth = Some("u:p".parse().unwrap());
        let json = serde_json::to_string(&new).unwrap();
        assert_eq!(serde_json::from_str::<ListenerConfig>(&json).unwrap(), new);
    }
}

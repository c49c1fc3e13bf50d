//! One rule for what makes a listener. The app's admin form, the app's command line and the CLI
//! read what the user typed with [`ListenerText::parse`], and the engine checks every config it
//! starts with [`ListenerConfig::validate`]: the same mistake gets the same message everywhere,
//! naming its field so a form can show it there.

use crate::config::{HostPort, ListenerConfig, Mode, SlowLink, check_host};
use std::fmt;
use thiserror::Error;

/// A listener setting, as the admin form names its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The port to listen on.
    ListenPort,
    /// The address to listen on.
    BindAddress,
    /// The host to relay to (forward mode).
    TargetHost,
    /// The port to relay to (forward mode).
    TargetPort,
    /// The upstream HTTP proxy's `host:port`.
    UpstreamProxy,
    /// The slow link's bytes per pause and delay.
    SlowLink,
    /// Whether each request's `Host` is set to the target.
    RewriteHost,
    /// TLS to the target.
    TargetTls,
    /// The hosts a decrypting proxy passes through.
    NoDecrypt,
}

impl Field {
    /// The form's name for the field (`listen_port`; docs/ipc.md lists them).
    pub fn name(self) -> &'static str {
        match self {
            Field::ListenPort => "listen_port",
            Field::BindAddress => "bind_address",
            Field::TargetHost => "target_host",
            Field::TargetPort => "target_port",
            Field::UpstreamProxy => "upstream_proxy",
            Field::SlowLink => "slow_link",
            Field::RewriteHost => "rewrite_host",
            Field::TargetTls => "target_tls",
            Field::NoDecrypt => "no_decrypt",
        }
    }
}

impl fmt::Display for Field {
    /// The field in words, as messages name it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::ListenPort => "listen port",
            Field::BindAddress => "bind address",
            Field::TargetHost => "target host",
            Field::TargetPort => "target port",
            Field::UpstreamProxy => "upstream proxy",
            Field::SlowLink => "slow link",
            Field::RewriteHost => "Host rewrite",
            Field::TargetTls => "TLS to the target",
            Field::NoDecrypt => "hosts not decrypted",
        })
    }
}

/// Why settings do not make a listener.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A setting that is needed was left empty.
    #[error("no {0} given")]
    Missing(Field),
    /// A port that is not a number from 0 to 65535.
    #[error("{field} {text:?} is not a port: use a number from 0 to 65535")]
    NotAPort {
        /// The port's field.
        field: Field,
        /// What was typed.
        text: String,
    },
    /// Forward mode with target port 0, which no connection can reach.
    #[error("target port 0 cannot be dialled: use a port from 1 to 65535")]
    TargetPortZero,
    /// A target host that cannot be dialled.
    #[error("target host {host:?}: {reason}")]
    TargetHost {
        /// The host.
        host: String,
        /// Why it cannot be dialled.
        reason: &'static str,
    },
    /// A bind address or `host:port` that does not parse.
    #[error("invalid address {text:?}: {reason}")]
    Address {
        /// Which address.
        field: Field,
        /// What was typed.
        text: String,
        /// Why it is not an address.
        reason: &'static str,
    },
    /// A slow link whose numbers are not both above 0.
    #[error("slow link: bytes per pause and delay (ms) must both be numbers above 0")]
    SlowLink,
    /// Host rewriting asked of an HTTP proxy, whose requests each name their own host.
    #[error("Host rewriting works in forward mode: in proxy mode each request names its own host")]
    RewriteHostInProxyMode,
    /// TLS to the target asked of an HTTP proxy, whose clients ask for HTTPS with CONNECT.
    #[error(
        "TLS to the target works in forward mode, or for the origins of a decrypting proxy (--decrypt-tls): a proxy's clients reach HTTPS sites with CONNECT"
    )]
    TargetTlsInProxyMode,
    /// Decryption asked of a relay to one target, which sees no CONNECT.
    #[error(
        "decrypting HTTPS works in proxy mode, on CONNECT tunnels (a relay to one target speaks TLS with --listen-tls and --target-tls)"
    )]
    DecryptInForwardMode,
    /// ALPN protocols for a listener that speaks no TLS to its clients.
    #[error("protocols for clients (--listen-alpn) go with TLS towards clients (--listen-tls)")]
    ListenAlpnWithoutTls,
    /// An ALPN protocol name that is empty or longer than 255 bytes.
    #[error("ALPN protocol {0:?}: a name of 1 to 255 bytes (h2, http/1.1)")]
    AlpnName(String),
    /// Hosts to pass through, for a listener that decrypts nothing.
    #[error("hosts not to decrypt (--no-decrypt) go with decrypting HTTPS (--decrypt-tls)")]
    NoDecryptWithoutDecrypt,
    /// A pass-through pattern that is no host glob.
    #[error(
        "host pattern {pattern:?} for --no-decrypt: use a host name or address, with * for any characters (*.example.com)"
    )]
    NoDecryptPattern {
        /// The pattern as given.
        pattern: String,
    },
    /// A command line with neither one nor three positional arguments.
    #[error("give LISTEN_PORT, or LISTEN_PORT TARGET_HOST TARGET_PORT (got {0} arguments)")]
    Arguments(usize),
}

impl ConfigError {
    /// The setting the error is about; none when the command line's shape is wrong.
    pub fn field(&self) -> Option<Field> {
        Some(match self {
            ConfigError::Missing(field)
            | ConfigError::NotAPort { field, .. }
            | ConfigError::Address { field, .. } => *field,
            ConfigError::TargetPortZero => Field::TargetPort,
            ConfigError::TargetHost { .. } => Field::TargetHost,
            ConfigError::SlowLink => Field::SlowLink,
            ConfigError::RewriteHostInProxyMode => Field::RewriteHost,
            ConfigError::TargetTlsInProxyMode => Field::TargetTls,
            ConfigError::DecryptInForwardMode => Field::TargetTls,
            ConfigError::ListenAlpnWithoutTls | ConfigError::AlpnName(_) => Field::TargetTls,
            ConfigError::NoDecryptWithoutDecrypt | ConfigError::NoDecryptPattern { .. } => {
                Field::NoDecrypt
            }
            ConfigError::Arguments(_) => return None,
        })
    }
}

/// A listener as typed, each setting as text: an admin form, or a command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerText<'a> {
    /// The port to listen on; `0` picks a free one.
    pub listen_port: &'a str,
    /// The address to listen on; empty means 127.0.0.1.
    pub bind: &'a str,
    /// Host and port to relay to; `None` makes an HTTP proxy.
    pub target: Option<(&'a str, &'a str)>,
    /// The upstream HTTP proxy's `host:port`; empty for none.
    pub upstream_proxy: &'a str,
    /// Slow link: bytes per pause and delay in milliseconds; `None` for full speed.
    pub slow_link: Option<(&'a str, &'a str)>,
    /// Set each request's `Host` to the target.
    pub rewrite_host: bool,
}

impl<'a> ListenerText<'a> {
    /// Apache TCPMon's positional arguments: `LISTEN_PORT` alone is an HTTP proxy,
    /// `LISTEN_PORT TARGET_HOST TARGET_PORT` a listener relaying to the target.
    pub fn positional(args: &[&'a str]) -> Result<Self, ConfigError> {
        let (listen_port, target) = match *args {
            [listen] => (listen, None),
            [_, _] => return Err(ConfigError::Missing(Field::TargetPort)),
            [listen, host, port] => (listen, Some((host, port))),
            _ => return Err(ConfigError::Arguments(args.len())),
        };
        Ok(Self {
            listen_port,
            target,
            ..Self::default()
        })
    }

    /// The listener these settings describe, or the first one that is wrong.
    pub fn parse(&self) -> Result<ListenerConfig, ConfigError> {
        let listen_port = port(Field::ListenPort, self.listen_port)?;
        let mut config = match self.target {
            None => ListenerConfig::http_proxy(listen_port),
            Some((host, target_port)) => {
                let host = host.trim();
                if host.is_empty() {
                    return Err(ConfigError::Missing(Field::TargetHost));
                }
                let target = HostPort::new(host, port(Field::TargetPort, target_port)?);
                ListenerConfig::forward(listen_port, target)
            }
        };
        if !self.bind.trim().is_empty() {
            config.bind = ListenerConfig::parse_bind(self.bind)?;
        }
        let upstream = self.upstream_proxy.trim();
        if !upstream.is_empty() {
            let proxy = HostPort::read(upstream, None).map_err(|reason| ConfigError::Address {
                field: Field::UpstreamProxy,
                text: upstream.to_string(),
                reason,
            })?;
            config.upstream_proxy = Some(proxy);
        }
        if let Some((bytes, delay)) = self.slow_link {
            config.slow_link = Some(slow_link(bytes, delay)?);
        }
        config.rewrite_host = self.rewrite_host;
        config.validate()?;
        Ok(config)
    }
}

/// A port typed in `field`.
fn port(field: Field, text: &str) -> Result<u16, ConfigError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ConfigError::Missing(field));
    }
    text.parse().map_err(|_| ConfigError::NotAPort {
        field,
        text: text.to_string(),
    })
}

/// A slow link of `bytes` every `delay` milliseconds, both above 0.
fn slow_link(bytes: &str, delay: &str) -> Result<SlowLink, ConfigError> {
    let positive = |text: &str| text.trim().parse().ok().filter(|&n: &u64| n > 0);
    match (positive(bytes), positive(delay)) {
        (Some(bytes_per_pause), Some(delay_ms)) => Ok(SlowLink {
            bytes_per_pause,
            delay_ms,
        }),
        _ => Err(ConfigError::SlowLink),
    }
}

impl ListenerConfig {
    /// Whether these settings make a listener: what every way of making one is held to, the
    /// engine included (a settings file may say anything).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match &self.mode {
            Mode::Forward { target } => {
                check_host(&target.host).map_err(|reason| ConfigError::TargetHost {
                    host: target.host.clone(),
                    reason,
                })?;
                if target.port == 0 {
                    return Err(ConfigError::TargetPortZero);
                }
                if self.decrypt_tls {
                    return Err(ConfigError::DecryptInForwardMode);
                }
            }
            Mode::HttpProxy if self.rewrite_host => {
                return Err(ConfigError::RewriteHostInProxyMode);
            }
            Mode::HttpProxy if self.target_tls.is_some() && !self.decrypt_tls => {
                return Err(ConfigError::TargetTlsInProxyMode);
            }
            Mode::HttpProxy => {}
        }
        if !self.no_decrypt.is_empty() && !self.decrypt_tls {
            return Err(ConfigError::NoDecryptWithoutDecrypt);
        }
        if !self.listen_alpn.is_empty() && !self.listen_tls {
            return Err(ConfigError::ListenAlpnWithoutTls);
        }
        let target_alpn = self.target_tls.iter().flat_map(|t| &t.alpn);
        if let Some(name) = self
            .listen_alpn
            .iter()
            .chain(target_alpn)
            .find(|p| p.is_empty() || p.len() > 255)
        {
            return Err(ConfigError::AlpnName(name.clone()));
        }
        match self.no_decrypt.iter().find(|p| !is_host_glob(p)) {
            Some(pattern) => Err(ConfigError::NoDecryptPattern {
                pattern: pattern.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// A host name or address with `*` and `?` for any characters: what `--no-decrypt` takes (no
/// glob classes, which no host needs).
fn is_host_glob(pattern: &str) -> bool {
    !pattern.is_empty()
        && pattern.len() <= 255
        && pattern
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.*?_:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_the_listener_it_describes() {
        let config = ListenerText {
            bind: " ::1 ",
            upstream_proxy: "proxy.test:3128",
            slow_link: Some(("100", "50")),
            rewrite_host: true,
            listen_port: "8081",
            target: Some(("[::1]", "80")),
        }
        .parse()
        .unwrap();
        assert_eq!(config.port, 8081);
        assert_eq!(
            config.mode,
            Mode::Forward {
                target: HostPort::new("::1", 80)
            }
        );
        assert_eq!(config.bind, "::1".parse::<std::net::IpAddr>().unwrap());
        assert_eq!(
            config.upstream_proxy,
            Some(HostPort::new("proxy.test", 3128))
        );
        assert_eq!(config.slow_link.unwrap().bytes_per_second(), Some(2000.0));
        assert_eq!(config.rewritten_host().as_deref(), Some("[::1]"));
        let proxy = ListenerText::positional(&["0"]).unwrap().parse().unwrap();
        assert_eq!(proxy, ListenerConfig::http_proxy(0));
    }

    /// A listener as a form types it, with the mistake it holds (`tests/listener_cases.json`,
    /// which the app's form tests read too).
    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct Case {
        port: String,
        bind: String,
        proxy: bool,
        target_host: String,
        target_port: String,
        upstream_proxy: String,
        slow_bytes: String,
        slow_delay_ms: String,
        rewrite_host: bool,
        field: String,
        message: String,
    }

    /// Each mistake, the field it names and the words every caller shows.
    #[test]
    fn each_mistake_names_its_field_in_one_message() {
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("../tests/listener_cases.json")).unwrap();
        assert!(cases.len() > 10);
        for case in cases {
            let slow = !(case.slow_bytes.is_empty() && case.slow_delay_ms.is_empty());
            let text = ListenerText {
                listen_port: &case.port,
                bind: &case.bind,
                target: (!case.proxy).then_some((&*case.target_host, &*case.target_port)),
                upstream_proxy: &case.upstream_proxy,
                slow_link: slow.then_some((&*case.slow_bytes, &*case.slow_delay_ms)),
                rewrite_host: case.rewrite_host,
            };
            let err = text.parse().unwrap_err();
            let named = err.field().map(Field::name);
            assert_eq!(
                (named, err.to_string()),
                (Some(case.field.as_str()), case.message.clone()),
                "{case:?}"
            );
        }
    }

    #[test]
    fn one_argument_is_a_proxy_two_are_missing_a_port_three_a_forward() {
        assert_eq!(ListenerText::positional(&["8080"]).unwrap().target, None);
        assert_eq!(
            ListenerText::positional(&["8080", "h"]),
            Err(ConfigError::Missing(Field::TargetPort))
        );
        assert_eq!(
            ListenerText::positional(&["8080", "h", "1"])
                .unwrap()
                .target,
            Some(("h", "1"))
        );
        let four = ListenerText::positional(&["1", "2", "3", "4"]).unwrap_err();
        assert_eq!((four.field(), four), (None, ConfigError::Arguments(4)));
    }

    #[test]
    fn the_engine_holds_configs_from_anywhere_to_the_same_rule() {
        let zero = ListenerConfig::forward(0, HostPort::new("h", 0));
        assert_eq!(zero.validate(), Err(ConfigError::TargetPortZero));
        let mut proxy = ListenerConfig::http_proxy(0);
        proxy.rewrite_host = true;
        assert_eq!(proxy.validate(), Err(ConfigError::RewriteHostInProxyMode));
        let spaced = ListenerConfig::forward(0, HostPort::new("a b", 1));
        assert_eq!(
            spaced.validate().unwrap_err().field(),
            Some(Field::TargetHost)
        );
        assert_eq!(
            ListenerConfig::forward(0, HostPort::new("h", 1)).validate(),
            Ok(())
        );
    }

    #[test]
    fn pass_through_hosts_need_decryption_and_host_globs() {
        let mut tls = ListenerConfig::forward(0, HostPort::new("h", 1));
        tls.listen_alpn = vec!["h2".into()];
        assert_eq!(tls.validate(), Err(ConfigError::ListenAlpnWithoutTls));
        tls.listen_tls = true;
        assert_eq!(tls.validate(), Ok(()));
        tls.listen_alpn.push(String::new());
        assert_eq!(tls.validate(), Err(ConfigError::AlpnName(String::new())));
        let mut proxy = ListenerConfig::http_proxy(0);
        proxy.no_decrypt = vec!["*.bank.example".into()];
        assert_eq!(proxy.validate(), Err(ConfigError::NoDecryptWithoutDecrypt));
        proxy.decrypt_tls = true;
        assert_eq!(proxy.validate(), Ok(()));
        proxy.no_decrypt.push("[a-z]*".into());
        let err = proxy.validate().unwrap_err();
        assert_eq!(err.field(), Some(Field::NoDecrypt));
        assert!(err.to_string().contains("\"[a-z]*\""), "{err}");
        proxy.no_decrypt = vec![String::new()];
        assert!(proxy.validate().is_err());
    }

    #[test]
    fn pass_through_globs_match_whole_host_names_in_any_case() {
        let mut proxy = ListenerConfig::http_proxy(0);
        proxy.decrypt_tls = true;
        proxy.no_decrypt = vec!["*.Pinned.example".into(), "10.0.0.?".into()];
        assert!(proxy.passes_through("api.pinned.example"));
        assert!(proxy.passes_through("a.b.PINNED.example"));
        assert!(proxy.passes_through("10.0.0.7"));
        assert!(!proxy.passes_through("pinned.example"));
        assert!(!proxy.passes_through("pinned.example.evil"));
        assert!(!proxy.passes_through("10.0.0.70"));
    }
}

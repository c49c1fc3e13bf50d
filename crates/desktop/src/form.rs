//! The admin form (and a stopped listener's editable fields) as typed, into a listener config.
//! Every problem names its field, so the UI can show it next to the field.

use crate::error::{CommandError, ErrorKind};
use serde::{Deserialize, Serialize};
use tcpmon_relay::{BindCheck, HostPort, ListenerConfig, SlowLink};

/// The form's fields, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListenerForm {
    /// Listen port; `0` picks a free one.
    pub port: String,
    /// Bind address; empty means 127.0.0.1.
    pub bind: String,
    /// HTTP proxy mode instead of a fixed target.
    pub proxy: bool,
    /// Target host name or IP literal (IPv6 with or without brackets).
    pub target_host: String,
    /// Target port.
    pub target_port: String,
    /// `host:port` of an upstream HTTP proxy, or empty.
    pub upstream_proxy: String,
    /// Slow link: bytes per pause, or empty.
    pub slow_bytes: String,
    /// Slow link: delay in milliseconds, or empty.
    pub slow_delay_ms: String,
    /// Forward mode: rewrite each request's Host header to the target.
    #[serde(default)]
    pub rewrite_host: bool,
}

fn invalid(field: &'static str, message: impl Into<String>) -> CommandError {
    CommandError::new(ErrorKind::InvalidInput, message).on(field)
}

fn port(text: &str, field: &'static str, allow_zero: bool) -> Result<u16, CommandError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(
            field,
            if allow_zero {
                "enter a port (0 picks a free one)"
            } else {
                "enter a port"
            },
        ));
    }
    match text.parse::<u16>() {
        Ok(0) if !allow_zero => Err(invalid(field, "port 0 cannot be dialled")),
        Ok(port) => Ok(port),
        Err(_) => Err(invalid(
            field,
            format!("{text:?} is not a port: use a number from 0 to 65535"),
        )),
    }
}

fn positive(text: &str) -> Result<u64, CommandError> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(invalid(
            "slow_link",
            "bytes per pause and delay must both be numbers above 0",
        )),
    }
}

/// The bind address field as [`ListenerForm::parse`] reads it (empty means 127.0.0.1): whether
/// only this machine can reach it, or why it is not an address. The engine's own rule, which
/// the Admin tab asks for as the user types.
pub fn check_bind(text: &str) -> BindCheck {
    if text.trim().is_empty() {
        return BindCheck {
            loopback: true,
            error: None,
        };
    }
    tcpmon_relay::check_bind(text)
}

impl ListenerForm {
    /// The listener config the form describes.
    pub fn parse(&self) -> Result<ListenerConfig, CommandError> {
        let listen_port = port(&self.port, "listen_port", true)?;
        let mut config = if self.proxy {
            ListenerConfig::http_proxy(listen_port)
        } else {
            let host = self.target_host.trim();
            if host.is_empty() {
                return Err(invalid("target_host", "enter the host to relay to"));
            }
            if host.chars().any(|c| c.is_whitespace() || c == '/') {
                return Err(invalid("target_host", "a host name has no spaces or '/'"));
            }
            ListenerConfig::forward(
                listen_port,
                HostPort::new(host, port(&self.target_port, "target_port", false)?),
            )
        };
        if !self.bind.trim().is_empty() {
            config.bind = ListenerConfig::parse_bind(&self.bind)
                .map_err(|e| invalid("bind_address", e.to_string()))?;
        }
        let upstream = self.upstream_proxy.trim();
        if !upstream.is_empty() {
            config.upstream_proxy = Some(
                upstream
                    .parse()
                    .map_err(|e: tcpmon_relay::Error| invalid("upstream_proxy", e.to_string()))?,
            );
        }
        if !(self.slow_bytes.trim().is_empty() && self.slow_delay_ms.trim().is_empty()) {
            config.slow_link = Some(SlowLink {
                bytes_per_pause: positive(&self.slow_bytes)?,
                delay_ms: positive(&self.slow_delay_ms)?,
            });
        }
        config.rewrite_host = self.rewrite_host && !self.proxy;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::Mode;

    fn form() -> ListenerForm {
        ListenerForm {
            port: "8081".into(),
            target_host: "example.org".into(),
            target_port: "80".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_forward_form_becomes_a_loopback_listener() {
        let config = form().parse().unwrap();
        assert_eq!(config.port, 8081);
        assert_eq!(
            config.mode,
            Mode::Forward {
                target: HostPort::new("example.org", 80)
            }
        );
        assert!(!config.binds_beyond_loopback());
    }

    #[test]
    fn ipv6_literals_and_options_are_accepted() {
        let f = ListenerForm {
            target_host: "[::1]".into(),
            bind: "::1".into(),
            upstream_proxy: "proxy.test:3128".into(),
            slow_bytes: "100".into(),
            slow_delay_ms: "50".into(),
            rewrite_host: true,
            ..form()
        };
        let config = f.parse().unwrap();
        assert_eq!(config.rewritten_host().as_deref(), Some("[::1]"));
        assert_eq!(
            config.mode,
            Mode::Forward {
                target: HostPort::new("::1", 80)
            }
        );
        assert_eq!(
            config.upstream_proxy,
            Some(HostPort::new("proxy.test", 3128))
        );
        assert_eq!(
            config.slow_link,
            Some(SlowLink {
                bytes_per_pause: 100,
                delay_ms: 50
            })
        );
    }

    #[test]
    fn each_mistake_names_its_field() {
        let cases = [
            (
                ListenerForm {
                    port: "80a".into(),
                    ..form()
                },
                "listen_port",
            ),
            (
                ListenerForm {
                    port: "".into(),
                    ..form()
                },
                "listen_port",
            ),
            (
                ListenerForm {
                    target_host: " ".into(),
                    ..form()
                },
                "target_host",
            ),
            (
                ListenerForm {
                    target_port: "0".into(),
                    ..form()
                },
                "target_port",
            ),
            (
                ListenerForm {
                    bind: "my.host".into(),
                    ..form()
                },
                "bind_address",
            ),
            (
                ListenerForm {
                    upstream_proxy: "noport".into(),
                    ..form()
                },
                "upstream_proxy",
            ),
            (
                ListenerForm {
                    slow_bytes: "10".into(),
                    ..form()
                },
                "slow_link",
            ),
        ];
        for (f, field) in cases {
            let err = f.parse().unwrap_err();
            assert_eq!(err.field, Some(field), "{f:?}: {err:?}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn the_bind_check_reads_the_field_as_the_form_does() {
        for (text, loopback) in [
            ("", true),
            (" ", true),
            ("localhost", true),
            ("0.0.0.0", false),
        ] {
            let check = check_bind(text);
            assert_eq!((check.loopback, check.error), (loopback, None), "{text:?}");
            let parsed = ListenerForm {
                bind: text.into(),
                ..form()
            }
            .parse()
            .unwrap();
            assert_eq!(parsed.binds_beyond_loopback(), !loopback, "{text:?}");
        }
        let bad = check_bind("my.host");
        assert!(!bad.loopback && bad.error.is_some());
    }

    #[test]
    fn proxy_mode_ignores_the_target_fields() {
        let f = ListenerForm {
            proxy: true,
            target_host: "".into(),
            target_port: "".into(),
            ..form()
        };
        assert_eq!(f.parse().unwrap().mode, Mode::HttpProxy);
    }
}

//! Options for a relay other machines can reach (`--bind` beyond loopback), and the warnings
//! it earns on stderr. Flattened into [`crate::listen::Args`].

use anyhow::{Result, bail};
use tcpmon_relay::{Error, ListenerConfig, Mode, ProxyAuth};

/// Who may use the relay, and how much of it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Exposure {
    /// Proxy mode bound beyond loopback: also relay to this machine's loopback addresses
    /// (refused by default, so the LAN cannot reach services that listen only on 127.0.0.1).
    #[arg(long)]
    pub allow_loopback_targets: bool,
    /// Proxy mode: ask clients for this user name and password (HTTP Basic; 407 without them).
    #[arg(long, value_name = "USER:PASS", value_parser = credentials)]
    pub proxy_auth: Option<ProxyAuth>,
    /// Close a connection after SECS seconds without a byte either way.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: Option<u64>,
    /// At most N connections open at once; more are closed at once, each line saying why.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
}

fn credentials(text: &str) -> Result<ProxyAuth, String> {
    text.parse().map_err(|e| match e {
        Error::InvalidAddress { reason, .. } => reason.to_string(),
        other => other.to_string(),
    })
}

impl Exposure {
    /// Sets these options on `config`.
    pub fn apply(&self, config: &mut ListenerConfig) -> Result<()> {
        let proxy = config.mode == Mode::HttpProxy;
        if self.proxy_auth.is_some() && !proxy {
            bail!(
                "--proxy-auth works in proxy mode (--proxy): a relay to one target has no proxy to log in to"
            );
        }
        if self.allow_loopback_targets && !proxy {
            bail!(
                "--allow-loopback-targets works in proxy mode (--proxy): a relay's one target is yours to choose"
            );
        }
        config.allow_loopback_targets = self.allow_loopback_targets;
        config.proxy_auth = self.proxy_auth.clone();
        config.idle_timeout = self.idle_timeout.map(std::time::Duration::from_secs);
        config.max_connections = self.max_connections;
        Ok(())
    }
}

/// What a user should know before leaving `config` running: nothing for a loopback listener.
pub fn warnings(config: &ListenerConfig) -> Vec<String> {
    if !config.binds_beyond_loopback() {
        return Vec::new();
    }
    let mut out = vec![format!(
        "{} is not a loopback address: other machines can connect, use this relay, and their \
         traffic is recorded here",
        config.bind
    )];
    if config.mode == Mode::HttpProxy {
        if config.proxy_auth.is_none() {
            out.push(
                "anyone who can reach this proxy can use it: --proxy-auth USER:PASS asks for \
                 credentials"
                    .into(),
            );
        }
        if config.allow_loopback_targets {
            out.push(
                "--allow-loopback-targets: other machines reach this machine's loopback \
                 services through this proxy"
                    .into(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_listeners_earn_no_warning_and_exposed_proxies_three() {
        assert!(warnings(&ListenerConfig::http_proxy(0)).is_empty());
        let mut config = ListenerConfig::http_proxy(0);
        config.bind = ListenerConfig::parse_bind("::ffff:127.0.0.1").unwrap();
        assert!(warnings(&config).is_empty(), "IPv4-mapped loopback");
        config.bind = "0.0.0.0".parse().unwrap();
        config.allow_loopback_targets = true;
        assert_eq!(warnings(&config).len(), 3);
        config.proxy_auth = Some("u:p".parse().unwrap());
        config.allow_loopback_targets = false;
        assert_eq!(warnings(&config).len(), 1);
    }

    #[test]
    fn proxy_options_need_proxy_mode() {
        let mut forward =
            ListenerConfig::forward(0, tcpmon_relay::HostPort::new("example.org", 80));
        let auth = Exposure {
            proxy_auth: Some("u:p".parse().unwrap()),
            ..Exposure::default()
        };
        assert!(auth.apply(&mut forward).is_err());
        let mut proxy = ListenerConfig::http_proxy(0);
        let all = Exposure {
            idle_timeout: Some(30),
            max_connections: Some(5),
            allow_loopback_targets: true,
            ..auth
        };
        all.apply(&mut proxy).unwrap();
        assert_eq!(proxy.idle_timeout, Some(std::time::Duration::from_secs(30)));
        assert_eq!(proxy.max_connections, Some(5));
        assert!(proxy.allow_loopback_targets && proxy.proxy_auth.is_some());
        assert_eq!(
            credentials("nocolon").unwrap_err(),
            "expected USER:PASS",
            "no echo of what was typed"
        );
    }
}

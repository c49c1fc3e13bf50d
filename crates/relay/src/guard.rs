//! What an HTTP proxy reachable from other machines refuses: requests to this machine's own
//! loopback addresses, where services live that trust whoever can connect (databases, admin
//! pages, debuggers). Without this, binding the proxy to the LAN would open them to the LAN.

use crate::config::{HostPort, ListenerConfig, is_localhost_name, reaches_own_loopback};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::dial::resolve;
use std::net::{IpAddr, SocketAddr};

/// Where a request may go.
pub(crate) enum Verdict {
    /// Anywhere: dial as usual.
    Open,
    /// To these addresses, which were checked: connect to them, not to the name again (a
    /// name can resolve elsewhere the second time).
    Resolved(Vec<SocketAddr>),
}

/// Whether `host` is an IPv4 address in one of the forms resolvers also accept (`127.1`,
/// `0x7f.1`, `2130706433`): resolving it asks no DNS server.
fn numeric_ipv4(host: &str) -> bool {
    host.starts_with(|c: char| c.is_ascii_digit())
        && host
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | 'x' | 'X'))
}

/// Checks `target` against the listener's rules. `direct`: the relay connects to it itself
/// (its resolved addresses are checked); otherwise an upstream proxy does, which resolves it
/// there, and only what means loopback wherever it is resolved is refused: `localhost` names
/// and address literals (numeric forms included).
/// `Err` is the status to answer (`403`, or `502` when the name does not resolve) and why.
pub(crate) async fn check(
    config: &ListenerConfig,
    target: &HostPort,
    direct: bool,
) -> Result<Verdict, (&'static str, ConnectionError)> {
    if !config.refuses_loopback_targets() {
        return Ok(Verdict::Open);
    }
    let forbidden = |what: String| {
        let reason = format!(
            "refused: {what}, a loopback address of this machine, and this proxy can be \
             reached from other machines (--allow-loopback-targets allows it)"
        );
        (
            "403 Forbidden",
            ConnectionError::new(Side::Client, FailureKind::Denied, reason),
        )
    };
    if is_localhost_name(&target.host) {
        return Err(forbidden(format!("{target} names localhost")));
    }
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return if reaches_own_loopback(ip) {
            Err(forbidden(format!("{target} is {ip}")))
        } else if direct {
            Ok(Verdict::Resolved(vec![SocketAddr::new(ip, target.port)]))
        } else {
            Ok(Verdict::Open)
        };
    }
    if !direct && !numeric_ipv4(&target.host) {
        return Ok(Verdict::Open);
    }
    let addrs = resolve(target, Side::Target, config.connect_timeout)
        .await
        .map_err(|e| ("502 Bad Gateway", e))?;
    if let Some(own) = addrs.iter().find(|a| reaches_own_loopback(a.ip())) {
        return Err(forbidden(format!("{target} resolves to {}", own.ip())));
    }
    if !direct {
        return Ok(Verdict::Open);
    }
    Ok(Verdict::Resolved(addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposed() -> ListenerConfig {
        ListenerConfig {
            bind: "0.0.0.0".parse().expect("ip"),
            ..ListenerConfig::http_proxy(0)
        }
    }

    #[tokio::test]
    async fn loopback_in_any_spelling_is_refused_directly_and_through_an_upstream() {
        for host in [
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0x7f.1",
            "0",
            "localhost",
            "[::1]",
        ] {
            for direct in [true, false] {
                let target = HostPort::new(host, 80);
                let verdict = check(&exposed(), &target, direct).await;
                assert!(
                    matches!(verdict, Err(("403 Forbidden", _))),
                    "{host} direct={direct}"
                );
            }
        }
        let far = HostPort::new("192.0.2.1", 80);
        assert!(matches!(
            check(&exposed(), &far, true).await,
            Ok(Verdict::Resolved(a)) if a == [SocketAddr::from(([192, 0, 2, 1], 80))]
        ));
        assert!(matches!(
            check(&exposed(), &far, false).await,
            Ok(Verdict::Open)
        ));
        let name = HostPort::new("dead.beef.invalid", 80);
        assert!(
            matches!(check(&exposed(), &name, false).await, Ok(Verdict::Open)),
            "names are the upstream's to resolve"
        );
        let loopback_only = ListenerConfig::http_proxy(0);
        let local = HostPort::new("127.0.0.1", 80);
        assert!(matches!(
            check(&loopback_only, &local, true).await,
            Ok(Verdict::Open)
        ));
    }
}

//! The app's command line, as Apache TCPMon's: `tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]`.
//! One argument starts an HTTP proxy, three a forwarding listener.

use tcpmon_relay::{HostPort, ListenerConfig};

/// What `tcpmon --help` and a wrong command line print.
pub const USAGE: &str = "usage: tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]\n\
  no arguments: open the window\n\
  LISTEN_PORT: also start an HTTP proxy on that port\n\
  LISTEN_PORT TARGET_HOST TARGET_PORT: also start a listener relaying to the target";

/// The listener the arguments ask for, or why they are wrong.
pub fn parse(args: &[String]) -> Result<Option<ListenerConfig>, String> {
    let port = |text: &str, what: &str| {
        text.parse::<u16>()
            .map_err(|_| format!("{what} {text:?} is not a port (0-65535)"))
    };
    match args {
        [] => Ok(None),
        [listen] => Ok(Some(ListenerConfig::http_proxy(port(
            listen,
            "LISTEN_PORT",
        )?))),
        [listen, host, target] => {
            let target = HostPort::new(host.as_str(), port(target, "TARGET_PORT")?);
            Ok(Some(ListenerConfig::forward(
                port(listen, "LISTEN_PORT")?,
                target,
            )))
        }
        _ => Err(format!("expected 0, 1 or 3 arguments, got {}", args.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::Mode;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn like_apache_tcpmon() {
        assert_eq!(parse(&[]), Ok(None));
        assert_eq!(
            parse(&args(&["8080"])).unwrap().unwrap().mode,
            Mode::HttpProxy
        );
        let forward = parse(&args(&["8081", "example.org", "80"]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (forward.port, forward.mode),
            (
                8081,
                Mode::Forward {
                    target: HostPort::new("example.org", 80)
                }
            )
        );
        assert!(parse(&args(&["8081", "example.org"])).is_err());
        assert!(
            parse(&args(&["http", "example.org", "80"]))
                .unwrap_err()
                .contains("LISTEN_PORT")
        );
    }
}

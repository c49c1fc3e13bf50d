//! The app's command line, as Apache TCPMon's: `tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]`.
//! One argument starts an HTTP proxy, three a forwarding listener.

use tcpmon_relay::{ConfigError, ListenerConfig, ListenerText};

/// What `tcpmon --help` and a wrong command line print.
pub const USAGE: &str = "usage: tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]\n\
  no arguments: open the window\n\
  LISTEN_PORT: also start an HTTP proxy on that port\n\
  LISTEN_PORT TARGET_HOST TARGET_PORT: also start a listener relaying to the target";

/// The listener the arguments ask for, or why they are wrong: the rule the admin form and the
/// CLI share.
pub fn parse(args: &[String]) -> Result<Option<ListenerConfig>, ConfigError> {
    if args.is_empty() {
        return Ok(None);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ListenerText::positional(&args)?.parse().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::{Field, HostPort, Mode};

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
        assert_eq!(
            parse(&args(&["8081", "example.org"])),
            Err(ConfigError::Missing(Field::TargetPort))
        );
        assert_eq!(
            parse(&args(&["http", "example.org", "80"]))
                .unwrap_err()
                .field(),
            Some(Field::ListenPort)
        );
        assert_eq!(
            parse(&args(&["8081", "example.org", "0"])),
            Err(ConfigError::TargetPortZero),
            "no connection could reach port 0"
        );
        assert!(parse(&args(&["1", "2", "3", "4"])).is_err());
    }
}

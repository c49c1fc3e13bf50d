//! The one address rule over any text: `ListenerConfig::parse_bind` and `check_bind` (what the
//! app's form asks, through `tcpmon_desktop::form::check_bind`) never panic, agree with each
//! other, and call an address loopback exactly when std does for it (`localhost` meaning
//! 127.0.0.1, `::ffff:127.x.y.z` counted as the IPv4 loopback it maps), as
//! `crates/relay/tests/bind_cases.json` says. An accepted address reads back the same when
//! written out, bracketed or padded; `binds_beyond_loopback` is the opposite of the check.
//! `HostPort` (targets, upstream proxies) parses or errs, and what it accepts is written out
//! as text that parses back to the same host and port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};
use tcpmon_relay::{HostPort, ListenerConfig, check_bind};

/// std's answer, IPv4-mapped IPv6 addresses taken as the IPv4 address they map.
fn std_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = ListenerConfig::parse_bind(&text);
    let check = check_bind(&text);
    let form = tcpmon_desktop::form::check_bind(&text);
    match parsed {
        Ok(ip) => {
            assert_eq!(check.error, None);
            assert_eq!(check.loopback, std_loopback(ip), "{text:?} is {ip}");
            let bare = text.trim();
            let bare = bare
                .strip_prefix('[')
                .and_then(|b| b.strip_suffix(']'))
                .unwrap_or(bare);
            if bare.eq_ignore_ascii_case("localhost") {
                assert_eq!(ip, IpAddr::V4(Ipv4Addr::LOCALHOST));
            } else {
                assert_eq!(bare.parse::<IpAddr>().ok(), Some(ip), "{text:?}");
            }
            for written in [ip.to_string(), format!("[{ip}]"), format!(" {ip}\t")] {
                assert_eq!(
                    ListenerConfig::parse_bind(&written).ok(),
                    Some(ip),
                    "{written:?}"
                );
            }
            let config = ListenerConfig {
                bind: ip,
                ..ListenerConfig::http_proxy(8080)
            };
            assert_eq!(config.binds_beyond_loopback(), !check.loopback);
            assert_eq!(form, check);
        }
        Err(e) => {
            assert!(!check.loopback);
            assert_eq!(check.error, Some(e.to_string()));
            if text.trim().is_empty() {
                // The form's empty field means the default, 127.0.0.1.
                assert!(form.loopback && form.error.is_none());
            } else {
                assert_eq!(form, check);
            }
        }
    }

    for default in [None, Some(80)] {
        let Ok(target) = HostPort::parse_with_default(&text, default) else {
            continue;
        };
        assert!(!target.host.is_empty());
        let written = target.to_string();
        assert_eq!(
            written.parse::<HostPort>().ok(),
            Some(target.clone()),
            "{text:?} is written {written:?}"
        );
    }
});

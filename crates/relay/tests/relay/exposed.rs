//! A relay other machines can reach: an exposed proxy refuses this machine's loopback targets,
//! asks for credentials when told to, never hands its credentials on, and every listener can
//! close idle connections and cap how many it holds.

use crate::support::*;
use std::net::SocketAddr;
use std::time::Duration;
use tcpmon_relay::{ConnectionState, Direction, HostPort, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn exposed_proxy() -> ListenerConfig {
    ListenerConfig {
        bind: "0.0.0.0".parse().unwrap(),
        ..ListenerConfig::http_proxy(0)
    }
}

/// This machine's name when it resolves to a loopback address (as on Debian, where
/// /etc/hosts maps it to 127.0.1.1).
async fn loopback_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim().to_string();
    let all_loopback = tokio::net::lookup_host((name.as_str(), 80))
        .await
        .ok()?
        .all(|a| a.ip().to_canonical().is_loopback());
    all_loopback.then_some(name)
}

#[tokio::test]
async fn an_exposed_proxy_refuses_loopback_targets_with_a_403_and_says_why() {
    let (origin, _nginx, _dir) = nginx(&[("a.txt", b"alpha")]).await;
    let engine = engine();
    let proxy = start(&engine, exposed_proxy()).await;
    let proxy_url = format!("http://{proxy}");
    let mut urls = vec![
        format!("http://{origin}/a.txt"),
        format!("http://localhost:{}/a.txt", origin.port()),
        format!("http://[::ffff:127.0.0.1]:{}/a.txt", origin.port()),
        format!("http://0.0.0.0:{}/a.txt", origin.port()),
    ];
    match loopback_hostname().await {
        Some(name) => urls.push(format!("http://{name}:{}/a.txt", origin.port())),
        None => eprintln!("note: this machine's name does not resolve to loopback: not tried"),
    }
    for url in &urls {
        let (code, body) = status_and_body(&["-x", &proxy_url, url]).await;
        assert_eq!(code, "403", "{url}: {body}");
        assert!(body.starts_with("TCPMon: refused: "), "{url}: {body}");
        assert!(body.contains("loopback"), "{url}: {body}");
        assert!(body.contains("--allow-loopback-targets"), "{url}: {body}");
    }
    // CONNECT too: curl reports the proxy's answer and fails.
    let (ok, _) = curl(&["-p", "-x", &proxy_url, &urls[0]]).await;
    assert!(!ok, "a tunnel to loopback is refused");

    let records = connections(&engine, urls.len() + 1).await;
    for record in records {
        let record = finished(&engine, record.id).await;
        let why = reason(&record.state);
        assert!(why.contains("a loopback address of this machine"), "{why}");
        assert_eq!(record.connected_at, None, "nothing was dialled");
    }
}

#[tokio::test]
async fn allow_loopback_targets_lets_an_exposed_proxy_reach_them() {
    let (origin, _nginx, _dir) = nginx(&[("a.txt", b"alpha")]).await;
    let engine = engine();
    let config = ListenerConfig {
        allow_loopback_targets: true,
        ..exposed_proxy()
    };
    let proxy = format!("http://{}", start(&engine, config).await);
    let (code, body) = status_and_body(&["-x", &proxy, &format!("http://{origin}/a.txt")]).await;
    assert_eq!((code.as_str(), body.as_str()), ("200", "alpha"));
    let (ok, body) = curl(&["-p", "-x", &proxy, &format!("http://{origin}/a.txt")]).await;
    assert!(ok);
    assert_eq!(body, b"alpha");
}

#[tokio::test]
async fn a_loopback_only_proxy_reaches_loopback_targets_as_before() {
    let (origin, _nginx, _dir) = nginx(&[("a.txt", b"alpha")]).await;
    let engine = engine();
    let proxy = format!(
        "http://{}",
        start(&engine, ListenerConfig::http_proxy(0)).await
    );
    let (code, body) = status_and_body(&["-x", &proxy, &format!("http://{origin}/a.txt")]).await;
    assert_eq!((code.as_str(), body.as_str()), ("200", "alpha"));
}

#[tokio::test]
async fn proxy_auth_asks_for_credentials_with_407_and_lets_the_right_ones_through() {
    let (origin, _nginx, _dir) = nginx(&[("a.txt", b"alpha")]).await;
    let engine = engine();
    let config = ListenerConfig {
        proxy_auth: Some("alice:s3cret".parse().unwrap()),
        ..ListenerConfig::http_proxy(0)
    };
    let proxy = start(&engine, config).await;
    let url = format!("http://{origin}/a.txt");

    // Without credentials, and with wrong ones: 407 and the challenge.
    for (proxy_url, expect) in [
        (
            format!("http://{proxy}"),
            "the request has no Proxy-Authorization",
        ),
        (
            format!("http://alice:wrong@{proxy}"),
            "wrong user name or password",
        ),
    ] {
        let (_, out) = curl(&["-D", "-", "-x", &proxy_url, &url]).await;
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("HTTP/1.1 407 Proxy Authentication Required\r\n"),
            "{out}"
        );
        assert!(
            out.contains("\r\nProxy-Authenticate: Basic realm=\"TCPMon\"\r\n"),
            "{out}"
        );
        let record = connections(&engine, 1).await.pop().unwrap();
        let record = finished(&engine, record.id).await;
        assert!(reason(&record.state).contains(expect), "{:?}", record.state);
        engine.remove_connections(&[record.id]);
    }
    // CONNECT without credentials: 407 as well.
    let mut client = within(TcpStream::connect(proxy)).await.unwrap();
    let connect = format!("CONNECT {origin} HTTP/1.1\r\nHost: {origin}\r\n\r\n");
    client.write_all(connect.as_bytes()).await.unwrap();
    let mut answer = String::new();
    within(client.read_to_string(&mut answer)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 407 "), "{answer}");
    assert!(answer.contains("Proxy-Authenticate: Basic realm=\"TCPMon\""));

    // The right ones, plain and through CONNECT.
    let with_credentials = format!("http://alice:s3cret@{proxy}");
    let (code, body) = status_and_body(&["-x", &with_credentials, &url]).await;
    assert_eq!((code.as_str(), body.as_str()), ("200", "alpha"));
    let (ok, body) = curl(&["-p", "-x", &with_credentials, &url]).await;
    assert!(ok);
    assert_eq!(body, b"alpha");
}

#[tokio::test]
async fn proxy_headers_never_reach_the_origin_but_stay_in_the_capture() {
    let engine = engine();
    let (seen, record) = through_proxy_with_credentials(&engine).await;
    assert!(seen.starts_with("GET /x HTTP/1.1\r\n"), "{seen}");
    assert!(seen.contains("\r\nX-Kept: 1\r\n"), "{seen}");
    let lower = seen.to_ascii_lowercase();
    assert!(!lower.contains("proxy-authorization"), "{seen}");
    assert!(!lower.contains("proxy-connection"), "{seen}");

    let sent = engine
        .store()
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let sent = String::from_utf8(sent).unwrap();
    assert!(
        sent.contains(&format!(
            "Proxy-Authorization: Basic {PROXY_CREDENTIALS}\r\n"
        )),
        "the capture keeps what the client sent: {sent}"
    );
    assert!(sent.contains("Proxy-Connection: keep-alive\r\n"), "{sent}");
}

#[tokio::test]
async fn an_upstream_proxy_gets_no_credentials_meant_for_tcpmon() {
    // The "upstream proxy" echoes the head it receives.
    let upstream = head_echo().await;
    let engine = engine();
    let config = ListenerConfig {
        proxy_auth: Some("alice:s3cret".parse().unwrap()),
        upstream_proxy: Some(target(upstream)),
        ..ListenerConfig::http_proxy(0)
    };
    let proxy = start(&engine, config).await;
    let (code, seen) = status_and_body(&[
        "-x",
        &format!("http://alice:s3cret@{proxy}"),
        "http://a.test/x",
    ])
    .await;
    assert_eq!(code, "200", "{seen}");
    assert!(
        seen.starts_with("GET http://a.test/x HTTP/1.1\r\n"),
        "{seen}"
    );
    assert!(
        !seen.to_ascii_lowercase().contains("proxy-authorization"),
        "{seen}"
    );
}

#[tokio::test]
async fn an_exposed_proxy_with_an_upstream_refuses_loopback_names_and_literals() {
    let upstream = head_echo().await;
    let engine = engine();
    let config = ListenerConfig {
        upstream_proxy: Some(target(upstream)),
        ..exposed_proxy()
    };
    let proxy = format!("http://{}", start(&engine, config).await);
    for url in [
        "http://localhost:8080/",
        "http://127.0.0.1:22/",
        "http://[::1]/",
    ] {
        let (code, body) = status_and_body(&["-x", &proxy, url]).await;
        assert_eq!(code, "403", "{url}: {body}");
    }
    // A name the upstream resolves is its business.
    let (code, _) = status_and_body(&["-x", &proxy, "http://a.test/"]).await;
    assert_eq!(code, "200");
}

/// A server that accepts and never says a word, keeping each connection open until the
/// client closes it.
async fn silent_server() -> SocketAddr {
    serve(|mut s| async move {
        let mut buf = [0; 1024];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await
}

#[tokio::test]
async fn an_idle_connection_is_closed_with_the_reason_and_a_busy_one_is_not() {
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(echo_server().await));
    config.idle_timeout = Some(Duration::from_secs(1));
    let relay = start(&engine, config).await;

    // Busy: a byte every 100 ms for 2.5 s, well past the timeout, all echoed.
    let mut busy = within(TcpStream::connect(relay)).await.unwrap();
    for i in 0..25u8 {
        busy.write_all(&[b'a' + i]).await.unwrap();
        let mut echo = [0; 1];
        within(busy.read_exact(&mut echo)).await.unwrap();
        assert_eq!(echo[0], b'a' + i);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let busy_id = connections(&engine, 1).await[0].id;
    assert!(!engine.store().record(busy_id).unwrap().state.is_finished());

    // Then silent: closed after the timeout, and the record says why.
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    within(busy.read_to_end(&mut rest)).await.unwrap();
    assert!(rest.is_empty());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(800), "{waited:?}");
    let record = finished(&engine, busy_id).await;
    assert_eq!(reason(&record.state), "idle for 1 s");
}

#[tokio::test]
async fn a_connection_that_never_sends_is_closed_when_idle() {
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(silent_server().await));
    config.idle_timeout = Some(Duration::from_millis(300));
    let relay = start(&engine, config).await;
    let mut quiet = within(TcpStream::connect(relay)).await.unwrap();
    let mut got = Vec::new();
    within(quiet.read_to_end(&mut got)).await.unwrap();
    let record = finished(&engine, connections(&engine, 1).await[0].id).await;
    assert_eq!(reason(&record.state), "idle for 0.3 s");
}

#[tokio::test]
async fn past_the_connection_cap_connections_are_closed_at_once_and_recorded() {
    let engine = engine();
    let server = silent_server().await;
    let mut config = ListenerConfig::forward(0, target(server));
    config.max_connections = Some(2);
    let relay = start(&engine, config).await;

    let first = within(TcpStream::connect(relay)).await.unwrap();
    let _second = within(TcpStream::connect(relay)).await.unwrap();
    let open = connections(&engine, 2).await;
    for r in &open {
        within(async {
            while engine.store().record(r.id).unwrap().state != ConnectionState::Active {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
    }

    let mut third = within(TcpStream::connect(relay)).await.unwrap();
    let mut got = Vec::new();
    // Closed at once: end of stream (or a reset), long before any timeout.
    let _ = within(third.read_to_end(&mut got)).await;
    assert!(got.is_empty());
    let turned_away = finished(&engine, connections(&engine, 3).await[2].id).await;
    let why = reason(&turned_away.state);
    assert!(why.contains("already has 2 connections open"), "{why}");
    assert_eq!(
        turned_away.target,
        Some(HostPort::new("127.0.0.1", server.port()))
    );

    // One ends: there is room again.
    drop(first);
    finished(&engine, open[0].id).await;
    let _fourth = within(TcpStream::connect(relay)).await.unwrap();
    let fourth = connections(&engine, 4).await[3].id;
    within(async {
        while engine.store().record(fourth).unwrap().state != ConnectionState::Active {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

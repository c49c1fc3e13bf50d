//! Relaying through a real upstream HTTP proxy (tinyproxy).

use crate::support::*;
use tcpmon_relay::{ConnectionState, Direction, ListenerConfig};
use tokio::net::TcpStream;

#[tokio::test]
async fn forward_mode_tunnels_through_the_upstream_proxy() {
    let (origin, _nginx, _dir) = nginx(&[("u.txt", b"via upstream")]).await;
    let (upstream, _tinyproxy, _pdir) = tinyproxy().await;
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(origin));
    config.upstream_proxy = Some(target(upstream));
    let relay = listen(&engine, config).await;
    let response = ask(
        relay,
        b"GET /u.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        response.ends_with(b"via upstream"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    let record = finished(&engine, connections(&engine, 1).await[0].id).await;
    assert_eq!(record.state, ConnectionState::Done);
    assert_eq!(
        record.target,
        Some(target(origin)),
        "the row shows the real target, not the proxy"
    );
    let captured = engine
        .store()
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    assert!(
        captured.starts_with(b"GET /u.txt"),
        "the CONNECT handshake is not part of the capture"
    );
}

#[tokio::test]
async fn proxy_mode_sends_absolute_requests_to_the_upstream_proxy() {
    let (origin, _nginx, _dir) = nginx(&[("p.txt", b"proxied twice")]).await;
    let (upstream, _tinyproxy, _pdir) = tinyproxy().await;
    let engine = engine();
    let mut config = ListenerConfig::http_proxy(0);
    config.upstream_proxy = Some(target(upstream));
    let relay = listen(&engine, config).await;
    let (ok, body) = curl(&[
        "-x",
        &format!("http://{relay}"),
        &format!("http://{origin}/p.txt"),
    ])
    .await;
    assert!(ok);
    assert_eq!(body, b"proxied twice");
    let (ok, body) = curl(&[
        "-p",
        "-x",
        &format!("http://{relay}"),
        &format!("http://{origin}/p.txt"),
    ])
    .await;
    assert!(ok, "CONNECT through both proxies");
    assert_eq!(body, b"proxied twice");
}

#[tokio::test]
async fn an_upstream_proxy_that_refuses_is_the_recorded_reason() {
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(closed_port().await));
    config.upstream_proxy = Some(target(closed_port().await));
    let relay = listen(&engine, config).await;
    let _client = within(TcpStream::connect(relay)).await.unwrap();
    let record = finished(&engine, connections(&engine, 1).await[0].id).await;
    let ConnectionState::Failed { reason } = record.state else {
        panic!("{record:?}")
    };
    assert!(
        reason.contains("via proxy") || reason.contains("refused"),
        "{reason}"
    );
}

#[tokio::test]
async fn resend_goes_through_the_upstream_proxy_like_the_original() {
    let (origin, _nginx, _dir) = nginx(&[("r.txt", b"resent via upstream")]).await;
    let (upstream, _tinyproxy, _pdir) = tinyproxy().await;
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(origin));
    config.upstream_proxy = Some(target(upstream));
    let relay = listen(&engine, config).await;
    ask(
        relay,
        b"GET /r.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let original = finished(&engine, connections(&engine, 1).await[0].id).await;

    let captured = engine
        .store()
        .read(original.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let resent = within(engine.resend(original.id, captured)).await.unwrap();
    let record = finished(&engine, resent).await;
    assert_eq!(record.resend_of, Some(original.id));
    let response = engine
        .store()
        .read(resent, Direction::ServerToClient, 0, usize::MAX)
        .unwrap();
    assert!(
        response.ends_with(b"resent via upstream"),
        "{}",
        String::from_utf8_lossy(&response)
    );
}

//! Resend: a captured or edited request goes out again as a new, linked connection.

use crate::support::*;
use tcpmon_relay::{ConnId, ConnectionState, Direction, HostPort};
use tokio::net::TcpStream;

#[tokio::test]
async fn resend_goes_to_the_target_and_is_captured_as_a_linked_connection() {
    let (server, _nginx, _dir) = nginx(&[("hello.txt", b"hello from nginx")]).await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let request = b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let client = within(TcpStream::connect(relay)).await.unwrap();
    let first = exchange(client, request, 1).await;
    assert!(first.ends_with(b"hello from nginx"));
    finished(&engine, ConnId(1)).await;

    let captured = engine
        .store()
        .read(ConnId(1), Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let edited = String::from_utf8(captured)
        .unwrap()
        .replace("/hello.txt", "/missing.txt");
    let resent = within(engine.resend(ConnId(1), edited.into_bytes()))
        .await
        .unwrap();
    let record = finished(&engine, resent).await;
    assert_eq!(record.state, ConnectionState::Done);
    assert_eq!(record.resend_of, Some(ConnId(1)));
    assert_eq!(record.client, "resend");
    assert_eq!(
        record.request_line.as_deref(),
        Some("GET /missing.txt HTTP/1.1")
    );
    let response = engine
        .store()
        .read(resent, Direction::ServerToClient, 0, usize::MAX)
        .unwrap();
    assert!(
        response.starts_with(b"HTTP/1.1 404"),
        "{}",
        String::from_utf8_lossy(&response)
    );
}

#[tokio::test]
async fn an_http2_stream_resends_over_a_new_http2_connection() {
    let (server, _nghttpd, _dir) = nghttpd(&[("a.txt", b"first file"), ("b.txt", b"second")]).await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let url = format!("http://{relay}/a.txt");
    let (ok, body) = curl(&["-s", "--http2-prior-knowledge", &url]).await;
    assert!(ok && body == b"first file");
    let original = finished(&engine, ConnId(1)).await;
    let shown = engine
        .store()
        .read_row(&original, Some(0), Direction::ClientToServer)
        .unwrap();
    let shown = String::from_utf8(shown).unwrap();
    assert!(
        shown.starts_with(&format!("GET {url} HTTP/2.0\r\n")),
        "{shown}"
    );

    let edited = shown.replace("/a.txt", "/b.txt");
    let resent = within(engine.resend(ConnId(1), edited.into_bytes()))
        .await
        .unwrap();
    let record = finished(&engine, resent).await;
    assert_eq!(record.resend_of, Some(ConnId(1)));
    assert_eq!(record.exchanges.len(), 1, "{:?}", record.exchanges.to_vec());
    let exchange = record.exchanges.get(0).unwrap();
    assert_eq!((exchange.version, exchange.status), (2, Some(200)));
    assert_eq!(exchange.target, "/b.txt");
    let response = engine
        .store()
        .read_row(&record, Some(0), Direction::ServerToClient)
        .unwrap();
    assert!(response.starts_with(b"HTTP/2.0 200\r\n") && response.ends_with(b"\r\n\r\nsecond"));
}

#[tokio::test]
async fn an_http2_stream_does_not_resend_through_a_proxy() {
    let engine = engine();
    let proxy = start(&engine, tcpmon_relay::ListenerConfig::http_proxy(0)).await;
    let client = within(TcpStream::connect(proxy)).await.unwrap();
    let request = b"GET http://127.0.0.1:9/ HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n";
    let _ = exchange(client, request, 1).await;
    finished(&engine, ConnId(1)).await;
    let h2 = b"GET http://127.0.0.1:9/ HTTP/2.0\r\n\r\n".to_vec();
    let refused = engine.resend(ConnId(1), h2).await.unwrap_err();
    assert!(refused.to_string().contains("forward mode"), "{refused}");
}

#[tokio::test]
async fn resend_of_an_unknown_connection_is_an_error() {
    let engine = engine();
    assert!(
        engine
            .resend(ConnId(42), b"GET / HTTP/1.1\r\n\r\n".to_vec())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_sender_sends_a_composed_request_and_captures_the_answer() {
    let (server, _nginx, _dir) = nginx(&[("hello.txt", b"hello from nginx")]).await;
    let engine = engine();
    let composed = tcpmon_inspect::compose::Composed {
        method: "GET".into(),
        url: format!("http://{server}/hello.txt"),
        headers: vec![("Accept".into(), "text/plain".into())],
        body: String::new(),
    };
    let prepared = tcpmon_inspect::compose::prepare(&composed).unwrap();
    let id = engine.send(
        HostPort::new(prepared.host.as_str(), prepared.port),
        prepared.tls,
        prepared.bytes,
    );
    let record = finished(&engine, id).await;
    assert_eq!(record.listener, tcpmon_relay::SENDER);
    assert_eq!(record.client, "sender");
    assert_eq!(record.exchanges.len(), 1);
    assert_eq!(record.exchanges.get(0).unwrap().status, Some(200));
    let response = engine
        .store()
        .read(id, Direction::ServerToClient, 0, 10_000)
        .unwrap();
    assert!(response.ends_with(b"hello from nginx"));
}

//! HTTP proxy mode, driven by curl against real nginx servers.

use crate::support::*;
use tcpmon_relay::{ConnectionState, Direction, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn proxy_listener(engine: &tcpmon_relay::Engine) -> String {
    let info = engine
        .add_listener(ListenerConfig::http_proxy(0))
        .await
        .unwrap();
    format!("http://{}", info.local_addr.unwrap())
}

#[tokio::test]
async fn curl_through_the_proxy_reaches_the_origin_in_origin_form() {
    let (origin, _nginx, _dir) = nginx(&[("a.txt", b"alpha")]).await;
    let engine = engine();
    let proxy = proxy_listener(&engine).await;
    let (ok, body) = curl(&["-x", &proxy, &format!("http://{origin}/a.txt?q=1")]).await;
    assert!(ok);
    assert_eq!(body, b"alpha");
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    assert_eq!(record.state, ConnectionState::Done);
    assert_eq!(
        record.target,
        Some(target(origin)),
        "the row shows the real target"
    );
    assert_eq!(
        record.request_line,
        Some(format!("GET http://{origin}/a.txt?q=1 HTTP/1.1"))
    );
}

#[tokio::test]
async fn connect_tunnels_are_relayed_raw() {
    let (origin, _nginx, _dir) = nginx(&[("t.txt", b"tunnelled")]).await;
    let engine = engine();
    let proxy = proxy_listener(&engine).await;
    // -p makes curl tunnel plain HTTP through CONNECT.
    let (ok, body) = curl(&["-p", "-x", &proxy, &format!("http://{origin}/t.txt")]).await;
    assert!(ok);
    assert_eq!(body, b"tunnelled");
    let record = finished(&engine, connections(&engine, 1).await[0].id).await;
    assert_eq!(record.target, Some(target(origin)));
    let up = engine
        .store()
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let text = String::from_utf8(up).unwrap();
    assert!(
        text.starts_with(&format!("CONNECT {origin} HTTP/1.1\r\n")),
        "{text}"
    );
    assert!(
        text.contains("GET /t.txt HTTP/1.1\r\n"),
        "the tunnelled request is captured: {text}"
    );
}

#[tokio::test]
async fn one_keep_alive_connection_reaches_several_origins() {
    let (first, _n1, _d1) = nginx(&[("x.txt", b"from first")]).await;
    let (second, _n2, _d2) = nginx(&[("x.txt", b"from second")]).await;
    let engine = engine();
    let proxy = proxy_listener(&engine).await;
    let urls = [
        format!("http://{first}/x.txt"),
        format!("http://{second}/x.txt"),
        format!("http://{first}/x.txt"),
    ];
    let (ok, body) = curl(&["-x", &proxy, &urls[0], &urls[1], &urls[2]]).await;
    assert!(ok);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "from firstfrom secondfrom first"
    );
    let records = engine.store().records();
    assert_eq!(records.len(), 1, "curl kept one connection to the proxy");
    let down = engine
        .store()
        .read(records[0].id, Direction::ServerToClient, 0, usize::MAX)
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&down)
            .matches("HTTP/1.1 200 OK")
            .count(),
        3
    );
}

#[tokio::test]
async fn request_bodies_are_framed_so_the_next_request_survives() {
    let (origin, _nginx, _dir) = nginx(&[("ok.txt", b"ok")]).await;
    let engine = engine();
    let proxy = proxy_listener(&engine).await;
    let proxy_addr = proxy.trim_start_matches("http://");
    let mut client = within(TcpStream::connect(proxy_addr)).await.unwrap();
    // A chunked POST (nginx answers 405 for static files) followed by a pipelined GET.
    let requests = format!(
        "POST http://{origin}/ok.txt HTTP/1.1\r\nHost: {origin}\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n0\r\n\r\n\
         GET http://{origin}/ok.txt HTTP/1.1\r\nHost: {origin}\r\nConnection: close\r\n\r\n"
    );
    client.write_all(requests.as_bytes()).await.unwrap();
    let mut got = String::new();
    within(client.read_to_string(&mut got)).await.unwrap();
    assert!(got.starts_with("HTTP/1.1 405"), "{got}");
    assert!(got.ends_with("\r\n\r\nok"), "{got}");
}

#[tokio::test]
async fn bad_requests_get_an_explaining_answer() {
    let engine = engine();
    let proxy = proxy_listener(&engine).await;
    let proxy_addr = proxy.trim_start_matches("http://");
    for (request, expect) in [
        ("GET /relative HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400"),
        ("\u{1}\u{2} garbage\r\n\r\n", "HTTP/1.1 400"),
        (
            "GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.1 502",
        ),
    ] {
        let mut client = within(TcpStream::connect(proxy_addr)).await.unwrap();
        client.write_all(request.as_bytes()).await.unwrap();
        let mut got = String::new();
        within(client.read_to_string(&mut got)).await.unwrap();
        assert!(got.starts_with(expect), "{request:?} -> {got}");
        assert!(got.contains("TCPMon: "), "{got}");
    }
    for r in connections(&engine, 3).await {
        assert!(matches!(
            finished(&engine, r.id).await.state,
            ConnectionState::Failed { .. }
        ));
    }
}

#[tokio::test]
async fn a_request_on_a_connection_the_origin_dropped_goes_again_on_a_fresh_one() {
    // An origin that answers once per connection, then closes without saying so.
    let origin = serve(|mut s| async move {
        let mut buf = [0; 1024];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .await;
    })
    .await;
    let engine = engine();
    let proxy = proxy_listener(&engine).await;
    let mut client = within(TcpStream::connect(proxy.trim_start_matches("http://")))
        .await
        .unwrap();
    let request = format!("GET http://{origin}/ HTTP/1.1\r\nHost: {origin}\r\n\r\n");
    for _ in 0..2 {
        client.write_all(request.as_bytes()).await.unwrap();
        let mut answer = vec![0; 40];
        within(client.read_exact(&mut answer)).await.unwrap();
        assert!(
            answer.ends_with(b"\r\n\r\nok"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await; // the origin closes
    }
}

//! Hostile shapes of traffic cost work linear in their bytes: a burst of tiny pipelined
//! requests in one write, and heads sent a byte at a time, through the exchange tracker, the
//! Host rewriter and the proxy, against real nginx. Each test prints how long it took (for a
//! reader; nothing here is a timed assert): a quadratic path would take minutes, not a second,
//! and fail on the harness's time limit.

use crate::support::*;
use std::time::Instant;
use tcpmon_relay::{ConnId, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server answering every request head with a tiny response, as they come.
async fn answering_server() -> std::net::SocketAddr {
    serve(|mut s| async move {
        let mut buf = vec![0; 1 << 16];
        let mut tail = Vec::new();
        loop {
            let n = match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            tail.extend_from_slice(&buf[..n]);
            let heads = tail.windows(2).filter(|w| w == b"\n\n").count();
            let keep = tail.len().min(1);
            tail.drain(..tail.len() - keep);
            let answers = b"HTTP/1.1 204 No Content\r\n\r\n".repeat(heads);
            if s.write_all(&answers).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_hundred_thousand_pipelined_requests_in_one_write_are_each_an_exchange() {
    let engine = engine();
    let relay = forward(&engine, answering_server().await).await;
    // 16 bytes each (bare LF line ends are HTTP too).
    let request = b"GET / HTTP/1.1\n\n";
    assert_eq!(request.len(), 16);
    let burst = request.repeat(100_000);
    let started = Instant::now();
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(&burst).await.unwrap();
    let answer = b"HTTP/1.1 204 No Content\r\n\r\n";
    let mut got = vec![0; answer.len() * 100_000];
    within(client.read_exact(&mut got)).await.unwrap();
    drop(client);
    let record = finished(&engine, ConnId(1)).await;
    println!(
        "100,000 pipelined requests relayed and tracked in {:?}",
        started.elapsed()
    );
    assert_eq!(record.exchanges.len(), 100_000);
    assert!(record.exchanges.iter().all(|e| e.status == Some(204)));
    assert_eq!(
        record.exchanges.get(99_999).unwrap().request.start,
        16 * 99_999
    );
}

/// A 60 KiB request head of 120 headers (HTTP parsers take 128 at most; nginx answers a
/// head this large with a 400, which is as good an answer as any here).
fn big_head(host: &str, target: &str) -> Vec<u8> {
    let mut head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n");
    for i in 0..120 {
        head.push_str(&format!("X-Filler-{i:03}: {}\r\n", "f".repeat(500)));
    }
    head.push_str("Connection: close\r\n\r\n");
    head.into_bytes()
}

/// Sends `head` one byte per write and returns the answer.
async fn byte_by_byte(relay: std::net::SocketAddr, head: &[u8]) -> Vec<u8> {
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.set_nodelay(true).unwrap();
    for b in head {
        client.write_all(std::slice::from_ref(b)).await.unwrap();
    }
    let mut answer = Vec::new();
    within(client.read_to_end(&mut answer)).await.unwrap();
    answer
}

#[tokio::test]
async fn heads_sent_a_byte_at_a_time_through_tracker_rewriter_and_proxy() {
    let (server, _nginx, _dir) = nginx(&[("a.txt", b"found")]).await;
    let engine = engine();
    let mut rewriting = ListenerConfig::forward(0, target(server));
    rewriting.rewrite_host = true;
    let listeners = [
        (
            "relay",
            listen(&engine, ListenerConfig::forward(0, target(server))).await,
        ),
        ("relay with Host rewrite", listen(&engine, rewriting).await),
        (
            "proxy",
            listen(&engine, ListenerConfig::http_proxy(0)).await,
        ),
    ];
    for (i, (what, relay)) in listeners.into_iter().enumerate() {
        let url = format!("http://{server}/a.txt");
        let head = if what == "proxy" {
            big_head(&server.to_string(), &url)
        } else {
            big_head("localhost", "/a.txt")
        };
        let started = Instant::now();
        let answer = byte_by_byte(relay, &head).await;
        println!(
            "{what}: a {} byte head, a byte at a time, in {:?}",
            head.len(),
            started.elapsed()
        );
        assert!(
            answer.starts_with(b"HTTP/1.1 "),
            "{what}: {:?}",
            String::from_utf8_lossy(&answer)
        );
        let record = finished(&engine, ConnId(i as u64 + 1)).await;
        assert_eq!(record.exchanges.len(), 1, "{what}");
        let exchange = record.exchanges.get(0).unwrap();
        // The capture holds the head as the server got it (Host rewritten, or origin form).
        let recorded = exchange.request.head_len() as usize;
        assert!(
            recorded.abs_diff(head.len()) < 40,
            "{what}: {recorded} of {}",
            head.len()
        );
        assert!(exchange.status.is_some(), "{what}: answered");
    }
}

//! Faults injected on purpose, seen from real clients over loopback: a cut message, a reset at
//! byte N, a refused connection, a blackhole, an answered status without the target, latency
//! and slices; each written on the connection's record.

use crate::support::*;
use std::time::{Duration, Instant};
use tcpmon_relay::{ConnectionRecord, Engine, Fault, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A relay to `target` with `faults` (as `--fault` writes them).
async fn faulty(
    engine: &Engine,
    target: std::net::SocketAddr,
    faults: &[&str],
) -> std::net::SocketAddr {
    let config = ListenerConfig {
        faults: faults.iter().map(|f| f.parse::<Fault>().unwrap()).collect(),
        ..ListenerConfig::forward(0, self::target(target))
    };
    listen(engine, config).await
}

/// Sends `data` without closing, then reads until the relay ends the connection: what came
/// back, and how the read ended.
async fn send_and_read(
    relay: std::net::SocketAddr,
    data: &[u8],
) -> (Vec<u8>, std::io::Result<usize>) {
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(data).await.unwrap();
    let mut got = Vec::new();
    let end = within(client.read_to_end(&mut got)).await;
    (got, end)
}

async fn record(engine: &Engine) -> ConnectionRecord {
    let id = connections(engine, 1).await[0].id;
    finished(engine, id).await
}

fn said(record: &ConnectionRecord) -> Vec<String> {
    record.faults.iter().map(|f| f.what.clone()).collect()
}

#[tokio::test]
async fn close_after_cuts_the_message_at_byte_n_and_says_so() {
    let engine = engine();
    let relay = faulty(&engine, echo_server().await, &["close-after=10,dir=down"]).await;
    let (got, end) = send_and_read(relay, b"0123456789abcdefghij").await;
    assert_eq!((got.as_slice(), end.is_ok()), (&b"0123456789"[..], true));
    let record = record(&engine).await;
    assert_eq!(said(&record), ["closed after 10 bytes toward the client"]);
    assert!(reason(&record.state).contains("fault: closed after 10 bytes"));
}

#[tokio::test]
async fn reset_after_resets_the_client_at_byte_n() {
    let engine = engine();
    let relay = faulty(&engine, echo_server().await, &["reset-after=5,dir=down"]).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(b"0123456789").await.unwrap();
    let mut got = vec![0; 5];
    within(client.read_exact(&mut got)).await.unwrap();
    assert_eq!(got, b"01234");
    let mut rest = Vec::new();
    let end = within(client.read_to_end(&mut rest)).await;
    assert_eq!(
        end.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset),
        "then a reset, nothing more: {rest:?}"
    );
    assert_eq!(
        said(&record(&engine).await),
        ["reset after 5 bytes toward the client"]
    );
}

#[tokio::test]
async fn refuse_resets_at_once_and_blackhole_forwards_nothing() {
    let engine = engine();
    let relay = faulty(&engine, echo_server().await, &["refuse"]).await;
    let (got, end) = send_and_read(relay, b"hello").await;
    assert!(got.is_empty());
    assert_eq!(
        end.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );
    assert_eq!(said(&record(&engine).await), ["refused: reset at once"]);

    let engine = tcpmon_relay::Engine::new(Default::default()).unwrap();
    let relay = faulty(&engine, echo_server().await, &["blackhole"]).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(b"anyone there?").await.unwrap();
    let mut byte = [0; 1];
    let waited = tokio::time::timeout(Duration::from_millis(300), client.read(&mut byte)).await;
    assert!(waited.is_err(), "nothing comes back");
    drop(client);
    let record = record(&engine).await;
    assert_eq!(said(&record), ["blackholed: nothing forwarded"]);
    let captured = engine
        .store()
        .read(record.id, tcpmon_relay::Direction::ClientToServer, 0, 100)
        .unwrap();
    assert_eq!(
        captured, b"anyone there?",
        "what the client sent is captured"
    );
    assert_eq!(record.connected_at, None, "the target was never dialled");
}

#[tokio::test]
async fn status_answers_without_the_target() {
    let engine = engine();
    let relay = faulty(&engine, closed_port().await, &["status=503"]).await;
    let (status, body) = status_and_body(&[&format!("http://{relay}/")]).await;
    assert_eq!(status, "503");
    assert!(body.contains("fault injected: status 503"), "{body}");
    let record = record(&engine).await;
    assert_eq!(said(&record), ["answered 503 without the target"]);
    assert_eq!(
        record.exchanges.get(0).unwrap().status,
        Some(503),
        "the exchange is captured"
    );
}

#[tokio::test]
async fn latency_delays_each_chunk_and_slices_keep_every_byte() {
    let engine = engine();
    let relay = faulty(
        &engine,
        echo_server().await,
        &["latency=150ms", "slice=7,dir=down"],
    )
    .await;
    let data: Vec<u8> = (0..200u8).collect();
    let client = within(TcpStream::connect(relay)).await.unwrap();
    let start = Instant::now();
    let echoed = exchange(client, &data, 3).await;
    assert_eq!(echoed, data, "sliced, not changed");
    // Both ways wait at least the mean (no jitter given): the round trip takes 300 ms or more.
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    let record = record(&engine).await;
    assert_eq!(
        said(&record),
        [
            "latency 150 ms ± 0 ms per chunk",
            "writes sliced to 7 bytes toward the client"
        ]
    );
}

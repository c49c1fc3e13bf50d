//! Events: numbered, consistent with snapshots, and never able to slow the relay.

use crate::support::*;
use tcpmon_relay::{ConnId, EventKind, Missed};
use tokio::net::TcpStream;

#[tokio::test]
async fn events_follow_a_connection_in_order_after_the_snapshot() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let mut events = engine.subscribe();
    let snapshot = engine.snapshot();
    assert_eq!(snapshot.listeners.len(), 1);
    let client = within(TcpStream::connect(relay)).await.unwrap();
    exchange(client, b"hello", 1).await;
    finished(&engine, ConnId(1)).await;

    let mut seqs = Vec::new();
    let mut kinds = Vec::new();
    while let Some(Ok(event)) = events.try_recv() {
        seqs.push(event.seq);
        kinds.push(event.kind);
    }
    assert_eq!(
        seqs.first(),
        Some(&(snapshot.seq + 1)),
        "nothing between the snapshot and the first event"
    );
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert!(matches!(&kinds[0], EventKind::ConnectionOpened { record } if record.id == ConnId(1)));
    let closes = kinds
        .iter()
        .filter(
            |k| matches!(k, EventKind::ConnectionChanged { record } if record.state.is_finished()),
        )
        .count();
    assert_eq!(closes, 1, "exactly one terminal event: {kinds:?}");
}

#[tokio::test]
async fn a_subscriber_that_never_reads_learns_it_missed_events() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let mut idle = engine.subscribe();
    // Each connection sends about six events; 2,000 connections overflow the 8,192 backlog.
    for i in 0..2000u64 {
        let client = within(TcpStream::connect(relay)).await.unwrap();
        exchange(client, b"x", i).await;
    }
    for r in connections(&engine, 2000).await {
        finished(&engine, r.id).await;
    }
    match within(idle.recv()).await {
        Err(Missed::Lagged(n)) => assert!(n > 0),
        other => panic!("expected to learn about missed events, got {other:?}"),
    }
    assert!(
        within(idle.recv()).await.is_ok(),
        "after the gap the newest events still arrive"
    );
}

#[tokio::test]
async fn progress_reports_the_last_bytes_before_a_connection_goes_quiet() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let mut events = engine.subscribe();
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    for burst in [&b"first"[..], b"second burst", b"x"] {
        client.write_all(burst).await.unwrap();
        let mut echo = vec![0; burst.len()];
        within(client.read_exact(&mut echo)).await.unwrap();
    }
    // The connection stays open and quiet; its latest counts must still arrive.
    let latest = within(async {
        loop {
            if let Ok(event) = events.recv().await {
                if let EventKind::ConnectionProgress {
                    id: ConnId(1),
                    bytes,
                    ..
                } = event.kind
                {
                    if bytes == [18, 18] {
                        return bytes;
                    }
                }
            }
        }
    })
    .await;
    assert_eq!(latest, [18, 18]);
}

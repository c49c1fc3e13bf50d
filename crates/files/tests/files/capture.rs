//! The capture log as a file: readable as a session while it grows (what a crash leaves),
//! bounded by the capture limit and the disk's free space, visibly, and giving removed
//! connections' space back.

use crate::support::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;
use tcpmon_files::session;
use tcpmon_relay::{ConnId, Direction, Engine, EngineOptions, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn engine_in(dir: &std::path::Path, limits: Limits) -> Engine {
    Engine::new(EngineOptions {
        capture_dir: Some(dir.to_path_buf()),
        limits,
        ..EngineOptions::default()
    })
    .unwrap()
}

/// Relays `size` random bytes each way over one connection; returns what was sent.
async fn relay_bytes(
    engine: &Engine,
    relay: std::net::SocketAddr,
    id: u64,
    size: usize,
) -> Vec<u8> {
    let data = Rng::new(id).bytes(size);
    let client = within(TcpStream::connect(relay)).await.unwrap();
    assert!(
        exchange(client, &data, id).await == data,
        "every byte relayed"
    );
    finished(engine, ConnId(id)).await;
    data
}

#[tokio::test]
async fn the_live_log_opens_as_a_session_with_exchanges_found_in_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(dir.path(), Limits::default());
    let log = engine.store().log_path().unwrap().to_path_buf();
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    let server = serve(move |mut s| async move {
        let mut buf = [0; 4096];
        let mut seen = Vec::new();
        while let Ok(n) = s.read(&mut buf).await {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                seen.drain(..end + 4);
                let _ = s.write_all(answer).await;
            }
        }
    })
    .await;
    let relay = forward(&engine, server).await;
    // One finished keep-alive connection with three exchanges, one still open.
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client
        .write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut got = vec![0; answer.len() * 3];
    within(client.read_exact(&mut got)).await.unwrap();
    drop(client);
    finished(&engine, ConnId(1)).await;
    let mut open = within(TcpStream::connect(relay)).await.unwrap();
    open.write_all(b"GET /open HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut one = vec![0; answer.len()];
    within(open.read_exact(&mut one)).await.unwrap();
    // The writer puts bytes in the file within milliseconds: what a kill -9 now would leave.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let opened = session::open(&log).unwrap();
    assert_eq!(opened.note, None);
    let records = opened.store.records();
    assert_eq!(records.len(), 2);
    let live = engine.store().record(ConnId(1)).unwrap();
    assert_eq!(
        records[0].exchanges, live.exchanges,
        "found again in the bytes"
    );
    assert_eq!(records[0].exchanges.len(), 3);
    assert_eq!(records[0].state, live.state);
    assert_eq!(records[1].exchanges.len(), 1);
    assert_eq!(records[1].exchanges.get(0).unwrap().target, "/open");
    assert!(
        matches!(&records[1].state, tcpmon_relay::ConnectionState::Failed { reason } if reason.contains("capture ended")),
        "{:?}",
        records[1].state
    );
    for dir in Direction::BOTH {
        assert_eq!(
            opened.store.read(ConnId(1), dir, 0, usize::MAX).unwrap(),
            engine.store().read(ConnId(1), dir, 0, usize::MAX).unwrap()
        );
    }
    assert_eq!(
        tcpmon_relay::left_logs(dir.path()).unwrap(),
        [],
        "locked while it runs"
    );
    drop(open);
}

#[tokio::test]
async fn the_capture_limit_stops_recording_visibly_and_removal_makes_room_again() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        total: Some(1 << 20),
        keep_free: 0,
        ..Limits::default()
    };
    let engine = engine_in(dir.path(), limits);
    let relay = forward(&engine, echo_server().await).await;
    relay_bytes(&engine, relay, 1, 300_000).await;
    assert_eq!(engine.store().recording_stopped(), None);
    let second = relay_bytes(&engine, relay, 2, 300_000).await;
    let record = engine.store().record(ConnId(2)).unwrap();
    assert_eq!(record.bytes, [300_000, 300_000], "relayed in full");
    assert!(record.truncated.contains(&true));
    let reason = record.truncation.unwrap();
    assert!(reason.contains("capture limit of 1.0 MiB"), "{reason}");
    assert!(
        engine
            .store()
            .recording_stopped()
            .unwrap()
            .contains("capture limit")
    );
    let recorded = engine
        .store()
        .read(ConnId(2), Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    assert!(
        second.starts_with(&recorded),
        "what was recorded is a prefix"
    );
    assert!(engine.store().disk_bytes() <= 1 << 20);

    // Removing the first connection makes room: the next connection is recorded whole.
    let before = engine.store().disk_bytes();
    engine.remove_connections(&[ConnId(1)]);
    assert!(engine.store().disk_bytes() < before - 500_000);
    let third = relay_bytes(&engine, relay, 3, 100_000).await;
    let record = engine.store().record(ConnId(3)).unwrap();
    assert_eq!(
        (record.truncated, record.truncation),
        ([false, false], None)
    );
    assert!(
        engine
            .store()
            .read(ConnId(3), Direction::ServerToClient, 0, usize::MAX)
            .unwrap()
            == third
    );
    assert_eq!(engine.store().recording_stopped(), None);

    // The log remembers the removal.
    engine.store().sync().unwrap();
    let opened = session::open(engine.store().log_path().unwrap()).unwrap();
    let ids: Vec<_> = opened.store.records().iter().map(|r| r.id).collect();
    assert_eq!(ids, [ConnId(2), ConnId(3)]);
    assert_eq!(
        opened.store.record(ConnId(2)).unwrap().truncated,
        engine.store().record(ConnId(2)).unwrap().truncated
    );
}

#[tokio::test]
async fn too_little_free_disk_stops_recording_but_never_relaying() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        keep_free: u64::MAX / 4,
        ..Limits::default()
    };
    let engine = engine_in(dir.path(), limits);
    let relay = forward(&engine, echo_server().await).await;
    relay_bytes(&engine, relay, 1, 50_000).await;
    let record = engine.store().record(ConnId(1)).unwrap();
    assert_eq!(record.bytes, [50_000, 50_000]);
    assert_eq!(record.truncated, [true, true]);
    assert!(
        record
            .truncation
            .unwrap()
            .contains("free on the capture's disk")
    );
}

#[tokio::test]
async fn removed_connections_give_their_disk_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(
        dir.path(),
        Limits {
            keep_free: 0,
            ..Limits::default()
        },
    );
    let relay = forward(&engine, echo_server().await).await;
    relay_bytes(&engine, relay, 1, 8 << 20).await;
    relay_bytes(&engine, relay, 2, 1000).await;
    engine.store().sync().unwrap();
    let log = engine.store().log_path().unwrap().to_path_buf();
    let allocated = || std::fs::metadata(&log).unwrap().blocks() * 512;
    let before = allocated();
    engine.remove_connections(&[ConnId(1)]);
    let after = allocated();
    println!("log allocation: {before} bytes before removing 16 MiB, {after} after");
    assert!(after + (15 << 20) < before, "{before} -> {after}");
    // The holes read as skipped records: the rest opens as before.
    engine.store().sync().unwrap();
    let opened = session::open(&log).unwrap();
    assert_eq!(opened.note, None);
    let records = opened.store.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].bytes, [1000, 1000]);
}

/// The log's connection records, in file order, as (connection, state kind) pairs.
fn logged_states(log: &std::path::Path) -> Vec<(ConnId, String)> {
    use tcpmon_relay::log_format::{FILE_HEADER_LEN, RECORD_HEADER_LEN, RecordHeader, RecordKind};
    let bytes = std::fs::read(log).unwrap();
    let mut at = usize::try_from(FILE_HEADER_LEN).unwrap();
    let mut states = Vec::new();
    while at + RECORD_HEADER_LEN <= bytes.len() {
        let head: &[u8; RECORD_HEADER_LEN] = bytes[at..at + RECORD_HEADER_LEN].try_into().unwrap();
        let Some(header) = RecordHeader::decode(head).filter(|h| h.len > 0 || h.conn.0 > 0) else {
            break; // the space reserved ahead, zeros
        };
        let payload = &bytes[at + RECORD_HEADER_LEN..][..header.len as usize];
        if header.kind == RecordKind::Meta {
            let meta: serde_json::Value = serde_json::from_slice(payload).unwrap();
            let kind = meta["state"]["kind"].as_str().unwrap().to_string();
            states.push((header.conn, kind));
        }
        at += RECORD_HEADER_LEN + payload.len();
    }
    states
}

/// A half-close is news for the window, an event, but not for the log: the connection's end
/// is logged, and a log that stops before it shows the connection cut short whatever its
/// state, so a record per half-close would only cost each connection time.
#[tokio::test]
async fn a_half_close_is_announced_but_not_logged() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(dir.path(), Limits::default());
    let log = engine.store().log_path().unwrap().to_path_buf();
    let answer = std::sync::Arc::new(tokio::sync::Notify::new());
    let told = answer.clone();
    let server = serve(move |mut s| {
        let told = told.clone();
        async move {
            let mut request = Vec::new();
            s.read_to_end(&mut request).await.unwrap();
            told.notified().await;
            s.write_all(b"late").await.unwrap();
        }
    })
    .await;
    let relay = forward(&engine, server).await;
    let mut events = engine.subscribe();
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(b"question").await.unwrap();
    client.shutdown().await.unwrap();
    within(async {
        loop {
            let event = events.recv().await.unwrap();
            if let tcpmon_relay::EventKind::ConnectionChanged { record } = event.kind {
                if record.state == tcpmon_relay::ConnectionState::ClientDone {
                    return;
                }
            }
        }
    })
    .await;
    engine.store().sync().unwrap();
    let logged = logged_states(&log);
    assert_eq!(
        logged.last(),
        Some(&(ConnId(1), "active".to_string())),
        "{logged:?}"
    );

    answer.notify_one();
    let mut got = Vec::new();
    within(client.read_to_end(&mut got)).await.unwrap();
    assert_eq!(got, b"late");
    finished(&engine, ConnId(1)).await;
    engine.store().sync().unwrap();
    let states: Vec<String> = logged_states(&log).into_iter().map(|(_, s)| s).collect();
    assert!(
        !states.iter().any(|s| s.ends_with("_done") && s != "done"),
        "{states:?}"
    );
    assert_eq!(
        states.last().map(String::as_str),
        Some("done"),
        "{states:?}"
    );
}

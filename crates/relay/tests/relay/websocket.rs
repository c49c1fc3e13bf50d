//! WebSocket through the relay, between real peers (Python's `websockets`, with and without
//! permessage-deflate): the exchange counts each way's messages and the close, and the
//! messages read back from the capture are the ones the peers sent, fragments joined and
//! compressed ones inflated.

use crate::support::*;
use std::path::PathBuf;
use tcpmon_inspect::ws::Opcode;
use tcpmon_relay::Direction;

/// The tests' Python, with `websockets` (scripts/deps.sh makes the venv).
fn python() -> PathBuf {
    let venv = std::env::var_os("TCPMON_VENV").map_or_else(
        || PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/tcpmon-venv"),
        PathBuf::from,
    );
    venv.join("bin/python")
}

fn peers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients/ws_peers.py")
}

/// The echo server's port, and the server (killed when dropped).
async fn echo_server(flags: &[&str]) -> (u16, tokio::process::Child) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(python())
        .arg(peers())
        .arg("server")
        .args(flags)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the tests' Python venv with websockets");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let port = within(lines.next_line()).await.unwrap().unwrap();
    (port.parse().unwrap(), child)
}

async fn round_trip(flags: &[&str]) {
    let (server, _server) = echo_server(flags).await;
    let engine = engine();
    let relay = forward(&engine, ([127, 0, 0, 1], server).into()).await;
    let out = within(
        tokio::process::Command::new(python())
            .arg(peers())
            .args(["client", &format!("ws://{relay}/")])
            .args(flags)
            .output(),
    )
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record = connections(&engine, 1).await.remove(0);
    let record = finished(&engine, record.id).await;
    let exchange = record.exchanges.get(0).unwrap();
    let summary = exchange
        .websocket()
        .expect("the exchange became a WebSocket");
    assert_eq!(summary.deflate.is_some(), flags.is_empty());
    // Five data messages and a close each way.
    assert_eq!(
        (summary.to_server.messages, summary.to_client.messages),
        (6, 6)
    );
    let (from, close) = summary.close.clone().unwrap();
    assert_eq!(
        (from, close.code, close.reason.as_str()),
        (Direction::ClientToServer, Some(1000), "done")
    );

    let messages = engine.store().websocket_messages(&record, 0).unwrap();
    let sent: Vec<_> = messages
        .iter()
        .filter(|m| m.dir == Direction::ClientToServer && m.opcode != Opcode::Close)
        .map(|m| {
            (
                m.opcode,
                m.data.clone().unwrap(),
                m.compressed,
                m.problem.clone(),
            )
        })
        .collect();
    let text = |s: &str, compressed| (Opcode::Text, s.as_bytes().to_vec(), compressed, None);
    let deflate = flags.is_empty();
    let binary: Vec<u8> = (0..=255).collect();
    assert_eq!(
        sent,
        [
            text("{\"price\": 101.5}", deflate),
            text("{\"price\": 101.5}", deflate),
            text("héllo wörld", deflate),
            (Opcode::Binary, binary, deflate, None),
            text("fragmented", deflate),
        ]
    );
    let fragmented = messages
        .iter()
        .find(|m| m.data.as_deref() == Some(b"fragmented"))
        .unwrap();
    // Three pieces, then an empty final frame: the library learns the end after the last.
    assert_eq!(fragmented.frames, 4);
    let echoed = messages
        .iter()
        .filter(|m| m.dir == Direction::ServerToClient)
        .count();
    assert_eq!(echoed, 6, "the echoes and the server's close");
    assert!(
        messages.windows(2).all(|w| w[0].at <= w[1].at),
        "in capture order"
    );
}

#[tokio::test]
async fn messages_with_permessage_deflate_are_counted_and_read_back_inflated() {
    round_trip(&[]).await;
}

#[tokio::test]
async fn messages_without_compression_are_counted_and_read_back() {
    round_trip(&["--no-deflate"]).await;
}

#[tokio::test]
async fn messages_sent_into_a_live_websocket_reach_each_peer_and_are_marked() {
    use tokio::io::AsyncBufReadExt;
    let (server, _server) = echo_server(&[]).await;
    let engine = engine();
    let relay = forward(&engine, ([127, 0, 0, 1], server).into()).await;
    // A client that sends nothing: it prints what it receives.
    let mut client = tokio::process::Command::new(python())
        .arg(peers())
        .args(["wait", &format!("ws://{relay}/"), "2"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(client.stdout.take().unwrap()).lines();
    assert_eq!(
        within(lines.next_line()).await.unwrap().as_deref(),
        Some("connected")
    );
    let id = connections(&engine, 1).await[0].id;
    // The 101 may still be on its way through the tracker: wait for the WebSocket.
    while engine
        .store()
        .record(id)
        .unwrap()
        .exchanges
        .get(0)
        .and_then(|e| e.websocket().cloned())
        .is_none()
    {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let text = tcpmon_inspect::ws::Opcode::Text;
    // Toward the server, which echoes it: the client gets it back.
    engine
        .inject_websocket(
            id,
            0,
            Direction::ClientToServer,
            text,
            b"to the server".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(
        within(lines.next_line()).await.unwrap().as_deref(),
        Some("'to the server'")
    );
    // Toward the client directly.
    engine
        .inject_websocket(
            id,
            0,
            Direction::ServerToClient,
            text,
            b"to the client".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(
        within(lines.next_line()).await.unwrap().as_deref(),
        Some("'to the client'")
    );
    let record = finished(&engine, id).await;
    let messages = engine.store().websocket_messages(&record, 0).unwrap();
    let shown: Vec<_> = messages
        .iter()
        .filter(|m| m.opcode == Opcode::Text)
        .map(|m| (m.dir, m.data.clone().unwrap(), m.injected))
        .collect();
    assert_eq!(
        shown,
        [
            (Direction::ClientToServer, b"to the server".to_vec(), true),
            (Direction::ServerToClient, b"to the server".to_vec(), false),
            (Direction::ServerToClient, b"to the client".to_vec(), true),
        ]
    );

    let refused = engine
        .inject_websocket(id, 0, Direction::ServerToClient, text, b"late".to_vec())
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("the connection has ended"),
        "{refused}"
    );
    let binary_as_text = engine
        .inject_websocket(id, 0, Direction::ServerToClient, text, vec![0xff])
        .await
        .unwrap_err();
    assert!(
        binary_as_text.to_string().contains("UTF-8"),
        "{binary_as_text}"
    );
}

//! Exports leave out the credentials a client gave TCPMon's proxy; a session file keeps every
//! byte.

use crate::support::*;
use tcpmon_files::save::{self, Format, Pick};
use tcpmon_files::session;
use tcpmon_relay::Direction;

#[tokio::test]
async fn exports_redact_proxy_credentials_and_a_session_keeps_them() {
    let engine = engine();
    let (_, record) = through_proxy_with_credentials(&engine).await;
    let sent = engine
        .store()
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows = [(record.id, Some(0))];
    for (name, pick) in [
        ("whole.txt", Pick::Connections(&[record.id])),
        ("rows.txt", Pick::Rows(&rows)),
        ("all.har", Pick::Connections(&[record.id])),
        ("all.curl", Pick::Connections(&[record.id])),
    ] {
        let path = dir.path().join(name);
        save::save(engine.store(), pick, &path, Format::from_path(&path)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(PROXY_CREDENTIALS), "{name}: {text}");
        assert!(text.contains("[redacted]"), "{name}: {text}");
        assert!(text.contains("X-Kept"), "{name}: {text}");
    }
    let path = dir.path().join("all.tcpmon");
    let picked = Pick::Connections(&[record.id]);
    save::save(engine.store(), picked, &path, Format::Session).unwrap();
    let opened = session::open_any(&path).unwrap();
    let kept = opened
        .store
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    assert_eq!(kept, sent, "a session file keeps every byte");
}

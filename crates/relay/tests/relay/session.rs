//! Session files: byte-identical round trips, and files cut short.

use crate::support::*;
use tcpmon_relay::{ConnId, Direction, session};
use tokio::net::TcpStream;

async fn capture_three(engine: &tcpmon_relay::Engine) -> Vec<Vec<u8>> {
    let relay = forward(engine, echo_server().await).await;
    let mut rng = Rng::new(11);
    let mut sent = Vec::new();
    for (i, size) in [10usize, 200_000, 3].into_iter().enumerate() {
        let data = rng.bytes(size);
        let client = within(TcpStream::connect(relay)).await.unwrap();
        exchange(client, &data, i as u64).await;
        finished(engine, ConnId(i as u64 + 1)).await;
        sent.push(data);
    }
    sent
}

#[tokio::test]
async fn a_saved_session_opens_with_the_same_records_and_bytes() {
    let engine = engine();
    let sent = capture_three(&engine).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.tcpmon");
    let ids = [ConnId(1), ConnId(2), ConnId(3)];
    assert_eq!(session::save(engine.store(), &ids, &path).unwrap(), 3);

    let opened = session::open(&path).unwrap();
    assert_eq!(opened.note, None);
    assert_eq!(opened.store.records(), engine.store().records());
    for (id, data) in ids.iter().zip(&sent) {
        for dir in Direction::BOTH {
            assert!(opened.store.read(*id, dir, 0, usize::MAX).unwrap() == *data);
        }
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["capture.tcpmon"], "no temp file left behind");
}

#[tokio::test]
async fn a_session_cut_short_opens_up_to_its_last_complete_record() {
    let engine = engine();
    let sent = capture_three(&engine).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.tcpmon");
    session::save(engine.store(), &[ConnId(1), ConnId(2), ConnId(3)], &path).unwrap();
    let whole = std::fs::read(&path).unwrap();

    // Cut inside the big connection's data: the first connection survives whole.
    let cut = dir.path().join("cut.tcpmon");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let opened = session::open(&cut).unwrap();
    let note = opened.note.expect("a note says the file was cut");
    assert!(note.contains("ends inside record"), "{note}");
    assert!(
        opened
            .store
            .read(ConnId(1), Direction::ServerToClient, 0, 100)
            .unwrap()
            == sent[0]
    );
    let partial = opened
        .store
        .read(ConnId(2), Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    assert!(
        partial.len() < sent[1].len() && sent[1].starts_with(&partial),
        "a prefix of what was sent"
    );
    assert!(opened.store.record(ConnId(3)).is_none());

    // Every cut point opens without error.
    for len in (16..whole.len()).step_by(997) {
        std::fs::write(&cut, &whole[..len]).unwrap();
        session::open(&cut).unwrap_or_else(|e| panic!("cut at {len}: {e}"));
    }
}

#[test]
fn other_files_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "just some text, long enough for a header").unwrap();
    let err = session::open(&path).err().expect("refused");
    assert!(
        err.to_string().contains("not a TCPMon session file"),
        "{err}"
    );
    assert!(session::open(&dir.path().join("missing")).is_err());
}

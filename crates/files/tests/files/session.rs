//! Session files: byte-identical round trips, and files cut short.

use crate::support::*;
use tcpmon_files::save::{self, Format, Pick};
use tcpmon_files::session;
use tcpmon_relay::{ConnId, Direction};
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

#[tokio::test]
async fn exchanges_export_to_har_curl_and_text_and_a_har_opens_as_a_session() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let (server, _nginx, _dir) = nginx(&[("a.txt", b"alpha"), ("b.bin", &binary)]).await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let (ok, _) = curl(&[
        &format!("http://{relay}/a.txt"),
        &format!("http://{relay}/b.bin"),
    ])
    .await;
    assert!(ok);
    let record = finished(&engine, ConnId(1)).await;
    assert_eq!(record.exchanges.len(), 2);
    let dir = tempfile::tempdir().unwrap();

    let har = dir.path().join("x.har");
    let n = save::save(
        engine.store(),
        Pick::Connections(&[ConnId(1)]),
        &har,
        Format::Har,
    )
    .unwrap();
    assert_eq!(n, 2);
    let reopened = session::open_any(&har).unwrap();
    let records = reopened.store.records();
    assert_eq!(records.len(), 1, "one connection, as captured");
    let list = &records[0].exchanges.to_vec();
    assert_eq!(
        list.iter()
            .map(|e| (e.target.as_str(), e.status))
            .collect::<Vec<_>>(),
        [("/a.txt", Some(200)), ("/b.bin", Some(200))]
    );
    let span = list[1].response.as_ref().unwrap();
    let body = reopened
        .store
        .read(
            records[0].id,
            Direction::ServerToClient,
            span.head_at() + span.head_len(),
            10_000,
        )
        .unwrap();
    assert_eq!(body, binary, "a binary body survives HAR byte for byte");

    let curl_file = dir.path().join("x.curl");
    let rows = [(ConnId(1), Some(1))];
    assert_eq!(
        save::save(engine.store(), Pick::Rows(&rows), &curl_file, Format::Curl).unwrap(),
        1
    );
    let script = std::fs::read_to_string(&curl_file).unwrap();
    assert!(
        script.contains("curl ") && script.contains("/b.bin"),
        "{script}"
    );
    assert!(!script.contains("/a.txt"), "only the picked row: {script}");
    let out = std::process::Command::new("sh")
        .arg(&curl_file)
        .output()
        .unwrap();
    assert_eq!(
        out.stdout, binary,
        "the curl script fetches the same body again"
    );

    let text = dir.path().join("x.txt");
    assert_eq!(
        save::save(engine.store(), Pick::Rows(&rows), &text, Format::Text).unwrap(),
        1
    );
    let text = std::fs::read(&text).unwrap();
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("==== Request ====\nGET /b.bin HTTP/1.1\r\n"),
        "{text}"
    );
    assert!(
        !text.contains("a.txt"),
        "one exchange, not the connection: {text}"
    );

    let garbage = dir.path().join("bad.har");
    std::fs::write(&garbage, "{\"log\": 3}").unwrap();
    let err = session::open_any(&garbage).err().unwrap().to_string();
    assert!(err.contains("not a HAR file"), "{err}");
    for (name, bytes) in [
        ("bad.tcpmon", &b"garbage"[..]),
        ("bad", &b"\x00\x01 binary"[..]),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = session::open_any(&path).err().unwrap().to_string();
        assert!(err.starts_with("session file "), "{name}: {err}");
        assert!(err.ends_with("not a TCPMon session file"), "{name}: {err}");
    }
    let missing = dir.path().join("missing.tcpmon");
    let err = session::open_any(&missing).err().unwrap().to_string();
    assert!(
        err.contains("session file") && err.contains("No such file"),
        "{err}"
    );
    let json = dir.path().join("capture.json");
    std::fs::write(&json, "  {\"log\": 3}").unwrap();
    let err = session::open_any(&json).err().unwrap().to_string();
    assert!(
        err.starts_with("HAR file ") && err.contains("not a HAR file"),
        "{err}"
    );
}

/// A session file written by another tool, in the worst order: metadata in reversed id
/// order after all the data, and data of connections that have no metadata at all. It opens
/// in one pass (linear time and memory), keeps what has a record and leaves the orphans out.
#[tokio::test]
async fn reversed_and_orphan_records_open_in_one_pass() {
    let header = |kind: u8, dir: u8, len: usize, conn: u64| {
        let mut h = vec![kind, dir, 0, 0];
        h.extend_from_slice(&(len as u32).to_le_bytes());
        h.extend_from_slice(&conn.to_le_bytes());
        h.extend_from_slice(&1_700_000_000_000_000u64.to_le_bytes());
        h
    };
    let mut file = b"\x89TCPMON\n\x01\0\0\0\0\0\0\0".to_vec();
    let n = 50_000u64;
    for id in 1..=2 * n {
        let data = format!("bytes of {id}");
        file.extend(header(1, (id % 2) as u8, data.len(), id));
        file.extend(data.as_bytes());
    }
    // Records only for the first half, newest first; the second half are orphans.
    for id in (1..=n).rev() {
        let meta = serde_json::to_vec(&tcpmon_relay::ConnectionRecord {
            state: tcpmon_relay::ConnectionState::Done,
            ..tcpmon_relay::ConnectionRecord::accepted(
                ConnId(id),
                tcpmon_relay::ListenerId(1),
                8080,
                "127.0.0.1:1".into(),
                None,
                1_700_000_000_000_000,
            )
        })
        .unwrap();
        file.extend(header(2, 0, meta.len(), id));
        file.extend(meta);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.tcpmon");
    std::fs::write(&path, file).unwrap();
    let started = std::time::Instant::now();
    let opened = session::open(&path).unwrap();
    println!("{} records opened in {:?}", 3 * n, started.elapsed());
    assert_eq!(opened.note, None);
    let records = opened.store.records();
    assert_eq!(records.len(), n as usize);
    assert!(records.windows(2).all(|w| w[0].id < w[1].id), "in id order");
    let last = ConnId(n);
    let dir_of_last = if n % 2 == 0 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    };
    assert_eq!(
        opened.store.read(last, dir_of_last, 0, 100).unwrap(),
        format!("bytes of {n}").into_bytes()
    );
}

/// TLS facts as a decrypted tunnel records them: both sides, a chain each.
fn tls_facts(trust: tcpmon_relay::Trust) -> tcpmon_relay::TlsFacts {
    tcpmon_relay::TlsFacts {
        version: "1.3".into(),
        cipher: "TLS13_AES_128_GCM_SHA256".into(),
        alpn: Some("http/1.1".into()),
        server_name: Some("origin.test".into()),
        verified: true,
        trust: Some(trust),
        chain: vec![tcpmon_relay::CertificateFacts {
            subject: "CN=origin.test".into(),
            issuer: "CN=Private CA".into(),
            names: vec!["origin.test".into(), "127.0.0.1".into()],
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            sha256: "AB:CD".into(),
        }],
        completed_at: 1_700_000_000_000_000,
    }
}

#[tokio::test]
async fn tls_facts_survive_a_session_and_files_from_before_them_still_open() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let client = within(TcpStream::connect(relay)).await.unwrap();
    exchange(client, b"hello", 1).await;
    let id = finished(&engine, ConnId(1)).await.id;
    engine.store().update(id, |r| {
        r.client_tls = Some(Box::new(tls_facts(tcpmon_relay::Trust::LocalCa)));
        r.target_tls = Some(Box::new(tls_facts(tcpmon_relay::Trust::TargetCa)));
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tls.tcpmon");
    session::save(engine.store(), &[id], &path).unwrap();
    let opened = session::open(&path).unwrap().store.record(id).unwrap();
    assert_eq!(
        opened.client_tls.as_deref(),
        Some(&tls_facts(tcpmon_relay::Trust::LocalCa))
    );
    assert_eq!(
        opened.target_tls.as_deref(),
        Some(&tls_facts(tcpmon_relay::Trust::TargetCa))
    );

    // A record written before trust and chains were kept: they read as unknown and empty.
    let mut old = serde_json::to_value(&opened).unwrap();
    for side in ["client_tls", "target_tls"] {
        let facts = old[side].as_object_mut().unwrap();
        facts.remove("trust");
        facts.remove("chain");
    }
    let old: tcpmon_relay::ConnectionRecord = serde_json::from_value(old).unwrap();
    let facts = old.target_tls.unwrap();
    assert_eq!(
        (facts.trust, facts.chain.len(), facts.verified),
        (None, 0, true)
    );
}

/// An HTTP/2 connection whose first stream has no request head (the server answered a stream
/// the capture never saw opened): HAR leaves that exchange out, `save` counts only what it
/// wrote, and the connection's opening timings go to the next exchange.
#[test]
fn a_har_counts_what_it_wrote_and_times_the_connection_on_its_first_entry_written() {
    use tcpmon_relay::{ConnectionRecord, Limits, ListenerId, LogPlace, Store};
    let unhex = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let store = Store::live(LogPlace::Anonymous(None), Limits::unlimited()).unwrap();
    let id = ConnId(1);
    store.insert(ConnectionRecord {
        connected_at: Some(1_500),
        ..ConnectionRecord::accepted(id, ListenerId(1), 1, "c".into(), None, 1_000)
    });
    let preface = [
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
        &unhex("000000040000000000"),
    ]
    .concat();
    store.append_at(id, Direction::ClientToServer, &preface, 2_000);
    // SETTINGS, then ":status: 200" on stream 1, which the client never opened.
    let headless = unhex("00000004000000000000000101050000000188");
    store.append_at(id, Direction::ServerToClient, &headless, 3_000);
    // GET / on stream 3 (:method GET, :scheme http, :path /, :authority a), then its 200.
    let get = unhex("000006010500000003828684410161");
    store.append_at(id, Direction::ClientToServer, &get, 4_000);
    let ok = unhex("00000101050000000388");
    store.append_at(id, Direction::ServerToClient, &ok, 5_000);
    let record = store.record(id).unwrap();
    let methods: Vec<String> = (record.exchanges.iter())
        .map(|e| e.method.to_string())
        .collect();
    assert_eq!(methods, ["", "GET"]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h2.har");
    let written = save::save(&store, Pick::Connections(&[id]), &path, Format::Har).unwrap();
    assert_eq!(written, 1, "the exchange without a method is not counted");
    let har: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["request"]["method"], "GET");
    assert_eq!(
        entries[0]["timings"]["connect"], 0.5,
        "{}",
        entries[0]["timings"]
    );
}

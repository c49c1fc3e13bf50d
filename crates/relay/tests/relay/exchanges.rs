//! HTTP exchanges found in live traffic: real curl and nginx through the relay.

use crate::support::*;
use tcpmon_relay::{ConnId, EventKind};

#[tokio::test]
async fn keep_alive_requests_from_curl_are_separate_exchanges_with_timings() {
    let page = vec![b'x'; 50_000];
    let (server, _nginx, _dir) = nginx(&[("a.txt", b"first"), ("big.txt", &page)]).await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let mut events = engine.subscribe();
    let base = format!("http://{relay}");
    // One curl, three URLs: curl reuses the connection; -I sends HEAD for the last.
    let (ok, _) = curl(&[
        &format!("{base}/a.txt"),
        &format!("{base}/big.txt"),
        "--next",
        "-I",
        &format!("{base}/a.txt"),
    ])
    .await;
    assert!(ok);
    let record = finished(&engine, ConnId(1)).await;
    let list = &record.exchanges.to_vec();
    let lines: Vec<_> = list
        .iter()
        .map(|e| (e.method.as_str(), e.target.as_str(), e.status))
        .collect();
    assert_eq!(
        lines,
        [
            ("GET", "/a.txt", Some(200)),
            ("GET", "/big.txt", Some(200)),
            ("HEAD", "/a.txt", Some(200))
        ]
    );
    let big = list[1].response.as_ref().unwrap();
    assert_eq!(big.body_len, 50_000);
    assert!(
        list.iter()
            .all(|e| e.request.complete() && e.response.as_ref().is_some_and(|r| r.complete()))
    );
    assert_eq!(
        list[2].response.as_ref().unwrap().body_len,
        0,
        "HEAD has no body"
    );
    assert_eq!(
        list[2].response.as_ref().unwrap().end,
        record.bytes[1],
        "the responses tile the stream"
    );
    for e in list.iter() {
        let res = e.response.as_ref().unwrap();
        assert!(e.request.first_at <= e.request.last_at);
        assert!(e.request.last_at <= res.first_at && res.first_at <= res.last_at);
        assert!(res.last_at <= record.closed_at.unwrap());
    }

    // Live progress carried the same exchanges, as patches.
    let mut seen = tcpmon_inspect::exchange::ExchangeList::new();
    while let Some(Ok(event)) = events.try_recv() {
        match event.kind {
            EventKind::ConnectionProgress {
                exchanges: Some(patch),
                ..
            } => patch.apply(&mut seen),
            EventKind::ConnectionChanged { record } => seen = record.exchanges,
            _ => {}
        }
    }
    assert_eq!(&seen.to_vec(), list);
}

#[tokio::test]
async fn a_stream_that_is_not_http_has_no_exchanges() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let client = within(tokio::net::TcpStream::connect(relay)).await.unwrap();
    exchange(client, b"\x16\x03\x01 binary hello", 3).await;
    let record = finished(&engine, ConnId(1)).await;
    assert!(record.exchanges.is_empty());
    assert_eq!(record.request_line, None);
}

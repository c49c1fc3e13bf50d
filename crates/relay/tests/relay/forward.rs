//! Forward mode: transparency, protocols that need it, and every way a connection can end.

use crate::support::*;
use std::time::{Duration, Instant};
use tcpmon_relay::{
    ConnId, ConnectionState, Direction, Error, FailureKind, HostPort, ListenerConfig, Side,
    SlowLink,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_pass_unchanged_both_ways_and_are_captured_exactly() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let mut rng = Rng::new(7);
    for (i, size) in [0usize, 1, 3, 4096, 65_537, 1 << 20, 64 << 20]
        .into_iter()
        .enumerate()
    {
        let data = rng.bytes(size);
        let client = within(TcpStream::connect(relay)).await.unwrap();
        let got = exchange(client, &data, i as u64 + 1).await;
        assert!(got == data, "echo of {size} bytes differs");
        let record = finished(&engine, ConnId(i as u64 + 1)).await;
        assert_eq!(record.state, ConnectionState::Done, "{size} bytes");
        assert_eq!(record.bytes, [size as u64, size as u64]);
        for dir in Direction::BOTH {
            let captured = engine.store().read(record.id, dir, 0, usize::MAX).unwrap();
            assert!(
                captured == data,
                "capture of {size} bytes differs ({dir:?})"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_past_the_capture_cap_is_relayed_whole_and_recorded_up_to_the_cap() {
    let cap = (3 << 20) + 12_345;
    let engine = tcpmon_relay::Engine::new(tcpmon_relay::EngineOptions {
        capture_dir: None,
        limits: tcpmon_relay::Limits {
            per_stream: cap,
            ..tcpmon_relay::Limits::default()
        },
        ..Default::default()
    })
    .unwrap();
    let relay = forward(&engine, echo_server().await).await;
    let data = Rng::new(11).bytes(16 << 20);
    let client = within(TcpStream::connect(relay)).await.unwrap();
    assert!(
        exchange(client, &data, 3).await == data,
        "every byte relayed"
    );
    let record = finished(&engine, ConnId(1)).await;
    assert_eq!(record.bytes, [16 << 20, 16 << 20]);
    assert_eq!(record.truncated, [true, true]);
    for dir in Direction::BOTH {
        let recorded = engine.store().read(record.id, dir, 0, usize::MAX).unwrap();
        assert!(
            recorded == data[..cap as usize],
            "{dir:?}: the first bytes, to the cap"
        );
    }
}

#[tokio::test]
async fn server_first_greeting_reaches_a_silent_client() {
    let server = serve(|mut s| async move {
        s.write_all(b"220 smtp.test ESMTP ready\r\n").await.unwrap();
        let mut line = [0; 64];
        let n = s.read(&mut line).await.unwrap();
        s.write_all(&line[..n]).await.unwrap();
    })
    .await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    let mut greeting = [0; 27];
    within(client.read_exact(&mut greeting)).await.unwrap();
    assert_eq!(&greeting, b"220 smtp.test ESMTP ready\r\n");
    client.write_all(b"QUIT\r\n").await.unwrap();
    let mut echo = [0; 6];
    within(client.read_exact(&mut echo)).await.unwrap();
    assert_eq!(&echo, b"QUIT\r\n");
}

#[tokio::test]
async fn half_close_still_gets_the_answer() {
    let server = serve(|mut s| async move {
        let mut request = Vec::new();
        s.read_to_end(&mut request).await.unwrap();
        s.write_all(format!("got {} bytes", request.len()).as_bytes())
            .await
            .unwrap();
    })
    .await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(&[0u8; 1000]).await.unwrap();
    client.shutdown().await.unwrap();
    let mut answer = String::new();
    within(client.read_to_string(&mut answer)).await.unwrap();
    assert_eq!(answer, "got 1000 bytes");
    assert_eq!(
        finished(&engine, ConnId(1)).await.state,
        ConnectionState::Done
    );
}

#[tokio::test]
async fn refused_target_fails_with_the_reason_and_closes_the_client() {
    let engine = engine();
    let relay = forward(&engine, closed_port().await).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    let mut got = Vec::new();
    within(client.read_to_end(&mut got)).await.unwrap();
    assert!(got.is_empty());
    let record = finished(&engine, ConnId(1)).await;
    let ConnectionState::Failed { reason } = record.state else {
        panic!("{record:?}")
    };
    assert!(reason.contains("refused"), "{reason}");
    assert!(record.connected_at.is_none());
}

#[tokio::test]
async fn server_reset_mid_stream_is_recorded_and_ends_the_client() {
    let server = serve(|s| async move {
        let mut s = s;
        s.write_all(b"partial").await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.set_zero_linger().unwrap();
        drop(s);
    })
    .await;
    let engine = engine();
    let relay = forward(&engine, server).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    let mut got = Vec::new();
    let _ = within(client.read_to_end(&mut got)).await;
    assert_eq!(got, b"partial");
    let record = finished(&engine, ConnId(1)).await;
    let ConnectionState::Failed { reason } = record.state else {
        panic!("{record:?}")
    };
    assert!(
        reason.starts_with("server:") && reason.contains("reset"),
        "{reason}"
    );
    assert_eq!(
        engine
            .store()
            .read(record.id, Direction::ServerToClient, 0, 100)
            .unwrap(),
        b"partial"
    );
}

#[tokio::test]
async fn client_vanishing_mid_stream_is_recorded_and_the_listener_goes_on() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let client = within(TcpStream::connect(relay)).await.unwrap();
    let mut client = client;
    client.write_all(b"half a message").await.unwrap();
    let mut echo = [0; 14];
    within(client.read_exact(&mut echo)).await.unwrap();
    client.set_zero_linger().unwrap();
    drop(client);
    let record = finished(&engine, ConnId(1)).await;
    let ConnectionState::Failed { reason } = record.state else {
        panic!("{record:?}")
    };
    assert!(reason.starts_with("client:"), "{reason}");
    assert_eq!(
        engine
            .store()
            .read(record.id, Direction::ClientToServer, 0, 100)
            .unwrap(),
        b"half a message"
    );

    let next = within(TcpStream::connect(relay)).await.unwrap();
    assert_eq!(
        exchange(next, b"still relaying", 1).await,
        b"still relaying"
    );
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let engine = engine();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = engine
        .add_listener(ListenerConfig::forward(port, HostPort::new("127.0.0.1", 9)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Bind { error, .. } if error.kind() == std::io::ErrorKind::AddrInUse),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(
        engine.listeners().is_empty(),
        "nothing is created when it cannot start"
    );
}

#[tokio::test]
async fn an_unresolvable_target_is_a_clear_error() {
    let engine = engine();
    let config = ListenerConfig::forward(0, HostPort::new("no-such-host.invalid", 80));
    let err = engine.add_listener(config).await.unwrap_err();
    assert!(
        matches!(&err, Error::Connection(e) if e.kind() == FailureKind::Resolve && e.side() == Side::Target),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("cannot resolve no-such-host.invalid: "),
        "the resolver's words are part of the message: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_connections_all_relay() {
    let engine = engine();
    let relay = forward(&engine, echo_server().await).await;
    let mut clients = tokio::task::JoinSet::new();
    for i in 0..500u64 {
        clients.spawn(async move {
            let stream = within(TcpStream::connect(relay)).await.unwrap();
            let data = Rng::new(i + 1).bytes(1024 + i as usize);
            assert!(exchange(stream, &data, i).await == data);
        });
    }
    while let Some(done) = clients.join_next().await {
        done.expect("client");
    }
    for r in connections(&engine, 500).await {
        let r = finished(&engine, r.id).await;
        assert_eq!(r.state, ConnectionState::Done);
        assert_eq!(r.bytes[0], r.bytes[1]);
    }
}

#[tokio::test]
async fn stopping_closes_live_connections_and_says_so() {
    let engine = engine();
    let info = engine
        .add_listener(ListenerConfig::forward(0, target(echo_server().await)))
        .await
        .unwrap();
    let relay = info.local_addr.unwrap();
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    client.write_all(b"ping").await.unwrap();
    let mut echo = [0; 4];
    within(client.read_exact(&mut echo)).await.unwrap();

    let stopped = within(engine.stop_listener(info.id)).await.unwrap();
    assert!(!stopped.running && stopped.local_addr.is_none());
    let mut rest = Vec::new();
    let _ = within(client.read_to_end(&mut rest)).await;
    let record = finished(&engine, ConnId(1)).await;
    assert_eq!(
        record.state,
        ConnectionState::Failed {
            reason: "closed: the listener was stopped".into()
        }
    );
    assert!(
        within(TcpStream::connect(relay)).await.is_err(),
        "the port is released"
    );

    let restarted = within(engine.start_listener(info.id)).await.unwrap();
    let again = within(TcpStream::connect(restarted.local_addr.unwrap()))
        .await
        .unwrap();
    assert_eq!(exchange(again, b"back", 2).await, b"back");
}

#[tokio::test]
async fn restart_with_a_new_target_relays_there() {
    let first = serve(|mut s| async move { s.write_all(b"first").await.unwrap() }).await;
    let second = serve(|mut s| async move { s.write_all(b"second").await.unwrap() }).await;
    let engine = engine();
    let info = engine
        .add_listener(ListenerConfig::forward(0, target(first)))
        .await
        .unwrap();
    let mut config = info.config.clone();
    config.mode = tcpmon_relay::Mode::Forward {
        target: target(second),
    };
    let info = within(engine.restart_listener(info.id, config))
        .await
        .unwrap();
    let mut client = within(TcpStream::connect(info.local_addr.unwrap()))
        .await
        .unwrap();
    let mut got = String::new();
    within(client.read_to_string(&mut got)).await.unwrap();
    assert_eq!(got, "second");
}

#[tokio::test]
async fn slow_link_paces_both_directions_without_bursts() {
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(echo_server().await));
    config.slow_link = Some(SlowLink {
        bytes_per_pause: 100,
        delay_ms: 100,
    }); // 1000 B/s
    let relay = listen(&engine, config).await;
    let mut client = within(TcpStream::connect(relay)).await.unwrap();
    let data = Rng::new(3).bytes(1500);
    let start = Instant::now();
    client.write_all(&data).await.unwrap();
    client.shutdown().await.unwrap();
    let (mut got, mut largest_read) = (Vec::new(), 0);
    let mut buf = [0; 8192];
    loop {
        let n = within(client.read(&mut buf)).await.unwrap();
        if n == 0 {
            break;
        }
        largest_read = largest_read.max(n);
        got.extend_from_slice(&buf[..n]);
    }
    let elapsed = start.elapsed();
    assert_eq!(got, data);
    println!("1500 B each way at 1000 B/s took {elapsed:?}; largest read {largest_read} B");
    // Loose bounds: it cannot beat the configured rate, and pacing never bursts a whole buffer.
    assert!(elapsed >= Duration::from_millis(1300), "{elapsed:?}");
    assert!(largest_read < 1024, "burst of {largest_read} bytes");
}

#[tokio::test]
async fn the_capture_cap_stops_recording_but_never_relaying() {
    let engine = tcpmon_relay::Engine::new(tcpmon_relay::EngineOptions {
        capture_dir: None,
        limits: tcpmon_relay::Limits {
            per_stream: 1000,
            ..tcpmon_relay::Limits::default()
        },
        ..Default::default()
    })
    .unwrap();
    let relay = forward(&engine, echo_server().await).await;
    let data = Rng::new(5).bytes(5000);
    let client = within(TcpStream::connect(relay)).await.unwrap();
    assert!(
        exchange(client, &data, 9).await == data,
        "every byte relayed"
    );
    let record = finished(&engine, ConnId(1)).await;
    assert_eq!(record.bytes, [5000, 5000]);
    assert_eq!(record.truncated, [true, true]);
    let recorded = engine
        .store()
        .read(record.id, Direction::ClientToServer, 0, usize::MAX)
        .unwrap();
    assert!(
        recorded == data[..1000],
        "the first 1000 bytes are recorded"
    );
}

#[tokio::test]
async fn host_rewrite_gives_every_request_the_targets_name_and_leaves_bodies_alone() {
    // A server that answers each request with the Host header it saw.
    let server = serve(|s| async move {
        let (r, mut w) = s.into_split();
        let mut lines = tokio::io::BufReader::new(r).lines();
        let mut host = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(value) = line.strip_prefix("Host: ") {
                host = value.to_string();
            }
            if line.is_empty() {
                let body = format!("saw {host}");
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                let _ = w.write_all(format!("{head}{body}").as_bytes()).await;
            }
        }
    })
    .await;
    let engine = engine();
    let mut config = ListenerConfig::forward(0, target(server));
    config.rewrite_host = true;
    let relay = listen(&engine, config).await;
    let (ok, body) = curl(&[
        &format!("http://{relay}/one"),
        &format!("http://{relay}/two"),
    ])
    .await;
    assert!(ok);
    let expected = format!("saw {}", target(server));
    assert_eq!(
        String::from_utf8(body).unwrap(),
        format!("{expected}{expected}")
    );
    let record = finished(&engine, ConnId(1)).await;
    let sent = engine
        .store()
        .read(ConnId(1), Direction::ClientToServer, 0, 10_000)
        .unwrap();
    assert_eq!(
        String::from_utf8(sent)
            .unwrap()
            .matches(&format!("Host: {}\r\n", target(server)))
            .count(),
        2,
        "the capture shows the requests as the target got them"
    );
    assert_eq!(record.exchanges.len(), 2);
}

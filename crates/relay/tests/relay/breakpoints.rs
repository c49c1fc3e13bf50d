//! Breakpoints: a `break` rule holds a request or a response whole until the engine is told
//! what becomes of it; curl waits on the far side, real servers on the near one.

use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tcpmon_relay::rules::{RuleSet, Rules, RulesSource};
use tcpmon_relay::{
    Direction, Engine, EventKind, ListenerConfig, PausedMessage, PausedPhase, Resolution,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn rules(text: &str) -> Rules {
    let source = RulesSource {
        text: text.into(),
        folder: ".".into(),
    };
    Rules(Some(Arc::new(RuleSet::from_source(source).unwrap())))
}

/// A listener in forward mode to `to` with `rules`; its address.
async fn ruled(engine: &Engine, to: std::net::SocketAddr, text: &str) -> std::net::SocketAddr {
    let mut config = ListenerConfig::forward(0, target(to));
    config.rules = rules(text);
    listen(engine, config).await
}

/// Waits until `n` messages are paused.
async fn paused(engine: &Engine, n: usize) -> Vec<PausedMessage> {
    within(async {
        loop {
            let list = engine.paused();
            if list.len() >= n {
                return list;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

/// An origin that answers each request with the whole request it received (head and a
/// `Content-Length` body) as its body, counting requests.
async fn request_echo() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let addr = serve(move |mut s| {
        let count = counted.clone();
        async move {
            let mut got = Vec::new();
            let mut buf = [0; 4096];
            let head = loop {
                if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            };
            let text = String::from_utf8_lossy(&got[..head]).to_ascii_lowercase();
            let length: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while got.len() < head + length {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            count.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                got.len()
            );
            let _ = s.write_all(answer.as_bytes()).await;
            let _ = s.write_all(&got).await;
        }
    })
    .await;
    (addr, count)
}

/// curl in the background: (success, stdout with the response head, `-i`).
fn curl_later(args: Vec<String>) -> tokio::task::JoinHandle<(bool, String)> {
    tokio::spawn(async move {
        let mut all = vec!["-i".to_string()];
        all.extend(args);
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        let (ok, out) = curl(&args).await;
        (ok, String::from_utf8_lossy(&out).into_owned())
    })
}

const BREAK_ORDERS: &str = r#"[{"when": "path:/orders", "then": {"break": "request"}}]"#;

#[tokio::test]
async fn an_edited_request_reaches_the_server_with_its_length_fixed() {
    let engine = engine();
    let mut events = engine.subscribe();
    let (server, _) = request_echo().await;
    let relay = ruled(&engine, server, BREAK_ORDERS).await;
    let client = curl_later(vec![
        "--data-binary".into(),
        r#"{"qty":1}"#.into(),
        format!("http://{relay}/orders"),
    ]);
    let list = paused(&engine, 1).await;
    let message = &list[0];
    assert_eq!(message.phase, PausedPhase::Request);
    assert_eq!(
        (message.rule, message.exchange, message.body_held),
        (1, 0, true)
    );
    assert_eq!(message.summary, "POST /orders HTTP/1.1");
    let content = engine.paused_content(message.id).unwrap();
    assert_eq!(content.body.as_deref(), Some(&br#"{"qty":1}"#[..]));
    let head = String::from_utf8(content.head).unwrap();
    let head = head.replace("POST /orders ", "POST /orders?edited=1 ");
    let head = head.replace("\r\n\r\n", "\r\nX-Edited: yes\r\n\r\n");
    let edit = Resolution::Edited {
        head: head.into_bytes(),
        body: Some(br#"{"qty":12}"#.to_vec()),
    };
    engine.resume(message.id, edit).unwrap();
    let (ok, out) = within(client).await.unwrap();
    assert!(ok, "{out}");
    assert!(out.contains("POST /orders?edited=1 HTTP/1.1\r\n"), "{out}");
    assert!(out.contains("X-Edited: yes\r\n"), "{out}");
    assert!(out.contains("Content-Length: 10\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\n{\"qty\":12}"), "{out}");
    assert!(engine.paused().is_empty());
    let record = finished(&engine, message.connection).await;
    let got = engine
        .store()
        .read_server_side(&record, 0, Direction::ClientToServer)
        .unwrap()
        .expect("the request as the server got it is kept beside the client's");
    let got = String::from_utf8(got).unwrap();
    assert!(
        got.starts_with("POST /orders?edited=1 HTTP/1.1\r\n"),
        "{got}"
    );
    assert!(got.ends_with("\r\n\r\n{\"qty\":12}"), "{got}");
    assert_eq!(record.server_side.len(), 1);
    assert_eq!(record.rules[0].action, "break");
    assert!(
        record.rules[0]
            .what
            .starts_with("paused the request; continued as edited"),
        "{:?}",
        record.rules
    );
    let mut seen = Vec::new();
    while let Some(Ok(event)) = events.try_recv() {
        match event.kind {
            EventKind::MessagePaused { message } => seen.push(format!("paused {}", message.id.0)),
            EventKind::MessageResumed { id, how } => seen.push(format!("resumed {} {how}", id.0)),
            _ => {}
        }
    }
    let id = message.id.0;
    assert_eq!(
        seen,
        [
            format!("paused {id}"),
            format!("resumed {id} continued as edited")
        ]
    );
}

#[tokio::test]
async fn a_dropped_request_never_reaches_the_server_and_the_client_is_closed() {
    let engine = engine();
    let (server, count) = request_echo().await;
    let relay = ruled(&engine, server, BREAK_ORDERS).await;
    let client = curl_later(vec![format!("http://{relay}/orders")]);
    let list = paused(&engine, 1).await;
    engine.resume(list[0].id, Resolution::Drop).unwrap();
    let (ok, out) = within(client).await.unwrap();
    assert!(!ok, "curl saw an empty reply: {out}");
    assert!(out.is_empty(), "{out}");
    let record = finished(&engine, list[0].connection).await;
    assert!(
        record.rules[0].what.contains("dropped"),
        "{:?}",
        record.rules
    );
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_request_answered_from_the_app_never_reaches_the_server() {
    let engine = engine();
    let (server, count) = request_echo().await;
    let relay = ruled(&engine, server, BREAK_ORDERS).await;
    let client = curl_later(vec![
        "-d".into(),
        "a=1".into(),
        format!("http://{relay}/orders"),
    ]);
    let list = paused(&engine, 1).await;
    let respond = Resolution::Respond {
        head: b"HTTP/1.1 418 I'm a teapot\r\nX-From: app\r\n\r\n".to_vec(),
        body: "short and stout".into(),
    };
    engine.resume(list[0].id, respond).unwrap();
    let (ok, out) = within(client).await.unwrap();
    assert!(ok, "{out}");
    assert!(out.starts_with("HTTP/1.1 418 I'm a teapot\r\n"), "{out}");
    assert!(out.contains("Content-Length: 15\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nshort and stout"), "{out}");
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_chunked_response_edited_at_a_breakpoint_goes_out_with_a_length() {
    let engine = engine();
    let server = serve(|mut s| async move {
        let mut buf = [0; 4096];
        let _ = s.read(&mut buf).await;
        let answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let _ = s.write_all(answer).await;
    })
    .await;
    let text = r#"[{"when": "path:/", "then": {"break": "response"}}]"#;
    let relay = ruled(&engine, server, text).await;
    let client = curl_later(vec![format!("http://{relay}/")]);
    let list = paused(&engine, 1).await;
    assert_eq!(list[0].phase, PausedPhase::Response);
    assert_eq!(list[0].summary, "HTTP/1.1 200 OK");
    let content = engine.paused_content(list[0].id).unwrap();
    assert_eq!(content.body.as_deref(), Some(&b"hello"[..]));
    let refused = Resolution::Edited {
        head: b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        body: None,
    };
    assert!(engine.resume(list[0].id, refused).is_err());
    assert_eq!(engine.paused().len(), 1, "a wrong edit leaves it paused");
    let edit = Resolution::Edited {
        head: content.head.clone(),
        body: Some(b"hello, world".to_vec()),
    };
    engine.resume(list[0].id, edit).unwrap();
    let (ok, out) = within(client).await.unwrap();
    assert!(ok, "{out}");
    assert!(out.contains("Content-Length: 12\r\n"), "{out}");
    assert!(
        !out.to_ascii_lowercase().contains("transfer-encoding"),
        "{out}"
    );
    assert!(out.ends_with("\r\n\r\nhello, world"), "{out}");
    let record = finished(&engine, list[0].connection).await;
    let captured = engine
        .store()
        .read(
            record.id,
            tcpmon_relay::Direction::ServerToClient,
            0,
            1 << 20,
        )
        .unwrap();
    assert!(
        captured.ends_with(b"\r\n\r\nhello, world"),
        "the capture has what the client got"
    );
    let sent = engine
        .store()
        .read_server_side(&record, 0, Direction::ServerToClient)
        .unwrap()
        .unwrap();
    assert!(
        sent.ends_with(b"chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        "the server's response is kept as it came: {}",
        String::from_utf8_lossy(&sent)
    );
}

#[tokio::test]
async fn ten_messages_paused_at_once_go_on_with_continue_all() {
    let engine = engine();
    let (server, count) = request_echo().await;
    let relay = ruled(&engine, server, BREAK_ORDERS).await;
    let clients: Vec<_> = (0..10)
        .map(|i| curl_later(vec![format!("http://{relay}/orders/{i}")]))
        .collect();
    let list = paused(&engine, 10).await;
    let mut connections: Vec<_> = list.iter().map(|m| m.connection).collect();
    connections.dedup();
    assert_eq!(connections.len(), 10, "each on its own connection");
    assert_eq!(count.load(Ordering::SeqCst), 0, "none went on yet");
    assert_eq!(engine.continue_all(Some(list[0].listener)), 10);
    for (i, client) in clients.into_iter().enumerate() {
        let (ok, out) = within(client).await.unwrap();
        assert!(ok, "{out}");
        assert!(out.contains(&format!("GET /orders/{i} HTTP/1.1")), "{out}");
    }
    assert_eq!(count.load(Ordering::SeqCst), 10);
    assert!(engine.paused().is_empty());
}

#[tokio::test]
async fn a_paused_message_outlives_the_idle_timeout_and_leaves_with_its_listener() {
    let engine = engine();
    let mut events = engine.subscribe();
    let (server, _) = request_echo().await;
    let mut config = ListenerConfig::forward(0, target(server));
    config.rules = rules(BREAK_ORDERS);
    config.idle_timeout = Some(Duration::from_millis(100));
    let info = engine.add_listener(config).await.unwrap();
    let relay = info.local_addr.unwrap();
    let client = curl_later(vec![format!("http://{relay}/orders")]);
    let list = paused(&engine, 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        engine.paused().len(),
        1,
        "four idle timeouts later, still paused"
    );
    engine.resume(list[0].id, Resolution::Unchanged).unwrap();
    let (ok, out) = within(client).await.unwrap();
    assert!(ok && out.contains("GET /orders HTTP/1.1"), "{out}");

    let client = curl_later(vec![format!("http://{relay}/orders")]);
    let second = paused(&engine, 1).await;
    engine.stop_listener(info.id).await.unwrap();
    assert!(engine.paused().is_empty());
    let (ok, _) = within(client).await.unwrap();
    assert!(!ok);
    let mut how = None;
    while let Some(Ok(event)) = events.try_recv() {
        if let EventKind::MessageResumed { id, how: said } = event.kind {
            if id == second[0].id {
                how = Some(said);
            }
        }
    }
    assert_eq!(how.as_deref(), Some("its connection ended"));
    assert!(engine.resume(second[0].id, Resolution::Unchanged).is_err());
}

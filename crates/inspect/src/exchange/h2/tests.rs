//! HTTP/2 connections through the exchange tracker: streams become exchanges whatever the
//! split, h2c upgrades, decrypted tunnels, bounds, and long connections that settle.

use super::*;
use crate::exchange::{ExchangeList, Tracker};
use crate::h2::PREFACE;
use crate::h2::frame::{END_HEADERS, END_STREAM};
use crate::h2::test_frames::{conversation, frame, lit, setting};
use crate::http1::decode::decode;

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

/// Feeds the client's bytes cut at `cut`, then the server's cut at `cut`.
fn track(c: &[u8], s: &[u8], cut: usize) -> (Tracker, Vec<Exchange>) {
    let mut tracker = Tracker::new();
    let mut exchanges = Vec::new();
    for (dir, bytes) in [(C2S, c), (S2C, s)] {
        let cut = cut.min(bytes.len());
        tracker.feed(dir, &bytes[..cut], 10, &mut exchanges);
        tracker.feed(dir, &bytes[cut..], 20, &mut exchanges);
    }
    (tracker, exchanges)
}

/// A message as the store reads it: its head, then its body's bytes from `stream`.
fn read(message: &H2Message, stream: &[u8]) -> Vec<u8> {
    message
        .pieces(0, u64::MAX)
        .into_iter()
        .flat_map(|piece| match piece {
            Piece::Head(r) => message.head.as_bytes()[r].to_vec(),
            Piece::Capture(r) => stream[r.offset as usize..(r.offset + r.len) as usize].to_vec(),
        })
        .collect()
}

#[test]
fn a_stream_is_an_exchange_that_reads_as_http_text() {
    let (c, s) = conversation();
    let (_, exchanges) = track(&c, &s, usize::MAX);
    assert_eq!(exchanges.len(), 1);
    let e = &exchanges[0];
    assert_eq!(
        (e.method.as_str(), e.target.as_str(), e.version, e.status),
        ("POST", "/upload", 2, Some(200))
    );
    assert_eq!(e.host.as_deref(), Some("example.test"));
    assert_eq!(e.interim(), &[103]);
    assert!(e.request.complete() && e.response.as_ref().is_some_and(Span::complete));
    assert_eq!(e.request.body_len, 11);
    let h2 = e.h2().expect("an HTTP/2 stream");
    assert_eq!(h2.id, 1);
    let request = read(e.h2_message(C2S).expect("request"), &c);
    assert_eq!(
        request,
        b"POST http://example.test/upload HTTP/2.0\r\n\r\nhello world"
    );
    assert_eq!(
        h2.request.as_ref().expect("request").trailers,
        [("x-sum".into(), "11".into())]
    );
    let response = read(&h2.response, &s);
    assert_eq!(
        response,
        b"HTTP/2.0 200\r\ncontent-type: text/plain\r\n\r\ndone"
    );
    // The views' decoder reads both as heads with the rest as body.
    let decoded = decode(&request);
    assert_eq!(&*decoded.body, b"hello world");
    let decoded = decode(&response);
    assert_eq!((decoded.head_len, &*decoded.body), (42, &b"done"[..]));
}

#[test]
fn every_split_gives_the_same_exchanges() {
    let (c, s) = conversation();
    let (_, whole) = track(&c, &s, usize::MAX);
    for cut in 0..c.len().max(s.len()) {
        let (_, split) = track(&c, &s, cut);
        let strip = |list: Vec<Exchange>| -> Vec<_> {
            list.into_iter()
                .map(|e| {
                    (
                        e.h2().cloned(),
                        e.method,
                        e.status,
                        e.request.end,
                        e.request.body_len,
                    )
                })
                .collect()
        };
        assert_eq!(strip(split), strip(whole.clone()), "cut at {cut}");
    }
}

/// A GET on stream `id` and its response with `body`, as client and server frames.
fn get(id: u32, path: &str, body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut head = vec![0x82, 0x86]; // :method GET, :scheme http
    head.extend(lit(":path", path));
    head.extend(lit(":authority", "h2.test"));
    let c = frame(1, END_HEADERS | END_STREAM, id, &head);
    let mut s = frame(1, END_HEADERS, id, &[0x88]);
    s.extend(frame(0, END_STREAM, id, body));
    (c, s)
}

#[test]
fn concurrent_streams_are_exchanges_in_the_order_they_opened() {
    let mut c = PREFACE.to_vec();
    c.extend(frame(4, 0, 0, &setting(3, 100)));
    let mut s = frame(4, 0, 0, &[]);
    let streams: Vec<_> = [1, 3, 5]
        .map(|id| get(id, &format!("/{id}"), &[b'a' + id as u8; 3]))
        .into();
    for (req, _) in &streams {
        c.extend(req);
    }
    // Responses in reverse order, heads first, then bodies.
    for (_, res) in streams.iter().rev() {
        s.extend(&res[..10]);
    }
    for (_, res) in streams.iter().rev() {
        s.extend(&res[10..]);
    }
    let (_, exchanges) = track(&c, &s, 77);
    let targets: Vec<_> = exchanges.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["/1", "/3", "/5"]);
    for (e, id) in exchanges.iter().zip([1u8, 3, 5]) {
        assert_eq!(
            read(&e.h2().expect("h2").response, &s),
            [b"HTTP/2.0 200\r\n\r\n".as_slice(), &[b'a' + id; 3]].concat()
        );
        assert!(e.response.as_ref().is_some_and(Span::complete));
    }
}

#[test]
fn a_long_connection_settles_its_streams_and_forgets_them() {
    let mut tracker = Tracker::new();
    let mut list = ExchangeList::new();
    let (mut c_at, mut s_at) = (0u64, 0u64);
    let mut feed = |tracker: &mut Tracker, list: &mut ExchangeList, dir, bytes: &[u8]| {
        tracker.feed(dir, bytes, 1, list.live_mut());
        let settled = tracker.settled(list.live_mut());
        if settled >= 16 {
            list.settle(settled);
            tracker.rebase(settled);
        }
        let at = if dir == C2S { &mut c_at } else { &mut s_at };
        *at += bytes.len() as u64;
    };
    feed(&mut tracker, &mut list, C2S, PREFACE);
    for n in 0..100u32 {
        let (c, s) = get(2 * n + 1, &format!("/{n}"), b"body");
        feed(&mut tracker, &mut list, C2S, &c);
        feed(&mut tracker, &mut list, S2C, &s);
    }
    // A late RST_STREAM for a settled stream opens no exchange.
    feed(&mut tracker, &mut list, C2S, &frame(3, 0, 1, &[0, 0, 0, 8]));
    tracker.finish(list.live_mut());
    assert_eq!(list.len(), 100);
    assert!(list.packed_len() >= 80, "settled: {}", list.packed_len());
    let last = list.get(99).expect("last");
    assert_eq!(
        (last.target.as_str(), last.h2().map(|h| h.id)),
        ("/99", Some(199))
    );
    assert!(
        list.iter()
            .all(|e| e.note().is_none() && e.status == Some(200))
    );
}

#[test]
fn an_h2c_upgrade_answers_the_upgrade_request_on_stream_1() {
    let mut c = b"GET /up HTTP/1.1\r\nHost: h2.test\r\nConnection: Upgrade, HTTP2-Settings\r\n\
        Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n"
        .to_vec();
    let upgrade_len = c.len() as u64;
    let mut s =
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".to_vec();
    c.extend(PREFACE);
    c.extend(frame(4, 0, 0, &[]));
    let (c3, s3) = get(3, "/next", b"second");
    c.extend(c3);
    s.extend(frame(4, 0, 0, &[]));
    s.extend(frame(1, END_HEADERS, 1, &[0x88]));
    s.extend(frame(0, END_STREAM, 1, b"first"));
    s.extend(s3);
    for cut in [0, 50, usize::MAX] {
        let (_, exchanges) = track(&c, &s, cut);
        assert_eq!(exchanges.len(), 2, "cut at {cut}");
        let up = &exchanges[0];
        assert_eq!(
            (up.target.as_str(), up.version, up.status),
            ("/up", 1, Some(200))
        );
        assert_eq!(up.request.end, upgrade_len);
        assert!(up.note().is_some_and(|n| n.contains("h2c")));
        let h2 = up.h2().expect("stream 1");
        assert!(h2.request.is_none());
        assert_eq!(read(&h2.response, &s), b"HTTP/2.0 200\r\n\r\nfirst");
        let next = &exchanges[1];
        assert_eq!((next.target.as_str(), next.version), ("/next", 2));
        assert_eq!(
            read(&next.h2().expect("h2").response, &s),
            b"HTTP/2.0 200\r\n\r\nsecond"
        );
    }
}

#[test]
fn a_decrypted_tunnel_can_carry_http2() {
    let mut tracker = Tracker::new();
    let mut exchanges = Vec::new();
    let connect = b"CONNECT h2.test:443 HTTP/1.1\r\nHost: h2.test:443\r\n\r\n";
    tracker.feed(C2S, connect, 1, &mut exchanges);
    tracker.feed(S2C, b"HTTP/1.1 200 OK\r\n\r\n", 1, &mut exchanges);
    tracker.resume_http(exchanges.len());
    let (c, s) = get(1, "/inside", b"secret");
    tracker.feed(C2S, &[PREFACE.as_slice(), &c].concat(), 2, &mut exchanges);
    tracker.feed(S2C, &s, 2, &mut exchanges);
    assert_eq!(exchanges.len(), 2);
    assert_eq!(
        (exchanges[1].target.as_str(), exchanges[1].version),
        ("/inside", 2)
    );
    let body = exchanges[1].h2().expect("h2").response.body[0];
    // After the CONNECT's answer, a HEADERS frame and a DATA frame's header.
    assert_eq!(body.offset, 19 + 10 + 9);
}

#[test]
fn past_a_bound_the_connection_is_raw_with_a_note() {
    let mut c = PREFACE.to_vec();
    let (req, _) = get(1, "/", b"");
    c.extend(req);
    c.extend(frame(0, 0, 3, &vec![0; 20_000]));
    let (tracker, exchanges) = track(&c, &[], usize::MAX);
    assert!(tracker.is_raw());
    let note = exchanges[0].note().expect("a note");
    assert!(
        note.contains("HTTP/2") && note.contains("SETTINGS_MAX_FRAME_SIZE"),
        "{note}"
    );
}

#[test]
fn a_cut_frame_and_a_reset_are_noted() {
    let mut c = PREFACE.to_vec();
    let (req, _) = get(1, "/", b"");
    c.extend(req);
    c.extend(frame(7, 0, 0, &[0; 8])); // GOAWAY, NO_ERROR: no news
    let mut s = frame(1, END_HEADERS, 1, &[0x88]);
    s.extend(frame(3, 0, 1, &[0, 0, 0, 8]));
    s.extend(frame(7, 0, 0, &[0, 0, 0, 1, 0, 0, 0, 1]));
    s.extend(&frame(0, 0, 1, b"cut")[..5]);
    let (mut tracker, mut exchanges) = track(&c, &s, usize::MAX);
    tracker.finish(&mut exchanges);
    let note = exchanges[0].note().expect("notes");
    assert!(
        note.contains("RST_STREAM from the server: CANCEL"),
        "{note}"
    );
    assert!(
        note.contains("server: the connection ended inside a frame"),
        "{note}"
    );
    assert!(exchanges[0].h2().is_some_and(|h| h.reset));
}

#[test]
fn pieces_map_offsets_to_head_and_capture() {
    let message = H2Message {
        head: "HEAD\r\n".into(),
        body: vec![
            Range {
                offset: 100,
                len: 4,
            },
            Range {
                offset: 200,
                len: 4,
            },
        ],
        trailers: Vec::new(),
    };
    assert_eq!(message.len(), 14);
    assert_eq!(
        message.pieces(4, 6),
        [
            Piece::Head(4..6),
            Piece::Capture(Range {
                offset: 100,
                len: 4
            })
        ]
    );
    assert_eq!(
        message.pieces(9, 100),
        [
            Piece::Capture(Range {
                offset: 103,
                len: 1
            }),
            Piece::Capture(Range {
                offset: 200,
                len: 4
            })
        ]
    );
    assert!(message.pieces(14, 10).is_empty());
}

#[test]
fn an_http2_request_line_in_http1_is_not_taken_for_one() {
    let (mut tracker, mut exchanges) = (Tracker::new(), Vec::new());
    tracker.feed(C2S, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 1, &mut exchanges);
    assert!(exchanges.is_empty());
    assert!(tracker.is_raw());
}

#[test]
fn a_server_that_speaks_first_waits_for_the_preface() {
    let mut c = PREFACE.to_vec();
    let (req, res) = get(1, "/first", b"body");
    c.extend(frame(4, 0, 0, &[]));
    c.extend(req);
    let mut s = frame(4, 0, 0, &setting(3, 100));
    s.extend(res);
    let mut tracker = Tracker::new();
    let mut exchanges = Vec::new();
    tracker.feed(S2C, &s[..15], 1, &mut exchanges);
    tracker.feed(C2S, &c, 2, &mut exchanges);
    tracker.feed(S2C, &s[15..], 3, &mut exchanges);
    tracker.finish(&mut exchanges);
    assert_eq!(exchanges.len(), 1);
    assert_eq!(
        (exchanges[0].target.as_str(), exchanges[0].status),
        ("/first", Some(200))
    );
}

#[test]
fn a_grpc_call_keeps_its_status_from_trailers_or_a_trailers_only_head() {
    let mut c = PREFACE.to_vec();
    let (one, _) = get(1, "/shop.Shop/Get", b"");
    let (three, _) = get(3, "/shop.Shop/Get", b"");
    c.extend([one, three].concat());
    let mut s = frame(1, END_HEADERS, 1, &[0x88]);
    s.extend(frame(0, 0, 1, &[0, 0, 0, 0, 0]));
    s.extend(frame(
        1,
        END_HEADERS | END_STREAM,
        1,
        &lit("grpc-status", "5"),
    ));
    let mut only = vec![0x88];
    only.extend(lit("grpc-status", "16"));
    s.extend(frame(1, END_HEADERS | END_STREAM, 3, &only));
    let (_, exchanges) = track(&c, &s, usize::MAX);
    let status = |i: usize| exchanges[i].h2().and_then(|h| h.grpc.clone());
    let named = |code: &str, name: &str| GrpcStatus {
        code: code.into(),
        name: Some(name.into()),
    };
    assert_eq!(status(0), Some(named("5", "NOT_FOUND")));
    assert_eq!(status(1), Some(named("16", "UNAUTHENTICATED")));
}

//! The follower over hand-built frames: every frame type, the bounds, and splits at every byte.

use super::*;
use crate::h2::frame::{ACK, PADDED};
use crate::h2::hpack::HpackError;
use crate::h2::test_frames::{conversation, frame, lit, setting};
use crate::h2::{Message, Range};

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

/// Feeds both sides, each in pieces cut at `cuts` (client) and then the server's.
fn follow(c: &[u8], s: &[u8], cut: usize) -> Connection {
    let mut connection = Connection::prior_knowledge();
    for (dir, bytes) in [(C2S, c), (S2C, s)] {
        let cut = cut.min(bytes.len());
        connection
            .feed(dir, &bytes[..cut], 0, 7)
            .expect("first piece");
        connection
            .feed(dir, &bytes[cut..], cut as u64, 7)
            .expect("second piece");
    }
    connection
}

#[test]
fn follows_a_conversation_with_every_frame_type() {
    let (c, s) = conversation();
    let connection = follow(&c, &s, 0);
    assert_eq!(connection.streams().len(), 1);
    let stream = &connection.streams()[0];
    let request = stream.request.head.as_ref().expect("request head");
    assert_eq!(request.method.as_deref(), Some("POST"));
    assert_eq!(request.scheme.as_deref(), Some("http"));
    assert_eq!(request.path.as_deref(), Some("/upload"));
    assert_eq!(request.authority.as_deref(), Some("example.test"));
    assert_eq!(stream.request.body_len, 11);
    assert_eq!(stream.request.body.len(), 2);
    let body: Vec<u8> = stream
        .request
        .body
        .iter()
        .flat_map(|r| slice(&c, *r))
        .collect();
    assert_eq!(body, b"hello world");
    let trailers = stream.request.trailers.as_ref().expect("trailers");
    assert_eq!(
        (trailers[0].name.as_str(), trailers[0].value.as_str()),
        ("x-sum", "11")
    );
    assert!(stream.request.end_stream && stream.response.end_stream);
    assert_eq!(stream.response.interim.len(), 1);
    assert_eq!(stream.response.interim[0].status, Some(103));
    let response = stream.response.head.as_ref().expect("response head");
    assert_eq!(response.status, Some(200));
    assert_eq!(response.field("content-type"), Some("text/plain"));
    let range = stream.response.body[0];
    assert_eq!(slice(&s, range), b"done");
    assert_eq!(stream.response.extent.expect("extent").end, s.len() as u64);
    assert_eq!(connection.frame_counts(S2C)[Kind::Unknown(0).index()], 1);
    assert_eq!(connection.frame_counts(S2C)[Kind::WindowUpdate.index()], 1);
    assert!(!connection.in_frame(C2S) && !connection.in_frame(S2C));
}

fn slice(bytes: &[u8], range: Range) -> Vec<u8> {
    bytes[range.offset as usize..(range.offset + range.len) as usize].to_vec()
}

#[test]
fn every_split_gives_the_same_streams() {
    let (c, s) = conversation();
    let whole = follow(&c, &s, usize::MAX);
    for cut in 0..c.len().max(s.len()) {
        assert_eq!(
            follow(&c, &s, cut).streams(),
            whole.streams(),
            "cut at {cut}"
        );
    }
    // And byte by byte.
    let mut bytewise = Connection::prior_knowledge();
    for (dir, bytes) in [(C2S, &c), (S2C, &s)] {
        for (i, b) in bytes.iter().enumerate() {
            bytewise.feed(dir, &[*b], i as u64, 7).expect("byte");
        }
    }
    assert_eq!(bytewise.streams(), whole.streams());
}

#[test]
fn times_are_first_and_last_bytes() {
    let (c, s) = conversation();
    let mut connection = Connection::prior_knowledge();
    connection.feed(C2S, &c[..45], 0, 100).expect("fed");
    connection.feed(C2S, &c[45..], 45, 200).expect("fed");
    connection.feed(S2C, &s, 0, 300).expect("fed");
    let stream = &connection.streams()[0];
    let request = stream.request.extent.expect("request extent");
    assert_eq!((request.first_at, request.last_at), (100, 200));
    assert_eq!(request.start, (PREFACE.len() + 9 + 6) as u64);
    let response = stream.response.extent.expect("response extent");
    assert_eq!((response.first_at, response.last_at), (300, 300));
}

#[test]
fn resets_go_aways_and_pushes() {
    let mut c = PREFACE.to_vec();
    c.extend(frame(1, END_HEADERS | END_STREAM, 1, &[0x82, 0x86, 0x84]));
    c.extend(frame(3, 0, 1, &8u32.to_be_bytes()));
    let mut promise = 2u32.to_be_bytes().to_vec();
    promise.extend([0x82, 0x86]);
    promise.extend(lit(":path", "/style.css"));
    let mut s = frame(5, END_HEADERS, 1, &promise);
    s.extend(frame(1, END_HEADERS | END_STREAM, 2, &[0x88]));
    let mut go_away = 1u32.to_be_bytes().to_vec();
    go_away.extend(11u32.to_be_bytes());
    go_away.extend(b"calm down");
    s.extend(frame(7, 0, 0, &go_away));
    let connection = follow(&c, &s, 0);
    let first = connection.stream(1).expect("stream 1");
    assert_eq!(
        first.reset.expect("reset").note(),
        "RST_STREAM from the client: CANCEL"
    );
    assert!(first.is_closed());
    let pushed = connection.stream(2).expect("pushed stream");
    assert_eq!(pushed.pushed_by, Some(1));
    let head = pushed.request.head.as_ref().expect("promised request");
    assert_eq!(head.path.as_deref(), Some("/style.css"));
    assert_eq!(
        pushed.response.head.as_ref().and_then(|h| h.status),
        Some(200)
    );
    assert!(pushed.is_closed());
    let notes: Vec<String> = connection.go_aways().iter().map(GoAway::note).collect();
    assert_eq!(
        notes,
        ["GOAWAY from the server: ENHANCE_YOUR_CALM, last stream 1 (calm down)"]
    );
}

#[test]
fn an_h2c_upgrade_starts_at_the_offsets_given() {
    let upgrade = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n";
    let switched = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";
    let mut c = upgrade.to_vec();
    c.extend(PREFACE);
    c.extend(frame(4, 0, 0, &[]));
    let mut s = switched.to_vec();
    s.extend(frame(4, 0, 0, &[]));
    // The client allowed an 8 KiB table in HTTP2-Settings, and the server uses it.
    s.extend(frame(1, END_HEADERS, 1, &[0x3f, 0xe1, 0x3f, 0x88]));
    s.extend(frame(0, END_STREAM, 1, b"hi"));
    let settings = setting(1, 8192);
    let mut connection =
        Connection::upgraded(upgrade.len() as u64, switched.len() as u64, &settings);
    // The tracker may feed whole streams: bytes before the offsets are skipped.
    connection.feed(C2S, &c, 0, 1).expect("client");
    connection.feed(S2C, &s, 0, 1).expect("server");
    let stream = connection.stream(1).expect("stream 1");
    assert!(stream.upgraded && stream.request.end_stream && stream.request.head.is_none());
    assert_eq!(
        stream.response.head.as_ref().and_then(|h| h.status),
        Some(200)
    );
    assert_eq!(slice(&s, stream.response.body[0]), b"hi");
    assert!(stream.is_closed());
}

#[test]
fn the_header_table_size_setting_bounds_the_encoder() {
    let c = PREFACE.to_vec();
    let mut s = frame(1, END_HEADERS, 1, &[0x3f, 0xe1, 0x3f, 0x88]);
    s.extend(frame(0, END_STREAM, 1, b""));
    let mut connection = Connection::prior_knowledge();
    connection.feed(C2S, &c, 0, 1).expect("client");
    let error = connection
        .feed(S2C, &s, 0, 1)
        .expect_err("8 KiB not allowed");
    let why = HpackError::OverSetting {
        size: 8192,
        allowed: 4096,
    };
    assert_eq!(error, H2Error::Hpack { by: S2C, why });
    assert_eq!(connection.error(), Some(&error));
    assert_eq!(connection.feed(C2S, b"", c.len() as u64, 1), Err(error));
}

fn first_error(c: &[u8], s: &[u8]) -> H2Error {
    let mut connection = Connection::prior_knowledge();
    let client = connection.feed(C2S, c, 0, 1);
    let server = connection.feed(S2C, s, 0, 1);
    client.and(server).expect_err("stops")
}

#[test]
fn frames_over_the_allowed_size_stop_it() {
    let mut c = PREFACE.to_vec();
    c.extend(frame(0, 0, 1, &vec![0; 16385]));
    let error = first_error(&c, &[]);
    let expected = H2Error::FrameSize {
        by: C2S,
        len: 16385,
        max: 16384,
    };
    assert_eq!(error, expected);
    assert_eq!(
        error.to_string(),
        "client: a 16385-byte frame is over the 16384 bytes SETTINGS_MAX_FRAME_SIZE allows"
    );
    // Once the server allows larger frames, the same frame is fine.
    let s = frame(4, 0, 0, &setting(5, 1 << 15));
    let mut connection = Connection::prior_knowledge();
    connection.feed(S2C, &s, 0, 1).expect("server settings");
    connection.feed(C2S, &c, 0, 1).expect("allowed now");
    assert_eq!(
        connection.stream(1).expect("stream").request.body_len,
        16385
    );
}

#[test]
fn a_continuation_flood_stops_it() {
    let mut c = PREFACE.to_vec();
    c.extend(frame(1, 0, 1, &[0x82]));
    let filler = vec![0x82; 16384];
    for _ in 0..16 {
        c.extend(frame(9, 0, 1, &filler));
    }
    assert_eq!(first_error(&c, &[]), H2Error::HeaderBlock { by: C2S });
}

#[test]
fn a_long_header_list_stops_it() {
    // Indexed fields are one byte each but 42 bytes decoded: 16 KiB of them decode to 672 KiB.
    let mut c = PREFACE.to_vec();
    c.extend(frame(1, END_HEADERS, 1, &vec![0x82; 16384]));
    let why = HpackError::ListCap(LIST_CAP);
    assert_eq!(first_error(&c, &[]), H2Error::Hpack { by: C2S, why });
}

#[test]
fn protocol_errors_say_what() {
    let cases: [(Vec<u8>, &str); 6] = [
        (
            frame(9, END_HEADERS, 1, &[0x82]),
            "CONTINUATION without a header block before it",
        ),
        (
            [frame(1, 0, 1, &[0x82]), frame(0, 0, 1, b"x")].concat(),
            "a frame inside a header block",
        ),
        (frame(0, 0, 0, b"x"), "a stream's frame on stream 0"),
        (frame(6, 0, 1, &[0; 8]), "a connection frame on a stream"),
        (
            frame(0, PADDED, 1, &[5, 1, 2]),
            "padding longer than the frame",
        ),
        (frame(4, ACK, 0, &setting(1, 1)), "SETTINGS of a bad length"),
    ];
    for (frames, what) in cases {
        let mut c = PREFACE.to_vec();
        c.extend(frames);
        assert_eq!(first_error(&c, &[]), H2Error::Protocol { by: C2S, what });
    }
    let push = frame(5, END_HEADERS, 1, &[0, 0, 0, 2]);
    let what = "PUSH_PROMISE from a client";
    assert_eq!(
        first_error(&[PREFACE, &push[..]].concat(), &[]),
        H2Error::Protocol { by: C2S, what }
    );
}

#[test]
fn not_http2_and_holes_are_errors() {
    assert_eq!(
        first_error(b"GET / HTTP/1.1\r\n\r\n", &[]),
        H2Error::Preface
    );
    let mut connection = Connection::prior_knowledge();
    connection.feed(C2S, &PREFACE[..4], 0, 1).expect("a start");
    assert!(connection.in_frame(C2S));
    let error = connection
        .feed(C2S, &PREFACE[6..], 6, 1)
        .expect_err("a hole");
    assert_eq!(
        error,
        H2Error::Gap {
            by: C2S,
            expected: 4,
            got: 6
        }
    );
}

#[test]
fn a_cut_frame_is_reported_as_unfinished() {
    let (c, _) = conversation();
    let mut connection = Connection::prior_knowledge();
    connection.feed(C2S, &c[..c.len() - 12], 0, 1).expect("fed");
    assert!(connection.in_frame(C2S));
    let message: &Message = &connection.streams()[0].request;
    assert!(!message.end_stream);
}

#[test]
fn header_blocks_that_decode_to_far_more_than_was_sent_stop_it() {
    // One 4,000-byte field put in the dynamic table, then named again by one byte per stream.
    let mut first = vec![0x82, 0x86, 0x40, 1, b'x', 0x7f, 0xa1, 0x1e];
    first.extend(vec![b'v'; 4000]);
    let mut c = PREFACE.to_vec();
    c.extend(frame(1, END_HEADERS | END_STREAM, 1, &first));
    for n in 1..400u32 {
        c.extend(frame(
            1,
            END_HEADERS | END_STREAM,
            2 * n + 1,
            &[0x82, 0x86, 0xbe],
        ));
    }
    let mut connection = Connection::prior_knowledge();
    let err = connection.feed(C2S, &c, 0, 1).unwrap_err();
    assert_eq!(err, H2Error::Amplification { by: C2S });
    assert!(
        connection.streams().len() < 400,
        "{}",
        connection.streams().len()
    );
}

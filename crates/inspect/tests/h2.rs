//! The HTTP/2 follower over real connections: nghttp and curl against nghttpd, recorded by
//! `tests/h2_record.py` (see `tests/fixtures/h2/record.sh`), replayed in the order the relay
//! saw the pieces, and split at every byte.

use std::path::Path;
use tcpmon_inspect::Direction;
use tcpmon_inspect::h2::frame::Kind;
use tcpmon_inspect::h2::{Connection, Stream};

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

/// One recorded connection: both streams and the order their pieces came in.
struct Fixture {
    streams: [Vec<u8>; 2],
    pieces: Vec<(Direction, usize)>,
}

fn fixture(name: &str) -> Fixture {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/h2");
    let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}"))).expect("fixture");
    let order = String::from_utf8(read("order")).expect("text");
    let pieces = order
        .lines()
        .map(|line| {
            let (side, len) = line.split_once(' ').expect("side and length");
            let dir = if side == "c" { C2S } else { S2C };
            (dir, len.parse().expect("length"))
        })
        .collect();
    Fixture {
        streams: [read("c2s"), read("s2c")],
        pieces,
    }
}

/// Replays a fixture, cutting the piece of `cut.0` that holds its byte `cut.1` in two.
fn replay(f: &Fixture, cut: Option<(Direction, usize)>) -> Connection {
    let mut connection = Connection::prior_knowledge();
    let mut offsets = [0usize; 2];
    for &(dir, len) in &f.pieces {
        let start = offsets[dir.index()];
        let end = start + len;
        let mut bounds = vec![start, end];
        if let Some((d, at)) = cut {
            if d == dir && start < at && at < end {
                bounds.insert(1, at);
            }
        }
        for piece in bounds.windows(2) {
            let bytes = &f.streams[dir.index()][piece[0]..piece[1]];
            connection
                .feed(dir, bytes, piece[0] as u64, 5)
                .expect("decodes");
        }
        offsets[dir.index()] = end;
    }
    assert_eq!(
        offsets.map(|o| o as u64),
        f.streams.each_ref().map(|s| s.len() as u64)
    );
    connection
}

/// Every cut at every byte of either side gives the same streams as the recorded pieces.
fn same_at_every_split(f: &Fixture) {
    let whole = replay(f, None);
    for dir in Direction::BOTH {
        for at in 1..f.streams[dir.index()].len() {
            let split = replay(f, Some((dir, at)));
            assert_eq!(split.streams(), whole.streams(), "{dir:?} cut at {at}");
        }
    }
}

fn body(f: &Fixture, dir: Direction, stream: &Stream) -> Vec<u8> {
    let bytes = &f.streams[dir.index()];
    stream
        .message(dir)
        .body
        .iter()
        .flat_map(|r| &bytes[r.offset as usize..(r.offset + r.len) as usize])
        .copied()
        .collect()
}

fn by_path<'a>(connection: &'a Connection, path: &str) -> &'a Stream {
    connection
        .streams()
        .iter()
        .find(|s| s.request.head.as_ref().and_then(|h| h.path.as_deref()) == Some(path))
        .expect("a stream for the path")
}

fn status(stream: &Stream) -> Option<u16> {
    stream.response.head.as_ref().and_then(|h| h.status)
}

fn clean(connection: &Connection) {
    assert_eq!(connection.error(), None);
    assert!(!connection.in_frame(C2S) && !connection.in_frame(S2C));
    for stream in connection.streams() {
        assert!(stream.is_closed(), "stream {} closed", stream.id);
        assert_eq!(stream.reset, None);
    }
}

#[test]
fn nghttp_concurrent_streams_with_flow_control() {
    let f = fixture("nghttp_streams");
    let connection = replay(&f, None);
    clean(&connection);
    assert_eq!(connection.streams().len(), 3);
    let big = by_path(&connection, "/big.txt");
    let expected: String = (0..160)
        .map(|i| format!("line {i:04} of the big file\n"))
        .collect();
    assert_eq!(status(big), Some(200));
    assert_eq!(body(&f, S2C, big), expected.as_bytes());
    assert_eq!(big.response.body_len, expected.len() as u64);
    // 1023-byte windows: the body came in several DATA frames, one range each.
    assert!(big.response.body.len() >= 4, "{:?}", big.response.body);
    assert!(connection.frame_counts(C2S)[Kind::WindowUpdate.index()] >= 3);
    let small = by_path(&connection, "/a.txt");
    assert_eq!(status(small), Some(200));
    assert_eq!(body(&f, S2C, small), b"small file\n");
    let missing = by_path(&connection, "/missing");
    assert_eq!(status(missing), Some(404));
    // All three requests were in the client's first piece, before the server said anything,
    // and the small answer came while the big one was still flowing: concurrent streams.
    let (first_dir, first_len) = f.pieces[0];
    assert_eq!(first_dir, C2S);
    for stream in connection.streams() {
        assert!(stream.request.extent.expect("request").end <= first_len as u64);
    }
    let big_end = big.response.extent.expect("response").end;
    assert!(small.response.extent.expect("small").end < big_end);
    for stream in connection.streams() {
        let head = stream.request.head.as_ref().expect("request head");
        assert_eq!(head.method.as_deref(), Some("GET"));
        assert_eq!(head.authority.as_deref(), Some("127.0.0.1:18444"));
        assert_eq!(head.scheme.as_deref(), Some("http"));
        assert!(stream.request.body.is_empty());
    }
    same_at_every_split(&f);
}

/// A POST with a body, from nghttp and from curl.
fn post(name: &str, agent: &str) {
    let f = fixture(name);
    let connection = replay(&f, None);
    clean(&connection);
    let [stream] = connection.streams() else {
        panic!("one stream, not {}", connection.streams().len());
    };
    let head = stream.request.head.as_ref().expect("request head");
    assert_eq!(head.method.as_deref(), Some("POST"));
    assert_eq!(head.path.as_deref(), Some("/a.txt"));
    assert!(
        head.field("user-agent")
            .is_some_and(|a| a.starts_with(agent))
    );
    assert_eq!(body(&f, C2S, stream), b"name=tcpmon&protocol=h2\n");
    assert_eq!(status(stream), Some(200));
    let response = stream.response.head.as_ref().expect("response head");
    assert_eq!(response.field("content-length"), Some("11"));
    assert_eq!(body(&f, S2C, stream), b"small file\n");
    same_at_every_split(&f);
}

#[test]
fn nghttp_post_with_a_body() {
    post("nghttp_post", "nghttp2/");
}

#[test]
fn curl_prior_knowledge_post() {
    post("curl_post", "curl/");
}

/// Decoder throughput, printed (no timed assert): each fixture replayed on fresh connections
/// until ~100 MB went through. Run in release:
/// `cargo test --release -p tcpmon-inspect --test h2 -- --ignored --nocapture throughput`.
#[test]
#[ignore = "a measurement: run by hand in release"]
fn throughput() {
    for name in ["nghttp_streams", "nghttp_post", "curl_post"] {
        let f = fixture(name);
        let size: usize = f.streams.iter().map(Vec::len).sum();
        let rounds = (100 << 20) / size;
        let started = std::time::Instant::now();
        let mut streams = 0;
        for _ in 0..rounds {
            streams += replay(&f, None).streams().len();
        }
        let seconds = started.elapsed().as_secs_f64();
        let mb = (rounds * size) as f64 / 1e6;
        println!(
            "{name}: {mb:.0} MB ({rounds} connections, {streams} streams) in {seconds:.2} s: {:.0} MB/s",
            mb / seconds
        );
    }
}

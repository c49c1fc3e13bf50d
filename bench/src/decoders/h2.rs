//! A synthetic HTTP/2 connection for timing `tcpmon_inspect::h2::Connection`: GETs in rounds
//! of [`CONCURRENT`] streams (as `h2load -m 10` sends them), each answered by a HEADERS and its
//! body in DATA frames, the round's DATA frames taking turns as a server interleaves them.
//!
//! The workspace has no HPACK encoder (TCPMon only reads HTTP/2), so the little one here codes
//! the heads the way encoders do: static-table indices, fields indexed once and then referred to
//! by their dynamic-table index, values that change per request (`:path`, `date`,
//! `content-length`) as literals without indexing. Its Huffman-coded strings are RFC 7541's own
//! examples (Appendix C), so no Huffman encoder is needed either.

use anyhow::{Result, ensure};
use tcpmon_inspect::Direction;
use tcpmon_inspect::h2::frame::{ACK, END_HEADERS, END_STREAM, INITIAL_MAX_FRAME};
use tcpmon_inspect::h2::{Connection, PREFACE};

/// Streams open at once; their DATA frames interleave.
const CONCURRENT: usize = 10;
const DATA: u8 = 0;
const HEADERS: u8 = 1;
const SETTINGS: u8 = 4;

/// `www.example.com`, Huffman-coded (RFC 7541 C.4.1).
const AUTHORITY: &[u8] = &[
    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
];
/// `private`, Huffman-coded (C.6.1).
const PRIVATE: &[u8] = &[0xae, 0xc3, 0x77, 0x1a, 0x4b];
/// `Mon, 21 Oct 2013 20:13:21 GMT` and `...:22 GMT`, Huffman-coded (C.6.1, C.6.3): the date a
/// server sends changes every second.
const DATES: [&[u8]; 2] = [
    &[
        0xd0, 0x7a, 0xbe, 0x94, 0x10, 0x54, 0xd4, 0x44, 0xa8, 0x20, 0x05, 0x95, 0x04, 0x0b, 0x81,
        0x66, 0xe0, 0x82, 0xa6, 0x2d, 0x1b, 0xff,
    ],
    &[
        0xd0, 0x7a, 0xbe, 0x94, 0x10, 0x54, 0xd4, 0x44, 0xa8, 0x20, 0x05, 0x95, 0x04, 0x0b, 0x81,
        0x66, 0xe0, 0x84, 0xa6, 0x2d, 0x1b, 0xff,
    ],
];
const USER_AGENT: &[u8] = b"h2load nghttp2/1.52.0";
const SERVER: &[u8] = b"nghttpd nghttp2/1.52.0";
const CONTENT_TYPE: &[u8] = b"application/json";

/// An HPACK integer (RFC 7541 5.1): `flags` in the bits above a `prefix`-bit prefix.
fn integer(out: &mut Vec<u8>, flags: u8, prefix: u32, value: usize) {
    let max = (1 << prefix) - 1;
    if value < max {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | max as u8);
    let mut rest = value - max;
    while rest >= 0x80 {
        out.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// A string literal's bytes, and whether they are Huffman-coded already.
#[derive(Clone, Copy)]
struct Str<'a>(&'a [u8], bool);

fn plain(bytes: &[u8]) -> Str<'_> {
    Str(bytes, false)
}

fn coded(bytes: &[u8]) -> Str<'_> {
    Str(bytes, true)
}

/// A field representation; `usize` is a table index (static, or dynamic from 62 on).
enum Field<'a> {
    /// The whole field from the table.
    Indexed(usize),
    /// The name from the table, a value that is added to the dynamic table.
    Indexing(usize, Str<'a>),
    /// The name from the table, a value left out of it (it changes every time).
    Literal(usize, Str<'a>),
}

fn block(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in fields {
        let Str(bytes, huffman) = match *field {
            Field::Indexed(index) => {
                integer(&mut out, 0x80, 7, index);
                continue;
            }
            Field::Indexing(index, value) => {
                integer(&mut out, 0x40, 6, index);
                value
            }
            Field::Literal(index, value) => {
                integer(&mut out, 0, 4, index);
                value
            }
        };
        integer(&mut out, if huffman { 0x80 } else { 0 }, 7, bytes.len());
        out.extend_from_slice(bytes);
    }
    out
}

/// Request `n`'s head. The first one indexes `:authority` (then 63) and `user-agent` (then 62).
fn request(n: usize) -> Vec<u8> {
    let path = format!("/items/{n}");
    let (authority, user_agent) = if n == 0 {
        (
            Field::Indexing(1, coded(AUTHORITY)),
            Field::Indexing(58, plain(USER_AGENT)),
        )
    } else {
        (Field::Indexed(63), Field::Indexed(62))
    };
    block(&[
        Field::Indexed(2), // :method GET
        Field::Indexed(6), // :scheme http
        authority,
        Field::Literal(4, plain(path.as_bytes())),
        user_agent,
        Field::Indexed(16), // accept-encoding: gzip, deflate
    ])
}

/// Response `n`'s head. The first one indexes `server` (then 64), `content-type` (63) and
/// `cache-control` (62).
fn response(n: usize, body: usize) -> Vec<u8> {
    let digits = body.to_string();
    let date = Field::Literal(33, coded(DATES[n % 2]));
    let length = Field::Literal(28, plain(digits.as_bytes()));
    let fields = if n == 0 {
        [
            Field::Indexed(8), // :status 200
            Field::Indexing(54, plain(SERVER)),
            date,
            Field::Indexing(31, plain(CONTENT_TYPE)),
            length,
            Field::Indexing(24, coded(PRIVATE)),
        ]
    } else {
        [
            Field::Indexed(8),
            Field::Indexed(64),
            date,
            Field::Indexed(63),
            length,
            Field::Indexed(62),
        ]
    };
    block(&fields)
}

fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    let len = u32::try_from(payload.len()).expect("frames here are small");
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// Both directions of a connection of `streams` GETs answered with `body` bytes each.
pub fn conversation(streams: usize, body: usize) -> (Vec<u8>, Vec<u8>) {
    let mut client = PREFACE.to_vec();
    frame(&mut client, SETTINGS, 0, 0, &[]);
    frame(&mut client, SETTINGS, ACK, 0, &[]);
    let mut server = Vec::new();
    frame(&mut server, SETTINGS, 0, 0, &[]);
    frame(&mut server, SETTINGS, ACK, 0, &[]);
    let payload = vec![b'x'; body];
    let max = INITIAL_MAX_FRAME as usize;
    let id = |n: usize| u32::try_from(2 * n + 1).expect("fewer than 2^30 streams");
    for round in (0..streams).step_by(CONCURRENT) {
        let round = round..(round + CONCURRENT).min(streams);
        for n in round.clone() {
            frame(
                &mut client,
                HEADERS,
                END_HEADERS | END_STREAM,
                id(n),
                &request(n),
            );
            frame(&mut server, HEADERS, END_HEADERS, id(n), &response(n, body));
        }
        for (i, piece) in payload.chunks(max).enumerate() {
            let last = (i + 1) * max >= body;
            for n in round.clone() {
                frame(
                    &mut server,
                    DATA,
                    if last { END_STREAM } else { 0 },
                    id(n),
                    piece,
                );
            }
        }
    }
    (client, server)
}

/// Feeds both directions in `piece`-byte pieces, taking turns (the client runs ahead: its
/// requests are shorter than the answers).
pub fn follow(client: &[u8], server: &[u8], piece: usize) -> Result<Connection> {
    let mut connection = Connection::prior_knowledge();
    let mut sides = [
        (Direction::ClientToServer, client.chunks(piece), 0u64),
        (Direction::ServerToClient, server.chunks(piece), 0u64),
    ];
    loop {
        let mut fed = false;
        for (dir, pieces, offset) in &mut sides {
            if let Some(bytes) = pieces.next() {
                connection.feed(*dir, bytes, *offset, 0)?;
                *offset += bytes.len() as u64;
                fed = true;
            }
        }
        if !fed {
            return Ok(connection);
        }
    }
}

/// Checks that every stream came through whole: a request head and a complete response of
/// `body` bytes.
pub fn check(connection: &Connection, streams: usize, body: usize) -> Result<()> {
    ensure!(connection.streams().len() == streams, "streams lost");
    for stream in connection.streams() {
        let response = &stream.response;
        ensure!(stream.request.head.is_some(), "a request head lost");
        ensure!(response.head.is_some(), "a response head lost");
        ensure!(
            response.end_stream && response.body_len == body as u64,
            "a body cut"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heads the little encoder makes decode to what they say, the dynamic-table
    /// references too, and every body is whole.
    #[test]
    fn conversation_decodes() -> Result<()> {
        let (client, server) = conversation(25, 40_000);
        let connection = follow(&client, &server, 1000)?;
        check(&connection, 25, 40_000)?;
        let third = connection.stream(5).expect("stream 5");
        let request = third.request.head.as_ref().expect("request head");
        assert_eq!(request.method.as_deref(), Some("GET"));
        assert_eq!(request.authority.as_deref(), Some("www.example.com"));
        assert_eq!(request.path.as_deref(), Some("/items/2"));
        assert_eq!(request.field("user-agent"), Some("h2load nghttp2/1.52.0"));
        assert_eq!(request.field("accept-encoding"), Some("gzip, deflate"));
        let response = third.response.head.as_ref().expect("response head");
        assert_eq!(response.status, Some(200));
        assert_eq!(response.field("server"), Some("nghttpd nghttp2/1.52.0"));
        assert_eq!(
            response.field("date"),
            Some("Mon, 21 Oct 2013 20:13:21 GMT")
        );
        assert_eq!(response.field("content-type"), Some("application/json"));
        assert_eq!(response.field("content-length"), Some("40000"));
        assert_eq!(response.field("cache-control"), Some("private"));
        let second = connection.stream(3).expect("stream 3");
        let date = second.response.head.as_ref().and_then(|h| h.field("date"));
        assert_eq!(date, Some("Mon, 21 Oct 2013 20:13:22 GMT"));
        Ok(())
    }

    #[test]
    fn integers_past_their_prefix() {
        // RFC 7541 C.1.2: 1337 with a 5-bit prefix.
        let mut out = Vec::new();
        integer(&mut out, 0, 5, 1337);
        assert_eq!(out, [31, 154, 10]);
    }
}

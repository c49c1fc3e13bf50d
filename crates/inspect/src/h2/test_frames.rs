//! HTTP/2 frames built by hand for tests: a frame, a literal field, a setting, and a whole
//! conversation that uses every frame type.

use super::PREFACE;
use super::frame::{ACK, END_HEADERS, END_STREAM, PADDED, PRIORITY};

pub(crate) fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("short").to_be_bytes();
    let mut out = vec![len[1], len[2], len[3], kind, flags];
    out.extend(stream.to_be_bytes());
    out.extend(payload);
    out
}

/// A literal field without indexing, no Huffman (short names and values).
pub(crate) fn lit(name: &str, value: &str) -> Vec<u8> {
    let mut out = vec![0, name.len() as u8];
    out.extend(name.as_bytes());
    out.push(value.len() as u8);
    out.extend(value.as_bytes());
    out
}

pub(crate) fn setting(id: u16, value: u32) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend(value.to_be_bytes());
    out
}

/// A request with a padded HEADERS (and priority), a POST body in two DATA frames (one padded)
/// and trailers; a response with 103, a final head, a body and an unknown frame between.
pub(crate) fn conversation() -> (Vec<u8>, Vec<u8>) {
    let mut c = PREFACE.to_vec();
    c.extend(frame(4, 0, 0, &setting(1, 8192)));
    let mut headers = vec![3]; // pad length
    headers.extend([0x80, 0, 0, 0, 15]); // priority: exclusive on stream 0, weight 16
    headers.extend([0x83, 0x86]); // :method POST, :scheme http
    headers.extend(lit(":path", "/upload"));
    headers.extend(lit(":authority", "example.test"));
    headers.extend([0, 0, 0]);
    c.extend(frame(1, END_HEADERS | PADDED | PRIORITY, 1, &headers));
    c.extend(frame(0, 0, 1, b"hello "));
    c.extend(frame(
        0,
        PADDED,
        1,
        &[2, b'w', b'o', b'r', b'l', b'd', 0, 0],
    ));
    c.extend(frame(1, END_HEADERS | END_STREAM, 1, &lit("x-sum", "11")));
    c.extend(frame(4, ACK, 0, &[]));
    let mut s = frame(4, 0, 0, &setting(5, 1 << 20));
    s.extend(frame(1, END_HEADERS, 1, &lit(":status", "103")));
    let mut head = vec![0x88]; // :status 200
    head.extend(lit("content-type", "text/plain"));
    s.extend(frame(1, 0, 1, &head[..4]));
    s.extend(frame(9, END_HEADERS, 1, &head[4..]));
    s.extend(frame(0xfa, 0, 1, b"ignored"));
    s.extend(frame(6, 0, 0, &[1; 8]));
    s.extend(frame(8, 0, 1, &[0, 0, 1, 0]));
    s.extend(frame(0, END_STREAM, 1, b"done"));
    (c, s)
}

//! Views: captured bytes rendered as text for a person. Each view is a small module; pretty
//! views fail with a reason so the caller can fall back to raw and say why.

pub mod hex;
pub mod json;
pub mod message;
pub mod raw;
pub mod xml;

use serde::{Deserialize, Serialize};

/// Which rendering to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    /// Pick one from the content.
    Auto,
    /// Text with control bytes made visible.
    Raw,
    /// Indented XML.
    Xml,
    /// Indented JSON.
    Json,
    /// Offset, hex bytes and ASCII.
    Hex,
}

/// A page of a document too large to indent whole: the page's text, how many input bytes it
/// used, and the nesting depth after them (where the next page starts).
#[derive(Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Indented text.
    pub text: String,
    /// Input bytes used: up to and including where the piece may end.
    pub used: usize,
    /// Elements (XML) or containers (JSON) open after those bytes.
    pub depth: usize,
}

/// Length of the HTTP head at the start of `bytes` (blank line included), or 0 when the bytes
/// do not start with a complete request or response head.
pub fn head_len(bytes: &[u8]) -> usize {
    let request = crate::http1::parse_request(bytes)
        .ok()
        .flatten()
        .map(|h| h.head.len);
    let response = || {
        crate::http1::parse_response(bytes)
            .ok()
            .flatten()
            .map(|h| h.head.len)
    };
    request.or_else(response).unwrap_or(0)
}

/// The view `Auto` stands for, judged from the start of a message body.
pub fn detect(body: &[u8]) -> ViewKind {
    let sample = &body[..body.len().min(4096)];
    let start = sample
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &sample[i..]);
    let is_html = |prefix: &[u8]| {
        start.len() >= prefix.len() && start[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    match start.first() {
        // HTML is rarely well-formed XML: show it as the text it is.
        Some(b'<') if is_html(b"<!doctype html") || is_html(b"<html") => ViewKind::Raw,
        Some(b'<') => ViewKind::Xml,
        Some(b'{' | b'[') => ViewKind::Json,
        _ if looks_binary(sample) => ViewKind::Hex,
        _ => ViewKind::Raw,
    }
}

/// More than a few control bytes (other than whitespace), or text that is not UTF-8.
fn looks_binary(sample: &[u8]) -> bool {
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    let utf8_error = match std::str::from_utf8(sample) {
        Ok(_) => false,
        // An error only in the last 3 bytes may be a character cut by the sample.
        Err(e) => e.error_len().is_some() || sample.len() - e.valid_up_to() > 3,
    };
    controls * 100 > sample.len() || utf8_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_by_content() {
        assert_eq!(detect(b"  <?xml version=\"1.0\"?><a/>"), ViewKind::Xml);
        assert_eq!(detect(b"<!DOCTYPE HTML>\n<html>"), ViewKind::Raw);
        assert_eq!(detect(b"\n{\"a\":1}"), ViewKind::Json);
        assert_eq!(detect(b"[1,2]"), ViewKind::Json);
        assert_eq!(detect(b"plain text\r\n"), ViewKind::Raw);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), ViewKind::Hex);
        assert_eq!(detect("caf\u{e9}".as_bytes()), ViewKind::Raw);
    }

    #[test]
    fn head_len_finds_http_heads_only() {
        assert_eq!(head_len(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n{}"), 25);
        assert_eq!(head_len(b"POST / HTTP/1.1\r\n\r\n<a/>"), 19);
        assert_eq!(head_len(b"<a/>"), 0);
        assert_eq!(head_len(b"HTTP/1.1 200 OK\r\nA: b\r\n"), 0, "incomplete");
    }
}

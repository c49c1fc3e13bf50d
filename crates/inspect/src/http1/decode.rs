//! An HTTP message made readable for the pretty views: the head as sent, and the body with its
//! chunked framing and content codings (gzip, deflate, br, zstd) removed and its charset decoded to
//! UTF-8. Every step that happened, or failed, is said in a note; nothing is replaced silently.

use crate::http1::{BodyDecoder, Framing, Head, parse_request, parse_response};
use std::borrow::Cow;
use std::io::Read;

/// Most bytes a decoded body may grow to: a compressed bomb must not take the memory.
pub const MAX_DECODED: u64 = 64 << 20;

/// A message split into head and readable body.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// Length of the head on the wire (0 when the bytes do not start with an HTTP head).
    pub head_len: usize,
    /// The body, decoded as far as possible.
    pub body: Cow<'a, [u8]>,
    /// What was done to the body, and what could not be done.
    pub notes: Vec<String>,
    /// Bytes the message takes on the wire, as far as `bytes` hold it: where the next one starts.
    pub wire_len: usize,
}

/// Decodes the HTTP message at the start of `bytes`; bytes after it (a pipelined message) are
/// left out. Bytes that are not an HTTP message come back whole as the body.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    decode_with(bytes, "GET", true, MAX_DECODED)
}

/// Like [`decode`], but content codings are undone only as far as the first `max` body bytes:
/// enough to judge what a body is without inflating a bomb.
pub fn decode_start(bytes: &[u8], max: u64) -> Decoded<'_> {
    decode_with(bytes, "GET", true, max.min(MAX_DECODED))
}

/// Like [`decode`], but only framing and content codings are undone: the body keeps its
/// charset, so its bytes are the payload the sender meant (what HAR calls the content). A
/// response's framing follows `request_method`, the method of the request it answers (a
/// response to `HEAD` has no body).
pub fn decode_payload<'a>(bytes: &'a [u8], request_method: &str) -> Decoded<'a> {
    decode_with(bytes, request_method, false, MAX_DECODED)
}

fn decode_with<'a>(bytes: &'a [u8], request_method: &str, charset: bool, max: u64) -> Decoded<'a> {
    let (head, framing) = if let Ok(Some(req)) = parse_request(bytes) {
        let framing = Framing::for_request(&req).ok();
        (req.head, framing)
    } else if let Ok(Some(res)) = parse_response(bytes) {
        let framing = Framing::for_response(request_method, &res).ok();
        (res.head, framing)
    } else {
        return Decoded {
            head_len: 0,
            body: Cow::Borrowed(bytes),
            notes: Vec::new(),
            wire_len: bytes.len(),
        };
    };
    let mut notes = Vec::new();
    let wire = &bytes[head.len..];
    let (mut body, body_wire_len) = match framing {
        Some(Framing::Chunked) => {
            let mut plain = Vec::with_capacity(wire.len());
            let used = BodyDecoder::new(Framing::Chunked)
                .feed(wire, &mut |part| plain.extend_from_slice(part))
                .unwrap_or_else(|e| {
                    notes.push(format!(
                        "chunked framing broken ({e}): showing what came before"
                    ));
                    wire.len()
                });
            notes.push("chunked framing removed".into());
            (Cow::Owned(plain), used)
        }
        Some(Framing::Length(n)) => {
            let len = wire.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            (Cow::Borrowed(&wire[..len]), len)
        }
        _ => (Cow::Borrowed(wire), wire.len()),
    };
    body = decode_content(&head, body, max, &mut notes);
    if charset {
        body = decode_charset(&head, body, &mut notes);
    }
    Decoded {
        head_len: head.len,
        body,
        notes,
        wire_len: head.len + body_wire_len,
    }
}

/// Undoes `Content-Encoding`, last coding first; stops at the first it cannot undo.
fn decode_content<'a>(
    head: &Head,
    mut body: Cow<'a, [u8]>,
    max: u64,
    notes: &mut Vec<String>,
) -> Cow<'a, [u8]> {
    let codings: Vec<String> = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-encoding"))
        .flat_map(|(_, v)| v.split(|&b| b == b','))
        .map(|t| String::from_utf8_lossy(t.trim_ascii()).to_ascii_lowercase())
        .filter(|t| !t.is_empty() && t != "identity")
        .collect();
    for coding in codings.iter().rev() {
        match undo(coding, &body, max, notes) {
            Some(plain) => body = Cow::Owned(plain),
            None => break,
        }
    }
    body
}

/// One content coding undone, up to `max` bytes; `None` (with a note) when it cannot be.
fn undo(coding: &str, input: &[u8], max: u64, notes: &mut Vec<String>) -> Option<Vec<u8>> {
    let reader: Box<dyn Read + '_> = match coding {
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(input)),
        // "deflate" is meant to be zlib-wrapped, but servers also send it raw.
        "deflate" if input.first().is_some_and(|b| b & 0x0f == 8) => {
            Box::new(flate2::read::ZlibDecoder::new(input))
        }
        "deflate" => Box::new(flate2::read::DeflateDecoder::new(input)),
        "br" => Box::new(brotli_decompressor::Decompressor::new(input, 4096)),
        "zstd" => match ruzstd::decoding::StreamingDecoder::new(input) {
            Ok(decoder) => Box::new(decoder),
            Err(e) => {
                notes.push(format!(
                    "zstd body could not be decoded ({e}): showing it as sent"
                ));
                return None;
            }
        },
        other => {
            notes.push(format!("content-encoding {other} is not decoded"));
            return None;
        }
    };
    let mut out = Vec::new();
    match reader.take(max + 1).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > max => {
            out.truncate(max as usize);
            notes.push(format!(
                "{coding} decoded, cut at {} (decoding stops there: a small body can expand without bound)",
                size(max)
            ));
        }
        Ok(_) => notes.push(format!(
            "{coding} decoded: {} → {} bytes",
            input.len(),
            out.len()
        )),
        Err(e) if !out.is_empty() => {
            notes.push(format!("{coding} body broken ({e}): showing what decoded"))
        }
        Err(e) => {
            notes.push(format!(
                "{coding} body could not be decoded ({e}): showing it as sent"
            ));
            return None;
        }
    }
    Some(out)
}

/// `64 MiB`, `4 KiB` or `100 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Converts a body in the `charset` of its `Content-Type` to UTF-8; a body that is not valid
/// in that charset stays as it is, with a note.
fn decode_charset<'a>(head: &Head, body: Cow<'a, [u8]>, notes: &mut Vec<String>) -> Cow<'a, [u8]> {
    let Some(content_type) = head.header("content-type") else {
        return body;
    };
    let content_type = String::from_utf8_lossy(content_type).to_ascii_lowercase();
    let Some(label) = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .next()
    else {
        return body;
    };
    let label = label.trim_matches('"');
    let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) else {
        notes.push(format!("charset {label} is unknown: shown as UTF-8"));
        return body;
    };
    if encoding == encoding_rs::UTF_8 {
        return body;
    }
    match encoding.decode_without_bom_handling_and_without_replacement(&body) {
        Some(text) => {
            notes.push(format!("decoded from {}", encoding.name()));
            Cow::Owned(text.into_owned().into_bytes())
        }
        None => {
            notes.push(format!("not valid {}: shown undecoded", encoding.name()));
            body
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn response(headers: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 200 OK\r\n{headers}\r\n").into_bytes();
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn chunked_gzip_json_becomes_its_text() {
        let zipped = gzip(br#"{"ok":true}"#);
        let mut chunked = format!("{:x}\r\n", zipped.len()).into_bytes();
        chunked.extend_from_slice(&zipped);
        chunked.extend_from_slice(b"\r\n0\r\n\r\n");
        let wire = response(
            "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
            &chunked,
        );
        let decoded = decode(&wire);
        assert_eq!(&*decoded.body, br#"{"ok":true}"#);
        assert_eq!(decoded.notes[0], "chunked framing removed");
        assert!(
            decoded.notes[1].starts_with("gzip decoded"),
            "{:?}",
            decoded.notes
        );
    }

    #[test]
    fn deflate_in_both_forms_and_brotli_are_decoded() {
        let text = b"<a>deflated</a>";
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(text).unwrap();
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(text).unwrap();
        for body in [zlib.finish().unwrap(), raw.finish().unwrap()] {
            let wire = response(
                &format!(
                    "Content-Encoding: deflate\r\nContent-Length: {}\r\n",
                    body.len()
                ),
                &body,
            );
            assert_eq!(&*decode(&wire).body, text);
        }
        // "hello" compressed with brotli (quality 11).
        let br = [0x0b, 0x02, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x03];
        let wire = response("Content-Encoding: br\r\n", &br);
        assert_eq!(&*decode(&wire).body, b"hello");
    }

    #[test]
    fn charsets_are_decoded_and_invalid_bytes_are_never_replaced() {
        let latin1 = response(
            "Content-Type: text/xml; charset=ISO-8859-1\r\n",
            b"<a>caf\xe9</a>",
        );
        let decoded = decode(&latin1);
        assert_eq!(std::str::from_utf8(&decoded.body).unwrap(), "<a>café</a>");
        assert_eq!(decoded.notes, ["decoded from windows-1252"]);
        let bad = response(
            "Content-Type: text/plain; charset=\"shift_jis\"\r\n",
            b"\x82",
        );
        let decoded = decode(&bad);
        assert_eq!(&*decoded.body, b"\x82");
        assert_eq!(decoded.notes, ["not valid Shift_JIS: shown undecoded"]);
    }

    #[test]
    fn broken_or_unknown_codings_say_so_and_keep_the_bytes() {
        let wire = response("Content-Encoding: gzip\r\n", b"not gzip at all");
        let decoded = decode(&wire);
        assert_eq!(&*decoded.body, b"not gzip at all");
        assert!(
            decoded.notes[0].contains("could not be decoded"),
            "{:?}",
            decoded.notes
        );
        let lzw = response("Content-Encoding: compress\r\n", b"\x1f\x9d");
        assert_eq!(
            decode(&lzw).notes,
            ["content-encoding compress is not decoded"]
        );
        let zstd = ruzstd::encoding::compress_to_vec(
            &b"<a>zstd</a>"[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let wire = response("Content-Encoding: zstd\r\n", &zstd);
        assert_eq!(&*decode(&wire).body, b"<a>zstd</a>");
        assert_eq!(decode(b"raw bytes").body, Cow::Borrowed(&b"raw bytes"[..]));
    }

    #[test]
    fn a_compression_bomb_is_cut_where_the_caller_asks() {
        let bomb = gzip(&vec![b'<'; 8 << 20]);
        assert!(bomb.len() < 64 << 10, "{}", bomb.len());
        let wire = response("Content-Encoding: gzip\r\n", &bomb);
        let start = decode_start(&wire, 4096);
        assert_eq!(start.body.len(), 4096);
        assert!(start.notes[0].contains("cut at 4 KiB"), "{:?}", start.notes);
        assert_eq!(
            decode(&wire).body.len(),
            8 << 20,
            "under the view's cap: whole"
        );
    }

    #[test]
    fn bodies_end_where_their_length_says() {
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n";
        let decoded = decode(wire);
        assert_eq!((&*decoded.body, decoded.wire_len), (&b"{}"[..], 40));
    }
}

//! Where an HTTP/1 body ends (RFC 9112 section 6), decided from the head and then tracked
//! incrementally over bytes split at any boundary.

use super::head::{RequestHead, ResponseHead};
use thiserror::Error;

/// How the body after a head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Exactly this many bytes (0: no body).
    Length(u64),
    /// `Transfer-Encoding: chunked`, trailers included.
    Chunked,
    /// Everything until the sender closes.
    UntilClose,
    /// The connection stops being HTTP (`101 Switching Protocols`, a successful `CONNECT`).
    Tunnel,
}

/// A body whose framing cannot be followed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FramingError {
    /// `Content-Length` is not one decimal number (or several that disagree).
    #[error("invalid Content-Length")]
    ContentLength,
    /// A chunk-size line is not hexadecimal, or a chunk is not followed by CRLF.
    #[error("invalid chunked encoding")]
    Chunk,
}

fn content_length(head: &super::Head) -> Result<Option<u64>, FramingError> {
    let mut found = None;
    for (_, value) in head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        for part in value.split(|&b| b == b',') {
            let text =
                std::str::from_utf8(part.trim_ascii()).map_err(|_| FramingError::ContentLength)?;
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FramingError::ContentLength);
            }
            let n: u64 = text.parse().map_err(|_| FramingError::ContentLength)?;
            if found.is_some_and(|f| f != n) {
                return Err(FramingError::ContentLength);
            }
            found = Some(n);
        }
    }
    Ok(found)
}

fn is_chunked(head: &super::Head) -> bool {
    // Chunked counts only as the final transfer coding.
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(|&b| b == b','))
        .map(|t| t.trim_ascii())
        .rfind(|t| !t.is_empty())
        .is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"))
}

impl Framing {
    /// The framing of a request's body.
    /// An HTTP/2 stream's request (version 2) is shown with its body after the head: all of
    /// it is the body.
    pub fn for_request(req: &RequestHead) -> Result<Self, FramingError> {
        if req.head.version == 2 {
            return Ok(Framing::UntilClose);
        }
        if is_chunked(&req.head) {
            return Ok(Framing::Chunked);
        }
        Ok(Framing::Length(content_length(&req.head)?.unwrap_or(0)))
    }

    /// The framing of a response's body, which depends on the request it answers.
    pub fn for_response(request_method: &str, res: &ResponseHead) -> Result<Self, FramingError> {
        let status = res.status;
        if status == 101
            || (request_method.eq_ignore_ascii_case("CONNECT") && (200..300).contains(&status))
        {
            return Ok(Framing::Tunnel);
        }
        if request_method.eq_ignore_ascii_case("HEAD")
            || (100..200).contains(&status)
            || status == 204
            || status == 304
        {
            return Ok(Framing::Length(0));
        }
        if res.head.version == 2 {
            return Ok(Framing::UntilClose);
        }
        if is_chunked(&res.head) {
            return Ok(Framing::Chunked);
        }
        Ok(content_length(&res.head)?.map_or(Framing::UntilClose, Framing::Length))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Length(u64),
    ChunkSize {
        size: u64,
        digits: u8,
        in_extension: bool,
    },
    ChunkData(u64),
    ChunkDataEnd {
        seen_cr: bool,
    },
    Trailer {
        line_len: usize,
    },
    Raw,
    Done,
}

/// Follows one body through its framing, a slice at a time.
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    state: State,
}

impl BodyDecoder {
    /// A decoder for a body with this framing.
    pub fn new(framing: Framing) -> Self {
        let state = match framing {
            Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::ChunkSize {
                size: 0,
                digits: 0,
                in_extension: false,
            },
            Framing::UntilClose | Framing::Tunnel => State::Raw,
        };
        Self { state }
    }

    /// Whether the body has ended (never true for bodies that end with the connection).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes the start of `input` that belongs to the body and returns how many bytes that
    /// was; `content` receives the body's payload (chunk framing removed) as it passes.
    ///
    /// Longer than most functions here on purpose: it is the chunked decoder's state machine,
    /// one case per state, and the cases read better side by side than split apart.
    pub fn feed(
        &mut self,
        input: &[u8],
        content: &mut dyn FnMut(&[u8]),
    ) -> Result<usize, FramingError> {
        let mut pos = 0;
        while pos < input.len() {
            let rest = &input[pos..];
            match &mut self.state {
                State::Done => break,
                State::Raw => {
                    content(rest);
                    pos = input.len();
                }
                State::Length(left) => {
                    let take = (*left).min(rest.len() as u64) as usize;
                    content(&rest[..take]);
                    *left -= take as u64;
                    pos += take;
                    if *left == 0 {
                        self.state = State::Done;
                    }
                }
                State::ChunkData(left) => {
                    let take = (*left).min(rest.len() as u64) as usize;
                    content(&rest[..take]);
                    *left -= take as u64;
                    pos += take;
                    if *left == 0 {
                        self.state = State::ChunkDataEnd { seen_cr: false };
                    }
                }
                State::ChunkSize {
                    size,
                    digits,
                    in_extension,
                } => {
                    let b = rest[0];
                    pos += 1;
                    match b {
                        b'\n' => {
                            if *digits == 0 {
                                return Err(FramingError::Chunk);
                            }
                            self.state = if *size == 0 {
                                State::Trailer { line_len: 0 }
                            } else {
                                State::ChunkData(*size)
                            };
                        }
                        _ if *in_extension => {}
                        b';' | b' ' | b'\t' | b'\r' => *in_extension = true,
                        _ => {
                            let digit = (b as char).to_digit(16).ok_or(FramingError::Chunk)?;
                            *digits += 1;
                            if *digits > 16 {
                                return Err(FramingError::Chunk);
                            }
                            *size = *size * 16 + u64::from(digit);
                        }
                    }
                }
                State::ChunkDataEnd { seen_cr } => {
                    let b = rest[0];
                    pos += 1;
                    match b {
                        b'\r' if !*seen_cr => *seen_cr = true,
                        b'\n' => {
                            self.state = State::ChunkSize {
                                size: 0,
                                digits: 0,
                                in_extension: false,
                            }
                        }
                        _ => return Err(FramingError::Chunk),
                    }
                }
                State::Trailer { line_len } => {
                    let b = rest[0];
                    pos += 1;
                    match b {
                        b'\n' if *line_len == 0 => self.state = State::Done,
                        b'\n' => *line_len = 0,
                        b'\r' => {}
                        _ => *line_len += 1,
                    }
                }
            }
        }
        Ok(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http1::{parse_request, parse_response};

    fn decode_split_everywhere(framing: Framing, wire: &[u8]) -> (usize, Vec<u8>) {
        let mut whole = Vec::new();
        let mut d = BodyDecoder::new(framing);
        let used = d.feed(wire, &mut |b| whole.extend_from_slice(b)).unwrap();
        assert!(d.is_done());
        for cut in 0..=wire.len() {
            let mut got = Vec::new();
            let mut d = BodyDecoder::new(framing);
            let a = d
                .feed(&wire[..cut], &mut |b| got.extend_from_slice(b))
                .unwrap();
            let b = d
                .feed(&wire[a..], &mut |b| got.extend_from_slice(b))
                .unwrap();
            assert_eq!(a + b, used, "cut at {cut}");
            assert_eq!(got, whole, "cut at {cut}");
        }
        (used, whole)
    }

    #[test]
    fn chunked_body_with_extensions_and_trailers_ends_where_it_should() {
        let wire = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\nNEXT";
        let (used, body) = decode_split_everywhere(Framing::Chunked, wire);
        assert_eq!(used, wire.len() - 4);
        assert_eq!(body, b"Wikipedia");
    }

    #[test]
    fn content_length_body_leaves_pipelined_bytes() {
        let (used, body) = decode_split_everywhere(Framing::Length(5), b"helloGET / HTTP/1.1");
        assert_eq!((used, body.as_slice()), (5, &b"hello"[..]));
    }

    #[test]
    fn bad_chunk_size_is_an_error() {
        let mut d = BodyDecoder::new(Framing::Chunked);
        assert_eq!(d.feed(b"zz\r\n", &mut |_| {}), Err(FramingError::Chunk));
    }

    #[test]
    fn response_framing_follows_method_and_status() {
        let res = |raw: &[u8]| parse_response(raw).unwrap().unwrap();
        let ok = res(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
        assert_eq!(Framing::for_response("GET", &ok), Ok(Framing::Length(3)));
        assert_eq!(Framing::for_response("HEAD", &ok), Ok(Framing::Length(0)));
        assert_eq!(Framing::for_response("CONNECT", &ok), Ok(Framing::Tunnel));
        let none = res(b"HTTP/1.0 200 OK\r\n\r\n");
        assert_eq!(Framing::for_response("GET", &none), Ok(Framing::UntilClose));
        let switching = res(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
        assert_eq!(
            Framing::for_response("GET", &switching),
            Ok(Framing::Tunnel)
        );
        let not_modified = res(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
        assert_eq!(
            Framing::for_response("GET", &not_modified),
            Ok(Framing::Length(0))
        );
    }

    #[test]
    fn request_framing_rejects_conflicting_lengths() {
        let req =
            parse_request(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(Framing::for_request(&req), Err(FramingError::ContentLength));
        let chunked = parse_request(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(Framing::for_request(&chunked), Ok(Framing::Chunked));
    }
}

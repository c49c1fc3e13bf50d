//! Request and response heads, parsed with `httparse`.

use std::borrow::Cow;
use thiserror::Error;

/// Most headers a head may carry; more is treated as malformed rather than growing without bound.
pub const MAX_HEADERS: usize = 128;

/// How a head's version is written: `HTTP/1.0`, `HTTP/1.1`, or `HTTP/2.0` for an HTTP/2
/// stream (version 2).
pub fn version_name(version: u8) -> &'static str {
    match version {
        0 => "HTTP/1.0",
        2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    }
}

/// A parsed header block: ordered, case preserved, values as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `(name, value)` pairs in wire order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1; 2 for an HTTP/2 stream's head as TCPMon
    /// writes it (`HTTP/2.0`).
    pub version: u8,
    /// Bytes the head took on the wire, blank line included.
    pub len: usize,
}

impl Head {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether a comma-separated header (`Connection`, `Transfer-Encoding`) lists `token`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(|&b| b == b','))
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    }
}

/// A request line and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Method as sent (`GET`, `CONNECT`, ...).
    pub method: String,
    /// Request target as sent: origin form, absolute form or authority form.
    pub target: String,
    /// Headers, version and length.
    pub head: Head,
}

/// A status line and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// Status code.
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: String,
    /// Headers, version and length.
    pub head: Head,
}

/// Why bytes are not an HTTP/1 head.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HeadError {
    /// The parser rejected the bytes.
    #[error("malformed HTTP head: {0}")]
    Malformed(String),
}

fn collect(headers: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|h| (h.name.to_string(), h.value.to_vec()))
        .collect()
}

/// Parses a request head; `Ok(None)` means the blank line has not arrived yet. A head written
/// with the version `HTTP/2.0` (how TCPMon shows an HTTP/2 stream's decoded head) reads as
/// version 2.
pub fn parse_request(buf: &[u8]) -> Result<Option<RequestHead>, HeadError> {
    if let Some(http1) = as_http1(buf, false) {
        return Ok(parse_request(&http1)?.map(|mut req| {
            req.head.version = 2;
            req
        }));
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Ok(Some(RequestHead {
            method: req.method.unwrap_or_default().to_string(),
            target: req.path.unwrap_or_default().to_string(),
            head: Head {
                headers: collect(req.headers),
                version: req.version.unwrap_or(1),
                len,
            },
        })),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(HeadError::Malformed(e.to_string())),
    }
}

/// Parses a response head; `Ok(None)` means the blank line has not arrived yet. `HTTP/2.0`
/// reads as version 2, as for requests.
pub fn parse_response(buf: &[u8]) -> Result<Option<ResponseHead>, HeadError> {
    if let Some(http1) = as_http1(buf, true) {
        return Ok(parse_response(&http1)?.map(|mut res| {
            res.head.version = 2;
            res
        }));
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut res = httparse::Response::new(&mut headers);
    match res.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Ok(Some(ResponseHead {
            status: res.code.unwrap_or_default(),
            reason: res.reason.unwrap_or_default().to_string(),
            head: Head {
                headers: collect(res.headers),
                version: res.version.unwrap_or(1),
                len,
            },
        })),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(HeadError::Malformed(e.to_string())),
    }
}

/// A copy of a whole head whose version is `HTTP/2.0` (at the start of a status line, or at
/// the end of a request line), written `HTTP/1.1` so that `httparse` reads it; `None` for
/// any other head, or one not yet whole.
fn as_http1(buf: &[u8], response: bool) -> Option<Vec<u8>> {
    const V2: &[u8] = b"HTTP/2.0";
    let line_end = buf.iter().position(|&b| b == b'\n')?;
    let line = buf[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&buf[..line_end]);
    let at = if response {
        line.starts_with(V2).then_some(0)?
    } else {
        line.ends_with(V2).then(|| line.len() - V2.len())?
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let mut copy = buf[..end].to_vec();
    copy[at..at + V2.len()].copy_from_slice(b"HTTP/1.1");
    Some(copy)
}

/// The first line of `bytes` if it is an HTTP/1 request line (`METHOD target HTTP/1.x`), even
/// when the rest of the head has not arrived; `None` for anything else (a raw stream).
pub fn request_line(bytes: &[u8]) -> Option<&str> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&bytes[..end])
        .ok()?
        .trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let is_request = parts.next().is_none()
        && !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
        && !target.is_empty()
        && version.starts_with("HTTP/1.");
    is_request.then_some(line)
}

/// `bytes` (a head from its first line, and maybe what follows it, kept as it is) with every
/// header named in `names` (case-insensitive) removed, continuation lines included, or with
/// `replacement` its value replaced (line end kept). Works on the wire bytes, so everything
/// else stays byte for byte; borrowed when no header matched. A head cut short is edited as
/// far as it goes.
pub fn edit_headers<'a>(
    bytes: &'a [u8],
    names: &[&str],
    replacement: Option<&[u8]>,
) -> Cow<'a, [u8]> {
    let matches = |line: &[u8]| {
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        let name = name.trim_ascii_end();
        line.contains(&b':')
            && names
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
    };
    let mut lines = bytes.split_inclusive(|&b| b == b'\n');
    let mut at = lines.next().map_or(0, <[u8]>::len);
    let mut out: Option<Vec<u8>> = None;
    let mut dropping = false;
    for line in lines {
        let is_blank = line == b"\r\n" || line == b"\n";
        let continues = !is_blank && dropping && matches!(line.first(), Some(b' ' | b'\t'));
        if continues {
            // Part of the value just removed or replaced.
        } else if !is_blank && matches(line) {
            let out = out.get_or_insert_with(|| bytes[..at].to_vec());
            if let Some(value) = replacement {
                let name_len = line.iter().position(|&b| b == b':').unwrap_or(0);
                out.extend_from_slice(&line[..=name_len]);
                out.push(b' ');
                out.extend_from_slice(value);
                let ending: &[u8] = if line.ends_with(b"\r\n") {
                    b"\r\n"
                } else if line.ends_with(b"\n") {
                    b"\n"
                } else {
                    b""
                };
                out.extend_from_slice(ending);
            }
            dropping = true;
        } else {
            dropping = false;
            if let Some(out) = &mut out {
                out.extend_from_slice(line);
            }
        }
        at += line.len();
        if is_blank {
            break;
        }
    }
    match out {
        Some(mut out) => {
            out.extend_from_slice(&bytes[at..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(bytes),
    }
}

/// Length of the HTTP head at the start of `bytes` (blank line included), or 0 when the bytes
/// do not start with a complete request or response head.
pub fn head_len(bytes: &[u8]) -> usize {
    let request = parse_request(bytes).ok().flatten().map(|h| h.head.len);
    let response = || parse_response(bytes).ok().flatten().map(|h| h.head.len);
    request.or_else(response).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_removed_or_replaced_in_the_head_only() {
        let raw: &[u8] = b"GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nproxy-authorization: Basic dTpw\r\n\tcontinued\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\nProxy-Connection: body\r\n";
        let names = ["Proxy-Authorization", "Proxy-Connection"];
        assert_eq!(
            &*edit_headers(raw, &names, None),
            b"GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\n\r\nProxy-Connection: body\r\n"
        );
        assert_eq!(
            &*edit_headers(raw, &names[..1], Some(b"[redacted]")),
            &b"GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nproxy-authorization: [redacted]\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\nProxy-Connection: body\r\n"[..]
        );
        let bare_lf: &[u8] = b"GET / HTTP/1.0\nProxy-Authorization: x\nA: b\n\n";
        assert_eq!(
            &*edit_headers(bare_lf, &names, None),
            b"GET / HTTP/1.0\nA: b\n\n"
        );
        let cut: &[u8] = b"GET / HTTP/1.1\r\nProxy-Authorization: Basic dTpw";
        assert_eq!(
            &*edit_headers(cut, &names, Some(b"x")),
            b"GET / HTTP/1.1\r\nProxy-Authorization: x"
        );
        let untouched: &[u8] = b"GET / HTTP/1.1\r\nX-Proxy-Authorization-Note: 1\r\n\r\n";
        assert!(matches!(
            edit_headers(untouched, &names, None),
            Cow::Borrowed(_)
        ));
        assert!(matches!(edit_headers(b"", &names, None), Cow::Borrowed(_)));
    }

    #[test]
    fn request_line_is_found_before_the_head_ends() {
        assert_eq!(
            request_line(b"POST /svc HTTP/1.1\r\nHost: x"),
            Some("POST /svc HTTP/1.1")
        );
        assert_eq!(
            request_line(b"CONNECT a.test:443 HTTP/1.1\n"),
            Some("CONNECT a.test:443 HTTP/1.1")
        );
        assert_eq!(request_line(b"GET / HTTP/1.1"), None, "no line end yet");
        assert_eq!(request_line(b"EHLO mail.test\r\n"), None);
        assert_eq!(request_line(b"\x00\xff\n"), None);
    }

    #[test]
    fn request_head_needs_the_blank_line() {
        let raw = b"GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\nbody";
        for cut in 0..raw.len() - 4 {
            assert_eq!(parse_request(&raw[..cut]), Ok(None), "cut at {cut}");
        }
        let head = parse_request(raw).unwrap().unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "http://a.test/x");
        assert_eq!(head.head.len, raw.len() - 4);
        assert_eq!(head.head.header("HOST"), Some(&b"a.test"[..]));
    }

    #[test]
    fn tokens_are_found_in_lists_case_insensitively() {
        let raw =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nConnection: close\r\n\r\n";
        let head = parse_response(raw).unwrap().unwrap();
        assert!(head.head.has_token("transfer-encoding", "chunked"));
        assert!(head.head.has_token("connection", "close"));
        assert!(!head.head.has_token("connection", "keep-alive"));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(parse_request(b"\x16\x03\x01\x02\x00").is_err());
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n").is_err());
    }

    #[test]
    fn head_len_finds_http_heads_only() {
        assert_eq!(head_len(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n{}"), 25);
        assert_eq!(head_len(b"POST / HTTP/1.1\r\n\r\n<a/>"), 19);
        assert_eq!(head_len(b"<a/>"), 0);
        assert_eq!(head_len(b"HTTP/1.1 200 OK\r\nA: b\r\n"), 0, "incomplete");
    }
}

//! Edits before a resend: when a user changes an HTTP body, `Content-Length` must follow, in
//! bytes (Apache TCPMon counted characters and rewrote the line with a bare LF).

use crate::http1::head_len;
use crate::view::raw;

/// `message` with its `Content-Length` value set to the body's length in bytes. Everything
/// else, line endings included, is kept. Messages without an HTTP head or without the header
/// come back unchanged.
pub fn fix_content_length(message: &[u8]) -> Vec<u8> {
    let head = head_len(message);
    if head == 0 {
        return message.to_vec();
    }
    let body_len = (message.len() - head).to_string();
    let mut out = Vec::with_capacity(message.len() + 4);
    let mut rest = &message[..head];
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        let line = &rest[..=end];
        rest = &rest[end + 1..];
        let is_length = line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:");
        if !is_length {
            out.extend_from_slice(line);
            continue;
        }
        let value = &line[15..];
        let start = 15
            + value
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t'))
                .unwrap_or(0);
        let stop = line
            .iter()
            .rposition(|b| b.is_ascii_digit())
            .map_or(start, |i| i + 1)
            .max(start);
        out.extend_from_slice(&line[..start]);
        out.extend_from_slice(body_len.as_bytes());
        out.extend_from_slice(&line[stop..]);
    }
    out.extend_from_slice(rest);
    out.extend_from_slice(&message[head..]);
    out
}

/// The bytes to resend for `edited`, text a person edited from the raw view of `original`
/// (where line ends are plain LF, as in any text box). Unchanged text resends `original`
/// exactly; changed text gets the capture's line ends back (CRLF in the head when the capture
/// had them, in the body when its body had them) and a `Content-Length` that fits.
pub fn edited_request(original: &[u8], edited: &str) -> Vec<u8> {
    if raw::render(original).0 == edited {
        return original.to_vec();
    }
    let head = head_len(original);
    let crlf_head = original
        .windows(2)
        .find(|w| w[1] == b'\n')
        .is_some_and(|w| w[0] == b'\r');
    let body = &original[head.min(original.len())..];
    let crlf_body = head > 0
        && body.windows(2).any(|w| w == b"\r\n")
        && !body
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || body[i - 1] != b'\r'));
    let (edited_head, edited_body) = match edited.find("\n\n") {
        Some(at) => (&edited[..at + 2], &edited[at + 2..]),
        None => (edited, ""),
    };
    let with_ends = |text: &str, crlf: bool| {
        if crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_string()
        }
    };
    let mut out = with_ends(edited_head, crlf_head).into_bytes();
    out.extend_from_slice(with_ends(edited_body, crlf_body).as_bytes());
    fix_content_length(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_follows_the_body_in_bytes_and_line_endings_stay() {
        let edited = "POST /svc HTTP/1.1\r\nHost: a\r\ncontent-length: 3\r\nX: y\r\n\r\ncafé ☕";
        let fixed = String::from_utf8(fix_content_length(edited.as_bytes())).unwrap();
        assert_eq!(
            fixed,
            "POST /svc HTTP/1.1\r\nHost: a\r\ncontent-length: 9\r\nX: y\r\n\r\ncafé ☕"
        );
        let lf_only = "POST / HTTP/1.1\nContent-Length:  100\n\nabc";
        assert_eq!(
            fix_content_length(lf_only.as_bytes()),
            b"POST / HTTP/1.1\nContent-Length:  3\n\nabc"
        );
    }

    #[test]
    fn an_unchanged_edit_resends_the_capture_exactly() {
        let captured = b"POST / HTTP/1.1\r\nContent-Length: 7\r\n\r\nline\nx\r";
        let shown = raw::render(captured).0;
        assert_eq!(edited_request(captured, &shown), captured);
    }

    #[test]
    fn an_edit_gets_the_capture_line_ends_and_length_back() {
        let captured = b"POST /soap HTTP/1.1\r\nContent-Length: 8\r\n\r\n<a>1</a>";
        let edited = "POST /soap HTTP/1.1\nContent-Length: 8\n\n<a>\n22\n</a>";
        let sent = edited_request(captured, edited);
        assert_eq!(
            sent,
            b"POST /soap HTTP/1.1\r\nContent-Length: 11\r\n\r\n<a>\n22\n</a>"
        );
        let crlf_body = b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\na\r\nb";
        let sent = edited_request(crlf_body, "POST / HTTP/1.1\nContent-Length: 4\n\na\nbc");
        assert_eq!(sent, b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\na\r\nbc");
        let text_protocol = b"PING\nhello\n";
        assert_eq!(
            edited_request(text_protocol, "PONG\nhello\n"),
            b"PONG\nhello\n"
        );
    }

    #[test]
    fn messages_without_the_header_or_a_head_are_unchanged() {
        let get = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(fix_content_length(get), get);
        assert_eq!(fix_content_length(b"\x00binary"), b"\x00binary");
    }
}

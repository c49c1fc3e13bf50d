//! Edits before a resend: when a user changes an HTTP body, `Content-Length` must follow, in
//! bytes (Apache TCPMon counted characters and rewrote the line with a bare LF).

use crate::view::head_len;

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
    fn messages_without_the_header_or_a_head_are_unchanged() {
        let get = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(fix_content_length(get), get);
        assert_eq!(fix_content_length(b"\x00binary"), b"\x00binary");
    }
}

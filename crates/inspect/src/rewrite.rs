//! Rewriting the `Host` header of every request on a client's stream, so a server that checks
//! it (virtual hosts, redirects built from it) sees its own name instead of the relay's
//! `localhost:8081`. Apache TCPMon did this with the listen port instead of the target port.
//!
//! Fed the stream at any byte boundaries; only request heads change. Bodies pass as they are,
//! and after `CONNECT`, an `Upgrade` request, or bytes that are not HTTP, everything passes
//! untouched.

use crate::http1::{BodyDecoder, Framing, HeadBuffer, RequestHead, parse_request};

/// Longest head waited for before the stream is passed on untouched.
const MAX_HEAD: usize = 64 << 10;

enum State {
    Head,
    Body(BodyDecoder),
    Passthrough,
}

/// Rewrites the `Host` header of each request to a fixed value; see the module docs.
pub struct HostRewriter {
    host: Vec<u8>,
    state: State,
    /// An unfinished head, held back.
    pending: HeadBuffer,
}

impl HostRewriter {
    /// A rewriter that sets `Host: host` (`host` is `name` or `name:port`).
    pub fn new(host: &str) -> Self {
        Self {
            host: host.as_bytes().to_vec(),
            state: State::Head,
            pending: HeadBuffer::default(),
        }
    }

    /// Takes the next bytes of the client's stream and appends what to send on to `out`.
    /// Bytes of an unfinished head are held back until the head is complete; a head sent a
    /// byte at a time is parsed again only when its blank line may have come.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut joined = HeadBuffer::default();
        if !self.pending.is_empty() {
            self.pending.extend(input);
            if !self.pending.worth_parsing(MAX_HEAD) {
                return;
            }
            joined = std::mem::take(&mut self.pending);
        }
        let source: &[u8] = if joined.is_empty() { input } else { &joined };
        match self.run(source, out) {
            // Still the same unfinished head: keep it, with what is known of it.
            Some(0) if !joined.is_empty() => self.pending = joined,
            Some(at) => self.pending = HeadBuffer::from_slice(&source[at..]),
            None => {}
        }
    }

    /// Rewrites what it can of `input`; where an unfinished head starts, if one does.
    fn run(&mut self, input: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        let mut rest = input;
        while !rest.is_empty() {
            match &mut self.state {
                State::Passthrough => {
                    out.extend_from_slice(rest);
                    return None;
                }
                State::Body(decoder) => match decoder.feed(rest, &mut |_| {}) {
                    Ok(used) => {
                        out.extend_from_slice(&rest[..used]);
                        rest = &rest[used..];
                        if decoder.is_done() {
                            self.state = State::Head;
                        }
                    }
                    Err(_) => self.state = State::Passthrough,
                },
                State::Head => match parse_request(rest) {
                    Ok(Some(head)) => {
                        self.state = after_head(&head);
                        out.extend_from_slice(&rewrite_host(&rest[..head.head.len], &self.host));
                        rest = &rest[head.head.len..];
                    }
                    Ok(None) if rest.len() <= MAX_HEAD => return Some(input.len() - rest.len()),
                    _ => self.state = State::Passthrough,
                },
            }
        }
        None
    }
}

impl HostRewriter {
    /// The client's stream has ended: the bytes of an unfinished head, to send as they are.
    pub fn finish(self) -> Vec<u8> {
        self.pending.into_vec()
    }
}

/// What follows a request head: its body, the next head, or (after a switch of protocol or a
/// framing that cannot be followed) untouched bytes.
fn after_head(head: &RequestHead) -> State {
    let switches =
        head.method.eq_ignore_ascii_case("CONNECT") || head.head.header("upgrade").is_some();
    match Framing::for_request(head) {
        _ if switches => State::Passthrough,
        Ok(framing) => {
            let decoder = BodyDecoder::new(framing);
            if decoder.is_done() {
                State::Head
            } else {
                State::Body(decoder)
            }
        }
        Err(_) => State::Passthrough,
    }
}

/// The head with the value of each `Host` line replaced (line ends and every other byte kept);
/// a head without one gets one after the request line.
fn rewrite_host(head: &[u8], host: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + host.len());
    let mut found = false;
    let mut lines = head.split_inclusive(|&b| b == b'\n');
    if let Some(request_line) = lines.next() {
        out.extend_from_slice(request_line);
    }
    let line_end: &[u8] = if head.ends_with(b"\r\n\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    for line in lines {
        let is_host = line
            .iter()
            .position(|&b| b == b':')
            .is_some_and(|colon| line[..colon].eq_ignore_ascii_case(b"host"));
        if is_host {
            found = true;
            let end = line.len()
                - line
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
            let colon = line.iter().position(|&b| b == b':').unwrap_or(0);
            let space = line[colon + 1..end]
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            out.extend_from_slice(&line[..colon + 1 + space]);
            out.extend_from_slice(host);
            out.extend_from_slice(&line[end..]);
        } else if !found && (line == b"\r\n" || line == b"\n") {
            out.extend_from_slice(b"Host: ");
            out.extend_from_slice(host);
            out.extend_from_slice(line_end);
            found = true;
            out.extend_from_slice(line);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite_split_everywhere(input: &[u8]) -> Vec<u8> {
        let mut whole = Vec::new();
        HostRewriter::new("target.test:8080").push(input, &mut whole);
        for cut in 0..=input.len() {
            let mut out = Vec::new();
            let mut r = HostRewriter::new("target.test:8080");
            r.push(&input[..cut], &mut out);
            r.push(&input[cut..], &mut out);
            assert_eq!(out, whole, "cut at {cut}");
        }
        whole
    }

    #[test]
    fn every_request_gets_the_target_host_and_bodies_pass_untouched() {
        let input = b"POST /a HTTP/1.1\r\nhost: localhost:8081\r\nContent-Length: 17\r\n\r\nHost: not a head\n\
GET /b HTTP/1.1\r\nX: 1\r\nHOST:\tlocalhost:8081  \r\n\r\n";
        let out = rewrite_split_everywhere(input);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /a HTTP/1.1\r\nhost: target.test:8080\r\nContent-Length: 17\r\n\r\nHost: not a head\n\
GET /b HTTP/1.1\r\nX: 1\r\nHOST:\ttarget.test:8080  \r\n\r\n"
        );
    }

    #[test]
    fn an_unfinished_head_is_handed_back_at_the_end() {
        let mut out = Vec::new();
        let mut r = HostRewriter::new("t");
        r.push(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /cut HT", &mut out);
        assert_eq!(out, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(r.finish(), b"GET /cut HT");
    }

    #[test]
    fn a_missing_host_is_added_and_bare_lf_heads_keep_their_line_ends() {
        let out = rewrite_split_everywhere(b"GET / HTTP/1.0\n\n");
        assert_eq!(out, b"GET / HTTP/1.0\nHost: target.test:8080\n\n");
    }

    #[test]
    fn tunnels_and_non_http_pass_untouched() {
        let input = b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\nHost: x\r\n\r\n";
        let out = rewrite_split_everywhere(input);
        assert!(out.ends_with(b"\r\n\r\nHost: x\r\n\r\n"));
        let binary = b"\x16\x03\x01Host: x\r\n\r\n";
        assert_eq!(rewrite_split_everywhere(binary), binary);
    }
}

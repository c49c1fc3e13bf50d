//! Rules at work on one message: which match it, the bytes it becomes after their edits, and
//! a mock's response. A body is edited as its payload (chunked framing removed); a changed
//! body goes out with `Content-Length` set and no `Transfer-Encoding`. A message no rule
//! changed keeps every byte.

use super::{MapTo, Mock, Modify, Phase, Rule};
use crate::Direction;
use crate::exchange::Tracker;
use crate::http1::edit_headers;
use crate::search::Row;

/// The indexes (from 0) of the enabled `phase` rules whose `when` matches the exchange:
/// `request` and `response` are messages as far as they are held (a head, and the body when
/// it was waited for); `host` stands in for a missing `Host` header.
pub fn matching(
    rules: &[Rule],
    phase: Phase,
    request: &[u8],
    response: Option<&[u8]>,
    host: &str,
) -> Vec<usize> {
    let mut exchanges = Vec::new();
    let mut tracker = Tracker::new();
    tracker.feed(Direction::ClientToServer, request, 0, &mut exchanges);
    if let Some(response) = response {
        tracker.feed(Direction::ServerToClient, response, 0, &mut exchanges);
    }
    let Some(exchange) = exchanges.first() else {
        return Vec::new();
    };
    let mut load = |dir: Direction| match dir {
        Direction::ClientToServer => request.to_vec(),
        Direction::ServerToClient => response.unwrap_or_default().to_vec(),
    };
    let mut row = Row::new(Some(exchange), host, &mut load);
    (0..rules.len())
        .filter(|&i| rules[i].enabled && rules[i].phase == phase)
        .filter(|&i| rules[i].query.matches(&mut row))
        .collect()
}

/// A message after the edits of the rules that matched it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Edited {
    /// The head to send.
    pub head: Vec<u8>,
    /// The new payload, when an edit changed it (the head then says its length); `None`: the
    /// body goes as it came.
    pub body: Option<Vec<u8>>,
    /// Edits that could not act, and why.
    pub notes: Vec<String>,
}

/// `head` (a whole head, its blank line included) and `body` (its payload, when held) after
/// `edits` in order. Body edits need the body: without one they are noted and skipped, as
/// they are for an encoded body (`Content-Encoding`), whose bytes are not its text.
pub fn edit(head: &[u8], body: Option<&[u8]>, edits: &[&Modify]) -> Edited {
    let mut out = Edited {
        head: head.to_vec(),
        ..Edited::default()
    };
    let encoded = crate::http1::parse_request(head)
        .ok()
        .flatten()
        .map(|r| r.head)
        .or_else(|| {
            crate::http1::parse_response(head)
                .ok()
                .flatten()
                .map(|r| r.head)
        })
        .and_then(|h| h.header("content-encoding").map(<[u8]>::to_vec))
        .filter(|v| !v.trim_ascii().eq_ignore_ascii_case(b"identity"));
    let mut payload = body.map(<[u8]>::to_vec);
    for edit in edits {
        match edit {
            Modify::SetHeader(set) => {
                for (name, value) in set {
                    out.head = set_header(&out.head, name, value.as_bytes());
                }
            }
            Modify::RemoveHeader(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                out.head = edit_headers(&out.head, &names, None).into_owned();
            }
            Modify::ReplaceBody(replace) => match (&mut payload, &encoded) {
                (_, Some(coding)) => out.notes.push(format!(
                    "the body is {}-encoded: not replaced",
                    String::from_utf8_lossy(coding)
                )),
                (None, None) => out.notes.push("the body was not held: not replaced".into()),
                (Some(text), None) => {
                    let replaced = replace.find.replace_all(text, replace.with.as_slice());
                    if let std::borrow::Cow::Owned(new) = replaced {
                        *text = new;
                    }
                }
            },
        }
    }
    if payload.as_deref() != body {
        out.head = with_length(&out.head, payload.as_ref().map_or(0, Vec::len));
        out.body = payload;
    }
    out
}

/// `head` framing a payload of `len` bytes: `Content-Length` set, `Transfer-Encoding` gone
/// (a changed body goes whole, not chunked).
pub fn with_length(head: &[u8], len: usize) -> Vec<u8> {
    let head = edit_headers(head, &["transfer-encoding"], None);
    set_header(&head, "Content-Length", len.to_string().as_bytes())
}

/// `head` with every `name` header removed and `name: value` added last.
fn set_header(head: &[u8], name: &str, value: &[u8]) -> Vec<u8> {
    let mut out = edit_headers(head, &[name], None).into_owned();
    let (blank, line_end): (usize, &[u8]) = if out.ends_with(b"\r\n\r\n") {
        (2, b"\r\n")
    } else {
        (1, b"\n")
    };
    let at = out.len().saturating_sub(blank);
    let mut line = Vec::with_capacity(name.len() + value.len() + 4);
    line.extend_from_slice(name.as_bytes());
    line.extend_from_slice(b": ");
    line.extend_from_slice(value);
    line.extend_from_slice(line_end);
    out.splice(at..at, line);
    out
}

impl Mock {
    /// The whole response, with `body` (the rule's text, or its file's bytes).
    pub fn response(&self, body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut out = out.into_bytes();
        out.extend_from_slice(body);
        out
    }
}

/// The reason phrase of common codes; `Mocked` for the rest.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Mocked",
    }
}

impl MapTo {
    /// The origin-form `path` as the mapped origin gets it: the prefix first.
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }
}

//! What one HTTP/2 stream carried, in the terms an exchange needs: heads, where the body lies
//! in the capture, how each side ended, and when.

use super::frame::error_name;
use super::hpack::Field;
use crate::Direction;

/// A run of bytes in one direction's stream (stream offsets, as the capture numbers them), so
/// views read a body from the capture instead of a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "H2Range"))]
pub struct Range {
    /// Offset of the first byte.
    pub offset: u64,
    /// Number of bytes.
    pub len: u64,
}

/// Where a message's frames lie in its direction's stream and when they were captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// Offset of the first frame's header.
    pub start: u64,
    /// One past the last byte of the latest frame seen so far (other streams' frames may lie
    /// between `start` and `end`).
    pub end: u64,
    /// When the first frame's first byte was captured (µs since the Unix epoch).
    pub first_at: u64,
    /// When the latest byte was captured.
    pub last_at: u64,
}

/// A decoded header block: pseudo-headers picked out, other fields in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// `:method`.
    pub method: Option<String>,
    /// `:scheme`.
    pub scheme: Option<String>,
    /// `:authority`.
    pub authority: Option<String>,
    /// `:path`.
    pub path: Option<String>,
    /// `:protocol` (extended CONNECT, RFC 8441).
    pub protocol: Option<String>,
    /// `:status`, when it is a number.
    pub status: Option<u16>,
    /// Every other field, unknown pseudo-headers included, in the order sent.
    pub fields: Vec<Field>,
}

impl Head {
    /// Picks the pseudo-headers out of a decoded list.
    pub fn from_fields(list: Vec<Field>) -> Self {
        let mut head = Head::default();
        for field in list {
            let slot = match field.name.as_str() {
                ":method" => &mut head.method,
                ":scheme" => &mut head.scheme,
                ":authority" => &mut head.authority,
                ":path" => &mut head.path,
                ":protocol" => &mut head.protocol,
                ":status" => {
                    match (head.status, field.value.parse()) {
                        (None, Ok(status)) => head.status = Some(status),
                        _ => head.fields.push(field),
                    }
                    continue;
                }
                _ => {
                    head.fields.push(field);
                    continue;
                }
            };
            *slot = Some(field.value);
        }
        head
    }

    /// The first field named `name` (lowercase, as HTTP/2 sends names).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }
}

/// One side of a stream: the request (client to server) or the response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The request head, or the final response head.
    pub head: Option<Head>,
    /// Response side: interim `1xx` heads before the final one.
    pub interim: Vec<Head>,
    /// A header block after the head: trailers.
    pub trailers: Option<Vec<Field>>,
    /// DATA payloads in order, padding excluded; adjacent pieces of one frame are one range.
    pub body: Vec<Range>,
    /// Sum of the body ranges.
    pub body_len: u64,
    /// The side sent END_STREAM: the message is complete.
    pub end_stream: bool,
    /// Where its HEADERS, CONTINUATION and DATA frames lie, once one was seen.
    pub extent: Option<Extent>,
}

impl Message {
    /// Counts body bytes at `offset`, joining them to the previous range when they follow it.
    pub(super) fn add_body(&mut self, offset: u64, len: u64) {
        self.body_len += len;
        match self.body.last_mut() {
            Some(last) if last.offset + last.len == offset => last.len += len,
            _ => self.body.push(Range { offset, len }),
        }
    }

    /// Notes that its frames reach `end`, captured at `at`; the first call also sets where
    /// they start.
    pub(super) fn reach(&mut self, frame_start: u64, end: u64, at: u64) {
        let extent = self.extent.get_or_insert(Extent {
            start: frame_start,
            end,
            first_at: at,
            last_at: at,
        });
        extent.end = extent.end.max(end);
        extent.last_at = at;
    }
}

/// A RST_STREAM: who ended the stream, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    /// The side that sent it.
    pub by: Direction,
    /// Its error code (RFC 9113 section 7).
    pub code: u32,
}

impl Reset {
    /// The note an exchange shows, e.g. `RST_STREAM from the client: CANCEL`.
    pub fn note(&self) -> String {
        format!(
            "RST_STREAM from the {}: {}",
            side_name(self.by),
            error_name(self.code)
        )
    }
}

/// A GOAWAY: one side closes the connection after `last_stream`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoAway {
    /// The side that sent it.
    pub by: Direction,
    /// The highest stream the sender may have acted on.
    pub last_stream: u32,
    /// Its error code.
    pub code: u32,
    /// Debug data as text, at most [`super::DEBUG_KEEP`] bytes of it.
    pub debug: String,
}

impl GoAway {
    /// The note the connection shows.
    pub fn note(&self) -> String {
        let mut note = format!(
            "GOAWAY from the {}: {}, last stream {}",
            side_name(self.by),
            error_name(self.code),
            self.last_stream
        );
        if !self.debug.is_empty() {
            note.push_str(&format!(" ({})", self.debug));
        }
        note
    }
}

/// One HTTP/2 stream: a request and its response, or a pushed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// Stream identifier.
    pub id: u32,
    /// Client to server.
    pub request: Message,
    /// Server to client.
    pub response: Message,
    /// A pushed stream: the stream whose PUSH_PROMISE carried its request head.
    pub pushed_by: Option<u32>,
    /// Stream 1 of an h2c upgrade: its request was the HTTP/1.1 request that asked for the
    /// upgrade (its bytes are that exchange's), and only its response is HTTP/2.
    pub upgraded: bool,
    /// The RST_STREAM that ended it, if one did.
    pub reset: Option<Reset>,
}

impl Stream {
    pub(super) fn new(id: u32) -> Self {
        Self {
            id,
            request: Message::default(),
            response: Message::default(),
            pushed_by: None,
            upgraded: false,
            reset: None,
        }
    }

    /// Its message in `dir`.
    pub fn message(&self, dir: Direction) -> &Message {
        match dir {
            Direction::ClientToServer => &self.request,
            Direction::ServerToClient => &self.response,
        }
    }

    pub(super) fn message_mut(&mut self, dir: Direction) -> &mut Message {
        match dir {
            Direction::ClientToServer => &mut self.request,
            Direction::ServerToClient => &mut self.response,
        }
    }

    /// Whether nothing more will come on it: both sides ended or it was reset.
    pub fn is_closed(&self) -> bool {
        self.reset.is_some() || (self.request.end_stream && self.response.end_stream)
    }
}

/// "client" or "server", for notes.
pub(super) fn side_name(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

//! An HTTP/2 connection in the exchange list: each stream one exchange, kept up to date by the
//! [`h2::Connection`] follower as frames arrive.
//!
//! A stream's messages are not contiguous bytes in the capture (frames of other streams lie
//! between them, and HPACK makes the head unreadable without the connection's tables), so an
//! exchange keeps each message as an [`H2Message`]: its head decoded and written as
//! HTTP/1-style text with the version `HTTP/2.0` (the form every view, export and search
//! already reads), and where its DATA payloads lie in the capture. The relay's store reads a
//! message as that head followed by those bytes.

use super::{Exchange, Span};
use crate::Direction;
use crate::grpc::{Status, StatusError};
use crate::h2::{self, Connection, H2Error, Head, Range, Stream};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// The version token an HTTP/2 message's head is written with.
pub const VERSION: &str = "HTTP/2.0";

/// One side of an HTTP/2 stream as views read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "H2Message"))]
pub struct H2Message {
    /// The decoded head as HTTP/1-style text (request line or status line, the fields as sent,
    /// a blank line); empty until the head has arrived.
    pub head: String,
    /// Where the DATA payloads lie in the direction's stream, in order, padding excluded.
    pub body: Vec<Range>,
    /// Fields of a header block after the body (gRPC's `grpc-status` travels there).
    #[serde(default)]
    pub trailers: Vec<(String, String)>,
}

impl H2Message {
    /// Bytes of the message as read: the head, then the body.
    pub fn len(&self) -> u64 {
        self.head.len() as u64 + self.body.iter().map(|r| r.len).sum::<u64>()
    }

    /// Whether neither head nor body has arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first trailer field named `name` (lowercase).
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Where the bytes `offset..offset + max` of the message come from, in order.
    pub fn pieces(&self, offset: u64, max: u64) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let (mut at, end) = (offset, offset.saturating_add(max));
        let head = self.head.len() as u64;
        if at < head && at < end {
            let to = head.min(end);
            pieces.push(Piece::Head(at as usize..to as usize));
            at = to;
        }
        let mut start = head;
        for range in &self.body {
            let stop = start + range.len;
            if at >= end {
                break;
            }
            if at < stop {
                let to = stop.min(end);
                let offset = range.offset + (at - start);
                pieces.push(Piece::Capture(Range {
                    offset,
                    len: to - at,
                }));
                at = to;
            }
            start = stop;
        }
        pieces
    }
}

/// Where some bytes of an [`H2Message`] are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// These bytes of its `head` text.
    Head(std::ops::Range<usize>),
    /// These bytes of the direction's stream in the capture.
    Capture(Range),
}

/// What an exchange knows of the HTTP/2 stream it is. (No field is skipped when empty: the
/// exchange list packs it with postcard, which has no field names to miss.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "H2Stream"))]
pub struct H2Stream {
    /// The stream identifier.
    pub id: u32,
    /// The request; `None` when it was the HTTP/1.1 request of an `h2c` upgrade, whose bytes
    /// are the exchange's request span.
    pub request: Option<H2Message>,
    /// The response.
    pub response: H2Message,
    /// A pushed response: the stream whose PUSH_PROMISE carried its request.
    #[serde(default)]
    pub pushed_by: Option<u32>,
    /// Whether a RST_STREAM ended it (its note says who and why).
    #[serde(default)]
    pub reset: bool,
    /// A gRPC call's status, once its trailers (or a trailers-only head) said it.
    #[serde(default)]
    pub grpc: Option<GrpcStatus>,
}

/// How a gRPC call ended, as the table and the CLI line show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GrpcStatus {
    /// `grpc-status` as sent (a number, when the server follows the spec).
    pub code: String,
    /// The code's name (`OK`, `NOT_FOUND`, ...); `None` for codes the spec does not define.
    pub name: Option<String>,
}

impl GrpcStatus {
    /// The status `stream`'s response says, if it says one.
    fn of(stream: &H2Stream) -> Option<Self> {
        match Status::of_h2(stream) {
            Ok(Some(status)) => Some(Self {
                code: status.code.to_string(),
                name: status.name.map(str::to_string),
            }),
            Err(StatusError::BadCode(code)) => Some(Self { code, name: None }),
            Ok(None) | Err(_) => None,
        }
    }
}

impl H2Stream {
    /// Its message in `dir`, unless that is HTTP/1 bytes in the span.
    pub fn message(&self, dir: Direction) -> Option<&H2Message> {
        match dir {
            Direction::ClientToServer => self.request.as_ref(),
            Direction::ServerToClient => Some(&self.response),
        }
    }
}

/// Follows an HTTP/2 connection for the tracker and keeps its streams' exchanges.
#[derive(Debug)]
pub(super) struct Follow {
    connection: Connection,
    /// Index in the tracker's list of the exchange of `connection.streams()[0]`.
    base: usize,
    /// GOAWAY frames already noted.
    go_aways: usize,
}

impl Follow {
    /// Follows a connection whose streams' exchanges start at `base` (for an `h2c` upgrade:
    /// the upgrade's own exchange, which stream 1 answers).
    pub(super) fn new(connection: Connection, base: usize) -> Self {
        Self {
            connection,
            base,
            go_aways: 0,
        }
    }

    /// Feeds bytes of `dir` from stream `offset`, updating the exchanges: the lowest index
    /// changed, and the error that ended the following if it did (noted on the last exchange).
    pub(super) fn feed(
        &mut self,
        dir: Direction,
        data: &[u8],
        offset: u64,
        at: u64,
        exchanges: &mut Vec<Exchange>,
    ) -> (Option<usize>, Option<H2Error>) {
        let fed = self.connection.feed(dir, data, offset, at);
        let changed = self.sync(exchanges);
        let Err(error) = fed else {
            return (changed, None);
        };
        let Some(last) = exchanges.len().checked_sub(1) else {
            return (changed, Some(error));
        };
        exchanges[last].add_note(format!("HTTP/2: {error}; the rest is shown raw"));
        (Some(changed.map_or(last, |c| c.min(last))), Some(error))
    }

    /// The connection ended: a stream or frame it cut is noted on its exchange.
    pub(super) fn finish(&self, exchanges: &mut [Exchange]) -> Option<usize> {
        let cut = Direction::BOTH
            .into_iter()
            .filter(|&dir| self.connection.in_frame(dir))
            .map(|dir| format!("{}: the connection ended inside a frame", side_name(dir)))
            .collect::<Vec<_>>();
        let last = exchanges.last_mut()?;
        cut.iter().for_each(|note| last.add_note(note.clone()));
        (!cut.is_empty()).then(|| exchanges.len() - 1)
    }

    /// How many exchanges at the start of the list no stream will change again.
    pub(super) fn settled(&self) -> usize {
        let open = self
            .connection
            .streams()
            .iter()
            .position(|s| !s.is_closed());
        self.base + open.unwrap_or(self.connection.streams().len())
    }

    /// The first `n` exchanges left the list: their streams are forgotten.
    pub(super) fn rebase(&mut self, n: usize) {
        if n > self.base {
            self.connection.forget(n - self.base);
        }
        self.base = self.base.saturating_sub(n);
    }

    /// Brings the exchanges of the streams that changed up to date.
    fn sync(&mut self, exchanges: &mut Vec<Exchange>) -> Option<usize> {
        let from = self.connection.take_changed();
        // A GOAWAY that closes gracefully (NO_ERROR) is how every connection ends: no news.
        let go_aways = &self.connection.go_aways()[self.go_aways..];
        self.go_aways += go_aways.len();
        let notable = go_aways.iter().filter(|g| g.code != 0);
        if let Some(last) = exchanges.last_mut() {
            notable.for_each(|g| last.add_note(g.note()));
        }
        let from = from?;
        for (i, stream) in self.connection.streams().iter().enumerate().skip(from) {
            let index = self.base + i;
            if index == exchanges.len() {
                exchanges.push(Exchange::of_stream(stream.id));
            }
            update(&mut exchanges[index], stream);
        }
        Some(self.base + from)
    }
}

impl Exchange {
    /// The exchange of HTTP/2 stream `id`, before anything of it is known.
    fn of_stream(id: u32) -> Self {
        let mut exchange = Exchange {
            method: CompactString::default(),
            target: CompactString::default(),
            version: 2,
            host: None,
            request: Span::default(),
            response: None,
            status: None,
            reason: CompactString::default(),
            tunnel: false,
            extra: None,
        };
        exchange.extra_mut().h2 = Some(Box::new(H2Stream {
            id,
            request: Some(H2Message::default()),
            ..H2Stream::default()
        }));
        exchange
    }
}

/// Copies what is new in `stream` onto its exchange: only what changed is written, so a
/// stream of a million DATA frames costs each frame once.
fn update(exchange: &mut Exchange, stream: &Stream) {
    let h2 = exchange.extra_mut().h2.get_or_insert_with(|| {
        Box::new(H2Stream {
            id: stream.id,
            ..H2Stream::default()
        })
    });
    h2.pushed_by = stream.pushed_by;
    let reset_now = stream.reset.filter(|_| !h2.reset);
    h2.reset |= reset_now.is_some();
    let new_request = match &mut h2.request {
        Some(message) => sync_message(message, &stream.request, render_request),
        None => false,
    };
    let trailers_before = h2.response.trailers.len();
    let new_head = sync_message(&mut h2.response, &stream.response, render_response);
    if new_head || h2.response.trailers.len() != trailers_before {
        h2.grpc = GrpcStatus::of(h2);
    }
    if new_request {
        if let Some(head) = &stream.request.head {
            exchange.method = head.method.as_deref().unwrap_or_default().into();
            exchange.target = target(head).into();
            exchange.host = head.authority.as_deref().map(CompactString::from);
            if let Some(protocol) = &head.protocol {
                exchange.add_note(format!("extended CONNECT for {protocol} (RFC 8441)"));
            }
        }
    }
    if let Some(head) = &stream.response.head {
        exchange.status = head.status;
    }
    // Interim heads only ever grow in number.
    if exchange.interim().len() != stream.response.interim.len() {
        let statuses = stream.response.interim.iter();
        exchange.extra_mut().interim = statuses.map(|h| h.status.unwrap_or_default()).collect();
    }
    if !stream.upgraded {
        sync_span(&mut exchange.request, &stream.request);
    }
    if stream.response.extent.is_some() {
        sync_span(
            exchange.response.get_or_insert_with(Span::default),
            &stream.response,
        );
    }
    if let Some(reset) = reset_now {
        exchange.add_note(reset.note());
        exchange.request.set_complete();
        if let Some(span) = &mut exchange.response {
            span.set_complete();
        }
    }
}

/// Copies a message's head (rendered once), new body ranges and trailers; whether the head
/// arrived just now.
fn sync_message(into: &mut H2Message, from: &h2::Message, render: fn(&Head) -> String) -> bool {
    let new_head = into.head.is_empty() && from.head.is_some();
    if let Some(head) = from.head.as_ref().filter(|_| new_head) {
        into.head = render(head);
    }
    let have = into.body.len();
    if let (Some(last), Some(now)) = (into.body.last_mut(), from.body.get(have.wrapping_sub(1))) {
        *last = *now;
    }
    into.body
        .extend_from_slice(from.body.get(have..).unwrap_or_default());
    if let Some(trailers) = from.trailers.as_ref().filter(|_| into.trailers.is_empty()) {
        into.trailers = trailers
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
    }
    new_head
}

/// Sets a span to where a message's frames lie and when they came.
fn sync_span(span: &mut Span, message: &h2::Message) {
    if let Some(extent) = message.extent {
        span.start = extent.start;
        span.end = extent.end;
        span.first_at = extent.first_at;
        span.last_at = extent.last_at;
    }
    span.body_len = message.body_len;
    if message.end_stream {
        span.set_complete();
    }
}

/// The request target as HTTP/1 would write it: absolute form when the scheme and authority
/// are known, the authority for `CONNECT`.
fn target(head: &Head) -> String {
    match (&head.scheme, &head.authority, &head.path) {
        (_, Some(authority), None) => authority.clone(),
        (_, _, Some(path)) => path.clone(),
        _ => String::from("*"),
    }
}

fn render_request(head: &Head) -> String {
    let method = head.method.as_deref().unwrap_or("?");
    let target = match (&head.scheme, &head.authority, &head.path) {
        (Some(scheme), Some(authority), Some(path)) => format!("{scheme}://{authority}{path}"),
        _ => target(head),
    };
    fields(
        format!("{} {} {VERSION}\r\n", clean(method), clean(&target)),
        head,
    )
}

fn render_response(head: &Head) -> String {
    let status = head.status.unwrap_or_default();
    fields(format!("{VERSION} {status}\r\n"), head)
}

fn fields(mut text: String, head: &Head) -> String {
    text.reserve(
        head.fields
            .iter()
            .map(|f| f.name.len() + f.value.len() + 4)
            .sum::<usize>()
            + 2,
    );
    for field in &head.fields {
        field_line(&mut text, &field.name, &field.value);
    }
    text.push_str("\r\n");
    text
}

fn field_line(text: &mut String, name: &str, value: &str) {
    text.push_str(&clean(name));
    text.push_str(": ");
    text.push_str(&clean(value));
    text.push_str("\r\n");
}

/// A name or value as one line of text: HPACK carries any byte, and a line break in a field
/// would make the next line look like another field.
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        text.replace(['\r', '\n', '\0'], " ").into()
    } else {
        text.into()
    }
}

fn side_name(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

#[cfg(test)]
mod tests;

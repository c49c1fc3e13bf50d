//! A connection's HTTP exchanges (request + response pairs), found incrementally as its bytes
//! arrive in either direction, split at any byte.
//!
//! A [`Tracker`] is fed each direction's bytes in capture order and keeps a list of
//! [`Exchange`]s up to date: where each message lies in its direction's stream, its method,
//! target, status, body sizes and when its first and last bytes were seen. It never holds more
//! than one unfinished head per direction, so it can run on a live relay. A connection whose
//! first bytes are not an HTTP request yields no exchanges (a raw stream); after `CONNECT` or
//! an `Upgrade` the rest of both streams belongs to that exchange, as raw bytes.

mod h2;
mod list;

pub use h2::{GrpcStatus, H2Message, H2Stream, Piece, VERSION as H2_VERSION};
pub use list::ExchangeList;

use crate::Direction;
use crate::h2::{Connection as H2Connection, PREFACE};
use crate::http1::{BodyDecoder, Framing, HeadBuffer, RequestHead, parse_request, parse_response};
use crate::{sse, ws};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Longest head accepted before the stream is judged not to be HTTP.
const MAX_HEAD: usize = 64 << 10;

/// Sides as indexes into per-direction arrays, for the tracker's own state.
const REQUEST_SIDE: usize = 0;
const RESPONSE_SIDE: usize = 1;

/// Where one message lies in its direction's stream, and what is known of it so far. Its
/// JSON is flat (see `SpanJson`); in memory it takes 48 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "SpanJson", from = "SpanJson")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "SpanJson"))]
pub struct Span {
    /// Offset of its first byte (for a response: of its first interim `1xx` head, if any).
    pub start: u64,
    /// One past the last byte seen so far.
    pub end: u64,
    /// Body payload bytes with any chunked framing removed (before content decoding).
    pub body_len: u64,
    /// When its first byte was captured (µs since the Unix epoch).
    pub first_at: u64,
    /// When its latest byte was captured.
    pub last_at: u64,
    /// Bytes of interim heads before the final head.
    interim_len: u32,
    /// Length of the final head (heads are at most [`MAX_HEAD`]), and in the top bit whether
    /// the message is complete.
    head: u32,
}

const COMPLETE: u32 = 1 << 31;

impl Span {
    /// Bytes it covers so far.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether it covers no bytes yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offset of the final head (after interim responses); equals `start` for requests.
    pub fn head_at(&self) -> u64 {
        self.start.saturating_add(u64::from(self.interim_len))
    }

    /// Length of the final head, blank line included.
    pub fn head_len(&self) -> u64 {
        u64::from(self.head & !COMPLETE)
    }

    /// Whether the message has ended as its framing says.
    pub fn complete(&self) -> bool {
        self.head & COMPLETE != 0
    }

    fn set_complete(&mut self) {
        self.head |= COMPLETE;
    }

    /// Places the final head; `false` when interim heads before it are too long to count.
    fn set_head(&mut self, head_at: u64, head_len: usize) -> bool {
        let Ok(interim_len) = u32::try_from(head_at - self.start) else {
            return false;
        };
        self.interim_len = interim_len;
        // Heads longer than MAX_HEAD are never parsed.
        self.head = u32::try_from(head_len).unwrap_or(0) & !COMPLETE;
        self.end = head_at + head_len as u64;
        true
    }

    /// Bytes the body takes on the wire (chunk framing included).
    pub fn body_wire_len(&self) -> u64 {
        self.end
            .saturating_sub(self.head_at().saturating_add(self.head_len()))
    }
}

/// A span as JSON, every figure spelled out.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Span"))]
struct SpanJson {
    start: u64,
    head_at: u64,
    head_len: u64,
    end: u64,
    body_len: u64,
    complete: bool,
    first_at: u64,
    last_at: u64,
}

impl From<Span> for SpanJson {
    fn from(s: Span) -> Self {
        Self {
            start: s.start,
            head_at: s.head_at(),
            head_len: s.head_len(),
            end: s.end,
            body_len: s.body_len,
            complete: s.complete(),
            first_at: s.first_at,
            last_at: s.last_at,
        }
    }
}

impl From<SpanJson> for Span {
    fn from(j: SpanJson) -> Self {
        let mut span = Span {
            start: j.start,
            end: j.end,
            body_len: j.body_len,
            first_at: j.first_at,
            last_at: j.last_at,
            interim_len: u32::try_from(j.head_at.saturating_sub(j.start)).unwrap_or(0),
            head: u32::try_from(j.head_len).unwrap_or(0) & !COMPLETE,
        };
        if j.complete {
            span.set_complete();
        }
        span
    }
}

/// One request and the response to it. A relay holds one per request it saw, hundreds of
/// thousands under load, so it is kept small: short strings inline (no allocation up to 24
/// bytes), the rarely used parts behind one pointer. Its JSON is flat (see `ExchangeJson`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ExchangeJson", from = "ExchangeJson")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "ExchangeJson"))]
pub struct Exchange {
    /// Method as sent.
    pub method: CompactString,
    /// Request target as sent (origin, absolute or authority form).
    pub target: CompactString,
    /// Minor HTTP version of the request: 0 or 1.
    pub version: u8,
    /// The `Host` header, if any.
    pub host: Option<CompactString>,
    /// The request on the client-to-server stream.
    pub request: Span,
    /// The response on the server-to-client stream, once its first byte was seen.
    pub response: Option<Span>,
    /// Final status code, once the final head has arrived.
    pub status: Option<u16>,
    /// Reason phrase of the final status line.
    pub reason: CompactString,
    /// The connection stopped being HTTP after this exchange (`CONNECT`, `101`): the rest of
    /// each stream is part of this exchange's spans.
    pub tunnel: bool,
    /// Interim statuses and notes: most exchanges have neither.
    extra: Option<Box<Extra>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Extra {
    interim: Vec<u16>,
    note: Option<String>,
    websocket: Option<ws::Summary>,
    sse: Option<sse::Summary>,
    h2: Option<Box<H2Stream>>,
}

/// An exchange as JSON: every field at the top level.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Exchange"))]
struct ExchangeJson {
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    method: CompactString,
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    target: CompactString,
    version: u8,
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    host: Option<CompactString>,
    request: Span,
    response: Option<Span>,
    status: Option<u16>,
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    reason: CompactString,
    #[serde(default)]
    interim: Vec<u16>,
    tunnel: bool,
    #[serde(default)]
    note: Option<String>,
    /// Set once the exchange became a WebSocket: its messages so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    websocket: Option<ws::Summary>,
    /// Set when the response is an event stream (`text/event-stream`): its events so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    sse: Option<sse::Summary>,
    /// Set when the exchange is an HTTP/2 stream: its messages as views read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<H2Stream>"))]
    h2: Option<Box<H2Stream>>,
}

impl From<Exchange> for ExchangeJson {
    fn from(e: Exchange) -> Self {
        let extra = e.extra.map(|x| *x).unwrap_or_default();
        Self {
            method: e.method,
            target: e.target,
            version: e.version,
            host: e.host,
            request: e.request,
            response: e.response,
            status: e.status,
            reason: e.reason,
            interim: extra.interim,
            tunnel: e.tunnel,
            note: extra.note,
            websocket: extra.websocket,
            sse: extra.sse,
            h2: extra.h2,
        }
    }
}

impl From<ExchangeJson> for Exchange {
    fn from(j: ExchangeJson) -> Self {
        let extra = Extra {
            interim: j.interim,
            note: j.note,
            websocket: j.websocket,
            sse: j.sse,
            h2: j.h2,
        };
        Self {
            method: j.method,
            target: j.target,
            version: j.version,
            host: j.host,
            request: j.request,
            response: j.response,
            status: j.status,
            reason: j.reason,
            tunnel: j.tunnel,
            extra: (extra != Extra::default()).then(|| Box::new(extra)),
        }
    }
}

impl Exchange {
    /// Its message in `dir`: the request, or the response once its first byte was seen. The one
    /// place a direction picks a span (exports, view pages, search and resend ask here).
    pub fn span(&self, dir: Direction) -> Option<&Span> {
        match dir {
            Direction::ClientToServer => Some(&self.request),
            Direction::ServerToClient => self.response.as_ref(),
        }
    }

    /// Interim `1xx` statuses (e.g. `100 Continue`) before the final one.
    pub fn interim(&self) -> &[u16] {
        self.extra.as_ref().map_or(&[], |x| &x.interim)
    }

    /// Once the exchange became a WebSocket (`101` to `websocket`): what its messages have
    /// carried each way, and the close.
    pub fn websocket(&self) -> Option<&ws::Summary> {
        self.extra.as_ref()?.websocket.as_ref()
    }

    /// When its response is an event stream (Server-Sent Events): how many events so far.
    pub fn sse(&self) -> Option<&sse::Summary> {
        self.extra.as_ref()?.sse.as_ref()
    }

    /// When the exchange is an HTTP/2 stream: its id and its messages as views read them.
    pub fn h2(&self) -> Option<&H2Stream> {
        self.extra.as_ref()?.h2.as_deref()
    }

    /// Bytes its message in `dir` reads as so far (see `Store::read_message`): its span, or an
    /// HTTP/2 stream's decoded head and body.
    pub fn message_len(&self, dir: Direction) -> u64 {
        match self.h2_message(dir) {
            Some(message) => message.len(),
            None => self.span(dir).map_or(0, Span::len),
        }
    }

    /// Its message in `dir` when that is HTTP/2 frames (not bytes at its span).
    pub fn h2_message(&self, dir: Direction) -> Option<&H2Message> {
        self.h2()?.message(dir)
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// What it has carried as a WebSocket, for the tracker to count into.
    fn websocket_mut(&mut self) -> Option<&mut ws::Summary> {
        self.extra.as_mut()?.websocket.as_mut()
    }

    /// What went wrong, e.g. a malformed head after this exchange or a body cut short.
    pub fn note(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|x| x.note.as_deref())
    }

    /// Adds to the note (after what it says already).
    pub fn add_note(&mut self, note: String) {
        let extra = self.extra_mut();
        match &mut extra.note {
            Some(existing) => {
                existing.push_str("; ");
                existing.push_str(&note);
            }
            None => extra.note = Some(note),
        }
    }

    /// The absolute URL asked for: the target itself when absolute, else built from the Host
    /// header (or `fallback_host`, the relay's target) and the path, `https://` when the client
    /// spoke TLS (`tls`).
    pub fn url(&self, fallback_host: &str, tls: bool) -> String {
        if self.target.contains("://") {
            return self.target.to_string();
        }
        let host = self.host.as_deref().unwrap_or(fallback_host);
        if self.method.eq_ignore_ascii_case("CONNECT") {
            return format!("https://{}", self.target);
        }
        let path = if self.target.starts_with('/') {
            self.target.as_str()
        } else {
            "/"
        };
        let scheme = if tls { "https" } else { "http" };
        format!("{scheme}://{host}{path}")
    }
}

/// What a direction's parser is doing.
#[derive(Debug, Clone)]
enum State {
    /// Collecting a head in `Side::pending`.
    Head,
    /// Inside the body of the message of exchange `index`.
    Body {
        index: usize,
        decoder: BodyDecoder,
        /// The body ends when the connection does.
        until_close: bool,
        /// Request side: a `CONNECT` or `Upgrade` request, whose answer decides what follows.
        switches: bool,
    },
    /// Request side only: a `CONNECT` or `Upgrade` request is done; its answer decides whether
    /// what follows is HTTP. Bytes wait in `Side::pending`.
    AwaitSwitch { index: usize },
    /// Everything from here belongs to exchange `index` (`None`: to no exchange), as raw bytes.
    Raw { index: Option<usize> },
}

#[derive(Debug)]
struct Side {
    state: State,
    /// After a switch to WebSocket: this side's frames, counted into the exchange.
    ws: Option<Box<ws::Reader>>,
    /// Response side, in an event stream's body: its events, counted into the exchange.
    sse: Option<Box<sse::Parser>>,
    /// Stream offset of the next byte this side will be given.
    offset: u64,
    /// Bytes not yet placed: an unfinished head, or bytes waiting for a switch decision.
    pending: HeadBuffer,
    /// Capture time of the first pending byte.
    pending_at: u64,
    /// Capture time of the latest byte fed.
    latest_at: u64,
    /// Response side: the exchange whose response comes next.
    next: usize,
}

impl Side {
    fn new() -> Self {
        Self {
            state: State::Head,
            ws: None,
            sse: None,
            offset: 0,
            pending: HeadBuffer::default(),
            pending_at: 0,
            latest_at: 0,
            next: 0,
        }
    }

    /// Whether parsing the pending head can tell anything new (see [`HeadBuffer`]).
    fn worth_parsing(&mut self) -> bool {
        self.pending.worth_parsing(MAX_HEAD)
    }

    /// Stream offset of `pending[0]`.
    fn pending_offset(&self) -> u64 {
        self.offset - self.pending.len() as u64
    }

    /// Drops the first `n` pending bytes, which have been placed.
    fn consume(&mut self, n: usize) {
        self.pending.consume(n);
        self.pending_at = self.latest_at;
    }
}

/// Finds the exchanges of one connection; see the module docs.
#[derive(Debug)]
pub struct Tracker {
    sides: [Side; 2],
    /// Once the connection is HTTP/2 (the client's preface, or a `101` to `h2c`): its
    /// follower, which gets every byte from there on.
    h2: Option<Box<h2::Follow>>,
    /// The `HTTP2-Settings` of a request that asked for `h2c`, decoded: the client's first
    /// SETTINGS if the server agrees.
    h2c_settings: Option<Vec<u8>>,
    /// Lowest exchange index changed since [`Tracker::take_changed`].
    changed_from: Option<usize>,
}

impl Default for Tracker {
    fn default() -> Self {
        Self::new()
    }
}

impl Tracker {
    /// A tracker for a connection that has not sent anything yet.
    pub fn new() -> Self {
        Self {
            sides: [Side::new(), Side::new()],
            h2: None,
            h2c_settings: None,
            changed_from: None,
        }
    }

    /// Whether the connection has turned out not to be HTTP: nothing more will be found.
    pub fn is_raw(&self) -> bool {
        matches!(self.sides[REQUEST_SIDE].state, State::Raw { index: None })
    }

    /// How many exchanges at the start of `exchanges` (the list this tracker feeds) it will
    /// never change again: everything before the messages it is still reading and before the
    /// last exchange (which a malformed head may still get a note on). Those can be packed
    /// away, and the tracker [rebased](Tracker::rebase).
    pub fn settled(&self, exchanges: &[Exchange]) -> usize {
        let mut low = exchanges.len().saturating_sub(1);
        if let Some(h2) = &self.h2 {
            return low.min(h2.settled());
        }
        for side in &self.sides {
            if let State::Body { index, .. }
            | State::AwaitSwitch { index }
            | State::Raw { index: Some(index) } = side.state
            {
                low = low.min(index);
            }
        }
        low.min(self.sides[RESPONSE_SIDE].next)
    }

    /// The first `n` exchanges were taken out of the list this tracker feeds (they were
    /// [settled](Tracker::settled)): its indexes now count from there.
    pub fn rebase(&mut self, n: usize) {
        if let Some(h2) = &mut self.h2 {
            h2.rebase(n);
        }
        for side in &mut self.sides {
            side.next = side.next.saturating_sub(n);
            if let State::Body { index, .. }
            | State::AwaitSwitch { index }
            | State::Raw { index: Some(index) } = &mut side.state
            {
                *index = index.saturating_sub(n);
            }
        }
        self.changed_from = self.changed_from.map(|c| c.saturating_sub(n));
    }

    /// Whether `dir`'s WebSocket stream is between messages, once the connection became one.
    pub fn websocket_between_messages(&self, dir: Direction) -> Option<bool> {
        let reader = self.sides[dir.index()].ws.as_ref()?;
        Some(reader.between_messages())
    }

    /// The lowest index of the exchanges changed since the last call, if any.
    pub fn take_changed(&mut self) -> Option<usize> {
        self.changed_from.take()
    }

    fn touch(&mut self, index: usize) {
        self.changed_from = Some(self.changed_from.map_or(index, |c| c.min(index)));
    }

    /// The tunnel the last exchange opened carries HTTP again from here on (TCPMon decrypts
    /// it): the next bytes of each side start new exchanges after the `exchanges` there are.
    pub fn resume_http(&mut self, exchanges: usize) {
        self.h2 = None;
        for side in &mut self.sides {
            side.state = State::Head;
            side.ws = None;
            side.pending = HeadBuffer::default();
            side.next = exchanges;
        }
    }

    /// Feeds bytes of one side captured at `at` (µs since the Unix epoch), updating
    /// `exchanges`, which only this tracker changes.
    pub fn feed(&mut self, dir: Direction, data: &[u8], at: u64, exchanges: &mut Vec<Exchange>) {
        if data.is_empty() {
            return;
        }
        let side = dir.index();
        let s = &mut self.sides[side];
        let offset = s.offset;
        s.latest_at = at;
        s.offset += data.len() as u64;
        if self.h2.is_some() {
            self.feed_h2(dir, data, offset, at, exchanges);
            return;
        }
        let mut data = data;
        if s.pending.is_empty() && matches!(s.state, State::Raw { .. } | State::Body { .. }) {
            // The common case on a live connection: body or tunnel bytes, counted where they
            // are, without a copy.
            let used = self.place(side, data, offset, at, exchanges);
            data = &data[used..];
        }
        let s = &mut self.sides[side];
        if !data.is_empty() && !matches!(s.state, State::Raw { index: None }) {
            if s.pending.is_empty() {
                s.pending_at = at;
            }
            s.pending.extend(data);
        }
        // Each step may unblock the other side (a request head lets its response be parsed,
        // a response decides whether the request side switches to raw).
        while self.step(REQUEST_SIDE, exchanges) | self.step(RESPONSE_SIDE, exchanges) {}
    }

    /// The connection has ended: bodies delimited by the close are complete, and bytes that
    /// never made a whole message are attached to the last exchange with a note.
    pub fn finish(&mut self, exchanges: &mut Vec<Exchange>) {
        if let Some(h2) = &self.h2 {
            if let Some(index) = h2.finish(exchanges) {
                self.touch(index);
            }
            return;
        }
        for side in [REQUEST_SIDE, RESPONSE_SIDE] {
            let last = exchanges.len().checked_sub(1);
            let next = self.sides[side].next;
            let state = self.sides[side].state.clone();
            match state {
                State::Body {
                    index, until_close, ..
                } => {
                    if until_close {
                        span_mut(&mut exchanges[index], side).set_complete();
                    } else {
                        let note =
                            format!("{}: the connection ended inside the body", side_name(side));
                        exchanges[index].add_note(note);
                    }
                    self.touch(index);
                }
                State::Head | State::AwaitSwitch { .. } if !self.sides[side].pending.is_empty() => {
                    let index = match state {
                        State::AwaitSwitch { index } => Some(index),
                        _ if side == RESPONSE_SIDE && next < exchanges.len() => Some(next),
                        _ => last,
                    };
                    let note = format!(
                        "{}: the connection ended inside an unfinished head",
                        side_name(side)
                    );
                    self.go_raw(side, index, note, exchanges);
                    self.step(side, exchanges);
                }
                _ => {}
            }
        }
    }

    /// Feeds HTTP/2 bytes to the follower; where it stops (a bound or a protocol error, noted
    /// on the last exchange), the connection is raw from there.
    fn feed_h2(
        &mut self,
        dir: Direction,
        data: &[u8],
        offset: u64,
        at: u64,
        exchanges: &mut Vec<Exchange>,
    ) {
        let Some(follow) = &mut self.h2 else {
            return;
        };
        let (changed, stopped) = follow.feed(dir, data, offset, at, exchanges);
        if let Some(index) = changed {
            self.touch(index);
        }
        if stopped.is_some() {
            self.h2 = None;
            for side in &mut self.sides {
                side.state = State::Raw { index: None };
                side.pending = HeadBuffer::default();
            }
        }
    }

    /// From here on the connection is HTTP/2: after the client's preface (`upgrade` `None`)
    /// or after exchange `upgrade`'s `101` to `h2c`, whose response stream 1 carries. The bytes
    /// each side has pending are its first HTTP/2 bytes.
    fn start_h2(&mut self, upgrade: Option<usize>, exchanges: &mut Vec<Exchange>) {
        let from = Direction::BOTH.map(|dir| self.sides[dir.index()].pending_offset());
        let (connection, base) = match upgrade {
            Some(index) => {
                let settings = self.h2c_settings.take().unwrap_or_default();
                let connection = H2Connection::upgraded(from[0], from[1], &settings);
                (connection, index)
            }
            None => (H2Connection::starting_at(from[0], from[1]), exchanges.len()),
        };
        self.h2 = Some(Box::new(h2::Follow::new(connection, base)));
        for dir in Direction::BOTH {
            let s = &mut self.sides[dir.index()];
            let pending = std::mem::take(&mut s.pending).into_vec();
            s.state = State::Head;
            s.sse = None;
            let at = s.latest_at;
            if !pending.is_empty() {
                self.feed_h2(dir, &pending, from[dir.index()], at, exchanges);
            }
        }
    }

    /// Places pending bytes of `side` once; whether anything changed.
    fn step(&mut self, side: usize, exchanges: &mut Vec<Exchange>) -> bool {
        let s = &mut self.sides[side];
        match s.state.clone() {
            State::AwaitSwitch { index } => {
                let answer = exchanges[index].response.as_ref();
                if exchanges[index].tunnel {
                    s.state = State::Raw { index: Some(index) };
                } else if answer.is_some_and(Span::complete) {
                    s.state = State::Head;
                } else if s.pending.len() > MAX_HEAD {
                    // The server has not decided and the client goes on: nothing is held
                    // without bound.
                    let why = "over 64 KiB sent before the server answered the switch of protocol";
                    self.broken(side, Some(index), why, exchanges);
                } else {
                    return false;
                }
                true
            }
            _ if s.pending.is_empty() => false,
            State::Raw { .. } | State::Body { .. } => {
                let (offset, at) = (s.pending_offset(), s.latest_at);
                let pending = std::mem::take(&mut s.pending);
                let used = self.place(side, &pending, offset, at, exchanges);
                let s = &mut self.sides[side];
                s.pending = pending;
                s.consume(used);
                true
            }
            State::Head if side == REQUEST_SIDE => self.request_head(exchanges),
            State::Head => self.response_head(exchanges),
        }
    }

    /// Places body or tunnel bytes (`input`, starting at stream `offset`, captured at `at`) in
    /// the exchange they belong to; returns how many belong there (the rest follows the body).
    /// A body whose framing breaks turns the side raw and places nothing.
    fn place(
        &mut self,
        side: usize,
        input: &[u8],
        offset: u64,
        at: u64,
        exchanges: &mut [Exchange],
    ) -> usize {
        match self.sides[side].state.clone() {
            State::Raw { index } => {
                if let Some(i) = index {
                    let exchange = &mut exchanges[i];
                    let span = span_at(exchange, side, offset, at);
                    let tunnel_starts = side == REQUEST_SIDE && span.len() == span.head_len();
                    extend(span, input.len() as u64, 0, at);
                    if tunnel_starts && exchange.tunnel {
                        if let Some(name) = crate::tls::client_hello_sni(input) {
                            exchange.add_note(format!("TLS to {name} (SNI), not decrypted"));
                        }
                    }
                    self.count_messages(side, input, at, exchange);
                    self.touch(i);
                }
                input.len()
            }
            State::Body {
                index,
                mut decoder,
                until_close,
                switches,
            } => {
                let mut content = 0u64;
                let mut events = Vec::new();
                let mut stream = self.sides[side].sse.take();
                let fed = decoder.feed(input, &mut |b| {
                    content += b.len() as u64;
                    if let Some(parser) = &mut stream {
                        parser.feed(b, at, &mut events);
                    }
                });
                self.sides[side].sse = stream;
                if let Some(summary) = exchanges[index].extra.as_mut().and_then(|x| x.sse.as_mut())
                {
                    summary.events += events.len() as u64;
                }
                match fed {
                    Ok(used) => {
                        let span = span_mut(&mut exchanges[index], side);
                        extend(span, used as u64, content, at);
                        if decoder.is_done() {
                            span.set_complete();
                            self.sides[side].sse = None;
                            self.message_done(side, index, switches);
                        } else {
                            self.sides[side].state = State::Body {
                                index,
                                decoder,
                                until_close,
                                switches,
                            };
                        }
                        self.touch(index);
                        used
                    }
                    Err(e) => {
                        self.broken(side, Some(index), e, exchanges);
                        0
                    }
                }
            }
            State::Head | State::AwaitSwitch { .. } => 0,
        }
    }

    /// A head parsed from `side`'s pending bytes; else whether anything happened: `true` when
    /// the bytes are no head (the side is marked broken at exchange `index`), `false` when more
    /// bytes are needed.
    fn pending_head<H>(
        &mut self,
        side: usize,
        parse: fn(&[u8]) -> Result<Option<H>, crate::http1::HeadError>,
        index: Option<usize>,
        exchanges: &mut [Exchange],
    ) -> Result<H, bool> {
        let s = &mut self.sides[side];
        if !s.worth_parsing() {
            return Err(false);
        }
        match head_or_why(parse(&s.pending), s.pending.len()) {
            Ok(Some(head)) => Ok(head),
            Ok(None) => Err(false),
            Err(why) => {
                self.broken(side, index, why, exchanges);
                Err(true)
            }
        }
    }

    /// Tries to parse a request head from the pending bytes.
    fn request_head(&mut self, exchanges: &mut Vec<Exchange>) -> bool {
        let pending = &self.sides[REQUEST_SIDE].pending;
        let n = pending.len().min(PREFACE.len());
        if pending[..n] == PREFACE[..n] {
            if n == PREFACE.len() {
                self.start_h2(None, exchanges);
            }
            return n == PREFACE.len();
        }
        let last = exchanges.len().checked_sub(1);
        let head = match self.pending_head(REQUEST_SIDE, parse_request, last, exchanges) {
            Ok(head) => head,
            Err(progress) => return progress,
        };
        if head.head.version == 2 {
            let why = "an HTTP/2.0 request line in HTTP/1 (HTTP/2 starts with its preface)";
            self.broken(REQUEST_SIDE, last, why, exchanges);
            return true;
        }
        let s = &mut self.sides[REQUEST_SIDE];
        let index = exchanges.len();
        let start = s.pending_offset();
        let mut span = Span {
            start,
            first_at: s.pending_at,
            last_at: s.latest_at,
            ..Span::default()
        };
        span.set_head(start, head.head.len);
        s.consume(head.head.len);
        let switches =
            head.method.eq_ignore_ascii_case("CONNECT") || head.head.header("upgrade").is_some();
        if head.head.has_token("upgrade", "h2c") {
            self.h2c_settings = head
                .head
                .header("http2-settings")
                .and_then(|v| URL_SAFE_NO_PAD.decode(v.trim_ascii()).ok());
        }
        let framing = Framing::for_request(&head);
        exchanges.push(new_exchange(&head, span));
        self.touch(index);
        match framing {
            Ok(framing) => self.start_body(REQUEST_SIDE, index, framing, switches, exchanges),
            Err(e) => self.broken(REQUEST_SIDE, Some(index), e, exchanges),
        }
        true
    }

    /// Tries to parse a response head (interim or final) from the pending bytes.
    fn response_head(&mut self, exchanges: &mut Vec<Exchange>) -> bool {
        let request_state = self.sides[REQUEST_SIDE].state.clone();
        let s = &mut self.sides[RESPONSE_SIDE];
        let index = s.next;
        if index >= exchanges.len() {
            // No request to answer yet: wait for one, unless none will come.
            let unanswerable = match request_state {
                State::Raw { index: None } => {
                    s.state = State::Raw { index: None };
                    return true;
                }
                // A server that talks first and long is not answering HTTP.
                _ if s.pending.len() > MAX_HEAD && exchanges.is_empty() => {
                    s.state = State::Raw { index: None };
                    self.sides[REQUEST_SIDE].state = State::Raw { index: None };
                    return true;
                }
                // The request side has stopped being HTTP, or the server sends on and on.
                State::Raw { .. } => true,
                _ => s.pending.len() > MAX_HEAD,
            };
            if unanswerable {
                let last = exchanges.len().checked_sub(1);
                self.broken(
                    RESPONSE_SIDE,
                    last,
                    "bytes that answer no request",
                    exchanges,
                );
            }
            return unanswerable;
        }
        let head = match self.pending_head(RESPONSE_SIDE, parse_response, Some(index), exchanges) {
            Ok(head) => head,
            Err(progress) => return progress,
        };
        let s = &mut self.sides[RESPONSE_SIDE];
        let head_at = s.pending_offset();
        let (first_at, at) = (s.pending_at, s.latest_at);
        s.consume(head.head.len);
        let exchange = &mut exchanges[index];
        let span = span_at(exchange, RESPONSE_SIDE, head_at, first_at);
        span.last_at = at;
        self.touch(index);
        if !span.set_head(head_at, head.head.len) {
            let why = "over 4 GiB of interim responses";
            self.broken(RESPONSE_SIDE, Some(index), why, exchanges);
            return true;
        }
        if (100..200).contains(&head.status) && head.status != 101 {
            exchange
                .extra
                .get_or_insert_with(Box::default)
                .interim
                .push(head.status);
            return true;
        }
        exchange.status = Some(head.status);
        exchange.reason = head.reason.as_str().into();
        match Framing::for_response(&exchange.method, &head) {
            Ok(Framing::Tunnel) if head.status == 101 && head.head.has_token("upgrade", "h2c") => {
                exchange.add_note("switched to HTTP/2 (h2c)".into());
                self.start_h2(Some(index), exchanges);
            }
            Ok(Framing::Tunnel) => {
                exchange.tunnel = true;
                span_mut(exchange, RESPONSE_SIDE).set_complete();
                self.sides[RESPONSE_SIDE].state = State::Raw { index: Some(index) };
                if head.status == 101 && upgrades_to_websocket(&head) {
                    self.follow_websocket(&head, exchange);
                }
            }
            Ok(framing) => {
                if is_event_stream(&head) {
                    exchange.extra.get_or_insert_with(Box::default).sse =
                        Some(sse::Summary::default());
                    self.sides[RESPONSE_SIDE].sse = Some(Box::new(sse::Parser::new(false)));
                }
                self.start_body(RESPONSE_SIDE, index, framing, false, exchanges);
            }
            Err(e) => self.broken(RESPONSE_SIDE, Some(index), e, exchanges),
        }
        true
    }

    fn start_body(
        &mut self,
        side: usize,
        index: usize,
        framing: Framing,
        switches: bool,
        exchanges: &mut [Exchange],
    ) {
        let decoder = BodyDecoder::new(framing);
        if decoder.is_done() {
            span_mut(&mut exchanges[index], side).set_complete();
            self.message_done(side, index, switches);
        } else {
            self.sides[side].state = State::Body {
                index,
                decoder,
                until_close: framing == Framing::UntilClose,
                switches,
            };
        }
    }

    /// A message of exchange `index` has ended on `side`.
    fn message_done(&mut self, side: usize, index: usize, switches: bool) {
        let s = &mut self.sides[side];
        s.sse = None;
        if side == RESPONSE_SIDE {
            s.next = index + 1;
        }
        s.state = if switches {
            State::AwaitSwitch { index }
        } else {
            State::Head
        };
    }

    /// The exchange switched to WebSocket: each side's frames are followed from the next
    /// byte, counted into the exchange (the messages themselves stay in the capture).
    fn follow_websocket(&mut self, head: &crate::http1::ResponseHead, exchange: &mut Exchange) {
        let deflate = head
            .head
            .header("Sec-WebSocket-Extensions")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(ws::Deflate::negotiated);
        let start = Direction::BOTH.map(|dir| self.sides[dir.index()].pending_offset());
        let extra = exchange.extra.get_or_insert_with(Box::default);
        extra.websocket = Some(ws::Summary {
            deflate,
            start,
            ..ws::Summary::default()
        });
        for dir in Direction::BOTH {
            let reader = ws::Reader::new(dir, start[dir.index()], deflate, false);
            self.sides[dir.index()].ws = Some(Box::new(reader));
        }
    }

    /// Counts the WebSocket messages `input` completes on `side` into `exchange`; frames no
    /// peer sends end the following, with a note.
    fn count_messages(&mut self, side: usize, input: &[u8], at: u64, exchange: &mut Exchange) {
        let Some(reader) = &mut self.sides[side].ws else {
            return;
        };
        let mut messages = Vec::new();
        let read = reader.feed(input, at, &mut messages);
        if let Some(summary) = exchange.websocket_mut() {
            messages.iter().for_each(|m| summary.add(m));
        }
        if let Err(e) = read {
            self.sides[side].ws = None;
            let note = format!("{}: WebSocket: {e}; the rest is shown raw", side_name(side));
            exchange.add_note(note);
        }
    }

    /// `side` stops being HTTP, for the reason `why`: from here on its bytes belong to exchange
    /// `index` as raw bytes, and its note says so.
    fn broken(
        &mut self,
        side: usize,
        index: Option<usize>,
        why: impl std::fmt::Display,
        exchanges: &mut [Exchange],
    ) {
        let note = format!("{}: {why}; the rest is shown raw", side_name(side));
        self.go_raw(side, index, note, exchanges);
    }

    /// From here on, `side`'s bytes belong to exchange `index` as raw bytes, with `note`.
    fn go_raw(
        &mut self,
        side: usize,
        index: Option<usize>,
        note: String,
        exchanges: &mut [Exchange],
    ) {
        if let Some(i) = index {
            exchanges[i].add_note(note);
            self.touch(i);
        }
        self.sides[side].sse = None;
        self.sides[side].state = State::Raw { index };
    }
}

/// A response whose body is an event stream TCPMon can read as it comes (not compressed).
fn is_event_stream(head: &crate::http1::ResponseHead) -> bool {
    let media = |v: &[u8]| {
        v.split(|&b| b == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii()
            .to_vec()
    };
    head.head
        .header("Content-Type")
        .is_some_and(|v| media(v).eq_ignore_ascii_case(b"text/event-stream"))
        && head
            .head
            .header("Content-Encoding")
            .is_none_or(|v| v.trim_ascii().eq_ignore_ascii_case(b"identity"))
}

/// A `101` that switches to WebSocket (`Upgrade: websocket`, any case).
fn upgrades_to_websocket(head: &crate::http1::ResponseHead) -> bool {
    head.head
        .header("Upgrade")
        .is_some_and(|v| v.eq_ignore_ascii_case(b"websocket"))
}

/// A head parsed from `pending_len` bytes, `None` while more may complete it, or why the
/// bytes cannot be one (malformed, or no end within [`MAX_HEAD`]).
fn head_or_why<T>(
    parsed: Result<Option<T>, crate::http1::HeadError>,
    pending_len: usize,
) -> Result<Option<T>, String> {
    match parsed {
        Ok(None) if pending_len > MAX_HEAD => Err("head longer than 64 KiB".into()),
        Ok(head) => Ok(head),
        Err(e) => Err(e.to_string()),
    }
}

fn side_name(side: usize) -> &'static str {
    if side == REQUEST_SIDE {
        "request side"
    } else {
        "response side"
    }
}

/// The exchange's span on `side`, which must exist (a request always has one).
fn span_mut(exchange: &mut Exchange, side: usize) -> &mut Span {
    span_at(exchange, side, 0, 0)
}

/// The exchange's span on `side`, created at `offset` if it has none yet.
fn span_at(exchange: &mut Exchange, side: usize, offset: u64, at: u64) -> &mut Span {
    if side == REQUEST_SIDE {
        &mut exchange.request
    } else {
        exchange.response.get_or_insert(Span {
            start: offset,
            end: offset,
            first_at: at,
            last_at: at,
            ..Span::default()
        })
    }
}

fn extend(span: &mut Span, wire: u64, content: u64, at: u64) {
    span.end += wire;
    span.body_len += content;
    span.last_at = at;
}

fn new_exchange(head: &RequestHead, request: Span) -> Exchange {
    Exchange {
        method: head.method.as_str().into(),
        target: head.target.as_str().into(),
        version: head.head.version,
        host: head
            .head
            .header("host")
            .map(|h| String::from_utf8_lossy(h).as_ref().into()),
        request,
        response: None,
        status: None,
        reason: CompactString::default(),
        tunnel: false,
        extra: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exchanges found when the two streams are fed in the given pieces, in that order.
    fn track(pieces: &[(usize, &[u8])]) -> (Vec<Exchange>, bool) {
        let mut tracker = Tracker::new();
        let mut list = Vec::new();
        for (side, bytes) in pieces {
            tracker.feed(Direction::BOTH[*side], bytes, 7, &mut list);
        }
        tracker.finish(&mut list);
        (list, tracker.is_raw())
    }

    /// The same exchanges whatever the byte boundaries: every cut of each stream, interleaved,
    /// and one byte at a time.
    fn track_split_everywhere(request: &[u8], response: &[u8]) -> Vec<Exchange> {
        let (whole, _) = track(&[(REQUEST_SIDE, request), (RESPONSE_SIDE, response)]);
        for cut in 0..=request.len().max(response.len()) {
            let (a, b) = request.split_at(cut.min(request.len()));
            let (c, d) = response.split_at(cut.min(response.len()));
            let pieces = [
                (REQUEST_SIDE, a),
                (RESPONSE_SIDE, c),
                (REQUEST_SIDE, b),
                (RESPONSE_SIDE, d),
            ];
            assert_eq!(track(&pieces).0, whole, "cut at {cut}");
        }
        let mut bytewise = Vec::new();
        for i in 0..request.len().max(response.len()) {
            if let Some(b) = request.get(i..=i) {
                bytewise.push((REQUEST_SIDE, b));
            }
            if let Some(b) = response.get(i..=i) {
                bytewise.push((RESPONSE_SIDE, b));
            }
        }
        assert_eq!(track(&bytewise).0, whole, "byte at a time");
        whole
    }

    fn summary(list: &[Exchange]) -> Vec<(String, Option<u16>, u64, u64, bool)> {
        list.iter()
            .map(|e| {
                let res = e.response.clone().unwrap_or_default();
                (
                    format!("{} {}", e.method, e.target),
                    e.status,
                    e.request.body_len,
                    res.body_len,
                    e.request.complete() && res.complete(),
                )
            })
            .collect()
    }

    #[test]
    fn keep_alive_requests_become_one_exchange_each() {
        let request = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc\
GET /b HTTP/1.1\r\nHost: h\r\n\r\n\
PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n";
        let response = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n\
HTTP/1.1 204 No Content\r\n\r\n";
        let list = track_split_everywhere(request, response);
        assert_eq!(
            summary(&list),
            [
                ("POST /a".into(), Some(201), 3, 2, true),
                ("GET /b".into(), Some(200), 0, 11, true),
                ("PUT /c".into(), Some(204), 2, 0, true),
            ]
        );
        assert_eq!(list[0].url("target", false), "http://h/a");
        assert_eq!(list[0].url("target", true), "https://h/a");
        assert_eq!(list[2].url("target:80", false), "http://target:80/c");
        // The spans tile each stream.
        assert_eq!(list[1].request.start, list[0].request.end);
        assert_eq!(list[2].request.end, request.len() as u64);
        let last = list[2].response.as_ref().unwrap();
        assert_eq!(last.end, response.len() as u64);
        let chunked = list[1].response.as_ref().unwrap();
        assert_eq!(chunked.body_wire_len(), 30);
    }

    #[test]
    fn head_304_and_pipelining_take_no_response_body() {
        let request = b"HEAD /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\nGET /z HTTP/1.1\r\n\r\n";
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n\
HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz";
        let list = track_split_everywhere(request, response);
        assert_eq!(
            summary(&list),
            [
                ("HEAD /x".into(), Some(200), 0, 0, true),
                ("GET /y".into(), Some(304), 0, 0, true),
                ("GET /z".into(), Some(200), 0, 1, true),
            ]
        );
    }

    #[test]
    fn continue_is_an_interim_answer_of_the_same_exchange() {
        let request = b"PUT /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata";
        let response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        let list = track_split_everywhere(request, response);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].interim(), [100]);
        // The JSON the window and session files read is flat, and reads back the same.
        let json = serde_json::to_value(&list[0]).unwrap();
        assert_eq!(
            (&json["interim"], &json["note"], &json["status"]),
            (
                &serde_json::json!([100]),
                &serde_json::Value::Null,
                &serde_json::json!(200)
            )
        );
        assert_eq!(serde_json::from_value::<Exchange>(json).unwrap(), list[0]);
        assert_eq!(list[0].status, Some(200));
        let res = list[0].response.as_ref().unwrap();
        assert_eq!((res.start, res.head_at()), (0, 25));
    }

    #[test]
    fn connect_and_upgrade_switch_the_rest_to_raw() {
        let request = b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n\x16\x03\x01tls";
        let response = b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03srv";
        let list = track_split_everywhere(request, response);
        assert_eq!(list.len(), 1);
        assert!(list[0].tunnel);
        assert_eq!(list[0].request.end, request.len() as u64);
        assert_eq!(
            list[0].response.as_ref().unwrap().end,
            response.len() as u64
        );
        assert_eq!(list[0].url("x", false), "https://a.test:443");

        let request =
            b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi";
        let response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02yo";
        let list = track_split_everywhere(request, response);
        assert_eq!(
            (list.len(), list[0].tunnel, list[0].status),
            (1, true, Some(101))
        );
        assert_eq!(list[0].request.end, request.len() as u64);

        assert_eq!(list[0].websocket().unwrap().to_client.messages, 1);

        // An upgrade the server declines stays HTTP.
        let request = b"GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let list = track_split_everywhere(request, response);
        assert_eq!(summary(&list)[1], ("GET /2".into(), Some(404), 0, 0, true));
    }

    #[test]
    fn a_client_that_sends_on_while_a_switch_is_undecided_is_not_held_in_memory() {
        let mut tracker = Tracker::new();
        let mut list = Vec::new();
        tracker.feed(
            Direction::ClientToServer,
            b"GET / HTTP/1.1\r\nUpgrade: x\r\n\r\n",
            1,
            &mut list,
        );
        for _ in 0..20 {
            tracker.feed(Direction::ClientToServer, &[b'z'; 8192], 2, &mut list);
        }
        assert!(tracker.sides[0].pending.is_empty());
        assert!(list[0].note().unwrap().contains("switch of protocol"));
        assert_eq!(list[0].request.end, 30 + 20 * 8192);
    }

    #[test]
    fn a_stream_that_is_not_http_has_no_exchanges() {
        let (list, raw) = track(&[
            (RESPONSE_SIDE, b"220 mail.test ESMTP\r\n"),
            (REQUEST_SIDE, b"EHLO me\r\n"),
        ]);
        assert!(list.is_empty() && raw);
        let (list, raw) = track(&[(REQUEST_SIDE, b"\x16\x03\x01\x02\x00\x01")]);
        assert!(list.is_empty() && raw);
    }

    #[test]
    fn garbage_after_an_exchange_is_kept_with_a_note() {
        let request = b"GET / HTTP/1.1\r\n\r\n\x00\x01garbage";
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokNOT HTTP";
        let list = track_split_everywhere(request, response);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].request.end, request.len() as u64);
        assert_eq!(
            list[0].response.as_ref().unwrap().end,
            response.len() as u64
        );
        let note = list[0].note().unwrap();
        assert!(
            note.contains("request side") && note.contains("response side"),
            "{note}"
        );
    }

    #[test]
    fn bodies_until_close_end_with_the_connection_and_cut_bodies_say_so() {
        let request = b"GET / HTTP/1.0\r\n\r\n";
        let response = b"HTTP/1.0 200 OK\r\n\r\nall of it";
        let list = track_split_everywhere(request, response);
        assert_eq!(summary(&list), [("GET /".into(), Some(200), 0, 9, true)]);

        let (list, _) = track(&[(
            REQUEST_SIDE,
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
        )]);
        assert!(!list[0].request.complete());
        assert!(list[0].note().unwrap().contains("ended inside the body"));
    }

    #[test]
    fn a_decrypted_tunnel_carries_exchanges_again() {
        let (mut tracker, mut list) = tunnel("a.test");
        tracker.resume_http(list.len());
        tracker.feed(
            Direction::ClientToServer,
            b"GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n",
            3,
            &mut list,
        );
        tracker.feed(
            Direction::ServerToClient,
            b"HTTP/1.1 204 No Content\r\n\r\n",
            4,
            &mut list,
        );
        assert_eq!(list.len(), 2);
        assert!(list[0].tunnel);
        assert_eq!((list[1].target.as_str(), list[1].status), ("/x", Some(204)));
        assert_eq!(list[1].url("a.test:443", true), "https://a.test/x");
    }

    /// A tracker and its exchanges after `CONNECT host:443` was answered 200.
    fn tunnel(host: &str) -> (Tracker, Vec<Exchange>) {
        let mut tracker = Tracker::new();
        let mut list = Vec::new();
        let connect = format!("CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n");
        tracker.feed(Direction::ClientToServer, connect.as_bytes(), 1, &mut list);
        let established = b"HTTP/1.1 200 Connection established\r\n\r\n";
        tracker.feed(Direction::ServerToClient, established, 2, &mut list);
        (tracker, list)
    }

    #[test]
    fn an_encrypted_tunnel_is_named_by_the_sni_its_client_asked_for() {
        use crate::tls::samples::{hello, sni};
        let (mut tracker, mut list) = tunnel("api.example.org");
        tracker.feed(
            Direction::ClientToServer,
            &hello(&[sni("api.example.org")]),
            3,
            &mut list,
        );
        tracker.feed(
            Direction::ClientToServer,
            &hello(&[sni("later.test")]),
            4,
            &mut list,
        );
        assert!(list[0].tunnel);
        assert_eq!(
            list[0].note(),
            Some("TLS to api.example.org (SNI), not decrypted")
        );
    }

    #[test]
    fn timings_come_from_when_bytes_were_captured() {
        let mut tracker = Tracker::new();
        let mut list = Vec::new();
        tracker.feed(
            Direction::ClientToServer,
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n",
            100,
            &mut list,
        );
        tracker.feed(Direction::ClientToServer, b"ab", 150, &mut list);
        tracker.feed(
            Direction::ServerToClient,
            b"HTTP/1.1 200 OK\r\n",
            400,
            &mut list,
        );
        tracker.feed(
            Direction::ServerToClient,
            b"Content-Length: 1\r\n\r\nx",
            420,
            &mut list,
        );
        let res = list[0].response.as_ref().unwrap();
        assert_eq!(
            (list[0].request.first_at, list[0].request.last_at),
            (100, 150)
        );
        assert_eq!((res.first_at, res.last_at), (400, 420));
        assert_eq!(tracker.take_changed(), Some(0));
        assert_eq!(tracker.take_changed(), None);
    }

    #[test]
    fn a_websocket_counts_its_messages_each_way_and_its_close() {
        let request_head = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        let mut request = request_head.to_vec();
        request.extend(b"\x81\x82\x01\x02\x03\x04\x69\x6b"); // "hi", masked
        request.extend(b"\x88\x82\0\0\0\0\x03\xe8"); // close 1000
        let mut response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\
            Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
            .to_vec();
        let response_head = response.len() as u64;
        response.extend(b"\x81\x02yo\x89\x00"); // "yo", a ping
        let list = track_split_everywhere(&request, &response);
        let ws = list[0].websocket().expect("a WebSocket");
        let count = |messages, bytes| ws::Count { messages, bytes };
        assert_eq!((ws.to_server, ws.to_client), (count(2, 4), count(2, 2)));
        assert_eq!(ws.deflate, Some(ws::Deflate::default()));
        assert_eq!(ws.start, [request_head.len() as u64, response_head]);
        let close = ws::Close {
            code: Some(1000),
            reason: String::new(),
        };
        assert_eq!(ws.close, Some((Direction::ClientToServer, close)));
        let mut packed = ExchangeList::new();
        packed.push(list[0].clone());
        packed.settle(1);
        assert_eq!(packed.get(0).unwrap().websocket(), Some(ws));

        // Frames no peer sends end the following, with a note; the bytes stay in the span.
        response.extend(b"\x80\x01x");
        let list = track_split_everywhere(&request, &response);
        assert!(
            list[0]
                .note()
                .unwrap()
                .contains("WebSocket: a continuation frame")
        );
        assert_eq!(
            list[0].response.as_ref().unwrap().end,
            response.len() as u64
        );
    }

    #[test]
    fn an_event_stream_counts_its_events_as_the_body_comes() {
        let request =
            b"GET /events HTTP/1.1\r\nAccept: text/event-stream\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
        let body = "data: one\n\n: ping\n\nevent: add\ndata: two\n\ndata: three\n\n";
        let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
            Transfer-Encoding: chunked\r\n\r\n"
            .to_vec();
        for piece in body.as_bytes().chunks(7) {
            response.extend(format!("{:x}\r\n", piece.len()).bytes());
            response.extend(piece);
            response.extend(b"\r\n");
        }
        response.extend(b"0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ndata: x\n\n");
        let list = track_split_everywhere(request, &response);
        assert_eq!(list[0].sse(), Some(&sse::Summary { events: 3 }));
        assert_eq!(
            list[1].sse(),
            None,
            "only an event stream's content type counts"
        );
    }
}

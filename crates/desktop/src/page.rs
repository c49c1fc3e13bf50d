//! One page of a view of one direction of a connection: what the panes show. Raw and hex page
//! through streams of any size; pretty views render whole messages up to a limit and fall back
//! to raw, saying why, for anything they cannot render.

mod grpc;

use crate::error::{CommandError, ErrorKind};
use serde::Serialize;
use tcpmon_inspect::exchange::Exchange;
use tcpmon_inspect::http1::decode::{Decoded, MAX_DECODED, decode_start};
use tcpmon_inspect::protobuf::Schema;
use tcpmon_inspect::view::{self, PrettyError, ViewKind, hex, json, raw, xml};
use tcpmon_relay::{ConnId, Direction, Error, Store};

/// Source bytes per raw page: small enough that a page renders at once, even one long line.
pub const RAW_PAGE: usize = 256 << 10;
/// Source bytes per hex page (each byte becomes almost five characters).
pub const HEX_PAGE: usize = 64 << 10;
/// Bytes of a stream's start that `Auto` judges the content by.
const AUTO_SAMPLE: usize = 64 << 10;
/// Largest message the pretty views render.
pub const PRETTY_LIMIT: u64 = 4 << 20;

/// A rendered page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ViewPage {
    /// The view used: what `auto` chose, or `raw` when a pretty view could not render.
    pub view: ViewKind,
    /// The text to show (as text, never as markup).
    pub text: String,
    /// Why the view differs from the one asked for, or what it made visible.
    pub note: Option<String>,
    /// First source byte of the page.
    pub offset: u64,
    /// Where the next page starts; `None` at the end of what is recorded so far.
    pub next_offset: Option<u64>,
    /// Bytes recorded so far in this direction.
    pub total: u64,
    /// Whether recording stopped at the capture cap.
    pub truncated: bool,
}

/// The bytes a view shows: one direction of a connection, one exchange's message in it, or a
/// WebSocket message's payload. Offsets are relative to the window's start.
struct Window<'a> {
    store: &'a Store,
    id: ConnId,
    dir: Direction,
    /// Stream offset of the window's first byte.
    base: u64,
    /// Bytes in the window (recorded so far).
    len: u64,
    /// Where, in the window, the message the pretty views render starts (after a response's
    /// interim `1xx` heads).
    pretty_from: u64,
    /// Bytes read from here instead of the capture: a WebSocket message's payload (unmasked
    /// and inflated), or the server's side of a message TCPMon changed.
    held: Option<&'a [u8]>,
    /// After `held`, the window goes on with the stream's bytes from this offset (a server
    /// side kept as its head, followed by the captured body).
    rest_from: Option<u64>,
    /// The window is a payload, never taken for an HTTP message.
    body_only: bool,
    /// The exchange whose message this is. An HTTP/2 stream's message is read through the
    /// store (a decoded head, DATA from here and there in the stream), not from `base`.
    exchange: Option<Exchange>,
    /// The user's protobuf schema, for the gRPC view.
    schema: Option<&'a Schema>,
}

impl<'a> Window<'a> {
    fn new(
        store: &'a Store,
        id: ConnId,
        dir: Direction,
        exchange: Option<usize>,
        schema: Option<&'a Schema>,
    ) -> Result<Self, CommandError> {
        let whole = Self {
            store,
            id,
            dir,
            base: 0,
            len: store.recorded_len(id, dir)?,
            pretty_from: 0,
            held: None,
            rest_from: None,
            body_only: false,
            exchange: None,
            schema,
        };
        let Some(index) = exchange else {
            return Ok(whole);
        };
        let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
        let exchange = record
            .exchanges
            .get(index)
            .ok_or(Error::NoSuchExchange { conn: id.0, index })?;
        Ok(match exchange.span(dir) {
            Some(span) if exchange.h2_message(dir).is_some() => Self {
                base: span.start,
                len: exchange.message_len(dir),
                exchange: Some(exchange),
                ..whole
            },
            // Bytes past the cap were never recorded.
            Some(span) => Self {
                base: span.start,
                len: span.end.min(whole.len).saturating_sub(span.start),
                pretty_from: span.head_at().saturating_sub(span.start),
                exchange: Some(exchange),
                ..whole
            },
            None => Self {
                len: 0,
                exchange: Some(exchange),
                ..whole
            },
        })
    }

    fn depth_key(&self, offset: u64, kind: ViewKind) -> DepthKey {
        let store = std::ptr::from_ref(self.store) as usize;
        (store, self.id, self.dir.index(), self.base, offset, kind)
    }

    fn read(&self, offset: u64, max: usize) -> Result<Vec<u8>, CommandError> {
        let left = self.len.saturating_sub(offset);
        let max = max.min(usize::try_from(left).unwrap_or(usize::MAX));
        if max == 0 {
            return Ok(Vec::new());
        }
        if let Some(held) = self.held {
            let from = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(held.len());
            let mut bytes = held[from..held.len().min(from.saturating_add(max))].to_vec();
            if let (Some(rest), true) = (self.rest_from, bytes.len() < max) {
                let at = rest + offset + bytes.len() as u64 - held.len() as u64;
                let more = (self.store).read(self.id, self.dir, at, max - bytes.len())?;
                bytes.extend_from_slice(&more);
            }
            return Ok(bytes);
        }
        if let Some(exchange) = self.h2() {
            let read = self
                .store
                .read_message(self.id, exchange, self.dir, offset, max);
            return Ok(read?);
        }
        Ok(self
            .store
            .read(self.id, self.dir, self.base + offset, max)?)
    }

    /// The HTTP message at the start of `bytes` split into head and body (its codings undone
    /// as far as the first `max` body bytes); a payload is all body.
    fn decode<'b>(&self, bytes: &'b [u8], max: u64) -> Decoded<'b> {
        if !self.body_only {
            return decode_start(bytes, max);
        }
        Decoded {
            head_len: 0,
            body: bytes.into(),
            notes: Vec::new(),
            wire_len: bytes.len(),
        }
    }

    /// The exchange when its message in this direction is an HTTP/2 stream's.
    fn h2(&self) -> Option<&Exchange> {
        self.exchange
            .as_ref()
            .filter(|e| e.h2_message(self.dir).is_some())
    }

    /// Where a hex page's offsets count from: the stream's start, or the payload's.
    fn hex_base(&self) -> u64 {
        if self.held.is_some() || self.h2().is_some() {
            0
        } else {
            self.base
        }
    }
}

/// Renders the page of `kind` starting at `offset`, of the whole direction or (with
/// `exchange`) of that exchange's message in it; the gRPC view names fields with `schema`.
pub fn read_view(
    store: &Store,
    id: ConnId,
    dir: Direction,
    kind: ViewKind,
    offset: u64,
    exchange: Option<usize>,
    schema: Option<&Schema>,
) -> Result<ViewPage, CommandError> {
    let window = Window::new(store, id, dir, exchange, schema)?;
    render(&window, kind, offset, exchange.is_some())
}

/// Renders the page of `kind` starting at `offset` of a message's `payload` (sent by `dir` on
/// connection `id`; `start`: where it starts in that stream, or any offset no other payload of
/// the connection uses, as it only keys the pretty views' cache), as a body is shown.
pub fn read_payload_view(
    store: &Store,
    id: ConnId,
    dir: Direction,
    start: u64,
    payload: &[u8],
    kind: ViewKind,
    offset: u64,
) -> Result<ViewPage, CommandError> {
    let window = Window {
        store,
        id,
        dir,
        base: start,
        len: payload.len() as u64,
        pretty_from: 0,
        held: Some(payload),
        rest_from: None,
        body_only: true,
        exchange: None,
        schema: None,
    };
    render(&window, kind, offset, true)
}

/// Where the pretty views' cache keys the server sides' windows: far from any stream offset.
const SERVER_SIDE_BASE: u64 = u64::MAX >> 1;

/// Renders the page of `kind` at `offset` of the server's side of exchange `exchange`'s
/// message in `dir` (the request as the server got it, the response as the server sent it),
/// which TCPMon changed on purpose; refused for a message that went on unchanged.
pub fn read_server_side_view(
    store: &Store,
    id: ConnId,
    dir: Direction,
    exchange: usize,
    kind: ViewKind,
    offset: u64,
    schema: Option<&Schema>,
) -> Result<ViewPage, CommandError> {
    let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
    let Some(side) = store.server_side(id, exchange, dir) else {
        let message = match dir {
            Direction::ClientToServer => "request went to the server as the client sent it",
            Direction::ServerToClient => "response went to the client as the server sent it",
        };
        let message = format!(
            "exchange {} of connection {id}: its {message}",
            exchange + 1
        );
        return Err(CommandError::new(ErrorKind::NotFound, message));
    };
    // Its head (or all of it) as kept; a head alone goes on with the captured body, read a
    // page at a time like any message's.
    let held = store.read_side(&side)?;
    let (rest_from, rest_len) = if side.whole {
        (None, 0)
    } else {
        let (from, len) = Store::captured_body(&record, exchange, dir)?;
        (Some(from), len)
    };
    let window = Window {
        store,
        id,
        dir,
        base: SERVER_SIDE_BASE + 2 * exchange as u64 + dir.index() as u64,
        len: held.len() as u64 + rest_len,
        pretty_from: 0,
        held: Some(&held),
        rest_from,
        body_only: false,
        exchange: None,
        schema,
    };
    render(&window, kind, offset, true)
}

/// Whether `bytes` (read from `offset` of `window`) hold a whole message whose body is within
/// [`PRETTY_LIMIT`]: what the pretty views render.
fn within_limit(window: &Window<'_>, offset: u64, bytes: &[u8], decoded: &Decoded<'_>) -> bool {
    let whole = decoded.wire_len < bytes.len() || offset + bytes.len() as u64 == window.len;
    whole && decoded.body.len() as u64 <= PRETTY_LIMIT
}

/// The page of `kind` at `offset` of `window`; `one_message`: the window holds one message,
/// so pretty views too large to indent whole page through it.
fn render(
    window: &Window<'_>,
    kind: ViewKind,
    offset: u64,
    one_message: bool,
) -> Result<ViewPage, CommandError> {
    let (store, id, dir) = (window.store, window.id, window.dir);
    let truncated = store.record(id).is_some_and(|r| r.truncated[dir.index()]);
    let mut page = Pager {
        offset,
        total: window.len,
        truncated,
    };
    let asked = kind;
    let kind = match kind {
        ViewKind::Auto => {
            let start = window.read(window.pretty_from, AUTO_SAMPLE)?;
            if grpc::is_grpc(window, &start) {
                ViewKind::Grpc
            } else {
                view::detect(&window.decode(&start, view::DETECT_SAMPLE as u64).body)
            }
        }
        kind => kind,
    };
    match kind {
        ViewKind::Hex => {
            let bytes = window.read(offset, HEX_PAGE)?;
            Ok(page.of(
                ViewKind::Hex,
                hex::render(&bytes, window.hex_base() + offset),
                None,
                bytes.len(),
            ))
        }
        ViewKind::Xml | ViewKind::Json => {
            if one_message {
                if let Some(big) = big_pretty_page(window, page, kind)? {
                    return Ok(big);
                }
            }
            // One message per page: a keep-alive stream pages from message to message.
            page.offset = offset.max(window.pretty_from);
            pretty_page(window, page, kind, asked == ViewKind::Auto)
        }
        ViewKind::Grpc => {
            page.offset = offset.max(window.pretty_from);
            grpc::page(window, page)
        }
        _ => raw_page(window, page, RAW_PAGE, None),
    }
}

/// The message at `page.offset` as pretty XML or JSON, or raw with the reason (none for a
/// `guess` that did not fit: that is no news).
fn pretty_page(
    window: &Window<'_>,
    page: Pager,
    kind: ViewKind,
    guess: bool,
) -> Result<ViewPage, CommandError> {
    let bytes = window.read(page.offset, PRETTY_LIMIT as usize)?;
    let decoded = window.decode(&bytes, MAX_DECODED);
    if !within_limit(window, page.offset, &bytes, &decoded) {
        let reason = format!(
            "a message over {} MiB is not pretty-printed",
            PRETTY_LIMIT >> 20
        );
        return raw_page(window, page, RAW_PAGE, Some(reason));
    }
    let body = &decoded.body;
    let pretty = if body.trim_ascii().is_empty() {
        Ok(None)
    } else if kind == ViewKind::Xml {
        xml::pretty(body).map(Some)
    } else {
        json::pretty(body).map(Some)
    };
    match pretty {
        Ok(pretty) => {
            let (mut text, head_note) = raw::render(&bytes[..decoded.head_len]);
            let flat = pretty.as_ref().is_some_and(|p| p.flat);
            text.push_str(pretty.map(|p| p.text).as_deref().unwrap_or_default());
            let notes: Vec<String> = head_note
                .into_iter()
                .chain(decoded.notes)
                .chain(flat.then(|| view::FLAT_NOTE.to_string()))
                .collect();
            let note = (!notes.is_empty()).then(|| notes.join("; "));
            Ok(page.of(kind, text, note, decoded.wire_len))
        }
        Err(PrettyError::NotFormat(_)) if guess => raw_page(window, page, decoded.wire_len, None),
        Err(e) => raw_page(window, page, decoded.wire_len, Some(e.to_string())),
    }
}

/// Pretty XML or JSON of one exchange's message too large to indent whole, a page at a time:
/// each page starts where the last one ended, indented as deep as the elements or containers
/// open there (remembered from the page before, or found by reading the body up to it). Only
/// for bodies sent as they are (not chunked, compressed or in another charset); `None` for
/// anything else, or when the document breaks.
fn big_pretty_page(
    window: &Window<'_>,
    page: Pager,
    kind: ViewKind,
) -> Result<Option<ViewPage>, CommandError> {
    let start = window.read(window.pretty_from, 128 << 10)?;
    let decoded = window.decode(&start, MAX_DECODED);
    let body_found = decoded.head_len > 0 || window.body_only;
    if !body_found || !decoded.notes.is_empty() {
        return Ok(None);
    }
    let body_start = window.pretty_from + decoded.head_len as u64;
    if window.len.saturating_sub(body_start) <= PRETTY_LIMIT {
        return Ok(None);
    }
    let first = page.offset <= window.pretty_from;
    let from = page.offset.max(body_start);
    let Some(depth) = depth_at(window, kind, body_start, from) else {
        return Ok(None);
    };
    let bytes = window.read(from, RAW_PAGE)?;
    let last = from + bytes.len() as u64 == window.len;
    let fragment = if kind == ViewKind::Xml {
        xml::pretty_fragment(&bytes, depth)
    } else {
        json::pretty_fragment(&bytes, depth, last)
    };
    let mut fragment = match fragment {
        Ok(fragment) => fragment,
        Err(PrettyError::OverBudget(reason)) => {
            let page = Pager {
                offset: from,
                ..page
            };
            return raw_page(window, page, RAW_PAGE, Some(reason)).map(Some);
        }
        Err(PrettyError::NotFormat(_)) => return Ok(None),
    };
    if last && bytes[fragment.used..].trim_ascii().is_empty() {
        fragment.used = bytes.len();
    }
    if fragment.used == 0 {
        return Ok(None);
    }
    let mut text = String::new();
    if first {
        text = raw::render(&start[..decoded.head_len]).0;
    }
    text.push_str(&fragment.text);
    let page = Pager {
        offset: if first { window.pretty_from } else { from },
        ..page
    };
    let end = from + fragment.used as u64;
    let mut known = depths();
    if known.len() >= DEPTHS_KEPT {
        known.clear();
    }
    known.insert(window.depth_key(end, kind), fragment.depth);
    drop(known);
    let what = if kind == ViewKind::Xml { "XML" } else { "JSON" };
    let mut note = format!(
        "{what} over {} MiB: indented a page at a time",
        PRETTY_LIMIT >> 20
    );
    if fragment.flat {
        note = format!("{note}; {}", view::FLAT_NOTE);
    }
    let len = (end - page.offset) as usize;
    Ok(Some(page.of(kind, text, Some(note), len)))
}

/// How deep the elements or containers open at `from` are: 0 at the body's start, known when
/// paging on from the page before, else found by reading the body up to `from`; `None` when
/// the body breaks before it.
fn depth_at(window: &Window<'_>, kind: ViewKind, body_start: u64, from: u64) -> Option<usize> {
    if from == body_start {
        return Some(0);
    }
    if let Some(depth) = depths().get(&window.depth_key(from, kind)) {
        return Some(*depth);
    }
    let before = std::io::BufReader::with_capacity(
        1 << 20,
        WindowReader {
            window,
            at: body_start,
            end: from,
        },
    );
    let depth = if kind == ViewKind::Xml {
        xml::depth_after(before)
    } else {
        json::depth_after(before)
    };
    depth.ok()
}

/// Where a page of big XML or JSON starts (store, connection, direction, window start,
/// offset, view) and the elements or containers open there: paging on from a page costs that page only, not a re-read of the
/// body before it. (A wrong entry, from a store freed and another allocated at its address,
/// would only misplace indentation.)
type DepthKey = (usize, ConnId, usize, u64, u64, ViewKind);
const DEPTHS_KEPT: usize = 4096;

fn depths() -> std::sync::MutexGuard<'static, std::collections::HashMap<DepthKey, usize>> {
    static DEPTHS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<DepthKey, usize>>,
    > = std::sync::OnceLock::new();
    DEPTHS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// Reads a window's bytes `at..end` in pieces.
struct WindowReader<'a> {
    window: &'a Window<'a>,
    at: u64,
    end: u64,
}

impl std::io::Read for WindowReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.end - self.at).unwrap_or(usize::MAX));
        let bytes = self
            .window
            .read(self.at, want)
            .map_err(|e| std::io::Error::other(e.message))?;
        buf[..bytes.len()].copy_from_slice(&bytes);
        self.at += bytes.len() as u64;
        Ok(bytes.len())
    }
}

/// Where a page lies in its window.
#[derive(Clone, Copy)]
struct Pager {
    offset: u64,
    total: u64,
    truncated: bool,
}

impl Pager {
    fn of(self, view: ViewKind, text: String, note: Option<String>, len: usize) -> ViewPage {
        let end = self.offset + len as u64;
        let next_offset = (end < self.total).then_some(end);
        ViewPage {
            view,
            text,
            note,
            offset: self.offset,
            next_offset,
            total: self.total,
            truncated: self.truncated,
        }
    }
}

/// A raw page; `reason` says why a pretty view was not used.
fn raw_page(
    window: &Window<'_>,
    page: Pager,
    max: usize,
    reason: Option<String>,
) -> Result<ViewPage, CommandError> {
    let mut bytes = window.read(page.offset, max.min(RAW_PAGE))?;
    if page.offset + (bytes.len() as u64) < page.total {
        bytes.truncate(raw::char_boundary(&bytes));
    }
    let (text, utf8_note) = raw::render(&bytes);
    let note = match (reason, utf8_note) {
        (Some(r), Some(u)) => Some(format!("{r}: showing raw; {u}")),
        (Some(r), None) => Some(format!("{r}: showing raw")),
        (None, u) => u,
    };
    Ok(page.of(ViewKind::Raw, text, note, bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::test_support::captured;

    const S2C: Direction = Direction::ServerToClient;

    /// Every view of a hostile body, whole and as an exchange: each page's text stays within
    /// a few times the page's source, and the body's own view (and Auto) says why it showed
    /// raw bytes.
    async fn views_stay_bounded(body: Vec<u8>, headers: &str, format: ViewKind) {
        let mut response = format!(
            "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(&body);
        let (engine, id) = captured(b"GET / HTTP/1.1\r\n\r\n", response).await;
        for exchange in [None, Some(0)] {
            for kind in [
                ViewKind::Auto,
                ViewKind::Xml,
                ViewKind::Json,
                ViewKind::Raw,
                ViewKind::Hex,
                ViewKind::Grpc,
            ] {
                let page = read_view(engine.store(), id, S2C, kind, 0, exchange, None).unwrap();
                assert!(
                    page.text.len() <= 6 * RAW_PAGE,
                    "{kind:?} of {exchange:?}: {} bytes of text",
                    page.text.len()
                );
                if kind == format || kind == ViewKind::Auto {
                    assert_eq!(page.view, ViewKind::Raw);
                    let note = page.note.unwrap_or_default();
                    assert!(note.contains("8 times its size"), "{kind:?}: {note}");
                }
            }
        }
    }

    #[tokio::test]
    async fn nesting_100000_deep_is_shown_raw_with_the_reason() {
        let xml = format!("{}x{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        views_stay_bounded(
            xml.into_bytes(),
            "Content-Type: text/xml\r\n",
            ViewKind::Xml,
        )
        .await;
        let json = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        views_stay_bounded(json.into_bytes(), "", ViewKind::Json).await;
    }

    #[tokio::test]
    async fn a_4_kb_gzip_body_of_4_mib_nesting_is_bounded() {
        use std::io::Write;
        let levels = (4 << 20) / 7;
        let xml = format!("{}{}", "<a>".repeat(levels), "</a>".repeat(levels));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(xml.as_bytes()).unwrap();
        let body = gz.finish().unwrap();
        assert!(body.len() < 16 << 10, "{}", body.len());
        views_stay_bounded(body, "Content-Encoding: gzip\r\n", ViewKind::Xml).await;
    }

    #[tokio::test]
    async fn nesting_past_the_indent_cap_is_shown_flat_with_a_note() {
        let xml = format!("{}x{}", "<a>".repeat(40), "</a>".repeat(40));
        let response = format!("HTTP/1.1 200 OK\r\n\r\n{xml}");
        let (engine, id) = captured(b"GET / HTTP/1.1\r\n\r\n", response.into_bytes()).await;
        let page = read_view(engine.store(), id, S2C, ViewKind::Auto, 0, Some(0), None).unwrap();
        assert_eq!(page.view, ViewKind::Xml);
        assert_eq!(page.note.as_deref(), Some(view::FLAT_NOTE));
        assert_eq!(page.text.lines().count(), 2 + 79);
    }

    #[tokio::test]
    async fn auto_pretty_prints_a_soap_response_after_its_head() {
        let body = r#"<?xml version="1.0"?><e:Envelope xmlns:e="urn:e"><e:Body><r>ok</r></e:Body></e:Envelope>"#;
        let response = format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n{body}");
        let (engine, id) = captured(b"POST / HTTP/1.1\r\n\r\n", response.into_bytes()).await;
        let page = read_view(engine.store(), id, S2C, ViewKind::Auto, 0, None, None).unwrap();
        assert_eq!(page.view, ViewKind::Xml);
        assert!(page.text.starts_with(
            "HTTP/1.1 200 OK\nContent-Type: text/xml\n\n<?xml version=\"1.0\"?>\n<e:Envelope"
        ));
        assert!(
            page.text.contains("\n  <e:Body>\n    <r>ok</r>\n"),
            "{}",
            page.text
        );
        assert_eq!(page.next_offset, None);
    }

    #[tokio::test]
    async fn a_view_that_cannot_parse_falls_back_to_raw_and_says_why() {
        let (engine, id) = captured(
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n\r\n{\"broken\": ".to_vec(),
        )
        .await;
        let page = read_view(engine.store(), id, S2C, ViewKind::Json, 0, None, None).unwrap();
        assert_eq!(page.view, ViewKind::Raw);
        assert!(
            page.note.as_deref().unwrap_or("").starts_with("not JSON"),
            "{:?}",
            page.note
        );
        assert_eq!(page.text, "HTTP/1.1 200 OK\n\n{\"broken\": ");
    }

    #[tokio::test]
    async fn big_streams_come_in_pages_that_never_split_a_character() {
        let body = "é".repeat(RAW_PAGE); // two bytes each: two raw pages
        let (engine, id) = captured(b"x", body.clone().into_bytes()).await;
        let first = read_view(engine.store(), id, S2C, ViewKind::Raw, 0, None, None).unwrap();
        let next = first.next_offset.expect("a second page");
        let second = read_view(engine.store(), id, S2C, ViewKind::Raw, next, None, None).unwrap();
        assert_eq!(second.next_offset, None);
        assert_eq!(first.text + &second.text, body);
        assert_eq!((first.note, second.note), (None, None));
    }

    #[tokio::test]
    async fn keep_alive_streams_page_one_message_at_a_time_in_pretty_views() {
        let first = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"a\":1}\n";
        let second = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n[1,2,3]";
        let (engine, id) = captured(b"x", format!("{first}{second}").into_bytes()).await;
        let one = read_view(engine.store(), id, S2C, ViewKind::Json, 0, None, None).unwrap();
        assert_eq!(
            one.text,
            "HTTP/1.1 200 OK\nContent-Length: 8\n\n{\n  \"a\": 1\n}"
        );
        assert_eq!(one.next_offset, Some(first.len() as u64));
        let two = read_view(
            engine.store(),
            id,
            S2C,
            ViewKind::Json,
            first.len() as u64,
            None,
            None,
        )
        .unwrap();
        assert!(
            two.text.ends_with("\n\n[\n  1,\n  2,\n  3\n]"),
            "{}",
            two.text
        );
        assert_eq!(two.next_offset, None);
    }

    #[tokio::test]
    async fn an_exchange_shows_only_its_own_messages() {
        let request = b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\n\r\n";
        let response = "HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}\
HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n[]";
        let (engine, id) = captured(request, response.as_bytes().to_vec()).await;
        let store = engine.store();
        let c2s = Direction::ClientToServer;
        let second = read_view(store, id, c2s, ViewKind::Raw, 0, Some(1), None).unwrap();
        assert_eq!(second.text, "GET /b HTTP/1.1\n\n");
        assert_eq!(
            (second.offset, second.total, second.next_offset),
            (0, 19, None)
        );
        let raw = read_view(store, id, S2C, ViewKind::Raw, 0, Some(0), None).unwrap();
        assert!(
            raw.text
                .starts_with("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK")
        );
        assert!(raw.text.ends_with("{\"a\":1}"), "{}", raw.text);
        let json = read_view(store, id, S2C, ViewKind::Json, 0, Some(0), None).unwrap();
        assert_eq!(
            json.text,
            "HTTP/1.1 200 OK\nContent-Length: 7\n\n{\n  \"a\": 1\n}"
        );
        let last = read_view(store, id, S2C, ViewKind::Auto, 0, Some(1), None).unwrap();
        assert_eq!(
            (last.view, last.text.as_str()),
            (
                ViewKind::Json,
                "HTTP/1.1 404 Not Found\nContent-Length: 2\n\n[]"
            )
        );
        let hex = read_view(store, id, c2s, ViewKind::Hex, 0, Some(1), None).unwrap();
        assert!(
            hex.text.starts_with("00000029  47 45 54"),
            "stream offsets: {}",
            hex.text
        );
        let missing = read_view(store, id, S2C, ViewKind::Raw, 0, Some(2), None).unwrap_err();
        assert_eq!(missing.kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn xml_too_big_to_indent_whole_is_indented_a_page_at_a_time() {
        let mut body = String::from("<?xml version=\"1.0\"?><orders>");
        let mut i = 0;
        while body.len() < (PRETTY_LIMIT as usize) + (1 << 20) {
            body.push_str(&format!("<order id=\"{i}\"><qty>{i}</qty></order>"));
            i += 1;
        }
        body.push_str("</orders>");
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let (engine, id) = captured(b"GET /big HTTP/1.1\r\n\r\n", response.into_bytes()).await;
        let store = engine.store();
        let first = read_view(store, id, S2C, ViewKind::Auto, 0, Some(0), None).unwrap();
        assert_eq!(first.view, ViewKind::Xml, "{:?}", first.note);
        assert!(first.note.unwrap().contains("a page at a time"));
        assert!(
            first
                .text
                .starts_with("HTTP/1.1 200 OK\nContent-Type: text/xml\n")
        );
        assert!(
            first
                .text
                .contains("\n<orders>\n  <order id=\"0\">\n    <qty>0</qty>\n  </order>")
        );
        let mut next = first.next_offset;
        let mut pages = 1;
        let mut last = first.text;
        while let Some(offset) = next {
            let page = read_view(store, id, S2C, ViewKind::Xml, offset, Some(0), None).unwrap();
            assert_eq!(page.view, ViewKind::Xml);
            assert!(
                page.text.starts_with("  <"),
                "page {pages} starts indented inside <orders>: {}",
                &page.text[..40]
            );
            (next, last, pages) = (page.next_offset, page.text, pages + 1);
        }
        assert!(pages > 10, "{pages} pages");
        assert!(
            last.ends_with("  </order>\n</orders>"),
            "{}",
            &last[last.len() - 40..]
        );
    }

    #[tokio::test]
    async fn json_too_big_to_indent_whole_pages_into_the_same_text() {
        let mut body = String::from("{\"orders\":[");
        let mut i = 0;
        while body.len() < (PRETTY_LIMIT as usize) + (1 << 20) {
            body.push_str(&format!(
                "{{\"id\":{i},\"note\":\"a, b [c]\",\"tags\":[]}},"
            ));
            i += 1;
        }
        body.push_str("{}]}\n");
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let (engine, id) = captured(b"GET /big HTTP/1.1\r\n\r\n", response.into_bytes()).await;
        let store = engine.store();
        let mut pages = Vec::new();
        let mut next = Some(0);
        while let Some(offset) = next {
            let page = read_view(store, id, S2C, ViewKind::Auto, offset, Some(0), None).unwrap();
            assert_eq!(page.view, ViewKind::Json, "{:?}", page.note);
            next = page.next_offset;
            pages.push(page.text);
        }
        assert!(pages.len() > 10, "{} pages", pages.len());
        let head = "HTTP/1.1 200 OK\nContent-Type: application/json\n";
        let joined = pages.join("\n");
        let (shown_head, shown_body) = joined.split_at(joined.find("\n\n").unwrap() + 2);
        assert!(shown_head.starts_with(head));
        assert_eq!(
            shown_body,
            json::pretty(body.trim_end().as_bytes()).unwrap().text
        );
    }

    #[tokio::test]
    async fn binary_bodies_show_as_hex_in_auto() {
        let (engine, id) = captured(b"x", vec![0u8, 1, 2, 0xff, 0x1f, 0x8b, 0, 0]).await;
        let page = read_view(engine.store(), id, S2C, ViewKind::Auto, 0, None, None).unwrap();
        assert_eq!(page.view, ViewKind::Hex);
        assert!(
            page.text.starts_with("00000000  00 01 02 ff 1f 8b 00 00"),
            "{}",
            page.text
        );
        let missing = read_view(
            engine.store(),
            ConnId(99),
            S2C,
            ViewKind::Raw,
            0,
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(missing.kind, ErrorKind::NotFound);
    }
}

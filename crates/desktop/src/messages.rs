//! The messages of an exchange for the window, a WebSocket's or an event stream's (each
//! Server-Sent Event is a message from the server): listed a page at a time (a row each: time,
//! direction, kind, size, a preview), one message's payload shown through the views of
//! [`crate::page`], as a body is, and the payload of one the user sends into a WebSocket, from
//! what they typed.
//!
//! The tracker only counts messages; they are read back from the capture. A list keeps a
//! follower per exchange, so paging and the refresh after each new message read only what came
//! since. A payload is read again from the exchange's start (deflate's context takeover makes a
//! WebSocket message depend on those before it): O(messages so far) per message opened, its
//! pages after that come from the one payload kept.

use crate::error::{CommandError, ErrorKind};
use crate::page::{ViewPage, read_payload_view};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tcpmon_inspect::exchange::Exchange;
use tcpmon_inspect::sse::{self, Event};
use tcpmon_inspect::view::ViewKind;
use tcpmon_inspect::ws::{Message, Opcode, Summary};
use tcpmon_relay::messages::{EventFollower, Follower, mark_injected};
use tcpmon_relay::{ConnId, ConnectionRecord, Direction, Error, Store};

/// Most rows one page of the list holds.
pub const MOST_ROWS: u32 = 1000;
/// Characters of a text message (or an event's data) its row shows.
const PREVIEW_CHARS: usize = 200;
/// Bytes of a binary message its row shows, as hex.
const PREVIEW_BYTES: usize = 32;
/// Exchanges whose lists are kept (each row is a few hundred bytes); past it all are dropped
/// and read again when asked for.
const LISTS_KEPT: usize = 8;

/// One message as its row shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageRow {
    /// Its place among the exchange's messages (both directions, capture order), from 0.
    pub index: u64,
    /// Who sent it.
    pub direction: Direction,
    /// A WebSocket message's opcode: `text`, `binary`, `close`, `ping`, `pong` (or
    /// `reserved`); an event's type, `event` when it names none.
    pub opcode: String,
    /// When its last byte was captured (µs since the Unix epoch).
    pub at: u64,
    /// Payload bytes on the wire (compressed, when it was); an event's data bytes.
    pub size: u64,
    /// Sent compressed (permessage-deflate).
    pub compressed: bool,
    /// Text (and an event's data): its start; binary: hex of its first bytes; close: code and
    /// reason.
    pub preview: String,
    /// Why its payload is not whole (cut at 64 MiB, not inflatable, an event's line cut).
    pub problem: Option<String>,
    /// TCPMon sent it (the user typed it), not the peer.
    pub injected: bool,
    /// An event's `id:`, when it set one.
    pub id: Option<String>,
}

/// A page of an exchange's message rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessagePage {
    /// Messages read so far.
    pub total: u64,
    /// The rows from the one asked for, at most the count asked for.
    pub rows: Vec<MessageRow>,
}

/// An exchange: its session (`None`: the live capture), connection and index.
type Key = (Option<u64>, ConnId, usize);

/// What reads an exchange's messages on.
enum Reader {
    WebSocket(Box<Follower>),
    Events(EventFollower),
}

/// One exchange's list: the follower that reads on, and the rows read so far.
struct Listed {
    reader: Reader,
    rows: Vec<MessageRow>,
}

/// A message's payload as the views show it.
struct Payload {
    dir: Direction,
    /// Where it starts in `dir`'s stream (an event: a key that no other payload of the
    /// connection has, its number past the response body's start).
    start: u64,
    data: Vec<u8>,
}

/// The message lists the window has open, and the payload last shown.
#[derive(Default)]
pub struct MessageLists {
    lists: Mutex<HashMap<Key, Arc<Mutex<Listed>>>>,
    shown: Mutex<Option<(Key, u64, Arc<Payload>)>>,
}

impl MessageLists {
    /// Rows `from..from + count` (at most [`MOST_ROWS`]) of exchange `exchange` of connection
    /// `id` in `store` (`session`'s, or the live one), and how many there are so far.
    pub fn page(
        &self,
        store: &Store,
        session: Option<u64>,
        id: ConnId,
        exchange: usize,
        from: u64,
        count: u32,
    ) -> Result<MessagePage, CommandError> {
        let key = (session, id, exchange);
        let list = self.list(store, key)?;
        let mut list = lock(&list);
        let Listed { reader, rows } = &mut *list;
        let from_row = rows.len() as u64;
        let polled = match reader {
            Reader::WebSocket(follower) => follower.poll(store, id).and_then(|mut new| {
                let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
                mark_injected(&record, &mut new);
                Ok(new.iter().zip(from_row..).map(|(m, i)| row(i, m)).collect())
            }),
            Reader::Events(follower) => follower.poll(store, id).map(|new| {
                new.iter()
                    .zip(from_row..)
                    .map(|(e, i)| event_row(i, e))
                    .collect()
            }),
        };
        match polled {
            Ok(new) => rows.extend::<Vec<MessageRow>>(new),
            Err(e) => {
                drop(list);
                lock(&self.lists).remove(&key);
                return Err(e.into());
            }
        }
        let start = usize::try_from(from).unwrap_or(usize::MAX).min(rows.len());
        let end = start.saturating_add(count.min(MOST_ROWS) as usize);
        Ok(MessagePage {
            total: rows.len() as u64,
            rows: rows[start..end.min(rows.len())].to_vec(),
        })
    }

    /// The page of `kind` at `offset` of message `index`'s payload.
    #[expect(
        clippy::too_many_arguments,
        reason = "the command's arguments, passed on"
    )]
    pub fn view(
        &self,
        store: &Store,
        session: Option<u64>,
        id: ConnId,
        exchange: usize,
        index: u64,
        kind: ViewKind,
        offset: u64,
    ) -> Result<ViewPage, CommandError> {
        let key = (session, id, exchange);
        let payload = self.payload(store, key, index)?;
        let Payload { dir, start, data } = &*payload;
        read_payload_view(store, id, *dir, *start, data, kind, offset)
    }

    /// Exchange `key`'s list, begun when it is not kept.
    fn list(&self, store: &Store, key: Key) -> Result<Arc<Mutex<Listed>>, CommandError> {
        let mut lists = lock(&self.lists);
        if let Some(list) = lists.get(&key) {
            return Ok(list.clone());
        }
        let (_, exchange, kind) = messages_of(store, key)?;
        let reader = match kind {
            Kind::WebSocket(summary) => Reader::WebSocket(Box::new(Follower::new(&summary))),
            Kind::Events => Reader::Events(
                EventFollower::new(store, key.1, &exchange)?.ok_or_else(|| not_messages(key))?,
            ),
        };
        if lists.len() >= LISTS_KEPT {
            lists.clear();
        }
        let list = Arc::new(Mutex::new(Listed {
            reader,
            rows: Vec::new(),
        }));
        lists.insert(key, list.clone());
        Ok(list)
    }

    /// Message `index` of exchange `key`'s payload: the one shown last, or read from the
    /// capture.
    fn payload(&self, store: &Store, key: Key, index: u64) -> Result<Arc<Payload>, CommandError> {
        let mut shown = lock(&self.shown);
        if let Some((k, i, payload)) = &*shown {
            if (*k, *i) == (key, index) {
                return Ok(payload.clone());
            }
        }
        let (_, id, exchange) = key;
        let (record, listed, kind) = messages_of(store, key)?;
        let at = usize::try_from(index).unwrap_or(usize::MAX);
        let payload = match kind {
            Kind::WebSocket(_) => store
                .websocket_messages(&record, exchange)?
                .into_iter()
                .nth(at)
                .map(|m| Payload {
                    dir: m.dir,
                    start: m.start,
                    data: m.data.unwrap_or_default(),
                }),
            Kind::Events => {
                let body = listed
                    .response
                    .as_ref()
                    .map_or(0, |span| span.head_at() + span.head_len());
                store
                    .sse_events(&record, exchange)?
                    .into_iter()
                    .nth(at)
                    .map(|e| Payload {
                        dir: Direction::ServerToClient,
                        start: body + index,
                        data: e.data.into_bytes(),
                    })
            }
        };
        let payload = payload.map(Arc::new).ok_or_else(|| {
            CommandError::new(
                ErrorKind::NotFound,
                format!(
                    "no message {index} in exchange {} of #{}",
                    exchange + 1,
                    id.0
                ),
            )
        })?;
        *shown = Some((key, index, payload.clone()));
        Ok(payload)
    }
}

/// What an exchange's messages are.
enum Kind {
    WebSocket(Summary),
    Events,
}

impl Kind {
    fn of(exchange: &Exchange) -> Option<Kind> {
        match (exchange.websocket(), exchange.sse()) {
            (Some(summary), _) => Some(Kind::WebSocket(summary.clone())),
            (None, Some(_)) => Some(Kind::Events),
            (None, None) => None,
        }
    }
}

/// The record of exchange `key`'s connection, the exchange, and what messages it carries.
fn messages_of(
    store: &Store,
    key: Key,
) -> Result<(ConnectionRecord, Exchange, Kind), CommandError> {
    let (_, id, index) = key;
    let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
    let exchange = record
        .exchanges
        .get(index)
        .ok_or(Error::NoSuchExchange { conn: id.0, index })?;
    let kind = Kind::of(&exchange).ok_or_else(|| not_messages(key))?;
    Ok((record, exchange, kind))
}

fn not_messages((_, id, index): Key) -> CommandError {
    CommandError::new(
        ErrorKind::InvalidInput,
        format!(
            "exchange {} of #{} is no WebSocket nor event stream",
            index + 1,
            id.0
        ),
    )
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Message `index`'s row.
fn row(index: u64, message: &Message) -> MessageRow {
    MessageRow {
        index,
        direction: message.dir,
        opcode: message.opcode.name().to_string(),
        at: message.at,
        size: message.size,
        compressed: message.compressed,
        preview: preview(message),
        problem: message.problem.clone(),
        injected: message.injected,
        id: None,
    }
}

/// Event `index`'s row: a message from the server, its type as its kind.
fn event_row(index: u64, event: &Event) -> MessageRow {
    MessageRow {
        index,
        direction: Direction::ServerToClient,
        opcode: event.event.clone().unwrap_or_else(|| "event".to_string()),
        at: event.at,
        size: event.data.len() as u64,
        compressed: false,
        preview: text_preview(event.data.as_bytes()),
        problem: event.cut.then(|| {
            format!(
                "cut: a line past {} MiB, or data past {} MiB",
                sse::MOST_LINE >> 20,
                sse::MOST_DATA >> 20
            )
        }),
        injected: false,
        id: event.id.clone(),
    }
}

/// What the user sends into a WebSocket: text as typed, or bytes typed as hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SendKind {
    /// A text message (UTF-8).
    Text,
    /// A binary message, typed as hex digits (spaces, newlines and `:` between bytes allowed).
    Binary,
}

/// The opcode and payload of the message the user typed.
pub fn outgoing(kind: SendKind, typed: &str) -> Result<(Opcode, Vec<u8>), CommandError> {
    match kind {
        SendKind::Text => Ok((Opcode::Text, typed.as_bytes().to_vec())),
        SendKind::Binary => hex_bytes(typed).map(|bytes| (Opcode::Binary, bytes)),
    }
}

/// Bytes typed as hex pairs, with any whitespace or `:` between them.
fn hex_bytes(typed: &str) -> Result<Vec<u8>, CommandError> {
    let digits: Vec<char> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let invalid = |why: String| CommandError::new(ErrorKind::InvalidInput, why).on("ws_send");
    if digits.len() % 2 == 1 {
        return Err(invalid(format!(
            "{} hex digits: a byte takes two",
            digits.len()
        )));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text: String = pair.iter().collect();
            u8::from_str_radix(&text, 16)
                .map_err(|_| invalid(format!("\"{text}\" is not a byte in hex (00 to ff)")))
        })
        .collect()
}

/// A message in a line: text's start (control characters as spaces), a close's code and
/// reason, the hex of anything else's first bytes.
fn preview(message: &Message) -> String {
    let data = message.data.as_deref().unwrap_or_default();
    match (message.opcode, &message.close) {
        (Opcode::Text, _) => text_preview(data),
        (Opcode::Close, Some(close)) => match close.code {
            Some(code) => format!("{code} {}", close.reason).trim_end().to_string(),
            None => String::new(),
        },
        _ => {
            let (hex, more) = tcpmon_inspect::ws::hex_start(data, PREVIEW_BYTES);
            format!("{hex}{}", if more { " …" } else { "" })
        }
    }
}

/// Text's start in a line, control characters as spaces.
fn text_preview(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(&data[..data.len().min(PREVIEW_CHARS * 4)]);
    let mut shown: String = text
        .chars()
        .take(PREVIEW_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(PREVIEW_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::captured;
    use tcpmon_inspect::ws::frame::head;

    const C2S: Direction = Direction::ClientToServer;

    fn frame(opcode: Opcode, payload: &[u8]) -> Vec<u8> {
        let mut frame = head(opcode, payload.len(), None);
        frame.extend_from_slice(payload);
        frame
    }

    /// A WebSocket that carried a hostile text and a binary message to the server, then JSON
    /// and a close to the client.
    async fn websocket() -> (tcpmon_relay::Engine, ConnId) {
        let mut request =
            b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".to_vec();
        request.extend(frame(Opcode::Text, b"<img src=x onerror=alert(1)>\n"));
        request.extend(frame(Opcode::Binary, &(0..=99).collect::<Vec<u8>>()));
        let mut response =
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
        response.extend(frame(Opcode::Text, br#"{"a":[1,2]}"#));
        response.extend(frame(Opcode::Close, b"\x03\xe8bye"));
        captured(&request, response).await
    }

    #[tokio::test]
    async fn messages_are_listed_a_page_at_a_time_with_previews() {
        let (engine, id) = websocket().await;
        let lists = MessageLists::default();
        let all = lists.page(engine.store(), None, id, 0, 0, 100).unwrap();
        assert_eq!(all.total, 4);
        let indexes: Vec<u64> = all.rows.iter().map(|r| r.index).collect();
        assert_eq!(indexes, [0, 1, 2, 3]);
        let mut mine: Vec<(Direction, &str, &str)> = all
            .rows
            .iter()
            .map(|r| (r.direction, r.opcode.as_str(), r.preview.as_str()))
            .collect();
        mine.sort_by_key(|(dir, ..)| dir.index());
        let hex: Vec<String> = (0..32).map(|b| format!("{b:02x}")).collect();
        let binary = format!("{} …", hex.join(" "));
        assert_eq!(
            mine,
            [
                (C2S, "text", "<img src=x onerror=alert(1)> "),
                (C2S, "binary", binary.as_str()),
                (Direction::ServerToClient, "text", r#"{"a":[1,2]}"#),
                (Direction::ServerToClient, "close", "1000 bye"),
            ]
        );
        let page = lists.page(engine.store(), None, id, 0, 3, 5).unwrap();
        assert_eq!((page.total, page.rows.len()), (4, 1));
        assert_eq!(page.rows[0], all.rows[3]);
        let past = lists.page(engine.store(), None, id, 0, 9, 5).unwrap();
        assert!(past.rows.is_empty());
    }

    #[tokio::test]
    async fn a_payload_is_shown_in_the_views_of_a_body() {
        let (engine, id) = websocket().await;
        let store = engine.store();
        let lists = MessageLists::default();
        let rows = lists.page(store, None, id, 0, 0, 100).unwrap().rows;
        let index = |opcode: &str, dir: Direction| {
            rows.iter()
                .find(|r| r.opcode == opcode && r.direction == dir)
                .unwrap()
                .index
        };
        let json = index("text", Direction::ServerToClient);
        let page = lists
            .view(store, None, id, 0, json, ViewKind::Auto, 0)
            .unwrap();
        assert_eq!(
            (page.view, page.text.as_str()),
            (ViewKind::Json, "{\n  \"a\": [\n    1,\n    2\n  ]\n}")
        );
        let hostile = index("text", C2S);
        let raw = lists
            .view(store, None, id, 0, hostile, ViewKind::Raw, 0)
            .unwrap();
        assert_eq!(raw.text, "<img src=x onerror=alert(1)>\n");
        let xml = lists
            .view(store, None, id, 0, hostile, ViewKind::Xml, 0)
            .unwrap();
        assert_eq!(xml.view, ViewKind::Raw, "{:?}", xml.note);
        let binary = index("binary", C2S);
        let hex = lists
            .view(store, None, id, 0, binary, ViewKind::Auto, 0)
            .unwrap();
        assert_eq!(hex.view, ViewKind::Hex);
        assert!(
            hex.text.starts_with("00000000  00 01 02 03"),
            "{}",
            hex.text
        );
        assert_eq!((hex.total, hex.next_offset), (100, None));
        let missing = lists
            .view(store, None, id, 0, 4, ViewKind::Raw, 0)
            .unwrap_err();
        assert_eq!(missing.kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn a_saved_session_lists_and_shows_its_messages() {
        use tcpmon_files::{Format, Pick, save};
        let (engine, id) = websocket().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ws.tcpmon");
        save::save(
            engine.store(),
            Pick::Connections(&[id]),
            &path,
            Format::Session,
        )
        .unwrap();
        let opened = tcpmon_files::session::open_any(&path).unwrap();
        let lists = MessageLists::default();
        let live = lists.page(engine.store(), None, id, 0, 0, 10).unwrap();
        let saved = lists.page(&opened.store, Some(1), id, 0, 0, 10).unwrap();
        assert_eq!(saved, live);
        let close = saved.rows.iter().find(|r| r.opcode == "close").unwrap();
        let page = lists
            .view(&opened.store, Some(1), id, 0, close.index, ViewKind::Hex, 0)
            .unwrap();
        assert!(
            page.text.starts_with("00000000  03 e8 62 79 65"),
            "{}",
            page.text
        );
    }

    /// An event stream, chunked, whose events are split across chunks: a hostile one, a
    /// comment, a typed one with an id, JSON of two lines.
    async fn event_stream() -> (tcpmon_relay::Engine, ConnId) {
        let mut response =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec();
        let body: &[&[u8]] = &[
            b"data: <img src=x onerror=alert(1)>\n",
            b"\n: keep-alive\n\nevent: add\nid: 7\ndata: two\n\ndata: {\"a\":\ndata: [1,2]}\n\n",
        ];
        for chunk in body {
            response.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
            response.extend_from_slice(chunk);
            response.extend(b"\r\n");
        }
        response.extend(b"0\r\n\r\n");
        captured(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n", response).await
    }

    #[tokio::test]
    async fn an_event_streams_events_are_listed_and_shown_as_messages() {
        let (engine, id) = event_stream().await;
        let store = engine.store();
        let lists = MessageLists::default();
        let page = lists.page(store, None, id, 0, 0, 100).unwrap();
        assert_eq!(page.total, 3);
        let rows: Vec<(u64, &str, u64, &str, Option<&str>)> = page
            .rows
            .iter()
            .map(|r| {
                assert_eq!(r.direction, Direction::ServerToClient);
                let id = r.id.as_deref();
                (r.index, r.opcode.as_str(), r.size, r.preview.as_str(), id)
            })
            .collect();
        assert_eq!(
            rows,
            [
                (0, "event", 28, "<img src=x onerror=alert(1)>", None),
                (1, "add", 3, "two", Some("7")),
                (2, "event", 12, "{\"a\": [1,2]}", None),
            ]
        );
        let raw = lists
            .view(store, None, id, 0, 0, ViewKind::Auto, 0)
            .unwrap();
        assert_eq!(raw.text, "<img src=x onerror=alert(1)>");
        let json = lists
            .view(store, None, id, 0, 2, ViewKind::Auto, 0)
            .unwrap();
        assert_eq!(
            (json.view, json.text.as_str()),
            (ViewKind::Json, "{\n  \"a\": [\n    1,\n    2\n  ]\n}")
        );
        let hex = lists.view(store, None, id, 0, 1, ViewKind::Hex, 0).unwrap();
        assert!(hex.text.starts_with("00000000  74 77 6f"), "{}", hex.text);
        let missing = lists
            .view(store, None, id, 0, 3, ViewKind::Raw, 0)
            .unwrap_err();
        assert_eq!(missing.kind, ErrorKind::NotFound);
    }

    #[test]
    fn typed_messages_become_payloads() {
        let text = outgoing(SendKind::Text, "héllo <b>").unwrap();
        assert_eq!(text, (Opcode::Text, "héllo <b>".as_bytes().to_vec()));
        let binary = outgoing(SendKind::Binary, "00 01:fe\nFF").unwrap();
        assert_eq!(binary, (Opcode::Binary, vec![0, 1, 0xfe, 0xff]));
        assert_eq!(outgoing(SendKind::Binary, "").unwrap().1, Vec::<u8>::new());
        for (typed, says) in [("abc", "3 hex digits"), ("zz", "\"zz\" is not a byte")] {
            let error = outgoing(SendKind::Binary, typed).unwrap_err();
            assert_eq!(
                (error.kind, error.field),
                (ErrorKind::InvalidInput, Some("ws_send"))
            );
            assert!(error.message.starts_with(says), "{}", error.message);
        }
    }

    #[tokio::test]
    async fn an_exchange_that_is_no_websocket_nor_event_stream_has_no_messages() {
        let (engine, id) = captured(
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
        )
        .await;
        let lists = MessageLists::default();
        let error = lists.page(engine.store(), None, id, 0, 0, 10).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        let error = lists.page(engine.store(), None, id, 5, 0, 10).unwrap_err();
        assert_eq!(error.kind, ErrorKind::NotFound);
    }
}

//! View pages of hostile session files: `session::open` either refuses the file or every page
//! of every view (Auto, Raw, Xml, Json, Hex) of every connection, direction and exchange
//! renders through `tcpmon_desktop::page::read_view` without panicking, however the exchanges'
//! spans lie about the bytes (reversed, past the end, overlapping, near `u64::MAX`). Pages are
//! followed through `next_offset` (a few per view), which must always move forward, and each
//! page's text stays within a few times the source it shows (see `check_page`).
//!
//! Input: a file that starts with the session magic is opened as it is. Anything else builds
//! one: a flags byte, exchange spans (seventeen bytes each: request and response start,
//! head_at, head_len and end as u16, and a byte whose bits say the request or the response is
//! incomplete, the exchange is a tunnel, it has no response), a byte saying where the request
//! stream ends, then the two streams, written as one connection's metadata and data records.
//! Flags: bit 0, write the spans as the record's `exchanges` (else the field is left out, as
//! in a capture log, and the tracker finds them again in the bytes); bit 1, a big response:
//! the response stream, then what follows the request stream's first head repeated past
//! `PRETTY_LIMIT` (4 MiB), so that pretty views page through a body too big to indent whole
//! (spans then count in 128-byte units); bits 2-3, the directions' `truncated` marks; bits 4-6, the number of spans (0-7).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::io::Write;
use tcpmon_desktop::page::{PRETTY_LIMIT, RAW_PAGE, ViewPage, read_view};
use tcpmon_files::session;
use tcpmon_inspect::http1::decode as message;
use tcpmon_inspect::view::{MAX_INDENT, ViewKind, output_budget};
use tcpmon_relay::{ConnId, Direction, Store};

const MAGIC: &[u8; 8] = b"\x89TCPMON\n";
/// Input bytes of one exchange's spans.
const SPEC: usize = 17;
/// Pages followed per view: enough to page past the first page of everything a fuzz input
/// can make, and through a few pages of a big body.
const MAX_PAGES: usize = 6;
/// Pages followed per view of a stream over 4 MiB.
const BIG_PAGES: usize = 3;
/// Exchanges viewed per connection: a few KiB of pipelined requests can make hundreds.
const MAX_EXCHANGES: usize = 12;
const KINDS: [ViewKind; 6] = [
    ViewKind::Auto,
    ViewKind::Raw,
    ViewKind::Xml,
    ViewKind::Json,
    ViewKind::Hex,
    ViewKind::Grpc,
];

fn record(kind: u8, dir: u8, conn: u64, at: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, dir, 0, 0];
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&conn.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// A span figure: small numbers in `unit`s, the top few near `u64::MAX`.
fn figure(bytes: &[u8], unit: u64) -> u64 {
    let v = u16::from_le_bytes([bytes[0], bytes[1]]);
    if v >= 0xfff0 {
        u64::MAX - u64::from(0xffff - v)
    } else {
        u64::from(v) * unit
    }
}

fn span(spec: &[u8], unit: u64, complete: bool) -> Value {
    let start = figure(&spec[0..2], unit);
    json!({
        "start": start,
        "head_at": figure(&spec[2..4], unit),
        "head_len": figure(&spec[4..6], 1),
        "end": figure(&spec[6..8], unit),
        "body_len": 0,
        "complete": complete,
        "first_at": 1_700_000_000_000_000u64.wrapping_add(start),
        "last_at": 1_700_000_000_000_000u64,
    })
}

/// A session file made from structured input (see the module docs).
fn build(data: &[u8]) -> Option<Vec<u8>> {
    let (&flags, rest) = data.split_first()?;
    let count = usize::from(flags >> 4 & 7);
    let big = flags & 2 != 0;
    let unit = if big { 128 } else { 1 };
    let specs = rest.get(..count * SPEC)?;
    let (&split, streams) = rest[count * SPEC..].split_first()?;
    let (request, response) = streams.split_at(usize::from(split) * streams.len() / 256);
    let mut response = response.to_vec();
    if big {
        // What follows the request stream's first head (all of it when it has none).
        let unit = match request.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(at) => &request[at + 4..],
            None => request,
        };
        let unit: &[u8] = if unit.is_empty() { b" " } else { unit };
        // Past 4 MiB by more than the pages followed (see `BIG_PAGES`): from 4 MiB before the
        // end, a direction's pretty view pages from message to message and renders all the
        // rest at once, which takes a second under coverage instrumentation (small streams
        // cover that path); before it, it falls back to raw pages at once.
        while response.len() <= PRETTY_LIMIT as usize + BIG_PAGES * RAW_PAGE {
            response.extend_from_slice(unit);
        }
    }
    let exchanges: Vec<Value> = specs
        .chunks(SPEC)
        .enumerate()
        .map(|(i, spec)| {
            let bits = spec[16];
            let response = (bits & 8 == 0).then(|| span(&spec[8..16], unit, bits & 1 == 0));
            json!({
                "method": "GET",
                "target": "/",
                "version": 1,
                "host": null,
                "request": span(&spec[..8], unit, bits & 2 == 0),
                "response": response,
                "status": response.as_ref().map(|_| 200 + i),
                "reason": "OK",
                "tunnel": bits & 4 != 0,
            })
        })
        .collect();
    let mut meta = json!({
        "id": 1,
        "listener": 1,
        "listen_port": 9090,
        "client": "127.0.0.1:50000",
        "target": {"host": "target.test", "port": 8080},
        "accepted_at": 1_700_000_000_000_000u64,
        "connected_at": null,
        "closed_at": 1_700_000_001_000_000u64,
        "state": {"kind": "done"},
        "bytes": [request.len(), response.len()],
        "truncated": [flags & 4 != 0, flags & 8 != 0],
        "resend_of": null,
        "request_line": null,
    });
    if flags & 1 != 0 {
        meta["exchanges"] = Value::Array(exchanges);
    }
    let mut file = MAGIC.to_vec();
    file.extend_from_slice(&1u32.to_le_bytes());
    file.extend_from_slice(&0u32.to_le_bytes());
    file.extend(record(2, 0, 1, 1, &serde_json::to_vec(&meta).ok()?));
    // Each stream in two records, interleaved, as a capture writes them.
    let (r1, r2) = request.split_at(request.len() / 2);
    let (s1, s2) = response.split_at(response.len().min(RAW_PAGE / 3));
    for (dir, bytes) in [(0, r1), (1, s1), (0, r2), (1, s2)] {
        if !bytes.is_empty() {
            file.extend(record(1, dir, 1, 2, bytes));
        }
    }
    Some(file)
}

/// The bytes of a window (a direction, or an exchange's span in it, as `page.rs` cuts it)
/// at `offset`.
fn window_bytes(
    store: &Store,
    id: ConnId,
    dir: Direction,
    exchange: Option<usize>,
    offset: u64,
    len: u64,
) -> Vec<u8> {
    let recorded = store.recorded_len(id, dir).unwrap_or(0);
    let (base, end) = match exchange {
        None => (0, recorded),
        Some(i) => {
            let Some(e) = store.record(id).and_then(|r| r.exchanges.get(i)) else {
                return Vec::new();
            };
            let span = match dir {
                Direction::ClientToServer => Some(e.request),
                Direction::ServerToClient => e.response,
            };
            match span {
                Some(s) => (s.start, s.end.min(recorded)),
                None => return Vec::new(),
            }
        }
    };
    let from = base.saturating_add(offset);
    let len = len.min(end.saturating_sub(from));
    store.read(id, dir, from, len as usize).unwrap_or_default()
}

/// A page's text is bounded by the source it shows. `consumed` source bytes of the window
/// (from `offset` to where the next page starts) were shown:
/// - raw: at most 4 characters a byte (`\xNN`; a control picture takes 3 bytes of UTF-8);
/// - hex: a 16-byte line is at most 86 characters (a 16-digit offset), under 8 a byte and 80
///   for a short last line;
/// - pretty XML or JSON of a whole message: its head raw (4 a byte), then the indented body,
///   which `view` keeps within `output_budget` of the decoded body (8 times, plus 64 KiB for
///   small documents) plus one line it was writing when it crossed the budget (indentation
///   and 3 characters a byte). The decoded body is at most `PRETTY_LIMIT` (4 MiB): page.rs
///   shows a larger one raw, so a gzip bomb never gets here, and a compressed body counts as
///   the decoded bytes it really is;
/// - a page of a body too big to indent whole ("a page at a time"): the same, over the
///   `RAW_PAGE` (256 KiB) it reads, whatever part of it the page ends up covering.
/// So a page is at most 12 times its source plus 64 KiB: a 4 MiB message at most ~48 MiB,
/// where 100,000 levels of nesting would have been gigabytes.
fn check_page(store: &Store, id: ConnId, dir: Direction, exchange: Option<usize>, page: &ViewPage) {
    let end = page.next_offset.unwrap_or(page.total);
    if let Some(next) = page.next_offset {
        assert!(next > page.offset, "a page that does not move on: {page:?}");
        assert!(next <= page.total);
    }
    let consumed = end.saturating_sub(page.offset) as usize;
    let text = page.text.len();
    let most = match page.view {
        ViewKind::Raw => 4 * consumed,
        ViewKind::Hex => 8 * consumed + 80,
        ViewKind::Xml | ViewKind::Json => {
            let paged = page
                .note
                .as_deref()
                .is_some_and(|n| n.contains("a page at a time"));
            let decoded = if paged {
                RAW_PAGE
            } else {
                let bytes = window_bytes(store, id, dir, exchange, page.offset, consumed as u64);
                assert_eq!(bytes.len(), consumed);
                let body = message::decode(&bytes).body.len();
                assert!(body as u64 <= PRETTY_LIMIT, "{body} bytes pretty-printed");
                body
            };
            4 * consumed + output_budget(decoded) + 3 * decoded + 2 * MAX_INDENT + 1
        }
        // The head, and the messages within `output_budget` of the body plus the one it was
        // writing when it crossed it: at most its last field, which inflated within the same
        // budget and is escaped in up to 4 characters a byte; then the status.
        ViewKind::Grpc => 4 * consumed + 5 * output_budget(consumed) + 64 * 1024,
        ViewKind::Auto => panic!("a page says it is Auto"),
    };
    assert!(
        text <= most,
        "{:?} page at {} of {exchange:?} {dir:?}: {text} bytes of text from {consumed} (most {most})",
        page.view,
        page.offset
    );
}

fuzz_target!(|data: &[u8]| {
    let file = if data.starts_with(MAGIC) {
        data.to_vec()
    } else {
        let Some(file) = build(data) else { return };
        file
    };
    let mut temp = tempfile::NamedTempFile::new().expect("temp file");
    temp.write_all(&file).expect("write");
    let Ok(opened) = session::open(temp.path()) else {
        return;
    };
    let store = &opened.store;
    for record in store.records() {
        let id = record.id;
        let recorded = |dir| store.recorded_len(id, dir).unwrap_or(0);
        // A stream over 4 MiB renders pages of 256 KiB, each costly under coverage
        // instrumentation: fewer of them (still past the first, whose depth starts at 0).
        let big = Direction::BOTH
            .iter()
            .any(|&dir| recorded(dir) > PRETTY_LIMIT);
        let (pages, exchanges) = if big {
            (BIG_PAGES, 2)
        } else {
            (MAX_PAGES, MAX_EXCHANGES)
        };
        let count = record.exchanges.len().min(exchanges);
        let windows = std::iter::once(None).chain((0..=count).map(Some));
        for exchange in windows {
            for dir in Direction::BOTH {
                for kind in KINDS {
                    let mut offset = 0;
                    for _ in 0..pages {
                        let Ok(page) = read_view(store, id, dir, kind, offset, exchange, None)
                        else {
                            // Only the exchange past the last may be missing.
                            assert!(exchange.is_some_and(|i| i >= record.exchanges.len()));
                            break;
                        };
                        assert!(page.offset >= offset);
                        check_page(store, id, dir, exchange, &page);
                        match page.next_offset {
                            Some(next) => offset = next,
                            None => break,
                        }
                    }
                }
            }
        }
    }
});

//! The search box over a store: which table rows (exchanges, or raw connections) match a query.

use crate::error::{CommandError, ErrorKind};
use serde::Serialize;
use tcpmon_files::RowRef;
use tcpmon_inspect::search::{Query, Row};
use tcpmon_relay::{Direction, Store};

/// Most bytes of one message (or of a raw stream's start) a search reads: enough for any body
/// a person searches, and a 1 GiB download does not stall the box.
const SEARCH_LIMIT: u64 = 8 << 20;

/// The rows that match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SearchResult"))]
pub struct Found {
    /// Matching rows, in table order.
    pub rows: Vec<RowRef>,
}

/// Searches every row of `store`.
pub fn search(store: &Store, query: &str) -> Result<Found, CommandError> {
    let query = Query::parse(query)
        .map_err(|e| CommandError::new(ErrorKind::InvalidInput, e.to_string()).on("search"))?;
    let mut rows = Vec::new();
    for record in store.records() {
        let id = record.id;
        let host = record
            .target
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or_default();
        if record.exchanges.is_empty() {
            let mut load = |dir: Direction| {
                let len = store.recorded_len(id, dir).unwrap_or(0).min(SEARCH_LIMIT);
                store.read(id, dir, 0, len as usize).unwrap_or_default()
            };
            if query.matches(&mut Row::new(None, &host, &mut load)) {
                rows.push((id, None));
            }
            continue;
        }
        for (index, exchange) in record.exchanges.iter().enumerate() {
            let mut load = |dir: Direction| {
                // From the final head: interim `1xx` heads are not what a query is about.
                let from = exchange.span(dir).map_or(0, |s| s.head_at() - s.start);
                let read = store.read_message(id, &exchange, dir, from, SEARCH_LIMIT as usize);
                read.unwrap_or_default()
            };
            let mut messages = || payloads(store, &record, index);
            let mut row = Row::new(Some(&exchange), &host, &mut load);
            if exchange.websocket().is_some() || exchange.sse().is_some() {
                row = row.with_messages(&mut messages);
            }
            if query.matches(&mut row) {
                rows.push((id, Some(index)));
            }
        }
    }
    Ok(Found { rows })
}

/// The payloads of a WebSocket exchange's messages, or an event stream's events' data, as far
/// as [`SEARCH_LIMIT`] bytes of them; a read error finds nothing.
fn payloads(store: &Store, record: &tcpmon_relay::ConnectionRecord, index: usize) -> Vec<Vec<u8>> {
    let mut left = SEARCH_LIMIT as usize;
    let exchange = record.exchanges.get(index);
    let messages = match exchange.as_ref().and_then(|e| e.websocket()) {
        Some(summary) => tcpmon_relay::messages::Follower::new(summary)
            .poll_up_to(store, record.id, SEARCH_LIMIT)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let events = store.sse_events(record, index).unwrap_or_default();
    messages
        .into_iter()
        .filter_map(|m| m.data)
        .chain(events.into_iter().map(|e| e.data.into_bytes()))
        .map_while(|data| {
            let take = data.len().min(left);
            left -= take;
            (take > 0 || data.is_empty()).then(|| data[..take].to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::captured;

    #[tokio::test]
    async fn rows_of_a_live_store_are_found_by_exchange() {
        let request = b"GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 500 Boom\r\nContent-Length: 0\r\n\r\n";
        let (engine, id) = captured(request, response.to_vec()).await;
        let (raw_engine, raw_id) = captured(b"\x00binary hello", b"x".to_vec()).await;
        let store = engine.store();
        assert_eq!(
            search(store, "").unwrap().rows,
            [(id, Some(0)), (id, Some(1))]
        );
        assert_eq!(search(store, "status:5xx").unwrap().rows, [(id, Some(1))]);
        assert_eq!(search(store, "body:HELLO").unwrap().rows, [(id, Some(1))]);
        assert_eq!(search(store, "/abc$/").unwrap().rows, [(id, Some(0))]);
        assert_eq!(
            search(raw_engine.store(), "body:binary").unwrap().rows,
            [(raw_id, None)]
        );
        let bad = search(store, "/(/").unwrap_err();
        assert_eq!(
            (bad.kind, bad.field),
            (ErrorKind::InvalidInput, Some("search"))
        );
    }

    #[tokio::test]
    async fn ws_terms_match_the_payloads_of_websocket_messages() {
        let request =
            b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello";
        let response =
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x06Secret";
        let (engine, id) = captured(request, response.to_vec()).await;
        let rows = |query| search(engine.store(), query).unwrap().rows;
        assert_eq!(rows("ws:secret"), [(id, Some(0))]);
        assert_eq!(rows("ws:HELLO"), [(id, Some(0))]);
        assert!(rows("ws:absent").is_empty());
        assert_eq!(rows("-ws:absent"), [(id, Some(0))]);
    }
}

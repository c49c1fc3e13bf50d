//! Opening a HAR file as a read-only session: each entry's messages are rebuilt as bytes
//! (see `tcpmon_inspect::export::har::read_har`) and captured into a store as if they had
//! been relayed, at the times the HAR gives, so every view, search and export works on them.
//! Entries that name the same `connection` in a row share one connection, as keep-alive
//! requests did.

use crate::atomic_file::file_error;
use crate::config::HostPort;
use crate::error::Result;
use crate::record::{ConnId, ConnectionRecord, ConnectionState, Direction, ListenerId};
use crate::session::Session;
use crate::store::Store;
use std::path::Path;
use tcpmon_inspect::export::har::{ImportedEntry, read_har};
use tcpmon_inspect::http1::parse_request;
use tcpmon_inspect::view::head_len;

/// Opens `path` as a HAR file.
pub fn open(path: &Path) -> Result<Session> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let entries = read_har(&bytes).map_err(|e| file_error(path, e))?;
    drop(bytes);
    let store = Store::live(None, u64::MAX)?;
    let mut next = 1;
    let mut i = 0;
    while i < entries.len() {
        // Entries of one connection come in a row.
        let same =
            |e: &ImportedEntry| e.connection.is_some() && e.connection == entries[i].connection;
        let end = i + 1 + entries[i + 1..].iter().take_while(|e| same(e)).count();
        capture(&store, ConnId(next), &entries[i..end]);
        next += 1;
        i = end;
    }
    let count = entries.len();
    Ok(Session {
        store,
        note: Some(format!("imported from HAR: {count} entries, read-only")),
    })
}

/// Records one connection's entries in `store`.
fn capture(store: &Store, id: ConnId, entries: &[ImportedEntry]) {
    let first = &entries[0];
    let target = parse_request(&first.request)
        .ok()
        .flatten()
        .and_then(|r| {
            r.head
                .header("host")
                .map(|h| String::from_utf8_lossy(h).into_owned())
        })
        .and_then(|host| {
            host.parse::<HostPort>()
                .or_else(|_| format!("{host}:80").parse())
                .ok()
        });
    let closed = entries
        .iter()
        .map(|e| e.response_at.1.max(e.request_at.1))
        .max()
        .unwrap_or(0);
    let client = first
        .server_ip
        .clone()
        .map_or("har".into(), |ip| format!("har ({ip})"));
    let accepted = first.request_at.0;
    store.insert(ConnectionRecord {
        connected_at: Some(accepted),
        closed_at: Some(closed),
        state: ConnectionState::Active,
        request_line: tcpmon_inspect::http1::request_line(&first.request).map(str::to_string),
        ..ConnectionRecord::accepted(id, ListenerId(0), 0, client, target, accepted)
    });
    for entry in entries {
        for (dir, bytes, (first_at, last_at)) in [
            (Direction::ClientToServer, &entry.request, entry.request_at),
            (
                Direction::ServerToClient,
                &entry.response,
                entry.response_at,
            ),
        ] {
            // The head when the message started, the body when it ended.
            let head = head_len(bytes).min(bytes.len());
            let (head, body) = bytes.split_at(if head == 0 { bytes.len() } else { head });
            store.append_at(id, dir, head, first_at);
            store.append_at(id, dir, body, last_at);
        }
    }
    store.update(id, |r| {
        r.state = ConnectionState::Done;
    });
    store.update(id, |r| {
        for (exchange, entry) in r.exchanges.iter_mut().zip(entries) {
            if let Some(note) = &entry.note {
                exchange.add_note(note.clone());
            }
        }
    });
}

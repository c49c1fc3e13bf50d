//! HAR files: picked exchanges written as HTTP Archive 1.2, and HAR files opened as
//! read-only sessions.
//!
//! Opening rebuilds each entry's messages as bytes (see `tcpmon_inspect::formats::har::read_har`)
//! and captures them into a store as if they had been relayed, at the times the HAR gives, so
//! every view, search and export works on them. Entries that name the same `connection` in a
//! row share one connection, as keep-alive requests did.

use crate::atomic::write_atomically;
use crate::error::{Error, FileRole, Result};
use crate::rows::load_exchanges;
use crate::save::Pick;
use crate::session::Session;
use std::path::Path;
use tcpmon_inspect::formats::har::{
    HarConnection, HarEntry, ImportedEntry, has_entry, read_har, write_har,
};
use tcpmon_inspect::http1::head_len;
use tcpmon_inspect::http1::{parse_request, parse_response};
use tcpmon_relay::{
    ConnId, ConnectionRecord, ConnectionState, Direction, HostPort, Limits, ListenerId, LogPlace,
    Store,
};

/// Writes the picked exchanges to `path` as HAR 1.2; returns how many entries it wrote.
pub fn save(store: &Store, pick: Pick<'_>, path: &Path) -> Result<usize> {
    let loaded = load_exchanges(store, pick)?;
    let connections: Vec<HarConnection<'_>> = loaded
        .iter()
        .map(|l| HarConnection {
            id: l.record.id.0,
            server_ip: l.record.target.as_ref().and_then(|t| t.host.parse().ok()),
            server: &l.server,
            accepted_at: l.record.accepted_at,
            connected_at: l.record.connected_at,
            tls: l.record.client_tls.is_some(),
            secured_at: l.record.target_tls.as_ref().map(|t| t.completed_at),
        })
        .collect();
    let messages = loaded
        .iter()
        .map(|l| store.websocket_messages(&l.record, l.index))
        .collect::<tcpmon_relay::Result<Vec<_>>>()
        .map_err(|e| Error::file(FileRole::Har, path, e))?;
    let changed: Vec<Vec<String>> = loaded.iter().map(changes).collect();
    let opening = opening_entries(&loaded);
    let entries: Vec<HarEntry<'_>> = loaded
        .iter()
        .zip(&connections)
        .zip(&messages)
        .zip(&changed)
        .zip(opening)
        .map(
            |((((l, conn), messages), changed), first_of_connection)| HarEntry {
                conn,
                exchange: &l.exchange,
                first_of_connection,
                request: &l.request,
                response: &l.response,
                messages,
                changed,
            },
        )
        .collect();
    write_atomically(path, FileRole::Har, |out| {
        write_har(out, &entries, env!("CARGO_PKG_VERSION"))
            .map_err(|e| Error::file(FileRole::Har, path, e))
    })
}

/// Which loaded exchanges carry their connection's opening timings (connect, TLS): its first
/// exchange, or, when HAR cannot hold that one ([`has_entry`]), the next one picked.
fn opening_entries(loaded: &[crate::rows::Loaded]) -> Vec<bool> {
    let mut owed = std::collections::HashSet::new();
    loaded
        .iter()
        .map(|l| {
            let first = l.index == 0 || owed.remove(&l.record.id);
            let left_out = !has_entry(&l.exchange);
            if first && left_out {
                owed.insert(l.record.id);
            }
            first && !left_out
        })
        .collect()
}

/// What rules and breakpoints did to a loaded exchange, in words ("rule 2 setHeader: ...").
fn changes(l: &crate::rows::Loaded) -> Vec<String> {
    let mut said: Vec<String> = (l.record.rules.iter())
        .filter(|r| r.exchange as usize == l.index)
        .map(|r| format!("rule {} {}: {}", r.rule, r.action, r.what))
        .collect();
    let kept = (l.record.server_side.iter()).any(|s| s.exchange as usize == l.index);
    if kept {
        said.push("the server's side is kept in the TCPMon capture".into());
    }
    said
}

/// Opens `path` as a HAR file.
pub fn open(path: &Path) -> Result<Session> {
    let failed = |e: &dyn ToString| Error::file(FileRole::Har, path, e.to_string());
    let bytes = std::fs::read(path).map_err(|e| failed(&e))?;
    let entries = read_har(&bytes).map_err(|e| failed(&e))?;
    drop(bytes);
    let store = Store::live(LogPlace::Anonymous(None), Limits::unlimited())?;
    let mut next = 1;
    let mut i = 0;
    while i < entries.len() {
        // Entries of one connection come in a row; an entry without a response (or one that
        // switched protocols) ends its connection, or the next response would answer it.
        let same =
            |e: &ImportedEntry| e.connection.is_some() && e.connection == entries[i].connection;
        let mut end = i + 1;
        while end < entries.len() && same(&entries[end]) && !ends_connection(&entries[end - 1]) {
            end += 1;
        }
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

/// Whether nothing HTTP can follow `entry` on its connection: it has no response, or its
/// response switched protocols (`101`, or a successful `CONNECT`).
fn ends_connection(entry: &ImportedEntry) -> bool {
    let Ok(Some(response)) = parse_response(&entry.response) else {
        return true;
    };
    let connect = parse_request(&entry.request)
        .ok()
        .flatten()
        .is_some_and(|r| r.method.eq_ignore_ascii_case("CONNECT"));
    response.status == 101 || (connect && (200..300).contains(&response.status))
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
        for (exchange, entry) in r.exchanges.make_live(0).iter_mut().zip(entries) {
            if let Some(note) = &entry.note {
                exchange.add_note(note.clone());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, status: u16, text: &str) -> String {
        format!(
            r#"{{"startedDateTime":"2026-11-27T08:00:00.000Z","time":2,"connection":"80",
            "request":{{"method":"GET","url":"{url}","httpVersion":"HTTP/1.1","headers":[{{"name":"Host","value":"a.test"}}],
              "queryString":[],"cookies":[],"headersSize":-1,"bodySize":0}},
            "response":{{"status":{status},"statusText":"","httpVersion":"HTTP/1.1","headers":[],"cookies":[],
              "content":{{"size":{len},"mimeType":"text/plain","text":"{text}"}},"redirectURL":"","headersSize":-1,"bodySize":{len}}},
            "cache":{{}},"timings":{{"send":1,"wait":1,"receive":0}}}}"#,
            len = text.len()
        )
    }

    #[test]
    fn an_entry_without_a_response_ends_its_connection() {
        let har = format!(
            r#"{{"log":{{"version":"1.2","creator":{{"name":"x","version":"1"}},"entries":[{},{},{}]}}}}"#,
            entry("http://a.test/1", 200, "one"),
            entry("http://a.test/2", 0, ""),
            entry("http://a.test/3", 200, "three"),
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.har");
        std::fs::write(&path, har).unwrap();
        let records = open(&path).unwrap().store.records();
        let shape: Vec<Vec<(String, Option<u16>)>> = records
            .iter()
            .map(|r| {
                r.exchanges
                    .iter()
                    .map(|e| (e.target.to_string(), e.status))
                    .collect()
            })
            .collect();
        assert_eq!(
            shape,
            [
                vec![("/1".to_string(), Some(200)), ("/2".to_string(), None)],
                vec![("/3".to_string(), Some(200))],
            ],
            "the third entry's response answers the third request"
        );
    }
}

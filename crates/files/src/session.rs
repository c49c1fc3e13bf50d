//! Session files: chosen connections with their records and bytes, self-contained, in the
//! record-log layout of [`tcpmon_relay::log_format`], opened again for viewing; capture logs,
//! also those a crash left, open the same way.
//!
//! Saving writes a temp file beside the target and renames it, so a crash never leaves half a
//! file under the chosen name. Opening tolerates a file cut short (a copy interrupted, a disk
//! that filled): it keeps every complete record and says where it stopped.

use crate::atomic::write_atomically;
use crate::error::{Error, FileRole, Result};
use crate::save::Format;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use tcpmon_inspect::exchange::{Exchange, Tracker};
use tcpmon_relay::log_format::{
    self, FILE_HEADER_LEN, RECORD_HEADER_LEN, RecordHeader, RecordKind, ServerSidePrefix,
};
use tcpmon_relay::{
    ChunkRef, ConnId, ConnectionRecord, ConnectionState, Error as StoreError, RULE_EVENTS_KEPT,
    ServerSide, SideRef, Store, now_micros,
};

/// Writes `ids` (in that order) from `store` to `path`; returns how many were written.
pub fn save(store: &Store, ids: &[ConnId], path: &Path) -> Result<usize> {
    let failed = |e: std::io::Error| Error::file(FileRole::Session, path, e);
    write_atomically(path, FileRole::Session, |out| {
        out.write_all(&log_format::file_header()).map_err(failed)?;
        for &id in ids {
            let record = store.record(id).ok_or(StoreError::NoSuchConnection(id.0))?;
            let meta =
                serde_json::to_vec(&record).map_err(|e| Error::file(FileRole::Session, path, e))?;
            let header = RecordHeader {
                kind: RecordKind::Meta,
                len: meta.len() as u32,
                conn: id,
                at: now_micros(),
            };
            out.write_all(&header.encode()).map_err(failed)?;
            out.write_all(&meta).map_err(failed)?;
            for (dir, chunk) in store.chunks_in_order(id)? {
                let (at, bytes) = store.read_chunk(&chunk)?;
                let header = RecordHeader {
                    kind: RecordKind::Data(dir),
                    len: chunk.len,
                    conn: id,
                    at,
                };
                out.write_all(&header.encode()).map_err(failed)?;
                out.write_all(&bytes).map_err(failed)?;
            }
            for side in store.server_sides(id) {
                let message = store.read_side(&side)?;
                let prefix = ServerSidePrefix {
                    exchange: side.exchange,
                    whole: side.whole,
                };
                let header = RecordHeader {
                    kind: RecordKind::ServerSide(side.dir),
                    len: (ServerSidePrefix::LEN + message.len()) as u32,
                    conn: id,
                    at: now_micros(),
                };
                out.write_all(&header.encode()).map_err(failed)?;
                out.write_all(&prefix.encode()).map_err(failed)?;
                out.write_all(&message).map_err(failed)?;
            }
        }
        Ok(ids.len())
    })
}

/// An opened session file.
pub struct Session {
    /// Its connections and bytes, read-only.
    pub store: Store,
    /// Set when the file was cut short or holds records this version does not know.
    pub note: Option<String>,
}

/// Opens a TCPMon session file or, when the file is one, a HAR file (named `.har`, or JSON).
/// Anything else is read as a session, whose reader says what is wrong with it (a missing
/// file, not a session), rather than a HAR reader's complaint about a file that never was one.
pub fn open_any(path: &Path) -> Result<Session> {
    let mut start = Vec::with_capacity(FILE_HEADER_LEN as usize);
    // What cannot be read is left to the session reader to report.
    let _ = File::open(path).and_then(|f| f.take(FILE_HEADER_LEN).read_to_end(&mut start));
    let is_session = log_format::check_file_header(&start).is_ok();
    let is_json = start.trim_ascii_start().starts_with(b"{");
    if !is_session && (is_json || Format::from_path(path) == Format::Har) {
        crate::har::open(path)
    } else {
        open(path)
    }
}

/// Opens a session file for viewing.
pub fn open(path: &Path) -> Result<Session> {
    open_as(path, FileRole::Session)
}

/// Opens a capture log (one a crash left, or a running capture's) for viewing.
pub fn open_log(path: &Path) -> Result<Session> {
    open_as(path, FileRole::CaptureLog)
}

/// Opens a file in the record-log layout; errors name it as `role`.
fn open_as(path: &Path, role: FileRole) -> Result<Session> {
    let file_error = |reason: &dyn ToString| Error::file(role, path, reason.to_string());
    let failed = |e: std::io::Error| file_error(&e);
    let file = File::open(path).map_err(failed)?;
    let len = file.metadata().map_err(failed)?.len();
    let mut reader = BufReader::new(file.try_clone().map_err(failed)?);
    let mut header = [0; FILE_HEADER_LEN as usize];
    reader
        .read_exact(&mut header)
        .map_err(|_| file_error(&"not a TCPMon session file"))?;
    log_format::check_file_header(&header).map_err(|reason| file_error(&reason))?;
    let read = read_records(&mut reader, len).map_err(failed)?;
    let mut find = Vec::new();
    let entries = read
        .entries
        .into_iter()
        .filter_map(|(id, loaded)| {
            let record = loaded.record?;
            if loaded.find_exchanges {
                find.push(id);
            }
            Some(complete(record, loaded.chunks, loaded.sides))
        })
        .collect();
    let store = Store::read_only(file, read.end, entries);
    for id in find {
        let exchanges = find_exchanges_in(&store, id);
        store.update(id, |r| r.exchanges = exchanges.into());
    }
    Ok(Session {
        store,
        note: read.note,
    })
}

/// What a file holds of one connection.
#[derive(Default)]
struct Loaded {
    record: Option<ConnectionRecord>,
    chunks: [Vec<ChunkRef>; 2],
    /// Server sides of the messages TCPMon changed.
    sides: Vec<SideRef>,
    /// Its record came from a capture log, which leaves exchanges to the bytes.
    find_exchanges: bool,
}

/// The records of a file, read in one pass.
struct Records {
    entries: BTreeMap<ConnId, Loaded>,
    /// Where the last complete record ends.
    end: u64,
    note: Option<String>,
}

/// Reads records from just after the file header to `len`; stops at the first incomplete or
/// damaged one, keeping everything before it. Linear in the file: data is indexed, not read.
fn read_records(reader: &mut BufReader<File>, len: u64) -> std::io::Result<Records> {
    let mut entries: BTreeMap<ConnId, Loaded> = BTreeMap::new();
    let mut pos = FILE_HEADER_LEN;
    let mut complete = 0usize;
    let mut unknown = 0usize;
    let stopped = loop {
        if pos == len {
            break None;
        }
        // Formatted only when it is the answer: this loop runs once per record.
        let cut = || {
            Some(format!(
                "the file ends inside record {}: showing the {complete} complete records before it",
                complete + 1
            ))
        };
        if len - pos < RECORD_HEADER_LEN as u64 {
            break cut();
        }
        let mut raw = [0; RECORD_HEADER_LEN];
        reader.read_exact(&mut raw)?;
        let damaged = |why: &str| {
            Some(format!(
                "record {} is damaged ({why}): showing the records before it",
                complete + 1
            ))
        };
        let Some(header) = RecordHeader::decode(&raw) else {
            break damaged("data of no direction");
        };
        let payload_at = pos + RECORD_HEADER_LEN as u64;
        if len - payload_at < u64::from(header.len) {
            break cut();
        }
        let mut skip = i64::from(header.len);
        match header.kind {
            RecordKind::Meta => {
                let mut meta = vec![0; header.len as usize];
                reader.read_exact(&mut meta)?;
                skip = 0;
                match parse_meta(&meta) {
                    Ok((record, find_exchanges)) => {
                        let entry = entries.entry(header.conn).or_default();
                        entry.record = Some(record);
                        entry.find_exchanges = find_exchanges;
                    }
                    Err(e) => break damaged(&e.to_string()),
                }
            }
            RecordKind::Data(dir) => {
                let chunks = &mut entries.entry(header.conn).or_default().chunks[dir.index()];
                let stream_offset = chunks.last().map_or(0, ChunkRef::stream_end);
                chunks.push(ChunkRef {
                    stream_offset,
                    file_offset: payload_at,
                    len: header.len,
                });
            }
            RecordKind::ServerSide(dir) => {
                let mut prefix = [0; ServerSidePrefix::LEN];
                if header.len < prefix.len() as u32 {
                    break damaged("a server side without its exchange");
                }
                reader.read_exact(&mut prefix)?;
                skip -= prefix.len() as i64;
                let prefix = ServerSidePrefix::decode(&prefix).unwrap_or(ServerSidePrefix {
                    exchange: 0,
                    whole: false,
                });
                entries.entry(header.conn).or_default().sides.push(SideRef {
                    exchange: prefix.exchange,
                    dir,
                    whole: prefix.whole,
                    file_offset: payload_at + ServerSidePrefix::LEN as u64,
                    len: header.len - ServerSidePrefix::LEN as u32,
                });
            }
            RecordKind::Removed => {
                entries.remove(&header.conn);
            }
            RecordKind::Skip => {}
            RecordKind::Unknown(_) => unknown += 1,
        }
        reader.seek_relative(skip)?;
        pos = payload_at + u64::from(header.len);
        complete += 1;
    };
    let skipped = (unknown > 0)
        .then(|| format!("{unknown} records of a kind this TCPMon does not know were skipped"));
    let note = match (stopped, skipped) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    Ok(Records {
        entries,
        end: pos,
        note,
    })
}

/// A metadata record, and whether its exchanges are to be found in the bytes (a capture
/// log's records have no `exchanges` field).
fn parse_meta(meta: &[u8]) -> serde_json::Result<(ConnectionRecord, bool)> {
    #[derive(serde::Deserialize)]
    struct Probe {
        exchanges: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe = serde_json::from_slice(meta)?;
    Ok((serde_json::from_slice(meta)?, probe.exchanges.is_none()))
}

/// A connection as a capture log may have left it: its byte counts at least what was
/// recorded and, when the log ended before it did, marked so.
fn complete(
    mut record: ConnectionRecord,
    chunks: [Vec<ChunkRef>; 2],
    sides: Vec<SideRef>,
) -> (ConnectionRecord, [Vec<ChunkRef>; 2], Vec<SideRef>) {
    // A capture log may hold server sides its last record was not written after.
    record.server_side = (sides.iter())
        .take(RULE_EVENTS_KEPT)
        .map(|s| ServerSide {
            exchange: s.exchange,
            direction: s.dir,
        })
        .collect();
    for (bytes, chunks) in record.bytes.iter_mut().zip(&chunks) {
        let recorded = chunks.last().map_or(0, ChunkRef::stream_end);
        *bytes = (*bytes).max(recorded);
    }
    if !record.state.is_finished() {
        record.state = ConnectionState::Failed {
            reason: "the capture ended before the connection did (TCPMon was stopped)".into(),
        };
    }
    (record, chunks, sides)
}

/// Runs the exchange tracker over a connection's chunks in capture order, reading only until
/// it knows the connection is not HTTP.
fn find_exchanges_in(store: &Store, id: ConnId) -> Vec<Exchange> {
    let mut tracker = Tracker::default();
    let mut exchanges = Vec::new();
    for (dir, chunk) in store.chunks_in_order(id).unwrap_or_default() {
        let Ok((at, bytes)) = store.read_chunk(&chunk) else {
            break;
        };
        tracker.feed(dir, &bytes, at, &mut exchanges);
        if tracker.is_raw() {
            break;
        }
    }
    tracker.finish(&mut exchanges);
    exchanges
}

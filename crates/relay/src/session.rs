//! Session files: chosen connections with their records and bytes, self-contained, in the
//! record-log layout of [`crate::log_format`], opened again for viewing.
//!
//! Saving writes a temp file beside the target and renames it, so a crash never leaves half a
//! file under the chosen name. Opening tolerates a file cut short (a copy interrupted, a disk
//! that filled): it keeps every complete record and says where it stopped.

use crate::atomic_file::{file_error, write_atomically};
use crate::error::{Error, Result};
use crate::log_format::{self, FILE_HEADER_LEN, RECORD_HEADER_LEN, RecordHeader, RecordKind};
use crate::record::{ConnId, ConnectionRecord, now_micros};
use crate::store::{ChunkRef, Store};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

/// Writes `ids` (in that order) from `store` to `path`; returns how many were written.
pub fn save(store: &Store, ids: &[ConnId], path: &Path) -> Result<usize> {
    let failed = |e: std::io::Error| file_error(path, e);
    write_atomically(path, |out| {
        out.write_all(&log_format::file_header()).map_err(failed)?;
        for &id in ids {
            let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
            let meta = serde_json::to_vec(&record).map_err(|e| file_error(path, e))?;
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

/// Opens a TCPMon session file or, when the file is not one, a HAR file.
pub fn open_any(path: &Path) -> Result<Session> {
    let mut start = [0; FILE_HEADER_LEN as usize];
    let is_session = File::open(path)
        .and_then(|mut f| f.read_exact(&mut start))
        .is_ok_and(|()| log_format::check_file_header(&start).is_ok());
    if is_session {
        open(path)
    } else {
        crate::har_import::open(path)
    }
}

/// Opens a session file for viewing.
pub fn open(path: &Path) -> Result<Session> {
    let failed = |e: std::io::Error| file_error(path, e);
    let file = File::open(path).map_err(failed)?;
    let len = file.metadata().map_err(failed)?.len();
    let mut reader = BufReader::new(file.try_clone().map_err(failed)?);
    let mut header = [0; FILE_HEADER_LEN as usize];
    reader
        .read_exact(&mut header)
        .map_err(|_| file_error(path, "not a TCPMon session file"))?;
    log_format::check_file_header(&header).map_err(|reason| file_error(path, reason))?;

    let mut entries: BTreeMap<ConnId, (Option<ConnectionRecord>, [Vec<ChunkRef>; 2])> =
        BTreeMap::new();
    let mut pos = FILE_HEADER_LEN;
    let mut complete = 0usize;
    let note = loop {
        if pos == len {
            break None;
        }
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
        reader.read_exact(&mut raw).map_err(failed)?;
        let Some(header) = RecordHeader::decode(&raw) else {
            break Some(format!(
                "record {} is of a kind this TCPMon does not know: showing the records before it",
                complete + 1
            ));
        };
        let payload_at = pos + RECORD_HEADER_LEN as u64;
        if len - payload_at < u64::from(header.len) {
            break cut();
        }
        let entry = entries.entry(header.conn).or_default();
        match header.kind {
            RecordKind::Meta => {
                let mut meta = vec![0; header.len as usize];
                reader.read_exact(&mut meta).map_err(failed)?;
                match serde_json::from_slice(&meta) {
                    Ok(record) => entry.0 = Some(record),
                    Err(e) => {
                        break Some(format!(
                            "record {} is damaged ({e}): showing the records before it",
                            complete + 1
                        ));
                    }
                }
            }
            RecordKind::Data(dir) => {
                let chunks = &mut entry.1[dir.index()];
                let stream_offset = chunks
                    .last()
                    .map_or(0, |c| c.stream_offset + u64::from(c.len));
                chunks.push(ChunkRef {
                    stream_offset,
                    file_offset: payload_at,
                    len: header.len,
                });
                reader
                    .seek_relative(i64::from(header.len))
                    .map_err(failed)?;
            }
        }
        pos = payload_at + u64::from(header.len);
        complete += 1;
    };
    let entries = entries
        .into_values()
        .filter_map(|(record, chunks)| Some((record?, chunks)))
        .collect();
    Ok(Session {
        store: Store::read_only(file, pos, entries),
        note,
    })
}

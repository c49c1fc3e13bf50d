//! Apache TCPMon 1.0 text ("Save" in the original): one entry per connection, streamed from
//! the store (a connection may be gigabytes), or one per exchange when rows are picked.

use crate::atomic::write_atomically;
use crate::error::{Error, FileRole, Result};
use crate::save::Pick;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;
use tcpmon_inspect::formats::redact_request;
use tcpmon_inspect::formats::tcpmon_text::{TextEntry, write_entry};
use tcpmon_relay::{ConnId, ConnectionRecord, Direction, Store};

/// Writes `pick` from `store` to `path` as Apache TCPMon text; returns how many entries.
pub fn save(store: &Store, pick: Pick<'_>, path: &Path) -> Result<usize> {
    let rows = match pick {
        Pick::Connections(ids) => ids
            .iter()
            .filter_map(|&id| Some((Rc::new(store.record(id)?), None)))
            .collect(),
        Pick::Rows(_) => pick.rows(store),
    };
    write_atomically(path, FileRole::Text, |out| {
        for (record, row) in &rows {
            let (host, port) = record
                .target
                .as_ref()
                .map_or(("", 0), |t| (t.host.as_str(), t.port));
            // A whole connection streams from the store: it may be gigabytes. Request heads go
            // with proxy credentials redacted.
            let side = |dir| -> Result<Box<dyn Read + '_>> {
                Ok(match (row, dir) {
                    (None, Direction::ServerToClient) => Box::new(store.reader(record.id, dir)),
                    (None, Direction::ClientToServer) => {
                        Box::new(RedactedRequests::new(store, record))
                    }
                    (Some(_), Direction::ServerToClient) => {
                        Box::new(std::io::Cursor::new(store.read_row(record, *row, dir)?))
                    }
                    (Some(_), Direction::ClientToServer) => {
                        let bytes = store.read_row(record, *row, dir)?;
                        Box::new(std::io::Cursor::new(redact_request(&bytes).into_owned()))
                    }
                })
            };
            let entry = TextEntry {
                listen_port: record.listen_port,
                target_host: host,
                target_port: port,
                request: side(Direction::ClientToServer)?,
                response: side(Direction::ServerToClient)?,
            };
            write_entry(out, entry).map_err(|e| Error::file(FileRole::Text, path, e))?;
        }
        Ok(rows.len())
    })
}

/// A connection's request side, streamed from the store, with each exchange's request head
/// passed through [`redact_request`].
struct RedactedRequests<'a> {
    store: &'a Store,
    id: ConnId,
    /// Next byte of the stream to read.
    offset: u64,
    /// Request heads not reached yet: (offset, length), in stream order.
    heads: std::vec::IntoIter<(u64, u64)>,
    next_head: Option<(u64, u64)>,
    /// A redacted head, and how much of it was given out.
    pending: Vec<u8>,
    given: usize,
}

impl<'a> RedactedRequests<'a> {
    fn new(store: &'a Store, record: &ConnectionRecord) -> Self {
        let mut heads: Vec<(u64, u64)> = record
            .exchanges
            .iter()
            .map(|e| (e.request.head_at(), e.request.head_len()))
            .filter(|&(_, len)| len > 0)
            .collect();
        heads.sort_unstable();
        let mut heads = heads.into_iter();
        Self {
            store,
            id: record.id,
            offset: 0,
            next_head: heads.next(),
            heads,
            pending: Vec::new(),
            given: 0,
        }
    }
}

impl Read for RedactedRequests<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let dir = Direction::ClientToServer;
        loop {
            if self.given < self.pending.len() {
                let n = buf.len().min(self.pending.len() - self.given);
                buf[..n].copy_from_slice(&self.pending[self.given..self.given + n]);
                self.given += n;
                return Ok(n);
            }
            match self.next_head {
                Some((at, _)) if at < self.offset => self.next_head = self.heads.next(),
                Some((at, len)) if at == self.offset => {
                    let head = self
                        .store
                        .read(self.id, dir, at, len as usize)
                        .map_err(std::io::Error::other)?;
                    if head.is_empty() {
                        return Ok(0);
                    }
                    self.offset += head.len() as u64;
                    self.pending = redact_request(&head).into_owned();
                    self.given = 0;
                    self.next_head = self.heads.next();
                }
                next => {
                    let until = next.map_or(u64::MAX, |(at, _)| at);
                    let want = (until - self.offset).min(buf.len().min(1 << 20) as u64) as usize;
                    let page = self
                        .store
                        .read(self.id, dir, self.offset, want)
                        .map_err(std::io::Error::other)?;
                    buf[..page.len()].copy_from_slice(&page);
                    self.offset += page.len() as u64;
                    return Ok(page.len());
                }
            }
        }
    }
}

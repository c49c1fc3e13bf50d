//! Saving connections: a TCPMon session file, Apache TCPMon 1.0 text for old habits and
//! scripts, HAR for other HTTP tools, or curl commands. Shared by the CLI (`--save`,
//! `export`) and the desktop app (Save).

use crate::atomic_file::{file_error, folder_of, write_atomically};
use crate::error::Result;
use crate::record::{ConnId, ConnectionRecord, Direction};
use crate::session;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::rc::Rc;
use tcpmon_inspect::exchange::Exchange;
use tcpmon_inspect::export::curl::{CurlRequest, write_curl_script};
use tcpmon_inspect::export::har::{HarConnection, HarEntry, write_har};
use tcpmon_inspect::export::redact_request;
use tcpmon_inspect::export::tcpmon_text::{TextEntry, write_entry};

/// A file format connections can be saved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SaveFormat"))]
pub enum Format {
    /// Self-contained, reopenable (`docs/session-format.md`).
    Session,
    /// Apache TCPMon 1.0 "Save" text.
    Text,
    /// HTTP Archive 1.2: the exchanges, for browsers' dev tools and other HTTP tools.
    Har,
    /// A shell script of curl commands that send the requests again.
    Curl,
}

impl Format {
    /// The format a file name asks for: `.txt` text, `.har` HAR, `.curl` or `.sh` curl,
    /// anything else a session.
    pub fn from_path(path: &Path) -> Self {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("txt") => Format::Text,
            Some("har") => Format::Har,
            Some("curl" | "sh") => Format::Curl,
            _ => Format::Session,
        }
    }
}

/// A table row: a connection and one of its exchanges, or `None` for the whole connection.
pub type RowRef = (ConnId, Option<usize>);

/// What to save: whole connections, or chosen rows.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    /// These connections; HAR and curl take all their exchanges.
    Connections(&'a [ConnId]),
    /// These rows; a session file takes their connections whole.
    Rows(&'a [RowRef]),
}

impl Pick<'_> {
    /// The rows picked: a connection's exchanges (or the connection itself when it has none)
    /// for `Connections`, in order; rows of connections removed meanwhile are left out. Rows
    /// of one connection share its record.
    fn rows(&self, store: &Store) -> Vec<(Rc<ConnectionRecord>, Option<usize>)> {
        match self {
            Pick::Connections(ids) => ids
                .iter()
                .filter_map(|&id| store.record(id))
                .flat_map(|record| {
                    let n = record.exchanges.len();
                    let record = Rc::new(record);
                    let rows: Vec<Option<usize>> = if n == 0 {
                        vec![None]
                    } else {
                        (0..n).map(Some).collect()
                    };
                    rows.into_iter().map(move |row| (record.clone(), row))
                })
                .collect(),
            Pick::Rows(rows) => {
                let mut records: HashMap<ConnId, Option<Rc<ConnectionRecord>>> = HashMap::new();
                rows.iter()
                    .filter_map(|&(id, row)| {
                        let record = records
                            .entry(id)
                            .or_insert_with(|| store.record(id).map(Rc::new))
                            .clone()?;
                        row.is_none_or(|i| i < record.exchanges.len())
                            .then_some((record, row))
                    })
                    .collect()
            }
        }
    }

    /// The connections picked, each once, in the order first named.
    fn connections(&self) -> Vec<ConnId> {
        match self {
            Pick::Connections(ids) => ids.to_vec(),
            Pick::Rows(rows) => {
                let mut seen = HashSet::new();
                rows.iter()
                    .map(|r| r.0)
                    .filter(|id| seen.insert(*id))
                    .collect()
            }
        }
    }
}

/// Writes what `pick` names from `store` to `path`; returns how many connections (session,
/// text of whole connections) or exchanges (HAR, curl, text of rows) were written.
pub fn save(store: &Store, pick: Pick<'_>, path: &Path, format: Format) -> Result<usize> {
    match format {
        Format::Session => session::save(store, &pick.connections(), path),
        Format::Text => save_text(store, pick, path),
        Format::Har => save_har(store, pick, path),
        Format::Curl => save_curl(store, pick, path),
    }
}

/// Bytes of one side of an exchange (its whole span), or of a whole direction.
fn bytes_of(
    store: &Store,
    record: &ConnectionRecord,
    row: Option<usize>,
    dir: Direction,
) -> Result<Vec<u8>> {
    let span = match row {
        None => return store.read(record.id, dir, 0, usize::MAX),
        Some(i) => record.exchanges.get(i).and_then(|e| match dir {
            Direction::ClientToServer => Some(e.request),
            Direction::ServerToClient => e.response,
        }),
    };
    match span {
        Some(s) => store.read(
            record.id,
            dir,
            s.start,
            s.end.saturating_sub(s.start) as usize,
        ),
        None => Ok(Vec::new()),
    }
}

fn server(record: &ConnectionRecord) -> String {
    record
        .target
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Apache TCPMon text: one entry per connection, or per exchange when rows are picked.
fn save_text(store: &Store, pick: Pick<'_>, path: &Path) -> Result<usize> {
    let rows = match pick {
        Pick::Connections(ids) => ids
            .iter()
            .filter_map(|&id| Some((Rc::new(store.record(id)?), None)))
            .collect(),
        Pick::Rows(_) => pick.rows(store),
    };
    write_atomically(path, |out| {
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
                        Box::new(std::io::Cursor::new(bytes_of(store, record, *row, dir)?))
                    }
                    (Some(_), Direction::ClientToServer) => {
                        let bytes = bytes_of(store, record, *row, dir)?;
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
            write_entry(out, entry).map_err(|e| file_error(path, e))?;
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

/// The picked exchanges with both sides' bytes (raw rows have no place in HAR or curl).
struct Loaded {
    record: Rc<ConnectionRecord>,
    index: usize,
    exchange: Exchange,
    server: String,
    request: Vec<u8>,
    response: Vec<u8>,
}

fn load_exchanges(store: &Store, pick: Pick<'_>) -> Result<Vec<Loaded>> {
    pick.rows(store)
        .into_iter()
        .filter_map(|(record, row)| {
            let index = row?;
            let exchange = record.exchanges.get(index)?;
            Some((record, index, exchange))
        })
        .map(|(record, index, exchange)| {
            Ok(Loaded {
                exchange,
                request: bytes_of(store, &record, Some(index), Direction::ClientToServer)?,
                response: bytes_of(store, &record, Some(index), Direction::ServerToClient)?,
                server: server(&record),
                record,
                index,
            })
        })
        .collect()
}

fn save_har(store: &Store, pick: Pick<'_>, path: &Path) -> Result<usize> {
    let loaded = load_exchanges(store, pick)?;
    let connections: Vec<HarConnection<'_>> = loaded
        .iter()
        .map(|l| HarConnection {
            id: l.record.id.0,
            server_ip: l.record.target.as_ref().and_then(|t| t.host.parse().ok()),
            server: &l.server,
            accepted_at: l.record.accepted_at,
            connected_at: l.record.connected_at,
        })
        .collect();
    let entries: Vec<HarEntry<'_>> = loaded
        .iter()
        .zip(&connections)
        .map(|(l, conn)| HarEntry {
            conn,
            exchange: &l.exchange,
            first_of_connection: l.index == 0,
            request: &l.request,
            response: &l.response,
        })
        .collect();
    write_atomically(path, |out| {
        write_har(out, &entries, env!("CARGO_PKG_VERSION")).map_err(|e| file_error(path, e))?;
        Ok(entries.len())
    })
}

fn save_curl(store: &Store, pick: Pick<'_>, path: &Path) -> Result<usize> {
    let loaded = load_exchanges(store, pick)?;
    let requests: Vec<CurlRequest<'_>> = loaded
        .iter()
        .map(|l| CurlRequest {
            exchange: &l.exchange,
            request: &l.request,
            server: &l.server,
        })
        .collect();
    write_atomically(path, |out| {
        write_curl_script(out, &requests).map_err(|e| file_error(path, e))?;
        Ok(requests.len())
    })
}

/// Fails now, not after hours of capture, when `path` could not be written later.
pub fn check_writable(path: &Path) -> Result<()> {
    let dir = folder_of(path);
    let fail = |reason: String| Err(file_error(path, reason));
    if !dir.is_dir() {
        return fail(format!("folder {} does not exist", dir.display()));
    }
    if path.is_dir() {
        return fail("it is a folder".into());
    }
    if let Err(e) = tempfile::tempfile_in(dir) {
        return fail(format!("folder is not writable ({e})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_picks_the_format() {
        assert_eq!(Format::from_path(Path::new("a/capture.TXT")), Format::Text);
        assert_eq!(
            Format::from_path(Path::new("capture.tcpmon")),
            Format::Session
        );
        assert_eq!(Format::from_path(Path::new("capture")), Format::Session);
        assert_eq!(Format::from_path(Path::new("x.HAR")), Format::Har);
        assert_eq!(Format::from_path(Path::new("x.curl")), Format::Curl);
    }

    #[test]
    fn unwritable_places_are_found_before_saving() {
        assert!(
            check_writable(Path::new("/no/such/folder/x.tcpmon"))
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(
            check_writable(dir.path())
                .unwrap_err()
                .to_string()
                .contains("is a folder")
        );
        assert!(check_writable(&dir.path().join("ok.txt")).is_ok());
    }
}

//! WebSocket messages read back from the capture: the tracker only counts them (a relay keeps
//! positions, not payloads), so whoever shows them (the CLI's `--ws` lines, HAR's
//! `_webSocketMessages`, the window's message rows) reads the exchange's frames from the
//! store, both directions in capture order, payloads unmasked and inflated.

use crate::error::{Error, Result};
use crate::record::{ConnId, ConnectionRecord, Direction};
use crate::store::Store;
use tcpmon_inspect::ws::{Message, Reader, Summary};

/// Follows one exchange's messages as its connection goes on: each [`Follower::poll`] reads
/// what was captured since the last.
pub struct Follower {
    /// One per direction; `None` once its frames stopped making sense.
    readers: [Option<Reader>; 2],
    /// Stream offset read up to, per direction.
    read: [u64; 2],
}

impl Follower {
    /// A follower of the messages of the exchange whose WebSocket `summary` describes, from
    /// its first frame.
    pub fn new(summary: &Summary) -> Follower {
        Follower {
            readers: Direction::BOTH.map(|dir| Some(summary.reader(dir))),
            read: summary.start,
        }
    }

    /// The messages completed since the last call, in capture order.
    pub fn poll(&mut self, store: &Store, id: ConnId) -> Result<Vec<Message>> {
        let mut out = Vec::new();
        for (dir, chunk) in store.chunks_after(id, self.read)? {
            let d = dir.index();
            let Some(reader) = &mut self.readers[d] else {
                continue;
            };
            let (at, bytes) = store.read_chunk(&chunk)?;
            let skip = self.read[d].saturating_sub(chunk.stream_offset) as usize;
            if reader
                .feed(&bytes[skip.min(bytes.len())..], at, &mut out)
                .is_err()
            {
                self.readers[d] = None;
            }
            self.read[d] = chunk.stream_end();
        }
        Ok(out)
    }
}

/// Marks the messages TCPMon sent itself, by the ranges `record` keeps.
pub fn mark_injected(record: &ConnectionRecord, messages: &mut [Message]) {
    for message in messages {
        message.injected = record
            .injected
            .iter()
            .any(|i| i.dir == message.dir && i.start <= message.start && message.start < i.end);
    }
}

impl Store {
    /// Every message of exchange `index` of `record`'s connection so far (none when it is no
    /// WebSocket).
    pub fn websocket_messages(
        &self,
        record: &ConnectionRecord,
        index: usize,
    ) -> Result<Vec<Message>> {
        let exchange = record.exchanges.get(index).ok_or(Error::NoSuchExchange {
            conn: record.id.0,
            index,
        })?;
        let Some(summary) = exchange.websocket() else {
            return Ok(Vec::new());
        };
        let mut messages = Follower::new(summary).poll(self, record.id)?;
        mark_injected(record, &mut messages);
        Ok(messages)
    }
}

//! WebSocket messages and Server-Sent Events read back from the capture: the tracker only
//! counts them (a relay keeps positions, not payloads), so whoever shows them (the CLI's `--ws`
//! lines, HAR's `_webSocketMessages`, the window's message rows, search) reads them from the
//! store: a WebSocket's frames both directions in capture order, payloads unmasked and
//! inflated; an event stream's response body, de-chunked, event by event.

use crate::error::{Error, Result};
use crate::record::{ConnId, ConnectionRecord, Direction};
use crate::store::Store;
use tcpmon_inspect::exchange::Exchange;
use tcpmon_inspect::http1::{BodyDecoder, Framing, parse_response};
use tcpmon_inspect::sse::{Event, Parser};
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
        self.poll_up_to(store, id, u64::MAX)
    }

    /// [`Follower::poll`], reading at most about `most` captured bytes (a search looks at a
    /// WebSocket's first messages, not at gigabytes of them).
    pub fn poll_up_to(&mut self, store: &Store, id: ConnId, most: u64) -> Result<Vec<Message>> {
        let mut out = Vec::new();
        let mut read = 0u64;
        for (dir, chunk) in store.chunks_after(id, self.read)? {
            if read >= most {
                break;
            }
            read += u64::from(chunk.len);
            let d = dir.index();
            let Some(reader) = &mut self.readers[d] else {
                // A direction no longer followed is not listed again.
                self.read[d] = u64::MAX;
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

/// Follows an event stream's events as its response comes: each [`EventFollower::poll`] reads
/// what was captured since the last.
pub struct EventFollower {
    decoder: BodyDecoder,
    parser: Parser,
    /// Response stream offset read up to.
    read: u64,
}

impl EventFollower {
    /// A follower of `exchange`'s events (an exchange of connection `id`); `None` when its
    /// response is no event stream (or its head is not recorded).
    pub fn new(store: &Store, id: ConnId, exchange: &Exchange) -> Result<Option<Self>> {
        let (Some(_), Some(span)) = (exchange.sse(), exchange.response.as_ref()) else {
            return Ok(None);
        };
        let from = span.head_at();
        let bytes = store.read(
            id,
            Direction::ServerToClient,
            from,
            span.head_len() as usize,
        )?;
        let framing = match parse_response(&bytes) {
            Ok(Some(head)) => Framing::for_response(&exchange.method, &head).ok(),
            _ => None,
        };
        Ok(framing.map(|framing| EventFollower {
            decoder: BodyDecoder::new(framing),
            parser: Parser::new(true),
            read: from + span.head_len(),
        }))
    }

    /// The events completed since the last call.
    pub fn poll(&mut self, store: &Store, id: ConnId) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        if self.decoder.is_done() {
            return Ok(out);
        }
        for (_, chunk) in store.chunks_after(id, [u64::MAX, self.read])? {
            if self.decoder.is_done() {
                break;
            }
            let (at, bytes) = store.read_chunk(&chunk)?;
            let skip = self.read.saturating_sub(chunk.stream_offset) as usize;
            let parser = &mut self.parser;
            let fed = self
                .decoder
                .feed(&bytes[skip.min(bytes.len())..], &mut |b| {
                    parser.feed(b, at, &mut out);
                });
            match fed {
                Ok(used) => self.read += used as u64,
                // A body whose framing breaks has no more events to give.
                Err(_) => break,
            }
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
    /// Every event of exchange `index`'s event stream so far (none when it is no event
    /// stream).
    pub fn sse_events(&self, record: &ConnectionRecord, index: usize) -> Result<Vec<Event>> {
        let exchange = record.exchanges.get(index).ok_or(Error::NoSuchExchange {
            conn: record.id.0,
            index,
        })?;
        match EventFollower::new(self, record.id, &exchange)? {
            Some(mut follower) => follower.poll(self, record.id),
            None => Ok(Vec::new()),
        }
    }

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

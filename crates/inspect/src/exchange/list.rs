//! A connection's exchanges, kept small: a keep-alive connection can carry a million of them,
//! and a relay keeps every one. Exchanges the tracker will never change again are *settled*:
//! packed as bytes (postcard's varints; times relative to the list's first packed exchange),
//! about 60-90 bytes each instead of ~220, in blocks of 16 KiB so storage never doubles. Full
//! blocks are sealed and shared: cloning a list (every event that carries a record does)
//! costs a pointer per block, not a copy of every exchange. The rest, the live tail, are full
//! values the tracker updates in place.
//!
//! Reading is by value ([`ExchangeList::get`], [`ExchangeList::iter`]): a packed exchange is
//! decoded when asked for. The list's JSON is the array of its exchanges, as before.

use super::{Exchange, Extra, Span};
use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

/// Bytes per storage block: large enough that the per-block cost vanishes, small enough that a
/// short connection's half-empty block costs little.
const BLOCK: usize = 16 << 10;

/// Packed exchanges, one after another.
#[derive(Clone, Default)]
struct Block {
    bytes: Vec<u8>,
    /// Where each exchange starts in `bytes`.
    starts: Vec<u32>,
}

impl Block {
    fn len(&self) -> usize {
        self.starts.len()
    }

    fn get(&self, k: usize) -> Option<&[u8]> {
        let at = *self.starts.get(k)? as usize;
        self.bytes.get(at..)
    }

    /// Keeps the first `k` exchanges.
    fn truncate(&mut self, k: usize) {
        if let Some(&at) = self.starts.get(k) {
            self.bytes.truncate(at as usize);
            self.starts.truncate(k);
        }
    }

    /// A block of its exchanges from `k` on.
    fn from(&self, k: usize) -> Block {
        let at = self.starts.get(k).map_or(self.bytes.len(), |&a| a as usize);
        Block {
            bytes: self.bytes[at..].to_vec(),
            starts: self.starts[k.min(self.len())..]
                .iter()
                .map(|s| s - at as u32)
                .collect(),
        }
    }
}

/// The exchanges of one connection, in order.
#[derive(Clone, Default)]
pub struct ExchangeList {
    /// Full blocks of packed exchanges, shared between clones.
    sealed: Vec<Arc<Block>>,
    /// How many exchanges come before each sealed block.
    before: Vec<usize>,
    /// Exchanges in the sealed blocks.
    sealed_len: usize,
    /// The block being filled.
    open: Block,
    /// Time every packed time is relative to (µs since the Unix epoch).
    base: u64,
    /// The exchanges after the packed ones.
    live: Vec<Exchange>,
}

/// What a span packs to: offsets as they are, times relative to the list's base.
#[derive(Serialize, Deserialize)]
struct PackedSpan {
    start: u64,
    interim_len: u32,
    head: u32,
    len: u64,
    body_len: u64,
    first: i64,
    last: i64,
}

/// What an exchange packs to (strings borrowed from the block when decoded).
#[derive(Serialize, Deserialize)]
struct Packed<'a> {
    method: &'a str,
    target: &'a str,
    version: u8,
    host: Option<&'a str>,
    request: PackedSpan,
    response: Option<PackedSpan>,
    status: Option<u16>,
    reason: &'a str,
    tunnel: bool,
    interim: Vec<u16>,
    note: Option<&'a str>,
    websocket: Option<crate::ws::Summary>,
    sse: Option<crate::sse::Summary>,
    h2: Option<super::H2Stream>,
}

fn delta(at: u64, base: u64) -> i64 {
    (at as i64).wrapping_sub(base as i64)
}

fn undelta(d: i64, base: u64) -> u64 {
    (base as i64).wrapping_add(d) as u64
}

impl PackedSpan {
    fn of(span: &Span, base: u64) -> Self {
        Self {
            start: span.start,
            interim_len: span.interim_len,
            head: span.head,
            len: span.end.saturating_sub(span.start),
            body_len: span.body_len,
            first: delta(span.first_at, base),
            last: delta(span.last_at, span.first_at),
        }
    }

    fn span(&self, base: u64) -> Span {
        let first_at = undelta(self.first, base);
        Span {
            start: self.start,
            end: self.start.saturating_add(self.len),
            body_len: self.body_len,
            first_at,
            last_at: undelta(self.last, first_at),
            interim_len: self.interim_len,
            head: self.head,
        }
    }
}

impl<'a> Packed<'a> {
    fn of(e: &'a Exchange, base: u64) -> Self {
        Self {
            method: &e.method,
            target: &e.target,
            version: e.version,
            host: e.host.as_deref(),
            request: PackedSpan::of(&e.request, base),
            response: e.response.as_ref().map(|s| PackedSpan::of(s, base)),
            status: e.status,
            reason: &e.reason,
            tunnel: e.tunnel,
            interim: e.interim().to_vec(),
            note: e.note(),
            websocket: e.websocket().cloned(),
            sse: e.sse().copied(),
            h2: e.h2().cloned(),
        }
    }

    fn exchange(self, base: u64) -> Exchange {
        let extra = Extra {
            interim: self.interim,
            note: self.note.map(str::to_string),
            websocket: self.websocket,
            sse: self.sse,
            h2: self.h2.map(Box::new),
        };
        Exchange {
            method: CompactString::from(self.method),
            target: CompactString::from(self.target),
            version: self.version,
            host: self.host.map(CompactString::from),
            request: self.request.span(base),
            response: self.response.map(|s| s.span(base)),
            status: self.status,
            reason: CompactString::from(self.reason),
            tunnel: self.tunnel,
            extra: (extra != Extra::default()).then(|| Box::new(extra)),
        }
    }
}

impl ExchangeList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many exchanges there are.
    pub fn len(&self) -> usize {
        self.packed_len() + self.live.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many are packed (settled).
    pub fn packed_len(&self) -> usize {
        self.sealed_len + self.open.len()
    }

    /// Exchange `i`.
    pub fn get(&self, i: usize) -> Option<Exchange> {
        match i.checked_sub(self.packed_len()) {
            Some(live) => self.live.get(live).cloned(),
            None => self.unpack(i),
        }
    }

    /// The last exchange.
    pub fn last(&self) -> Option<Exchange> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Every exchange, in order.
    pub fn iter(&self) -> impl Iterator<Item = Exchange> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// All of them, decoded.
    pub fn to_vec(&self) -> Vec<Exchange> {
        self.iter().collect()
    }

    /// The exchanges from `from` on.
    pub fn tail(&self, from: usize) -> Vec<Exchange> {
        (from..self.len()).filter_map(|i| self.get(i)).collect()
    }

    /// The exchanges from `from` on, as a list of their own: packed ones are copied as bytes,
    /// not decoded (a progress event carries this, taken under the store's lock).
    pub fn split_from(&self, from: usize) -> ExchangeList {
        let mut split = Self {
            base: self.base,
            live: self.live.clone(),
            ..Self::default()
        };
        if from >= self.packed_len() {
            let live_from = (from - self.packed_len()).min(self.live.len());
            split.live.drain(..live_from);
        } else if from >= self.sealed_len {
            split.open = self.open.from(from - self.sealed_len);
        } else {
            let b = self.block_of(from);
            let first = self.sealed[b].from(from - self.before[b]);
            split.before.push(0);
            split.sealed_len = first.len();
            split.sealed.push(Arc::new(first));
            for block in &self.sealed[b + 1..] {
                split.before.push(split.sealed_len);
                split.sealed_len += block.len();
                split.sealed.push(Arc::clone(block));
            }
            split.open = self.open.clone();
        }
        split
    }

    /// The sealed block that holds exchange `i` (`i` < `sealed_len`).
    fn block_of(&self, i: usize) -> usize {
        self.before.partition_point(|&b| b <= i).saturating_sub(1)
    }

    /// Adds an exchange at the end.
    pub fn push(&mut self, exchange: Exchange) {
        self.live.push(exchange);
    }

    /// Keeps the first `n` exchanges.
    pub fn truncate(&mut self, n: usize) {
        match n.checked_sub(self.packed_len()) {
            Some(live) => self.live.truncate(live),
            None => {
                self.live.clear();
                self.truncate_packed(n);
            }
        }
    }

    /// Keeps the first `n` packed exchanges (`n` at most `packed_len`).
    fn truncate_packed(&mut self, n: usize) {
        if n >= self.sealed_len {
            self.open.truncate(n - self.sealed_len);
            return;
        }
        let b = self.block_of(n);
        let mut open = (*self.sealed[b]).clone();
        open.truncate(n - self.before[b]);
        self.sealed_len = self.before[b];
        self.sealed.truncate(b);
        self.before.truncate(b);
        self.open = open;
    }

    /// The live tail, for the tracker, which changes only exchanges it has not settled.
    pub fn live_mut(&mut self) -> &mut Vec<Exchange> {
        &mut self.live
    }

    /// The exchanges from `from` on, as values that can be changed (packed ones are unpacked
    /// first: for rare changes, such as a note on the last exchange).
    pub fn make_live(&mut self, from: usize) -> &mut [Exchange] {
        if from < self.packed_len() {
            let mut unpacked: Vec<Exchange> = (from..self.packed_len())
                .filter_map(|i| self.unpack(i))
                .collect();
            unpacked.append(&mut self.live);
            self.live = unpacked;
            self.truncate_packed(from);
        }
        let live_from = (from - self.packed_len()).min(self.live.len());
        &mut self.live[live_from..]
    }

    /// The last exchange, to change.
    pub fn last_mut(&mut self) -> Option<&mut Exchange> {
        let last = self.len().checked_sub(1)?;
        self.make_live(last).first_mut()
    }

    /// Gives back spare capacity: a finished connection's list no longer grows (a short
    /// connection's one exchange must not keep a block's worth of memory).
    pub fn shrink_to_fit(&mut self) {
        self.open.bytes.shrink_to_fit();
        self.open.starts.shrink_to_fit();
        self.live.shrink_to_fit();
    }

    /// Packs the first `n` live exchanges: the tracker has settled them.
    pub fn settle(&mut self, n: usize) {
        let n = n.min(self.live.len());
        if n == 0 {
            return;
        }
        if self.packed_len() == 0 {
            self.base = self.live[0].request.first_at;
        }
        let settled: Vec<Exchange> = self.live.drain(..n).collect();
        for (i, exchange) in settled.iter().enumerate() {
            if self.pack(exchange).is_err() {
                // Not for these types; were it to happen, the rest stay whole, in order.
                self.live.splice(0..0, settled[i..].iter().cloned());
                return;
            }
        }
    }

    fn pack(&mut self, exchange: &Exchange) -> postcard::Result<()> {
        let packed = Packed::of(exchange, self.base);
        let bytes = postcard::to_allocvec(&packed)?;
        if self.open.bytes.len() + bytes.len() > BLOCK && self.open.len() > 0 {
            let full = std::mem::take(&mut self.open);
            self.before.push(self.sealed_len);
            self.sealed_len += full.len();
            self.sealed.push(Arc::new(full));
        }
        self.open.starts.push(self.open.bytes.len() as u32);
        self.open.bytes.extend_from_slice(&bytes);
        Ok(())
    }

    fn unpack(&self, i: usize) -> Option<Exchange> {
        let bytes = if i < self.sealed_len {
            let b = self.block_of(i);
            self.sealed[b].get(i - self.before[b])?
        } else {
            self.open.get(i - self.sealed_len)?
        };
        let (packed, _) = postcard::take_from_bytes::<Packed<'_>>(bytes).ok()?;
        Some(packed.exchange(self.base))
    }
}

impl From<Vec<Exchange>> for ExchangeList {
    /// All settled: a list read from a file or an event changes only by patches.
    fn from(exchanges: Vec<Exchange>) -> Self {
        let mut list = Self {
            live: exchanges,
            ..Self::default()
        };
        let n = list.live.len();
        list.settle(n);
        list
    }
}

impl Extend<Exchange> for ExchangeList {
    fn extend<T: IntoIterator<Item = Exchange>>(&mut self, iter: T) {
        self.live.extend(iter);
    }
}

impl PartialEq for ExchangeList {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for ExchangeList {}

impl std::fmt::Debug for ExchangeList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for ExchangeList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ExchangeList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Exchange>::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Direction;
    use crate::exchange::Tracker;

    /// A keep-alive connection's exchanges, found by the real tracker.
    fn exchanges(n: usize) -> Vec<Exchange> {
        let mut tracker = Tracker::new();
        let mut found = Vec::new();
        for i in 0..n {
            let request = format!("GET /item/{i}?q=x HTTP/1.1\r\nHost: api.example\r\n\r\n");
            tracker.feed(
                Direction::ClientToServer,
                request.as_bytes(),
                1_700_000_000_000_000 + i as u64 * 10,
                &mut found,
            );
            let body = "x".repeat(i % 7);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            tracker.feed(
                Direction::ServerToClient,
                response.as_bytes(),
                1_700_000_000_000_005 + i as u64 * 10,
                &mut found,
            );
        }
        found[3].add_note("a note".into());
        found
    }

    #[test]
    fn packed_exchanges_read_back_as_they_were() {
        let all = exchanges(3000);
        let mut list = ExchangeList::new();
        list.extend(all.iter().cloned());
        list.settle(2000);
        assert_eq!(list.packed_len(), 2000);
        assert_eq!(list.len(), 3000);
        assert!(list.iter().eq(all.iter().cloned()));
        assert_eq!(list.get(3), Some(all[3].clone()));
        assert_eq!(list.tail(1998), all[1998..].to_vec());
        assert_eq!(list.last(), all.last().cloned());
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, serde_json::to_string(&all).unwrap(), "JSON as before");
        let back: ExchangeList = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
        assert_eq!(back.packed_len(), 3000);
    }

    #[test]
    fn packing_takes_well_under_half_the_memory() {
        let mut list = ExchangeList::from(exchanges(10_000));
        let blocks = list.sealed.iter().map(|b| &**b).chain([&list.open]);
        let packed: usize = blocks
            .map(|b| b.bytes.capacity() + b.starts.capacity() * 4)
            .sum();
        let whole = 10_000 * std::mem::size_of::<Exchange>();
        println!("10,000 exchanges: {packed} bytes packed, {whole} whole");
        // About 80 bytes each (74 packed, 4 of index, some spare capacity) against 216.
        assert!(packed * 2 < whole, "{packed} vs {whole}");
        list.truncate(5000);
        assert_eq!(list.len(), 5000);
    }

    #[test]
    fn splits_and_clones_share_sealed_blocks() {
        let all = exchanges(3000);
        let list = ExchangeList::from(all.clone());
        assert!(list.sealed.len() > 5, "{} blocks", list.sealed.len());
        for from in [0, 1, 150, 1500, 2999, 3000, 3100] {
            let split = list.split_from(from);
            assert_eq!(
                split.to_vec(),
                all[from.min(3000)..].to_vec(),
                "from {from}"
            );
        }
        let clone = list.clone();
        assert_eq!(Arc::strong_count(&list.sealed[0]), 2, "shared, not copied");
        drop(clone);
        let mut cut = list.clone();
        cut.truncate(1234);
        assert_eq!(cut.to_vec(), all[..1234].to_vec());
        cut.extend(all[1234..].iter().cloned());
        cut.settle(3000 - 1234);
        assert_eq!(cut, list);
        assert_eq!(
            list.get(1234),
            Some(all[1234].clone()),
            "the original is untouched"
        );
    }

    #[test]
    fn truncating_and_changing_packed_exchanges_unpacks_them() {
        let all = exchanges(100);
        let mut list = ExchangeList::from(all.clone());
        list.truncate(60);
        assert!(list.iter().eq(all[..60].iter().cloned()));
        list.last_mut().unwrap().add_note("changed".into());
        assert_eq!(list.packed_len(), 59);
        assert_eq!(list.get(59).unwrap().note(), Some("changed"));
        list.extend(all[60..].iter().cloned());
        let changed = list.make_live(10);
        assert_eq!(changed.len(), 90);
        assert_eq!(list.packed_len(), 10);
        assert_eq!(list.len(), 100);
        list.settle(90);
        assert_eq!(list.packed_len(), 100);
        assert_eq!(list.get(0), Some(all[0].clone()));
    }
}

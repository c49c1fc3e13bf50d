//! A connection's exchanges, kept small: a keep-alive connection can carry a million of them,
//! and a relay keeps every one. Exchanges the tracker will never change again are *settled*:
//! packed as bytes (postcard's varints; times relative to the list's first packed exchange),
//! about 60-90 bytes each instead of ~220, in fixed-size blocks so storage never doubles. The
//! rest, the live tail, are full values the tracker updates in place.
//!
//! Reading is by value ([`ExchangeList::get`], [`ExchangeList::iter`]): a packed exchange is
//! decoded when asked for. The list's JSON is the array of its exchanges, as before.

use super::{Exchange, Extra, Span};
use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes per storage block: large enough that the per-block cost vanishes, small enough that a
/// short connection's half-empty block costs little.
const BLOCK: usize = 16 << 10;

/// The exchanges of one connection, in order.
#[derive(Clone, Default)]
pub struct ExchangeList {
    /// Packed settled exchanges, each wholly inside one block.
    blocks: Vec<Vec<u8>>,
    /// Where each packed exchange starts: block number in the high 32 bits, offset in the low.
    starts: Vec<u64>,
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
        }
    }

    fn exchange(self, base: u64) -> Exchange {
        let extra = Extra {
            interim: self.interim,
            note: self.note.map(str::to_string),
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
        self.starts.len() + self.live.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many are packed (settled).
    pub fn packed_len(&self) -> usize {
        self.starts.len()
    }

    /// Exchange `i`.
    pub fn get(&self, i: usize) -> Option<Exchange> {
        match i.checked_sub(self.starts.len()) {
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
        let Some(&first) = self.starts.get(from) else {
            let live_from = (from - self.starts.len()).min(self.live.len());
            return Self {
                live: self.live[live_from..].to_vec(),
                ..Self::default()
            };
        };
        let (block, _) = split(first);
        let rebased = (block as u64) << 32;
        Self {
            blocks: self.blocks[block..].to_vec(),
            starts: self.starts[from..].iter().map(|s| s - rebased).collect(),
            base: self.base,
            live: self.live.clone(),
        }
    }

    /// Adds an exchange at the end.
    pub fn push(&mut self, exchange: Exchange) {
        self.live.push(exchange);
    }

    /// Keeps the first `n` exchanges.
    pub fn truncate(&mut self, n: usize) {
        match n.checked_sub(self.starts.len()) {
            Some(live) => self.live.truncate(live),
            None => {
                self.live.clear();
                let (block, offset) = split(self.starts[n]);
                self.blocks.truncate(block + 1);
                self.blocks[block].truncate(offset);
                self.starts.truncate(n);
            }
        }
    }

    /// The live tail, for the tracker, which changes only exchanges it has not settled.
    pub fn live_mut(&mut self) -> &mut Vec<Exchange> {
        &mut self.live
    }

    /// The exchanges from `from` on, as values that can be changed (packed ones are unpacked
    /// first: for rare changes, such as a note on the last exchange).
    pub fn make_live(&mut self, from: usize) -> &mut [Exchange] {
        if from < self.starts.len() {
            let mut unpacked: Vec<Exchange> = (from..self.starts.len())
                .filter_map(|i| self.unpack(i))
                .collect();
            unpacked.append(&mut self.live);
            self.live = unpacked;
            let (block, offset) = split(self.starts[from]);
            self.blocks.truncate(block + 1);
            self.blocks[block].truncate(offset);
            self.starts.truncate(from);
        }
        let live_from = (from - self.starts.len()).min(self.live.len());
        &mut self.live[live_from..]
    }

    /// The last exchange, to change.
    pub fn last_mut(&mut self) -> Option<&mut Exchange> {
        let last = self.len().checked_sub(1)?;
        self.make_live(last).first_mut()
    }

    /// Packs the first `n` live exchanges: the tracker has settled them.
    pub fn settle(&mut self, n: usize) {
        let n = n.min(self.live.len());
        if n == 0 {
            return;
        }
        if self.starts.is_empty() {
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
        let fits = self
            .blocks
            .last()
            .is_some_and(|b| b.len() + bytes.len() <= b.capacity());
        if !fits {
            self.blocks.push(Vec::with_capacity(BLOCK.max(bytes.len())));
        }
        let block = self.blocks.len() - 1;
        let at = &mut self.blocks[block];
        self.starts.push(((block as u64) << 32) | at.len() as u64);
        at.extend_from_slice(&bytes);
        Ok(())
    }

    fn unpack(&self, i: usize) -> Option<Exchange> {
        let (block, offset) = split(*self.starts.get(i)?);
        let bytes = self.blocks.get(block)?.get(offset..)?;
        let (packed, _) = postcard::take_from_bytes::<Packed<'_>>(bytes).ok()?;
        Some(packed.exchange(self.base))
    }
}

fn split(start: u64) -> (usize, usize) {
    ((start >> 32) as usize, (start & 0xffff_ffff) as usize)
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
    use crate::exchange::Tracker;

    /// A keep-alive connection's exchanges, found by the real tracker.
    fn exchanges(n: usize) -> Vec<Exchange> {
        let mut tracker = Tracker::new();
        let mut found = Vec::new();
        for i in 0..n {
            let request = format!("GET /item/{i}?q=x HTTP/1.1\r\nHost: api.example\r\n\r\n");
            tracker.feed(
                0,
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
                1,
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
        let packed: usize =
            list.blocks.iter().map(Vec::capacity).sum::<usize>() + list.starts.capacity() * 8;
        let whole = 10_000 * std::mem::size_of::<Exchange>();
        println!("10,000 exchanges: {packed} bytes packed, {whole} whole");
        // About 87 bytes each (74 packed, 13 of index with its spare capacity) against 216.
        assert!(packed * 2 < whole, "{packed} vs {whole}");
        list.truncate(5000);
        assert_eq!(list.len(), 5000);
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

//! Bytes waiting to become HTTP heads, as a relay sees them: a burst of pipelined requests,
//! or a head sent a byte at a time. Both must cost time linear in the bytes: messages are
//! consumed from the front by moving a cursor (not the bytes after them), and a growing head
//! is parsed again only when its blank line may have arrived.

use std::ops::Deref;

/// Bytes not yet placed, read from the front; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct HeadBuffer {
    bytes: Vec<u8>,
    /// Where the unconsumed bytes start.
    start: usize,
    /// Unconsumed bytes already known to hold no blank line.
    scanned: usize,
}

impl HeadBuffer {
    /// A buffer holding `bytes`.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.to_vec(),
            ..Self::default()
        }
    }

    /// Appends bytes.
    pub fn extend(&mut self, data: &[u8]) {
        self.vec().extend_from_slice(data);
    }

    /// The storage, to read into: appending to it appends to the buffer.
    pub fn vec(&mut self) -> &mut Vec<u8> {
        // Moving the unconsumed bytes down costs at most what was consumed since the last
        // move: linear overall.
        if self.start > 0 && self.start >= self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        &mut self.bytes
    }

    /// Drops the first `n` bytes (a message placed).
    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.bytes.len());
        self.scanned = 0;
        if self.start == self.bytes.len() {
            self.start = 0;
            self.bytes.clear();
            if self.bytes.capacity() > 64 << 10 {
                self.bytes = Vec::new();
            }
        }
    }

    /// The unconsumed bytes, as a vector of their own (emptying the buffer).
    pub fn into_vec(mut self) -> Vec<u8> {
        self.bytes.drain(..self.start);
        self.bytes
    }

    /// Whether parsing the unconsumed bytes as a head can tell anything new since the last
    /// call: on the first bytes after a message (which may not be HTTP at all), once a blank
    /// line may have arrived, or past `max` (too long to be a head).
    pub fn worth_parsing(&mut self, max: usize) -> bool {
        let first = self.scanned == 0;
        let from = self.scanned.saturating_sub(3);
        let pending = &self.bytes[self.start..];
        self.scanned = pending.len();
        first
            || pending.len() > max
            || pending[from..].windows(2).any(|w| w == b"\n\n")
            || pending[from..].windows(3).any(|w| w == b"\n\r\n")
    }
}

impl Deref for HeadBuffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_sent_a_byte_at_a_time_is_parsed_twice() {
        let head = b"GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
        let mut buffer = HeadBuffer::default();
        let mut parses = 0;
        for &b in head {
            buffer.extend(&[b]);
            if buffer.worth_parsing(1 << 16) {
                parses += 1;
            }
        }
        assert_eq!(parses, 2, "its first byte, and its blank line");
        // A bare-LF head too.
        let mut buffer = HeadBuffer::default();
        let parses = b"GET / HTTP/1.0\nA: b\n\n"
            .iter()
            .filter(|&&b| {
                buffer.extend(&[b]);
                buffer.worth_parsing(1 << 16)
            })
            .count();
        assert_eq!(parses, 2);
    }

    #[test]
    fn consuming_moves_a_cursor_and_storage_is_reused() {
        let mut buffer = HeadBuffer::from_slice(b"onetwothree");
        buffer.consume(3);
        assert_eq!(&*buffer, b"twothree");
        buffer.consume(3);
        buffer.extend(b"!");
        assert_eq!(&*buffer, b"three!");
        assert_eq!(buffer.clone().into_vec(), b"three!");
        buffer.consume(6);
        assert!(buffer.is_empty());
        assert!(
            buffer.worth_parsing(10),
            "after a message: the next first bytes"
        );
    }
}

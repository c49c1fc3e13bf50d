//! The byte stream a bulk transfer carries, and sending and receiving it.
//!
//! The stream is a pseudo-random chunk repeated, each copy stamped with its index in its first
//! eight bytes, so no two chunks are alike: a relay that drops, repeats or reorders whole
//! chunks changes the checksum too. Making it costs one 8-byte store per chunk, so the sender
//! spends its time in `write`, not in generating data.

use crate::checksum::Checksum;
use std::io::{self, Read, Write};

/// Bytes per `write` and per `read`.
pub const CHUNK: usize = 1024 * 1024;

/// Generates the stream; both ends build the same one.
pub struct Stream {
    pattern: Vec<u8>,
    stamp_base: u64,
}

impl Stream {
    /// The stream (it is always the same).
    pub fn new() -> Self {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut pattern = Vec::with_capacity(CHUNK);
        while pattern.len() < CHUNK {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            pattern.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
        let mut first = [0; 8];
        first.copy_from_slice(&pattern[..8]);
        Self {
            pattern,
            stamp_base: u64::from_le_bytes(first),
        }
    }

    /// Calls `each` with the stream's first `size` bytes, a chunk at a time.
    fn chunks(&self, size: u64, mut each: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let mut buf = self.pattern.clone();
        let mut left = size;
        let mut index: u64 = 0;
        while left > 0 {
            buf[..8].copy_from_slice(&(self.stamp_base ^ index).to_le_bytes());
            let len = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            each(&buf[..len])?;
            left -= len as u64;
            index += 1;
        }
        Ok(())
    }

    /// `len` bytes particular to `seed`: the pattern read from a seed-chosen offset (wrapping),
    /// its first eight bytes stamped with the seed. The soak derives every body from a
    /// connection's id this way, so any prefix of what a connection carried can be rebuilt.
    pub fn seeded(&self, seed: u64, len: usize) -> Vec<u8> {
        let start = (seed % CHUNK as u64) as usize;
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let at = (start + out.len()) % CHUNK;
            let take = (CHUNK - at).min(len - out.len());
            out.extend_from_slice(&self.pattern[at..at + take]);
        }
        for (b, s) in out.iter_mut().zip(seed.to_le_bytes()) {
            *b ^= s;
        }
        out
    }

    /// The checksum of the stream's first `size` bytes.
    pub fn checksum(&self, size: u64) -> u64 {
        let mut sum = Checksum::new();
        // The closure cannot fail.
        let _ = self.chunks(size, |c| {
            sum.update(c);
            Ok(())
        });
        sum.value()
    }

    /// Writes the stream's first `size` bytes to `out`.
    pub fn send(&self, out: &mut impl Write, size: u64) -> io::Result<()> {
        self.chunks(size, |c| out.write_all(c))
    }
}

/// Reads exactly `size` bytes from `input` and returns their checksum.
pub fn receive(input: &mut impl Read, size: u64) -> io::Result<u64> {
    let mut buf = vec![0; CHUNK];
    let mut sum = Checksum::new();
    let mut got: u64 = 0;
    while got < size {
        let want = usize::try_from(size - got).map_or(CHUNK, |l| l.min(CHUNK));
        let n = input.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stream ended after {got} of {size} bytes"),
            ));
        }
        sum.update(&buf[..n]);
        got += n as u64;
    }
    Ok(sum.value())
}

#[cfg(test)]
mod tests {
    use super::{CHUNK, Stream, receive};

    #[test]
    fn received_checksum_matches_the_senders() {
        let stream = Stream::new();
        let size = 3 * CHUNK as u64 + 12345;
        let mut wire = Vec::new();
        stream.send(&mut wire, size).expect("send to a Vec");
        assert_eq!(wire.len() as u64, size);
        let got = receive(&mut wire.as_slice(), size).expect("receive");
        assert_eq!(got, stream.checksum(size));
        // A chunk repeated in place of the next one is caught.
        let mut repeated = wire.clone();
        repeated.copy_within(..CHUNK, CHUNK);
        let bad = receive(&mut repeated.as_slice(), size).expect("receive");
        assert_ne!(bad, stream.checksum(size));
        // A short stream is an error.
        assert!(receive(&mut &wire[..100], size).is_err());
    }
}

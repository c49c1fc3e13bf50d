//! A fast, position-sensitive 64-bit checksum for verifying bulk transfers.
//!
//! Four independent Fletcher-style lanes over little-endian `u64` words: each lane keeps a sum
//! of its words and a sum of those sums, so a lost, duplicated, reordered or changed word
//! changes the result. It is not cryptographic; it only has to catch a relay that corrupts
//! the stream, and it has to run several times faster than loopback TCP so that the receiving
//! side measures the transfer rather than itself (`tcpmon-bench checksum-speed` shows the rate).

const LANES: usize = 4;
const BLOCK: usize = LANES * 8;

/// Streaming checksum; the result does not depend on how the input was split into updates.
#[derive(Clone)]
pub struct Checksum {
    sum: [u64; LANES],
    sum_of_sums: [u64; LANES],
    len: u64,
    /// Bytes of an incomplete block, waiting for the next update.
    tail: [u8; BLOCK],
    tail_len: usize,
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

impl Checksum {
    /// An empty checksum.
    pub fn new() -> Self {
        Self {
            sum: [0; LANES],
            sum_of_sums: [0; LANES],
            len: 0,
            tail: [0; BLOCK],
            tail_len: 0,
        }
    }

    /// Adds `data` to the stream.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.tail_len > 0 {
            let take = (BLOCK - self.tail_len).min(data.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&data[..take]);
            self.tail_len += take;
            data = &data[take..];
            if self.tail_len < BLOCK {
                return;
            }
            let block = self.tail;
            self.blocks(&block);
            self.tail_len = 0;
        }
        let whole = data.len() - data.len() % BLOCK;
        self.blocks(&data[..whole]);
        let rest = &data[whole..];
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    /// `data.len()` is a multiple of `BLOCK`.
    fn blocks(&mut self, data: &[u8]) {
        // Local copies keep the accumulators in registers, so the loop vectorises.
        let (mut sum, mut sum_of_sums) = (self.sum, self.sum_of_sums);
        for block in data.chunks_exact(BLOCK) {
            for lane in 0..LANES {
                let mut word = [0; 8];
                word.copy_from_slice(&block[lane * 8..lane * 8 + 8]);
                sum[lane] = sum[lane].wrapping_add(u64::from_le_bytes(word));
                sum_of_sums[lane] = sum_of_sums[lane].wrapping_add(sum[lane]);
            }
        }
        self.sum = sum;
        self.sum_of_sums = sum_of_sums;
    }

    /// The checksum of everything added so far.
    pub fn value(&self) -> u64 {
        let mut end = self.clone();
        if end.tail_len > 0 {
            let mut block = [0; BLOCK];
            block[..end.tail_len].copy_from_slice(&end.tail[..end.tail_len]);
            end.blocks(&block);
        }
        let mut h = mix(end.len);
        for lane in 0..LANES {
            h = mix(h ^ end.sum[lane]);
            h = mix(h ^ end.sum_of_sums[lane]);
        }
        h
    }
}

/// The splitmix64 finaliser: spreads every input bit over the whole word.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::Checksum;

    fn of(parts: &[&[u8]]) -> u64 {
        let mut c = Checksum::new();
        for p in parts {
            c.update(p);
        }
        c.value()
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn splitting_does_not_matter() {
        let d = data(1000);
        let whole = of(&[&d]);
        for cut in [0, 1, 7, 31, 32, 33, 500, 999, 1000] {
            assert_eq!(of(&[&d[..cut], &d[cut..]]), whole, "cut at {cut}");
        }
        let bytewise: Vec<&[u8]> = d.chunks(1).collect();
        assert_eq!(of(&bytewise), whole);
    }

    #[test]
    fn changes_are_caught() {
        let d = data(4096);
        let whole = of(&[&d]);
        let mut flipped = d.clone();
        flipped[1234] ^= 1;
        assert_ne!(of(&[&flipped]), whole);
        // Two 32-byte blocks swapped: same bytes, other order.
        let mut swapped = d.clone();
        swapped[..64].rotate_left(32);
        assert_ne!(of(&[&swapped]), whole);
        assert_ne!(of(&[&d[..4095]]), whole, "a lost byte");
        assert_ne!(of(&[&d, &[0]]), whole, "an extra zero byte");
    }
}

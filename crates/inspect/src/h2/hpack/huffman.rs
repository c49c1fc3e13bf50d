//! HPACK's Huffman code (RFC 7541 Appendix B), decoded.
//!
//! The code is canonical: each symbol's code follows from the code lengths alone (codes are
//! handed out in order of length, then symbol). So the table here is only the 257 lengths,
//! and the decoding tables are built from them at compile time; a test checks codes the RFC
//! prints.

use super::HpackError;

/// Code length in bits of each symbol (0..=255, then 256: EOS), from RFC 7541 Appendix B.
const LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240
    30, // 256
];

/// Longest code, in bits.
const MAX_LEN: usize = 30;

/// The symbol that ends the code space; never valid inside a string.
const EOS: u16 = 256;

/// What canonical decoding needs: per length, the first code of that length and how many
/// codes have it; and the symbols sorted by (length, symbol).
struct Canonical {
    first: [u32; MAX_LEN + 1],
    count: [u32; MAX_LEN + 1],
    /// Index in `symbols` of the first symbol of each length.
    start: [u16; MAX_LEN + 1],
    symbols: [u16; 257],
}

const fn canonical() -> Canonical {
    let mut c = Canonical {
        first: [0; MAX_LEN + 1],
        count: [0; MAX_LEN + 1],
        start: [0; MAX_LEN + 1],
        symbols: [0; 257],
    };
    let mut s = 0;
    while s < 257 {
        c.count[LENGTHS[s] as usize] += 1;
        s += 1;
    }
    let (mut code, mut index, mut len) = (0u32, 0u16, 1);
    while len <= MAX_LEN {
        code <<= 1;
        c.first[len] = code;
        c.start[len] = index;
        code += c.count[len];
        index += c.count[len] as u16;
        len += 1;
    }
    // Symbols of each length in symbol order.
    let mut placed = [0u16; MAX_LEN + 1];
    let mut s = 0;
    while s < 257 {
        let l = LENGTHS[s] as usize;
        c.symbols[(c.start[l] + placed[l]) as usize] = s as u16;
        placed[l] += 1;
        s += 1;
    }
    c
}

static CODE: Canonical = canonical();

/// Appends the decoding of Huffman-coded `input` to `out`. Fails on the EOS symbol, on
/// padding longer than 7 bits, and on padding that is not the EOS code's leading ones
/// (RFC 7541 section 5.2).
pub(super) fn decode(input: &[u8], out: &mut Vec<u8>) -> Result<(), HpackError> {
    let (mut code, mut len) = (0u32, 0usize);
    for &byte in input {
        for shift in (0..8).rev() {
            code = (code << 1) | u32::from((byte >> shift) & 1);
            len += 1;
            let offset = code.wrapping_sub(CODE.first[len]);
            if offset < CODE.count[len] {
                let symbol = CODE.symbols[usize::from(CODE.start[len]) + offset as usize];
                if symbol == EOS {
                    return Err(HpackError::Huffman);
                }
                out.push(symbol as u8);
                code = 0;
                len = 0;
            } else if len == MAX_LEN {
                // Every 30-bit pattern is a code or a prefix of one, so this cannot happen
                // with the RFC's table; kept as an error rather than an index past the end.
                return Err(HpackError::Huffman);
            }
        }
    }
    let all_ones = code == (1u32 << len) - 1;
    if len > 7 || !all_ones {
        return Err(HpackError::Huffman);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code of `symbol` as the canonical construction gives it.
    fn code_of(symbol: usize) -> (u32, u8) {
        let len = usize::from(LENGTHS[symbol]);
        let rank = (0..symbol)
            .filter(|&s| usize::from(LENGTHS[s]) == len)
            .count();
        (CODE.first[len] + rank as u32, LENGTHS[symbol])
    }

    #[test]
    fn codes_are_the_rfcs() {
        // A few rows of RFC 7541 Appendix B, across the lengths.
        assert_eq!(code_of(usize::from(b'0')), (0x0, 5));
        assert_eq!(code_of(usize::from(b' ')), (0x14, 6));
        assert_eq!(code_of(usize::from(b'a')), (0x3, 5));
        assert_eq!(code_of(usize::from(b'A')), (0x21, 6));
        assert_eq!(code_of(usize::from(b'z')), (0x7b, 7));
        assert_eq!(code_of(0), (0x1ff8, 13));
        assert_eq!(code_of(255), (0x3ffffee, 26));
        assert_eq!(code_of(256), (0x3fffffff, 30));
    }

    #[test]
    fn decodes_the_rfcs_example_and_rejects_bad_padding() {
        // "www.example.com", RFC 7541 C.4.1.
        let coded = [
            0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
        ];
        let mut out = Vec::new();
        decode(&coded, &mut out).expect("valid");
        assert_eq!(out, b"www.example.com");
        // Padding of zeros instead of ones.
        assert_eq!(
            decode(&[0xf1, 0xe0], &mut Vec::new()),
            Err(HpackError::Huffman)
        );
        // A whole byte of padding.
        assert_eq!(decode(&[0xff], &mut Vec::new()), Err(HpackError::Huffman));
        // EOS itself.
        let eos = [0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode(&eos, &mut Vec::new()), Err(HpackError::Huffman));
    }
}

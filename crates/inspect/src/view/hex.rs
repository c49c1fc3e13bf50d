//! Hex dump: offset, 16 bytes in hex, and the same bytes as ASCII (dots for the rest).

use std::fmt::Write;

/// Bytes per line.
pub const WIDTH: usize = 16;

/// Dumps `bytes`, numbering lines from `base` (the offset of `bytes[0]` in the stream).
pub fn render(bytes: &[u8], base: u64) -> String {
    let mut out = String::with_capacity(bytes.len() / WIDTH * 78 + 78);
    for (i, line) in bytes.chunks(WIDTH).enumerate() {
        let _ = write!(out, "{:08x}  ", base + (i * WIDTH) as u64);
        for j in 0..WIDTH {
            match line.get(j) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if j == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        out.extend(line.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_offset_hex_and_ascii() {
        let dump = render(b"GET / HTTP/1.1\r\n\x00\xff", 0x10);
        assert_eq!(
            dump,
            "00000010  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  GET / HTTP/1.1..\n\
             00000020  00 ff                                             ..\n"
        );
    }
}

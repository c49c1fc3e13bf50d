//! Raw text: the bytes as UTF-8 text, with everything that would be invisible or ambiguous
//! made visible: lone CR as `␍`, other control bytes as their Unicode control pictures, bytes
//! that are not UTF-8 as `\xNN`. CRLF and LF stay line breaks, tab stays a tab.

use std::fmt::Write;

/// The text, and a note when some bytes were not UTF-8.
pub fn render(bytes: &[u8]) -> (String, Option<String>) {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 16);
    let mut invalid = 0usize;
    for chunk in bytes.utf8_chunks() {
        for (i, c) in chunk.valid().char_indices() {
            match c {
                '\n' | '\t' => out.push(c),
                '\r' if chunk.valid()[i + 1..].starts_with('\n') => {}
                '\r' => out.push('\u{240d}'),
                c if (c as u32) < 0x20 => {
                    out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?'))
                }
                '\u{7f}' => out.push('\u{2421}'),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            invalid += 1;
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    let note = (invalid > 0).then(|| format!("{invalid} bytes are not UTF-8: shown as \\xNN"));
    (out, note)
}

/// The longest prefix of `bytes` that does not end inside a UTF-8 character, so pages never
/// split one (when the whole of `bytes` is one broken sequence, all of it).
pub fn char_boundary(bytes: &[u8]) -> usize {
    let tail_start = bytes.len().saturating_sub(3);
    for i in (tail_start..bytes.len()).rev() {
        let b = bytes[i];
        if b & 0xC0 == 0x80 {
            continue; // continuation byte: look further back for the lead
        }
        let width = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if i + width > bytes.len() && i > 0 {
            i
        } else {
            bytes.len()
        };
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bad_bytes_become_visible() {
        let (text, note) = render(b"GET / HTTP/1.1\r\nA:\tb\r\n\r\nx\0y\rz\xff\x1b");
        assert_eq!(
            text,
            "GET / HTTP/1.1\nA:\tb\n\nx\u{2400}y\u{240d}z\\xFF\u{241b}"
        );
        assert_eq!(
            note.as_deref(),
            Some("1 bytes are not UTF-8: shown as \\xNN")
        );
        assert_eq!(render("café".as_bytes()), ("café".to_string(), None));
    }

    #[test]
    fn page_ends_never_split_a_character() {
        let text = "aé€😀".as_bytes(); // 1 + 2 + 3 + 4 bytes
        let cuts: Vec<usize> = (0..=text.len())
            .map(|n| char_boundary(&text[..n]))
            .collect();
        assert_eq!(cuts, [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10]);
        assert_eq!(
            char_boundary(b"ab\xff"),
            3,
            "a stray byte is not a character start"
        );
    }
}

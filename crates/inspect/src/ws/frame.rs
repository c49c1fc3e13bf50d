//! WebSocket frame headers (RFC 6455 section 5.2): two to fourteen bytes before each payload.

use thiserror::Error;

/// What a frame's opcode says it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// More of the message the previous frame began.
    Continuation,
    /// UTF-8 text.
    Text,
    /// Bytes.
    Binary,
    /// The end of the connection, with a code and reason.
    Close,
    /// A keep-alive question.
    Ping,
    /// Its answer.
    Pong,
    /// A reserved opcode (3-7, 11-15): no extension TCPMon knows defines one.
    Reserved(u8),
}

impl Opcode {
    fn of(bits: u8) -> Opcode {
        match bits {
            0 => Opcode::Continuation,
            1 => Opcode::Text,
            2 => Opcode::Binary,
            8 => Opcode::Close,
            9 => Opcode::Ping,
            10 => Opcode::Pong,
            other => Opcode::Reserved(other),
        }
    }

    /// Close, ping and pong: never fragmented, allowed between the fragments of a message.
    pub fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
            || matches!(self, Opcode::Reserved(b) if b >= 8)
    }

    /// The name the CLI, the window and HAR use (`text`, `binary`, `close`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Opcode::Continuation => "continuation",
            Opcode::Text => "text",
            Opcode::Binary => "binary",
            Opcode::Close => "close",
            Opcode::Ping => "ping",
            Opcode::Pong => "pong",
            Opcode::Reserved(_) => "reserved",
        }
    }

    /// The opcode's number, as HAR's `_webSocketMessages` gives it.
    pub fn number(self) -> u8 {
        match self {
            Opcode::Continuation => 0,
            Opcode::Text => 1,
            Opcode::Binary => 2,
            Opcode::Close => 8,
            Opcode::Ping => 9,
            Opcode::Pong => 10,
            Opcode::Reserved(b) => b,
        }
    }
}

/// A frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHead {
    /// The last frame of its message.
    pub fin: bool,
    /// RSV1: with permessage-deflate, the message (set on its first frame) is compressed.
    pub rsv1: bool,
    /// What it carries.
    pub opcode: Opcode,
    /// The key a client masks its payload with (a server sends none).
    pub mask: Option<[u8; 4]>,
    /// Payload bytes after the header.
    pub len: u64,
    /// Header bytes, 2 to 14.
    pub head_len: u8,
}

/// A frame header no WebSocket peer sends: the stream is not (or no longer) WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// A 64-bit length with its top bit set.
    #[error("a frame length over 2^63")]
    Length,
    /// A control frame that is fragmented or longer than 125 bytes.
    #[error("a {0} frame that is fragmented or longer than 125 bytes")]
    Control(&'static str),
    /// A continuation frame with no message to continue.
    #[error("a continuation frame with no message to continue")]
    Orphan,
    /// A new message before the last one's final fragment.
    #[error("a new message inside a fragmented one")]
    Interleaved,
}

/// The header at the start of `bytes`; `None` while it is incomplete.
pub fn parse_head(bytes: &[u8]) -> Result<Option<FrameHead>, FrameError> {
    let [first, second, rest @ ..] = bytes else {
        return Ok(None);
    };
    let opcode = Opcode::of(first & 0x0f);
    let masked = second & 0x80 != 0;
    let (len, len_bytes) = match second & 0x7f {
        126 => match rest {
            [a, b, ..] => (u64::from(u16::from_be_bytes([*a, *b])), 2),
            _ => return Ok(None),
        },
        127 => match rest.first_chunk::<8>() {
            Some(b) if b[0] & 0x80 != 0 => return Err(FrameError::Length),
            Some(b) => (u64::from_be_bytes(*b), 8),
            None => return Ok(None),
        },
        short => (u64::from(short), 0),
    };
    let fin = first & 0x80 != 0;
    if opcode.is_control() && (!fin || len > 125) {
        return Err(FrameError::Control(opcode.name()));
    }
    let mask = if masked {
        match rest[len_bytes..].first_chunk::<4>() {
            Some(key) => Some(*key),
            None => return Ok(None),
        }
    } else {
        None
    };
    Ok(Some(FrameHead {
        fin,
        rsv1: first & 0x40 != 0,
        opcode,
        mask,
        len,
        head_len: 2 + len_bytes as u8 + if masked { 4 } else { 0 },
    }))
}

/// Unmasks (or masks: the same XOR) `payload`, whose first byte is at `position` in the frame's
/// payload.
pub fn unmask(payload: &mut [u8], key: [u8; 4], position: u64) {
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= key[(position as usize + i) % 4];
    }
}

/// A frame's header as TCPMon writes it when it sends a message itself: FIN set, RSV clear,
/// masked with `mask` toward a server.
pub fn head(opcode: Opcode, len: usize, mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut head = vec![0x80 | opcode.number()];
    let masked = if mask.is_some() { 0x80 } else { 0 };
    match len {
        0..=125 => head.push(masked | len as u8),
        126..=0xffff => {
            head.push(masked | 126);
            head.extend((len as u16).to_be_bytes());
        }
        _ => {
            head.push(masked | 127);
            head.extend((len as u64).to_be_bytes());
        }
    }
    head.extend(
        mask.unwrap_or_default()
            .iter()
            .take(if masked != 0 { 4 } else { 0 }),
    );
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_examples_parse() {
        // 5.7: a single-frame unmasked text message "Hello".
        let head = parse_head(b"\x81\x05Hello").unwrap().unwrap();
        assert_eq!(
            (head.fin, head.opcode, head.len, head.head_len),
            (true, Opcode::Text, 5, 2)
        );
        // A masked "Hello".
        let mut frame = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58".to_vec();
        let head = parse_head(&frame).unwrap().unwrap();
        assert_eq!(
            (head.mask, head.head_len),
            (Some([0x37, 0xfa, 0x21, 0x3d]), 6)
        );
        unmask(&mut frame[6..], head.mask.unwrap(), 0);
        assert_eq!(&frame[6..], b"Hello");
        // A fragmented text message's first frame, and 256 and 65536 byte binary lengths.
        assert!(!parse_head(b"\x01\x03Hel").unwrap().unwrap().fin);
        assert_eq!(parse_head(b"\x82\x7e\x01\x00").unwrap().unwrap().len, 256);
        let long = parse_head(b"\x82\x7f\0\0\0\0\0\x01\0\0").unwrap().unwrap();
        assert_eq!((long.len, long.head_len), (65536, 10));
    }

    #[test]
    fn incomplete_headers_wait_and_impossible_ones_are_errors() {
        for cut in [
            &b"\x81"[..],
            b"\x82\x7e\x01",
            b"\x82\x7f\0\0",
            b"\x81\x85\x37\xfa",
        ] {
            assert_eq!(parse_head(cut), Ok(None), "{cut:?}");
        }
        assert_eq!(
            parse_head(b"\x82\x7f\x80\0\0\0\0\0\0\0"),
            Err(FrameError::Length)
        );
        assert_eq!(parse_head(b"\x09\x00"), Err(FrameError::Control("ping")));
        assert_eq!(
            parse_head(b"\x88\x7e\0\x80"),
            Err(FrameError::Control("close"))
        );
    }

    #[test]
    fn written_headers_read_back() {
        for len in [0, 125, 126, 65535, 65536] {
            let mask = Some([1, 2, 3, 4]);
            let written = head(Opcode::Binary, len, mask);
            let read = parse_head(&written).unwrap().unwrap();
            assert_eq!(
                (read.len, read.mask, read.head_len as usize),
                (len as u64, mask, written.len())
            );
            let plain = parse_head(&head(Opcode::Text, len, None)).unwrap().unwrap();
            assert_eq!((plain.mask, plain.opcode), (None, Opcode::Text));
        }
    }
}

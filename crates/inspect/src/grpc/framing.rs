//! A gRPC body's length-prefixed messages (a flag byte, a 4-byte big-endian length, the
//! payload), found as its bytes arrive in pieces split anywhere: HTTP/2 DATA frames, reads of a
//! capture, a gRPC-Web response over HTTP/1. gRPC-Web adds a last frame (flag bit 0x80) holding
//! the trailers as header lines; gRPC-Web text is all of it in base64.

use base64::Engine;

use super::compression::{Encoding, decompress};
use super::status::{StatusError, parse_trailer_block};
use super::{BodyError, MAX_MESSAGE, MessageError, Protocol};

/// Flag bit: the payload is compressed with the call's `grpc-encoding`.
const COMPRESSED: u8 = 0x01;
/// Flag bit (gRPC-Web only): the payload is the trailers.
const TRAILERS: u8 = 0x80;

/// One message of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Where its prefix starts in the body (after base64 decoding for gRPC-Web text).
    pub offset: u64,
    /// Whether it was sent compressed.
    pub compressed: bool,
    /// Its length on the wire, as its prefix says.
    pub wire_len: u32,
    /// Its bytes, decompressed; or why they are not shown.
    pub data: Result<Vec<u8>, MessageError>,
}

/// What a body yields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A message.
    Message(Message),
    /// A gRPC-Web trailer frame: its header fields (names lowercased), at `offset`.
    Trailers {
        /// Where the frame's prefix starts.
        offset: u64,
        /// The fields, or why they could not be read.
        fields: Result<Vec<(String, String)>, StatusError>,
    },
    /// The rest of the body cannot be read (gRPC-Web text that is not base64); nothing follows.
    Broken(BodyError),
}

/// Where the splitter is inside the framing.
#[derive(Debug)]
enum State {
    /// Reading a 5-byte prefix, `got` bytes of it so far.
    Prefix { bytes: [u8; 5], got: usize },
    /// Reading a payload of `len` bytes.
    Payload { flag: u8, len: u32, data: Vec<u8> },
    /// Passing over the payload of a message too large to keep.
    Skip { left: u64 },
    /// Stopped for good after [`Item::Broken`].
    Broken,
}

/// Splits one direction of one call's body into messages, fed at any byte boundary.
#[derive(Debug)]
pub struct Splitter {
    protocol: Protocol,
    encoding: Encoding,
    state: State,
    /// Framed bytes consumed so far.
    consumed: u64,
    /// Where the frame being read starts.
    frame_start: u64,
    /// gRPC-Web text only: base64 characters not yet making a whole 4-character quantum.
    base64: Option<Base64Text>,
    /// Most bytes one compressed message may decompress to.
    max_decompressed: usize,
}

impl Splitter {
    /// A splitter for a body of `protocol` whose call declares `encoding`.
    pub fn new(protocol: Protocol, encoding: Encoding) -> Self {
        Self {
            protocol,
            encoding,
            state: State::Prefix {
                bytes: [0; 5],
                got: 0,
            },
            consumed: 0,
            frame_start: 0,
            base64: (protocol == Protocol::GrpcWebText).then(Base64Text::default),
            max_decompressed: MAX_MESSAGE,
        }
    }

    /// Caps what the compressed messages completed from now on may decompress to (at most
    /// [`MAX_MESSAGE`]): a view that renders them keeps to its own budget.
    pub fn set_max_decompressed(&mut self, max: usize) {
        self.max_decompressed = max.min(MAX_MESSAGE);
    }

    /// The items that the body's next bytes complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Item> {
        let mut items = Vec::new();
        if matches!(self.state, State::Broken) {
            return items;
        }
        let Some(text) = self.base64.as_mut() else {
            self.framed(bytes, &mut items);
            return items;
        };
        let (decoded, broken) = text.decode(bytes);
        self.framed(&decoded, &mut items);
        if let Some(e) = broken {
            self.state = State::Broken;
            items.push(Item::Broken(e));
        }
        items
    }

    /// Checks that the body ended between messages.
    pub fn finish(&self) -> Result<(), BodyError> {
        let missing = match &self.state {
            State::Prefix { got: 0, .. } | State::Broken => 0,
            State::Prefix { got, .. } => 5 - *got as u64,
            State::Payload { len, data, .. } => u64::from(*len) - data.len() as u64,
            State::Skip { left } => *left,
        };
        let base64_left = self.base64.as_ref().is_some_and(|b| !b.pending.is_empty());
        if missing > 0 || base64_left {
            return Err(BodyError::Truncated {
                offset: self.frame_start,
                missing: missing.max(1),
            });
        }
        Ok(())
    }

    /// Advances through framed (decoded) bytes.
    fn framed(&mut self, mut bytes: &[u8], items: &mut Vec<Item>) {
        while !bytes.is_empty() {
            let taken = match &mut self.state {
                State::Prefix { bytes: prefix, got } => {
                    if *got == 0 {
                        self.frame_start = self.consumed;
                    }
                    let n = (5 - *got).min(bytes.len());
                    prefix[*got..*got + n].copy_from_slice(&bytes[..n]);
                    *got += n;
                    if *got == 5 {
                        let prefix = *prefix;
                        self.start_frame(prefix, items);
                    }
                    n
                }
                State::Payload { len, data, .. } => {
                    let n = (*len as usize - data.len()).min(bytes.len());
                    data.extend_from_slice(&bytes[..n]);
                    if data.len() == *len as usize {
                        self.end_frame(items);
                    }
                    n
                }
                State::Skip { left } => {
                    let n = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    *left -= n as u64;
                    if *left == 0 {
                        self.next_prefix();
                    }
                    n
                }
                State::Broken => return,
            };
            self.consumed += taken as u64;
            bytes = &bytes[taken..];
        }
    }

    /// A whole prefix read: keep the payload, or skip it when over the cap.
    fn start_frame(&mut self, prefix: [u8; 5], items: &mut Vec<Item>) {
        let flag = prefix[0];
        let len = u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]);
        if len as usize > MAX_MESSAGE {
            items.push(Item::Message(Message {
                offset: self.frame_start,
                compressed: flag & COMPRESSED != 0,
                wire_len: len,
                data: Err(MessageError::TooLarge {
                    len,
                    max: MAX_MESSAGE,
                }),
            }));
            self.state = State::Skip {
                left: u64::from(len),
            };
            return;
        }
        // Grown as bytes come: a prefix alone must not make TCPMon reserve 64 MiB.
        let data = Vec::with_capacity((len as usize).min(64 << 10));
        self.state = State::Payload { flag, len, data };
        if len == 0 {
            self.end_frame(items);
        }
    }

    /// A whole payload read: the item it makes.
    fn end_frame(&mut self, items: &mut Vec<Item>) {
        let State::Payload { flag, len, data } = std::mem::replace(&mut self.state, State::Broken)
        else {
            return;
        };
        let offset = self.frame_start;
        let web = self.protocol != Protocol::Grpc;
        let defined = if web {
            COMPRESSED | TRAILERS
        } else {
            COMPRESSED
        };
        let payload = if flag & !defined != 0 {
            Err(MessageError::BadFlag(flag))
        } else if flag & COMPRESSED != 0 {
            decompress(&self.encoding, &data, self.max_decompressed)
        } else {
            Ok(data)
        };
        items.push(match payload {
            Ok(payload) if web && flag & TRAILERS != 0 => Item::Trailers {
                offset,
                fields: parse_trailer_block(&payload),
            },
            payload => Item::Message(Message {
                offset,
                compressed: flag & COMPRESSED != 0,
                wire_len: len,
                data: payload,
            }),
        });
        self.next_prefix();
    }

    /// Ready for the next frame's prefix.
    fn next_prefix(&mut self) {
        self.state = State::Prefix {
            bytes: [0; 5],
            got: 0,
        };
    }
}

/// gRPC-Web text decoded as it arrives. Senders may encode each frame separately, so padding
/// can end any 4-character quantum, not only the last: each padded quantum is decoded alone.
#[derive(Debug, Default)]
struct Base64Text {
    /// Characters of an incomplete quantum.
    pending: Vec<u8>,
    /// Characters decoded before `pending`.
    offset: u64,
}

impl Base64Text {
    /// The bytes that the whole quanta among `pending` and `text` decode to, up to the first
    /// quantum that is not base64 (then also why: nothing after it is read).
    fn decode(&mut self, text: &[u8]) -> (Vec<u8>, Option<BodyError>) {
        self.pending.extend_from_slice(text);
        let whole = self.pending.len() / 4 * 4;
        let mut out = Vec::with_capacity(whole / 4 * 3);
        let mut start = 0;
        while start < whole {
            // Up to and including the next padded quantum, or all whole quanta.
            let end = self.pending[start..whole]
                .chunks(4)
                .position(|quantum| quantum.contains(&b'='))
                .map_or(whole, |i| start + 4 * (i + 1));
            let run = &self.pending[start..end];
            let before = out.len();
            if let Err(e) = base64::engine::general_purpose::STANDARD.decode_vec(run, &mut out) {
                // A failed decode leaves the buffer grown; the quanta before the bad one are
                // still good: decode them alone.
                out.truncate(before);
                let at = match e {
                    base64::DecodeError::InvalidByte(i, _)
                    | base64::DecodeError::InvalidLastSymbol { offset: i, .. } => i,
                    _ => 0,
                };
                let good = &run[..at / 4 * 4];
                let _ = base64::engine::general_purpose::STANDARD.decode_vec(good, &mut out);
                let offset = self.offset + (start + at) as u64;
                return (out, Some(BodyError::BadBase64 { offset }));
            }
            start = end;
        }
        self.pending.drain(..whole);
        self.offset += whole as u64;
        (out, None)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        [&[flag][..], &len.to_be_bytes(), payload].concat()
    }

    fn only_data(splitter: &mut Splitter, bytes: &[u8]) -> Result<Vec<u8>, MessageError> {
        match splitter.feed(bytes).pop() {
            Some(Item::Message(message)) => message.data,
            other => panic!("not one message: {other:?}"),
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_cap_and_the_next_message_still_decodes() {
        let bomb = gzip(&vec![0; MAX_MESSAGE + 1]);
        assert!(bomb.len() < 128 << 10);
        let mut splitter = Splitter::new(Protocol::Grpc, Encoding::Gzip);
        let items = splitter.feed(&[frame(1, &bomb), frame(1, &gzip(b"ok"))].concat());
        let data: Vec<_> = items
            .into_iter()
            .map(|item| match item {
                Item::Message(m) => m.data,
                other => panic!("{other:?}"),
            })
            .collect();
        let max = MAX_MESSAGE;
        assert_eq!(data, [Err(MessageError::Bomb { max }), Ok(b"ok".to_vec())]);
    }

    #[test]
    fn encodings_not_decoded_say_so_per_message() {
        let compressed = frame(1, b"\x00\x01");
        let snappy = Encoding::from_header(Some("Snappy"));
        let mut splitter = Splitter::new(Protocol::Grpc, snappy);
        let unsupported = MessageError::UnsupportedEncoding("snappy".into());
        assert_eq!(only_data(&mut splitter, &compressed), Err(unsupported));
        assert_eq!(only_data(&mut splitter, &frame(0, b"x")), Ok(b"x".to_vec()));
        let mut plain = Splitter::new(Protocol::Grpc, Encoding::from_header(None));
        let missing = Err(MessageError::CompressedWithoutEncoding);
        assert_eq!(only_data(&mut plain, &compressed), missing);
        let mut deflate = Splitter::new(Protocol::Grpc, Encoding::Deflate);
        assert!(matches!(
            only_data(&mut deflate, &compressed),
            Err(MessageError::Corrupt(_))
        ));
        assert_eq!(
            only_data(&mut plain, &frame(0x80, b"")),
            Err(MessageError::BadFlag(0x80))
        );
    }

    #[test]
    fn a_message_over_the_cap_is_skipped_without_being_kept() {
        let mut splitter = Splitter::new(Protocol::Grpc, Encoding::Identity);
        let len = MAX_MESSAGE as u32 + 1;
        let prefix = [&[0][..], &len.to_be_bytes()].concat();
        let too_large = Err(MessageError::TooLarge {
            len,
            max: MAX_MESSAGE,
        });
        assert_eq!(only_data(&mut splitter, &prefix), too_large);
        let chunk = vec![7; 1 << 20];
        for _ in 0..64 {
            assert!(splitter.feed(&chunk).is_empty());
        }
        assert!(splitter.finish().is_err());
        let rest = [vec![7], frame(0, b"")].concat();
        assert_eq!(only_data(&mut splitter, &rest), Ok(Vec::new()));
        assert_eq!(splitter.finish(), Ok(()));
    }

    #[test]
    fn a_body_cut_inside_a_message_says_where() {
        let mut splitter = Splitter::new(Protocol::Grpc, Encoding::Identity);
        let body = [frame(0, b"abc"), frame(0, b"defg")].concat();
        assert_eq!(splitter.feed(&body[..10]).len(), 1);
        let cut = BodyError::Truncated {
            offset: 8,
            missing: 3,
        };
        assert_eq!(splitter.finish(), Err(cut));
    }

    #[test]
    fn grpc_web_text_that_is_not_base64_stops_the_body() {
        let mut splitter = Splitter::new(Protocol::GrpcWebText, Encoding::Identity);
        let broken = BodyError::BadBase64 { offset: 12 };
        assert_eq!(splitter.feed(b"AAAAAAJo"), []);
        let items = splitter.feed(b"aQ==*AAA");
        assert!(matches!(&items[..], [Item::Message(m), Item::Broken(b)]
            if m.data == Ok(b"hi".to_vec()) && *b == broken));
        assert_eq!(splitter.feed(b"AAAA"), []);
    }
}

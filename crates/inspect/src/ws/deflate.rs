//! permessage-deflate (RFC 7692): what the handshake agreed on, and inflating each direction's
//! messages with the sliding window carried from one message to the next ("context takeover")
//! unless the sender agreed not to.

use flate2::{Decompress, FlushDecompress, Status};
use serde::{Deserialize, Serialize};

/// What the server accepted in `Sec-WebSocket-Extensions` (its answer is what holds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deflate {
    /// The client starts each message with an empty window.
    pub client_no_context_takeover: bool,
    /// The server does.
    pub server_no_context_takeover: bool,
}

impl Deflate {
    /// permessage-deflate's parameters in a `Sec-WebSocket-Extensions` value, when it is there.
    /// A deflate decoder with the largest window reads streams made with a smaller one, so the
    /// window-bits parameters need no reading.
    pub fn negotiated(extensions: &str) -> Option<Deflate> {
        extensions.split(',').find_map(|extension| {
            let mut parts = extension.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
                return None;
            }
            let mut deflate = Deflate::default();
            for parameter in parts {
                let name = parameter.split('=').next().unwrap_or("").trim();
                if name.eq_ignore_ascii_case("client_no_context_takeover") {
                    deflate.client_no_context_takeover = true;
                } else if name.eq_ignore_ascii_case("server_no_context_takeover") {
                    deflate.server_no_context_takeover = true;
                }
            }
            Some(deflate)
        })
    }

    /// Whether the sender of `to_server` messages (the client) keeps its window between them.
    pub fn takes_over(&self, to_server: bool) -> bool {
        if to_server {
            !self.client_no_context_takeover
        } else {
            !self.server_no_context_takeover
        }
    }
}

/// A message that inflates to more than this is cut there (a decompression bomb stops).
pub const MOST_INFLATED: usize = 64 << 20;

/// Why a compressed message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    /// Not deflate data, or not continuing the window it needs.
    #[error("not deflate data this direction's window can continue: {0}")]
    Corrupt(String),
    /// Over [`MOST_INFLATED`].
    #[error("inflates to more than {} MiB: cut there", MOST_INFLATED >> 20)]
    TooLarge,
}

/// One direction's inflater.
#[derive(Debug)]
pub struct Inflater {
    decompress: Decompress,
    takes_over: bool,
    /// A message failed: the window is lost, later messages with context takeover cannot be
    /// read.
    broken: bool,
}

impl Inflater {
    /// An inflater for a sender that keeps (`takes_over`) or resets its window per message.
    pub fn new(takes_over: bool) -> Self {
        Self {
            decompress: Decompress::new(false),
            takes_over,
            broken: false,
        }
    }

    /// A message this direction sent was not inflated (cut at the cap): with context takeover
    /// the window is lost, and later messages say so instead of inflating wrong.
    pub fn lose_window(&mut self) {
        self.broken = self.takes_over;
    }

    /// The payload of one compressed message (its frames' payloads, unmasked, joined).
    pub fn inflate(&mut self, compressed: &[u8]) -> Result<Vec<u8>, InflateError> {
        if !self.takes_over {
            self.decompress.reset(false);
            self.broken = false;
        }
        if self.broken {
            return Err(InflateError::Corrupt(
                "an earlier message could not be read".into(),
            ));
        }
        let result = self.run(compressed);
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn run(&mut self, compressed: &[u8]) -> Result<Vec<u8>, InflateError> {
        // RFC 7692 7.2.2: the sender removed this empty block's tail; put it back.
        const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
        // Never past the cap: decompress_vec fills whatever capacity there is.
        let mut out = Vec::with_capacity((compressed.len() * 3).min(MOST_INFLATED));
        for input in [compressed, &TAIL[..]] {
            let mut input = input;
            loop {
                if out.len() >= MOST_INFLATED {
                    return Err(InflateError::TooLarge);
                }
                out.reserve_exact((input.len() * 2).max(4096).min(MOST_INFLATED - out.len()));
                let (before, made) = (self.decompress.total_in(), out.len());
                let status = self
                    .decompress
                    .decompress_vec(input, &mut out, FlushDecompress::Sync)
                    .map_err(|e| InflateError::Corrupt(e.to_string()))?;
                let used = (self.decompress.total_in() - before) as usize;
                input = &input[used..];
                let room_left = out.len() < out.capacity();
                if input.is_empty() && room_left || status == Status::StreamEnd {
                    break;
                }
                if used == 0 && out.len() == made && room_left {
                    return Err(InflateError::Corrupt(
                        "the data stops making progress".into(),
                    ));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    /// Compresses `messages` as a permessage-deflate sender does (sync flush, tail removed).
    fn sender(messages: &[&[u8]], takes_over: bool) -> Vec<Vec<u8>> {
        let mut compress = Compress::new(Compression::default(), false);
        messages
            .iter()
            .map(|m| {
                if !takes_over {
                    compress.reset();
                }
                let mut out = Vec::with_capacity(m.len() + 64);
                compress
                    .compress_vec(m, &mut out, FlushCompress::Sync)
                    .unwrap();
                assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
                out.truncate(out.len() - 4);
                out
            })
            .collect()
    }

    #[test]
    fn the_handshakes_answer_says_what_holds() {
        assert_eq!(Deflate::negotiated("x-webkit-deflate-frame"), None);
        let d = Deflate::negotiated(
            "foo, permessage-deflate; client_max_window_bits=12; Server_No_Context_Takeover",
        )
        .unwrap();
        assert!(d.takes_over(true) && !d.takes_over(false));
    }

    #[test]
    fn messages_inflate_with_and_without_context_takeover() {
        let hello: &[u8] = b"Hello, hello, hello, WebSocket";
        for takes_over in [true, false] {
            let compressed = sender(&[hello, hello, b"third"], takes_over);
            if takes_over {
                assert!(
                    compressed[1].len() < compressed[0].len(),
                    "the window helps"
                );
            }
            let mut inflater = Inflater::new(takes_over);
            let out: Vec<_> = compressed
                .iter()
                .map(|c| inflater.inflate(c).unwrap())
                .collect();
            assert_eq!(out, [hello, hello, b"third"]);
        }
    }

    #[test]
    fn a_bomb_stops_at_the_cap_and_garbage_is_an_error() {
        let zeros = vec![0; MOST_INFLATED + 1];
        let bomb = sender(&[&zeros], false).remove(0);
        assert!(bomb.len() < 200_000);
        assert_eq!(
            Inflater::new(false).inflate(&bomb),
            Err(InflateError::TooLarge)
        );
        let mut inflater = Inflater::new(true);
        assert!(matches!(
            inflater.inflate(b"\xff\xff\xff"),
            Err(InflateError::Corrupt(_))
        ));
        let good = sender(&[b"x"], true).remove(0);
        assert!(inflater.inflate(&good).is_err(), "the window is lost");
    }
}

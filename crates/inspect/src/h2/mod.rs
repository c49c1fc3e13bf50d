//! HTTP/2 (RFC 9113) followed passively: a connection's two byte streams become streams with
//! their heads, bodies, ends and resets, as the bytes arrive, split at any byte.
//!
//! [`Connection`] is fed each direction's bytes with their stream offsets. It keeps what an
//! exchange needs (decoded heads, body *positions* in the capture, times) and holds at most one
//! frame header, one header block and a few control-frame bytes per direction: bodies are
//! never copied, the capture has them. Where a peer oversteps a bound (a frame over
//! SETTINGS_MAX_FRAME_SIZE, a header block or list over 256 KiB, an HPACK table over 64 KiB)
//! or breaks the protocol, the follower stops with an [`H2Error`] saying why; the relay still
//! forwards every byte, and the connection is shown raw from there with that note.
//!
//! How the exchange tracker is meant to start it: a connection whose first bytes are
//! [`PREFACE`] (or that chose `h2` by ALPN) with [`Connection::prior_knowledge`]; an
//! `Upgrade: h2c` request answered by `101` with [`Connection::upgraded`] at the offsets after
//! the request and after the `101` head. Each [`Stream`] then makes one exchange: its
//! [`Extent`]s give the spans' offsets and times, its body [`Range`]s the bytes views read.
//!
//! - [`frame`]: frame headers, types, flags, error code names.
//! - [`hpack`]: header blocks decoded, one dynamic table per direction.
//! - [`Stream`] and its [`Message`]s: what one stream carried.

mod connection;
pub mod frame;
pub mod hpack;
mod stream;
#[cfg(test)]
pub(crate) mod test_frames;

pub use connection::{Connection, PREFACE};
pub use stream::{Extent, GoAway, Head, Message, Range, Reset, Stream};

use crate::Direction;
use hpack::HpackError;
use stream::side_name;

/// Largest header block (a HEADERS or PUSH_PROMISE frame and its CONTINUATIONs), encoded.
pub const BLOCK_CAP: usize = 256 << 10;

/// Largest decoded header list, counted as SETTINGS_MAX_HEADER_LIST_SIZE counts.
pub const LIST_CAP: usize = 256 << 10;

/// Decoded heads a connection may keep beyond [`HEADS_PER_BYTE`] times its bytes: HPACK lets a
/// few bytes name a long field again and again, and heads are kept for every stream.
pub const HEADS_BASE: u64 = 1 << 20;

/// Decoded head bytes a connection may keep per byte it carried (real traffic, even fully
/// indexed requests, stays far below).
pub const HEADS_PER_BYTE: u64 = 32;

/// GOAWAY debug data kept for the note; the rest is read past.
pub const DEBUG_KEEP: usize = 1024;

/// Why the follower stopped. The relay goes on forwarding; only the decoding ends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum H2Error {
    /// The client's first bytes are not the HTTP/2 connection preface.
    #[error("not HTTP/2: the client did not start with the connection preface")]
    Preface,
    /// A frame longer than its receiver allowed (or than 2^24 - 1).
    #[error("{}: a {len}-byte frame is over the {max} bytes SETTINGS_MAX_FRAME_SIZE allows", side_name(*by))]
    FrameSize {
        /// The side that sent it.
        by: Direction,
        /// Its payload length.
        len: u32,
        /// The largest allowed.
        max: u32,
    },
    /// A header block over [`BLOCK_CAP`]: a CONTINUATION flood.
    #[error("{}: a header block over {} KiB (CONTINUATION flood)", side_name(*by), BLOCK_CAP >> 10)]
    HeaderBlock {
        /// The side that sent it.
        by: Direction,
    },
    /// A header block HPACK could not decode, or whose list is over [`LIST_CAP`].
    #[error("{}: {why}", side_name(*by))]
    Hpack {
        /// The side that sent it.
        by: Direction,
        /// What was wrong.
        why: HpackError,
    },
    /// A frame RFC 9113 forbids where it is.
    #[error("{}: HTTP/2 protocol error: {what}", side_name(*by))]
    Protocol {
        /// The side that sent it.
        by: Direction,
        /// What was wrong.
        what: &'static str,
    },
    /// Header blocks that decode to far more than the connection carried (an HPACK bomb).
    #[error(
        "{}: header blocks decode to over {HEADS_PER_BYTE} times the bytes the connection carried (HPACK amplification)",
        side_name(*by)
    )]
    Amplification {
        /// The side whose block went over.
        by: Direction,
    },
    /// Bytes were fed past a hole in the stream.
    #[error("{}: bytes from offset {got} fed while {expected} was expected", side_name(*by))]
    Gap {
        /// The side whose bytes are missing.
        by: Direction,
        /// The offset the follower needed.
        expected: u64,
        /// The offset it was given.
        got: u64,
    },
}

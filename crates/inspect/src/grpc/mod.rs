//! gRPC and gRPC-Web bodies split into their messages, and how calls ended.
//!
//! - [`framing`]: the length-prefixed messages of a body fed in pieces split anywhere
//!   ([`Splitter`]), compressed ones decoded, gRPC-Web's trailer frame read.
//! - [`compression`]: the `grpc-encoding` a call uses and its messages undone, capped.
//! - [`status`]: `grpc-status`, `grpc-message` and `grpc-status-details-bin` from trailers.
//!
//! Each message's bytes are protobuf (mostly): [`crate::protobuf`] reads them.

pub mod compression;
pub mod framing;
pub mod status;

pub use compression::Encoding;
pub use framing::{Item, Message, Splitter};
pub use status::{Status, StatusError, code_name, parse_trailer_block};

use thiserror::Error;

/// Largest message kept, decoded or not (gRPC's own default receive limit is 4 MiB; services
/// raise it, so TCPMon follows what they may send but stops a decompression bomb).
pub const MAX_MESSAGE: usize = 64 << 20;

/// How a body is framed, from its `content-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `application/grpc` and `application/grpc+FORMAT`, over HTTP/2: trailers are HTTP/2's.
    Grpc,
    /// `application/grpc-web[+FORMAT]`: the same framing, trailers in a last frame.
    GrpcWeb,
    /// `application/grpc-web-text[+FORMAT]`: gRPC-Web in base64.
    GrpcWebText,
}

impl Protocol {
    /// The protocol a `content-type` names; `None` for anything else.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
        let (base, _format) = essence.split_once('+').unwrap_or((&essence, ""));
        match base {
            "application/grpc" => Some(Protocol::Grpc),
            "application/grpc-web" => Some(Protocol::GrpcWeb),
            "application/grpc-web-text" => Some(Protocol::GrpcWebText),
            _ => None,
        }
    }
}

/// Why one message is not shown decoded; the messages after it still are.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    /// Its length prefix says more than [`MAX_MESSAGE`]: its bytes are skipped.
    #[error("message of {len} bytes is over the {max}-byte limit: skipped")]
    TooLarge {
        /// The length it declares.
        len: u32,
        /// The limit.
        max: usize,
    },
    /// Decompressed, it would be over the limit.
    #[error("message decompresses to over {max} bytes: not decoded")]
    Bomb {
        /// The limit.
        max: usize,
    },
    /// Compressed with an encoding TCPMon does not decode.
    #[error("message compressed with {0}, which is not decoded")]
    UnsupportedEncoding(String),
    /// The compressed flag is set but the call declares no `grpc-encoding`.
    #[error("message marked compressed but the call has no grpc-encoding")]
    CompressedWithoutEncoding,
    /// The compressed bytes are broken.
    #[error("compressed message is broken: {0}")]
    Corrupt(String),
    /// Its flag byte has bits gRPC does not define.
    #[error("message flag {0:#04x} is not defined")]
    BadFlag(u8),
    /// A gRPC-Web trailer frame that is not header lines.
    #[error(transparent)]
    Trailers(#[from] StatusError),
}

/// Why the rest of a body cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// The body ended inside a message.
    #[error("body ends inside a message at byte {offset}: {missing} more bytes expected")]
    Truncated {
        /// Where that message's prefix starts.
        offset: u64,
        /// Bytes it lacks, at least (only its prefix's when that is cut).
        missing: u64,
    },
    /// gRPC-Web text that is not base64: nothing after it can be read.
    #[error("gRPC-Web text is not base64 at character {offset}")]
    BadBase64 {
        /// The character's position in the body.
        offset: u64,
    },
}

//! Compressed gRPC messages undone per the call's `grpc-encoding`, with a cap on what one
//! message may expand to: a few kilobytes of gzip can claim gigabytes.

use std::io::Read;

use super::MessageError;

/// The `grpc-encoding` a call's messages were compressed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// No compression (also when the header is absent).
    Identity,
    /// gzip (RFC 1952).
    Gzip,
    /// zlib-wrapped deflate (RFC 1950), as gRPC's "deflate" is.
    Deflate,
    /// Anything else (snappy, zstd, ...): named, not decoded.
    Other(String),
}

impl Encoding {
    /// The encoding a `grpc-encoding` header value names; none means identity.
    pub fn from_header(value: Option<&str>) -> Self {
        let name = value.map(|v| v.trim().to_ascii_lowercase());
        match name.as_deref() {
            None | Some("" | "identity") => Encoding::Identity,
            Some("gzip") => Encoding::Gzip,
            Some("deflate") => Encoding::Deflate,
            Some(other) => Encoding::Other(other.to_owned()),
        }
    }
}

/// A compressed message's payload decoded, at most `max` bytes of it.
pub(super) fn decompress(
    encoding: &Encoding,
    payload: &[u8],
    max: usize,
) -> Result<Vec<u8>, MessageError> {
    let reader: Box<dyn Read + '_> = match encoding {
        Encoding::Identity => return Err(MessageError::CompressedWithoutEncoding),
        Encoding::Gzip => Box::new(flate2::read::GzDecoder::new(payload)),
        Encoding::Deflate => Box::new(flate2::read::ZlibDecoder::new(payload)),
        Encoding::Other(name) => return Err(MessageError::UnsupportedEncoding(name.clone())),
    };
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| MessageError::Corrupt(e.to_string()))?;
    if out.len() > max {
        return Err(MessageError::Bomb { max });
    }
    Ok(out)
}

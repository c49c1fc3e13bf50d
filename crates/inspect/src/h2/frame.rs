//! HTTP/2 frames as RFC 9113 section 4 and 6 lay them out: the 9-byte header, the types, their
//! flags and the fixed fields some payloads start with.

/// Length of every frame header.
pub const HEADER_LEN: usize = 9;

/// The frame types RFC 9113 defines; any other type is read past and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Body bytes of a stream.
    Data,
    /// A header block (request, response, interim response or trailers) starts.
    Headers,
    /// A stream's priority (deprecated, still sent).
    Priority,
    /// A stream ends abruptly.
    RstStream,
    /// A side's settings, or their acknowledgement.
    Settings,
    /// The server announces a pushed stream with its request.
    PushPromise,
    /// Liveness and round-trip time.
    Ping,
    /// The connection is closing.
    GoAway,
    /// Flow control credit.
    WindowUpdate,
    /// More of a header block.
    Continuation,
    /// A type this decoder does not know: skipped, as RFC 9113 section 5.5 asks.
    Unknown(u8),
}

impl Kind {
    fn from_byte(byte: u8) -> Self {
        match byte {
            0 => Kind::Data,
            1 => Kind::Headers,
            2 => Kind::Priority,
            3 => Kind::RstStream,
            4 => Kind::Settings,
            5 => Kind::PushPromise,
            6 => Kind::Ping,
            7 => Kind::GoAway,
            8 => Kind::WindowUpdate,
            9 => Kind::Continuation,
            other => Kind::Unknown(other),
        }
    }

    /// Index into per-type counters: the ten known types, then one for all unknown ones.
    pub fn index(self) -> usize {
        match self {
            Kind::Unknown(_) => 10,
            known => known.type_byte() as usize,
        }
    }

    fn type_byte(self) -> u8 {
        match self {
            Kind::Data => 0,
            Kind::Headers => 1,
            Kind::Priority => 2,
            Kind::RstStream => 3,
            Kind::Settings => 4,
            Kind::PushPromise => 5,
            Kind::Ping => 6,
            Kind::GoAway => 7,
            Kind::WindowUpdate => 8,
            Kind::Continuation => 9,
            Kind::Unknown(b) => b,
        }
    }
}

/// END_STREAM on DATA and HEADERS.
pub const END_STREAM: u8 = 0x1;
/// ACK on SETTINGS and PING.
pub const ACK: u8 = 0x1;
/// END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.
pub const END_HEADERS: u8 = 0x4;
/// PADDED on DATA, HEADERS and PUSH_PROMISE.
pub const PADDED: u8 = 0x8;
/// PRIORITY on HEADERS.
pub const PRIORITY: u8 = 0x20;

/// SETTINGS_HEADER_TABLE_SIZE: what the sender's HPACK decoder allows the peer's encoder.
pub const SETTINGS_HEADER_TABLE_SIZE: u16 = 0x1;
/// SETTINGS_MAX_FRAME_SIZE: the largest frame the sender accepts.
pub const SETTINGS_MAX_FRAME_SIZE: u16 = 0x5;

/// The largest frame size any SETTINGS can allow (2^24 - 1): the hard cap.
pub const MAX_FRAME_CAP: u32 = (1 << 24) - 1;
/// The frame size every side accepts until it says otherwise.
pub const INITIAL_MAX_FRAME: u32 = 1 << 14;

/// A frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length.
    pub len: u32,
    /// Frame type.
    pub kind: Kind,
    /// Flags, as the type defines them.
    pub flags: u8,
    /// Stream identifier (the reserved bit cleared).
    pub stream: u32,
}

impl FrameHeader {
    /// Reads a frame header.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Self {
        let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = *bytes;
        Self {
            len: u32::from_be_bytes([0, l0, l1, l2]),
            kind: Kind::from_byte(kind),
            flags,
            stream: u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]),
        }
    }

    /// Whether `flag` is set (flags only mean something on the types that define them).
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Bytes of fixed fields before the payload proper: the pad length, HEADERS' priority
    /// fields, PUSH_PROMISE's promised stream.
    pub fn prefix_len(&self) -> u32 {
        let padded = self.padded();
        let priority = self.kind == Kind::Headers && self.has(PRIORITY);
        let promised = self.kind == Kind::PushPromise;
        u32::from(padded) + 5 * u32::from(priority) + 4 * u32::from(promised)
    }

    /// Whether a pad length byte starts the prefix.
    pub fn padded(&self) -> bool {
        matches!(self.kind, Kind::Data | Kind::Headers | Kind::PushPromise) && self.has(PADDED)
    }
}

/// The name RFC 9113 section 7 gives an error code, for notes (unknown codes in hex).
pub fn error_name(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("0x{code:x}"), |name| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_header_and_its_prefix() {
        // HEADERS, 0x0102 bytes, PADDED | PRIORITY | END_HEADERS, stream 3 with the R bit set.
        let header = FrameHeader::parse(&[0, 1, 2, 1, 0x2c, 0x80, 0, 0, 3]);
        assert_eq!(header.len, 258);
        assert_eq!(header.kind, Kind::Headers);
        assert_eq!(header.stream, 3);
        assert!(header.has(END_HEADERS) && header.padded());
        assert_eq!(header.prefix_len(), 6);
        let unknown = FrameHeader::parse(&[0, 0, 0, 0xfa, 0x08, 0, 0, 0, 0]);
        assert_eq!(unknown.kind, Kind::Unknown(0xfa));
        assert_eq!(unknown.prefix_len(), 0);
        assert_eq!(unknown.kind.index(), 10);
    }

    #[test]
    fn names_error_codes() {
        assert_eq!(error_name(0x8), "CANCEL");
        assert_eq!(error_name(0xd), "HTTP_1_1_REQUIRED");
        assert_eq!(error_name(0x1234), "0x1234");
    }
}

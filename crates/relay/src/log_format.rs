//! The record log: the byte layout shared by the live capture file and saved session files.
//! Documented for other tools in `docs/session-format.md`.
//!
//! File: an 8-byte magic, a little-endian u32 format version, a u32 of zero flags. Then records,
//! each a 24-byte header (kind u8, direction u8, two zero bytes, payload length u32, connection
//! id u64, time in microseconds since the epoch u64, all little-endian) and the payload.

use crate::record::{ConnId, ConnectionRecord, Direction, Micros};

/// First bytes of every log file. The high byte and the line feed catch text-mode mangling.
pub const MAGIC: [u8; 8] = *b"\x89TCPMON\n";
/// The format version this code writes and reads.
pub const VERSION: u32 = 1;
/// Bytes before the first record.
pub const FILE_HEADER_LEN: u64 = 16;
/// Bytes of a record header.
pub const RECORD_HEADER_LEN: usize = 24;

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// Captured bytes of one direction.
    Data(Direction),
    /// A connection record as JSON; a later one for the same connection replaces it.
    Meta,
    /// The connection was removed: readers leave it out (no payload).
    Removed,
    /// Nothing: bytes given back to the disk (removed connections' records), to skip.
    Skip,
    /// The server's side of a message TCPMon changed (a rule or a breakpoint), in that
    /// direction: the request as the server got it, or the response as the server sent it.
    /// Its payload is a [`ServerSidePrefix`] and the message's bytes.
    ServerSide(Direction),
    /// A kind this version does not know: skipped, with a note.
    Unknown(u8),
}

/// What a [`RecordKind::ServerSide`] payload starts with: the exchange (u32, little-endian,
/// from 0 on its connection) and a flag byte: 1 when the message is whole, 0 when it is the
/// head only and its body went on as the capture has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerSidePrefix {
    /// The exchange, from 0.
    pub exchange: u32,
    /// Whether the body follows the head (else the capture's body is the message's).
    pub whole: bool,
}

impl ServerSidePrefix {
    /// Bytes it takes.
    pub const LEN: usize = 5;

    /// Encodes it.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let e = self.exchange.to_le_bytes();
        [e[0], e[1], e[2], e[3], u8::from(self.whole)]
    }

    /// Decodes the start of a payload; `None` when it is too short.
    pub fn decode(payload: &[u8]) -> Option<Self> {
        let b: &[u8; Self::LEN] = payload.get(..Self::LEN)?.try_into().ok()?;
        Some(Self {
            exchange: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            whole: b[4] == 1,
        })
    }
}

/// A decoded record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// What the payload is.
    pub kind: RecordKind,
    /// Payload length.
    pub len: u32,
    /// The connection it belongs to.
    pub conn: ConnId,
    /// When the bytes were captured (data) or the record written (meta).
    pub at: Micros,
}

/// A capture log's [`RecordKind::Meta`] payload: `record` (its exchanges taken out) as JSON
/// without the `exchanges` member, which tells a reader to find them in the bytes.
///
/// Written straight from the record, the member cut out after: through a `serde_json::Value`
/// (a map built and dropped per record, three times a connection) it cost a short
/// connection more than the rest of its logging. Serialised with no exchanges the JSON holds
/// `,"exchanges":[]` once, at the top level: no string holds it unescaped, and the members
/// before it (id to request line) are no maps that could hold such a key.
pub fn meta_json(record: &ConnectionRecord) -> serde_json::Result<Vec<u8>> {
    const EMPTY: &[u8] = b",\"exchanges\":[]";
    debug_assert!(
        record.exchanges.is_empty(),
        "the log's record leaves exchanges to the bytes"
    );
    let mut json = serde_json::to_vec(record)?;
    let cut = json.windows(EMPTY.len()).position(|w| w == EMPTY);
    // A reader takes a record's `exchanges` as given when present: were the cut ever missed (a
    // field serialised differently), recovered logs would show no exchanges. Tests catch it.
    debug_assert!(
        cut.is_some(),
        "no empty exchanges member in the record's JSON"
    );
    if let Some(at) = cut {
        json.drain(at..at + EMPTY.len());
    }
    Ok(json)
}

/// The file header.
pub fn file_header() -> [u8; FILE_HEADER_LEN as usize] {
    let mut out = [0; FILE_HEADER_LEN as usize];
    out[..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&VERSION.to_le_bytes());
    out
}

/// Checks a file header; the error says what the file is not.
pub fn check_file_header(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < FILE_HEADER_LEN as usize || bytes[..8] != MAGIC {
        return Err("not a TCPMon session file".into());
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != VERSION {
        return Err(format!(
            "session format version {version}; this TCPMon reads version {VERSION}"
        ));
    }
    Ok(())
}

impl RecordHeader {
    /// Encodes the header.
    pub fn encode(&self) -> [u8; RECORD_HEADER_LEN] {
        let (kind, dir) = match self.kind {
            RecordKind::Data(d) => (1u8, d.index() as u8),
            RecordKind::Meta => (2u8, 0),
            RecordKind::Removed => (3u8, 0),
            RecordKind::Skip => (4u8, 0),
            RecordKind::ServerSide(d) => (5u8, d.index() as u8),
            RecordKind::Unknown(kind) => (kind, 0),
        };
        let mut out = [0; RECORD_HEADER_LEN];
        out[0] = kind;
        out[1] = dir;
        out[4..8].copy_from_slice(&self.len.to_le_bytes());
        out[8..16].copy_from_slice(&self.conn.0.to_le_bytes());
        out[16..24].copy_from_slice(&self.at.to_le_bytes());
        out
    }

    /// Decodes a header; `None` for data of no known direction (a damaged file).
    pub fn decode(b: &[u8; RECORD_HEADER_LEN]) -> Option<Self> {
        let kind = match (b[0], b[1]) {
            (1, 0) => RecordKind::Data(Direction::ClientToServer),
            (1, 1) => RecordKind::Data(Direction::ServerToClient),
            (1, _) => return None,
            (2, _) => RecordKind::Meta,
            (3, _) => RecordKind::Removed,
            (4, _) => RecordKind::Skip,
            (5, 0) => RecordKind::ServerSide(Direction::ClientToServer),
            (5, 1) => RecordKind::ServerSide(Direction::ServerToClient),
            (5, _) => return None,
            (kind, _) => RecordKind::Unknown(kind),
        };
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        Some(Self {
            kind,
            len: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            conn: ConnId(u64_at(8)),
            at: u64_at(16),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ConnectionState, FaultEvent, ListenerId, RuleEvent};

    #[test]
    fn meta_json_leaves_exchanges_out_and_the_rest_in() {
        let tricky = r#"x,"exchanges":[] y"#;
        let mut record = ConnectionRecord::accepted(
            ConnId(7),
            ListenerId(2),
            8080,
            tricky.into(),
            Some(crate::HostPort::new("example.com", 443)),
            1,
        );
        record.state = ConnectionState::Failed {
            reason: tricky.into(),
        };
        record.request_line = Some(tricky.into());
        record.truncation = Some(tricky.into());
        record.faults.push(FaultEvent {
            what: tricky.into(),
            at: 2,
        });
        record.rules.push(RuleEvent {
            exchange: 0,
            rule: 1,
            action: "mock".into(),
            what: tricky.into(),
        });
        let json = meta_json(&record).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert!(value.get("exchanges").is_none(), "{value}");
        let back: ConnectionRecord = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn header_round_trips() {
        let h = RecordHeader {
            kind: RecordKind::Data(Direction::ServerToClient),
            len: 70000,
            conn: ConnId(u64::MAX - 1),
            at: 1_700_000_000_000_000,
        };
        assert_eq!(RecordHeader::decode(&h.encode()), Some(h));
        let mut unknown = h.encode();
        unknown[0] = 9;
        assert_eq!(
            RecordHeader::decode(&unknown).map(|h| (h.kind, h.len)),
            Some((RecordKind::Unknown(9), 70000))
        );
        unknown[0] = 1;
        unknown[1] = 7;
        assert_eq!(RecordHeader::decode(&unknown), None, "data in no direction");
        let side = RecordHeader {
            kind: RecordKind::ServerSide(Direction::ClientToServer),
            ..h
        };
        assert_eq!(RecordHeader::decode(&side.encode()), Some(side));
        let prefix = ServerSidePrefix {
            exchange: 70_000,
            whole: true,
        };
        assert_eq!(ServerSidePrefix::decode(&prefix.encode()), Some(prefix));
        assert_eq!(ServerSidePrefix::decode(&[1, 2]), None);
    }

    #[test]
    fn file_header_is_checked() {
        assert!(check_file_header(&file_header()).is_ok());
        assert!(check_file_header(b"PK\x03\x04 zip file....").is_err());
        let mut future = file_header();
        future[8] = 2;
        assert!(
            check_file_header(&future)
                .unwrap_err()
                .contains("version 2")
        );
    }
}

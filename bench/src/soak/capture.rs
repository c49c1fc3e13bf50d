//! Reading what TCPMon recorded: a session file (`tcpmon-cli --save FILE.tcpmon` writes its
//! capture log there as it goes) opened with the engine's own reader, each connection's two
//! directions read back in full, and each matched to the client connection it was: by the id
//! in its first bytes, or, when recording had stopped before they came, by the client's port
//! and the time of the accept.

use super::check::{Captured, CapturedDir};
use super::wire::ClientRec;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use tcpmon_files::session::{self, Session};
use tcpmon_relay::{ConnectionRecord, ConnectionState, Direction, Store};

/// Opens a capture; what the reader noticed (a file cut short) is printed.
pub fn open(path: &Path) -> Result<Session> {
    let opened =
        session::open_log(path).with_context(|| format!("opening the capture {path:?}"))?;
    if let Some(note) = &opened.note {
        println!("note: {}: {note}", path.display());
    }
    Ok(opened)
}

/// One connection of `store`, both directions read back.
pub fn read(store: &Store, record: &ConnectionRecord) -> Result<Captured> {
    let mut dirs: [CapturedDir; 2] = Default::default();
    for (d, dir) in Direction::BOTH.into_iter().enumerate() {
        let mut data = Vec::new();
        store
            .reader(record.id, dir)
            .read_to_end(&mut data)
            .with_context(|| format!("reading connection {} of the capture", record.id))?;
        dirs[d] = CapturedDir {
            data,
            relayed: record.bytes[d],
            truncated: record.truncated[d],
        };
    }
    let state = match &record.state {
        ConnectionState::Failed { reason } => format!("failed: {reason}"),
        other => other.label().to_string(),
    };
    Ok(Captured {
        conn: record.id.0,
        state,
        truncation: record.truncation.clone(),
        dirs,
    })
}

/// The soak id in a connection's first bytes: `ECHO id ...` or an `X-Soak-Id` header.
pub fn id_in(c2s: &[u8]) -> Option<u64> {
    let head = &c2s[..c2s.len().min(8 << 10)];
    let number = |rest: &[u8]| -> Option<u64> {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
    };
    if let Some(rest) = head.strip_prefix(b"ECHO ") {
        return number(rest);
    }
    let key = b"\r\nX-Soak-Id: ";
    let at = head.windows(key.len()).position(|w| w == key)?;
    number(&head[at + key.len()..])
}

/// Client connections by relay and local port, for records whose first bytes were not kept.
pub struct Ports(HashMap<(u8, u16), Vec<(u64, u64)>>);

impl Ports {
    /// The index of `clients`.
    pub fn new(clients: &[ClientRec]) -> Self {
        let mut map: HashMap<(u8, u16), Vec<(u64, u64)>> = HashMap::new();
        for c in clients {
            map.entry((c.relay, c.port))
                .or_default()
                .push((c.start_us, c.id));
        }
        Self(map)
    }

    /// The client connection from `client` (`127.0.0.1:PORT`) through `relay` that started
    /// nearest to `accepted_at`, within 5 s.
    pub fn find(&self, relay: u8, client: &str, accepted_at: u64) -> Option<u64> {
        let port: u16 = client.rsplit(':').next()?.parse().ok()?;
        self.0
            .get(&(relay, port))?
            .iter()
            .map(|&(start, id)| (start.abs_diff(accepted_at), id))
            .filter(|&(gap, _)| gap < 5_000_000)
            .min()
            .map(|(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::id_in;

    #[test]
    fn ids_are_found_in_first_bytes() {
        assert_eq!(id_in(b"ECHO 42 100\nxyz"), Some(42));
        assert_eq!(
            id_in(b"GET /plain/1/2 HTTP/1.1\r\nHost: soak\r\nX-Soak-Id: 7\r\n\r\n"),
            Some(7)
        );
        assert_eq!(id_in(b"GET / HTTP/1.1\r\nHost: soak\r\nX-Soak-I"), None);
        assert_eq!(id_in(b""), None);
    }
}

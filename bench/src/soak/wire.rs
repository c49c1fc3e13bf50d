//! What each side keeps of a connection (lengths and checksums of the bytes it sent and
//! received, how it ended), the socket helpers that count every byte as it passes, and the
//! tab-separated logs the checker reads.

use super::plan::Kind;
use crate::checksum::Checksum;
use anyhow::{Context, Result, bail};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;

/// Length and checksum of the bytes one side sent (or received) in one direction.
#[derive(Clone, Default)]
pub struct Tally {
    sum: Checksum,
    len: u64,
}

impl Tally {
    /// Counts `data`.
    pub fn add(&mut self, data: &[u8]) {
        self.sum.update(data);
        self.len += data.len() as u64;
    }

    /// What was counted.
    pub fn seen(&self) -> Seen {
        Seen {
            len: self.len,
            sum: self.sum.value(),
        }
    }
}

/// A direction's bytes as one side saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    /// How many.
    pub len: u64,
    /// Their [`Checksum`].
    pub sum: u64,
}

impl Seen {
    /// The checksum of `data[..len]`, `None` when `data` is shorter.
    pub fn of_prefix(data: &[u8], len: u64) -> Option<u64> {
        let len = usize::try_from(len).ok().filter(|&l| l <= data.len())?;
        let mut sum = Checksum::new();
        sum.update(&data[..len]);
        Some(sum.value())
    }

    /// Whether these are the first `self.len` bytes of `data`.
    pub fn is_prefix_of(&self, data: &[u8]) -> bool {
        Seen::of_prefix(data, self.len) == Some(self.sum)
    }
}

/// Writes all of `data`, counting what the socket took, even when it fails half way.
pub fn send(sock: &mut TcpStream, data: &[u8], tally: &mut Tally) -> io::Result<()> {
    let mut rest = data;
    while !rest.is_empty() {
        match sock.write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                tally.add(&rest[..n]);
                rest = &rest[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads into `buf`, counting what came; 0 at the end of the stream.
pub fn recv(sock: &mut TcpStream, buf: &mut [u8], tally: &mut Tally) -> io::Result<usize> {
    loop {
        match sock.read(buf) {
            Ok(n) => {
                tally.add(&buf[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A client connection as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRec {
    /// The connection's id.
    pub id: u64,
    /// Its kind (also derivable from the id; kept to catch a mismatch).
    pub kind: Kind,
    /// Which relay it went through: 0 the main one, 1 the one with the capture limit.
    pub relay: u8,
    /// The client's local port (what the capture's `client` field names).
    pub port: u16,
    /// When it connected, microseconds since the epoch.
    pub start_us: u64,
    /// How long it took, in milliseconds.
    pub millis: u64,
    /// What it sent.
    pub sent: Seen,
    /// What it received.
    pub recv: Seen,
    /// `ok`, `cut: why` (a reset or an early end), or `error: why`.
    pub outcome: String,
}

/// A server connection as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerRec {
    /// The id in its first bytes, when they came.
    pub id: Option<u64>,
    /// What it received.
    pub recv: Seen,
    /// What it sent.
    pub sent: Seen,
    /// `ok`, `reset-sent`, `cut: why`, or `error: why`.
    pub outcome: String,
}

/// One line of a log: no tabs or line ends inside a field.
fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

impl ClientRec {
    /// Its log line.
    pub fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:016x}\t{}\t{:016x}\t{}",
            self.id,
            self.kind.name(),
            self.relay,
            self.port,
            self.start_us,
            self.millis,
            self.sent.len,
            self.sent.sum,
            self.recv.len,
            self.recv.sum,
            clean(&self.outcome)
        )
    }

    /// A log line read back.
    pub fn parse(line: &str) -> Option<ClientRec> {
        let f: Vec<&str> = line.splitn(11, '\t').collect();
        let [
            id,
            kind,
            relay,
            port,
            start,
            millis,
            sl,
            ss,
            rl,
            rs,
            outcome,
        ] = f.as_slice()
        else {
            return None;
        };
        Some(ClientRec {
            id: id.parse().ok()?,
            kind: Kind::parse(kind)?,
            relay: relay.parse().ok()?,
            port: port.parse().ok()?,
            start_us: start.parse().ok()?,
            millis: millis.parse().ok()?,
            sent: seen(sl, ss)?,
            recv: seen(rl, rs)?,
            outcome: (*outcome).to_string(),
        })
    }
}

impl ServerRec {
    /// Its log line.
    pub fn line(&self) -> String {
        let id = self.id.map_or("-".to_string(), |id| id.to_string());
        format!(
            "{id}\t{}\t{:016x}\t{}\t{:016x}\t{}",
            self.recv.len,
            self.recv.sum,
            self.sent.len,
            self.sent.sum,
            clean(&self.outcome)
        )
    }

    /// A log line read back.
    pub fn parse(line: &str) -> Option<ServerRec> {
        let f: Vec<&str> = line.splitn(6, '\t').collect();
        let [id, rl, rs, sl, ss, outcome] = f.as_slice() else {
            return None;
        };
        Some(ServerRec {
            id: if *id == "-" {
                None
            } else {
                Some(id.parse().ok()?)
            },
            recv: seen(rl, rs)?,
            sent: seen(sl, ss)?,
            outcome: (*outcome).to_string(),
        })
    }
}

fn seen(len: &str, sum: &str) -> Option<Seen> {
    Some(Seen {
        len: len.parse().ok()?,
        sum: u64::from_str_radix(sum, 16).ok()?,
    })
}

/// Writes `lines` to `path`.
pub fn write_log(path: &Path, lines: impl Iterator<Item = String>) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {path:?}"))?;
    let mut out = io::BufWriter::new(file);
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Reads a log with `parse`; a line it cannot read is an error (the log is ours).
pub fn read_log<T>(path: &Path, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {path:?}"))?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        match parse(&line) {
            Some(rec) => out.push(rec),
            None => bail!("{}:{}: cannot read {line:?}", path.display(), n + 1),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_their_log_lines() {
        let mut t = Tally::default();
        t.add(b"hello");
        let client = ClientRec {
            id: 7,
            kind: Kind::ServerReset,
            relay: 1,
            port: 40000,
            start_us: 123,
            millis: 4,
            sent: t.seen(),
            recv: Seen::default(),
            outcome: "cut: reset\tby peer".into(),
        };
        let back = ClientRec::parse(&client.line()).expect("parses");
        assert_eq!(back.outcome, "cut: reset by peer");
        assert_eq!(back.sent, client.sent);
        let server = ServerRec {
            id: None,
            recv: t.seen(),
            sent: Seen::default(),
            outcome: "ok".into(),
        };
        assert_eq!(ServerRec::parse(&server.line()), Some(server));
        assert!(t.seen().is_prefix_of(b"hello, world"));
        assert!(!t.seen().is_prefix_of(b"hellO, world"));
        assert!(!t.seen().is_prefix_of(b"hell"));
    }
}

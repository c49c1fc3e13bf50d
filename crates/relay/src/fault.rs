//! Faults injected on purpose, per listener (Toxiproxy's set, with a capture that explains
//! itself): each connection draws the faults it gets (`p`, a chance per connection), and each
//! one that acts is written on its record, what and when.
//!
//! On the wire, per direction (`dir=up`: toward the server, `down`: toward the client; both by
//! default): `latency=200ms~50ms` waits before each chunk (mean, uniform jitter; order kept),
//! `slice=64` writes in pieces of that many bytes, 1 ms apart, `close-after=10KiB` ends the
//! connection after that many bytes (a cut message), `reset-after=10KiB` resets it there. At
//! accept: `blackhole` takes the connection and forwards nothing, `refuse` resets it at once (a
//! listening socket cannot refuse one client), `status=503` answers the first request with that
//! status without contacting the target.

use crate::conn::{ConnCtx, IntoHalves, fault_acted};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::record::{Direction, now_micros};
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// The most of a request head a `status` fault reads before it answers.
const MOST_HEAD: usize = 64 * 1024;

/// One fault of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Fault {
    /// What it does.
    pub kind: FaultKind,
    /// The direction a wire fault applies to; none: both.
    pub dir: Option<Direction>,
    /// The chance a connection gets it, in millionths (1,000,000: every connection).
    pub chance: u32,
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait before each chunk: `mean_ms`, give or take up to `jitter_ms`.
    Latency {
        /// The mean wait.
        mean_ms: u64,
        /// The most it varies either way.
        jitter_ms: u64,
    },
    /// Write in pieces of this many bytes, 1 ms apart.
    Slice {
        /// Bytes per write.
        bytes: u32,
    },
    /// End the connection after this many bytes.
    CloseAfter {
        /// Bytes written first.
        bytes: u64,
    },
    /// Reset the connection after this many bytes.
    ResetAfter {
        /// Bytes written first.
        bytes: u64,
    },
    /// Take the connection and forward nothing.
    Blackhole,
    /// Reset the connection as soon as it is accepted.
    Refuse,
    /// Answer the first request with this status, without contacting the target.
    Status {
        /// The status code.
        code: u16,
    },
}

impl FromStr for Fault {
    type Err = String;

    /// `KIND[=VALUE][,dir=up|down][,p=FRACTION]`, as `--fault` takes it.
    fn from_str(text: &str) -> Result<Fault, String> {
        let mut parts = text.split(',');
        let (kind, value) = match parts.next().unwrap_or_default().split_once('=') {
            Some((kind, value)) => (kind, Some(value)),
            None => (text.split(',').next().unwrap_or_default(), None),
        };
        let mut fault = Fault {
            kind: kind_of(kind.trim(), value.map(str::trim))?,
            dir: None,
            chance: 1_000_000,
        };
        for option in parts {
            match option.trim().split_once('=') {
                Some(("dir", "up")) => fault.dir = Some(Direction::ClientToServer),
                Some(("dir", "down")) => fault.dir = Some(Direction::ServerToClient),
                Some(("p", p)) => fault.chance = chance(p)?,
                _ => return Err(format!("{option:?}: give dir=up, dir=down or p=FRACTION")),
            }
        }
        Ok(fault)
    }
}

fn kind_of(kind: &str, value: Option<&str>) -> Result<FaultKind, String> {
    let need = |what: &str| value.ok_or_else(|| format!("{kind} needs a value: {kind}={what}"));
    let bytes = |v: &str| {
        v.parse::<bytesize::ByteSize>()
            .map(|b| b.as_u64())
            .map_err(|_| format!("{kind}={v}: give a size, like 10KiB"))
    };
    Ok(match kind {
        "latency" => {
            let v = need("200ms~50ms")?;
            let (mean, jitter) = v.split_once('~').unwrap_or((v, "0ms"));
            FaultKind::Latency {
                mean_ms: millis(mean)?,
                jitter_ms: millis(jitter)?,
            }
        }
        "slice" => FaultKind::Slice {
            bytes: u32::try_from(bytes(need("64")?)?)
                .ok()
                .filter(|&b| b > 0)
                .ok_or("slice: give 1 byte to 4 GiB")?,
        },
        "close-after" => FaultKind::CloseAfter {
            bytes: bytes(need("10KiB")?)?,
        },
        "reset-after" => FaultKind::ResetAfter {
            bytes: bytes(need("10KiB")?)?,
        },
        "blackhole" => FaultKind::Blackhole,
        "refuse" => FaultKind::Refuse,
        "status" => FaultKind::Status {
            code: need("503")?
                .parse()
                .ok()
                .filter(|c| (100..=999).contains(c))
                .ok_or("status: give a code from 100 to 999")?,
        },
        other => {
            return Err(format!(
                "no fault {other:?}: latency, slice, close-after, reset-after, blackhole, refuse or status"
            ));
        }
    })
}

/// `200ms`, `1s`, or a bare number of milliseconds.
fn millis(text: &str) -> Result<u64, String> {
    let parsed = match text.parse::<u64>() {
        Ok(ms) => return Ok(ms),
        Err(_) => humantime::parse_duration(text),
    };
    parsed
        .map(|d| d.as_millis() as u64)
        .map_err(|_| format!("{text:?}: give a duration, like 200ms"))
}

/// A fraction from 0 to 1, in millionths.
fn chance(text: &str) -> Result<u32, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok((p * 1e6).round() as u32),
        _ => Err(format!("p={text}: give a fraction from 0 to 1")),
    }
}

impl Fault {
    /// Whether it applies to `dir`'s writes.
    fn on(&self, dir: Direction) -> bool {
        self.dir.is_none_or(|d| d == dir)
    }

    /// What it does, as a record says it.
    pub fn describe(&self) -> String {
        let dir = match self.dir {
            Some(Direction::ClientToServer) => " toward the server",
            Some(Direction::ServerToClient) => " toward the client",
            None => "",
        };
        match self.kind {
            FaultKind::Latency { mean_ms, jitter_ms } => {
                format!("latency {mean_ms} ms ± {jitter_ms} ms per chunk{dir}")
            }
            FaultKind::Slice { bytes } => format!("writes sliced to {bytes} bytes{dir}"),
            FaultKind::CloseAfter { bytes } => format!("closed after {bytes} bytes{dir}"),
            FaultKind::ResetAfter { bytes } => format!("reset after {bytes} bytes{dir}"),
            FaultKind::Blackhole => "blackholed: nothing forwarded".into(),
            FaultKind::Refuse => "refused: reset at once".into(),
            FaultKind::Status { code } => format!("answered {code} without the target"),
        }
    }
}

/// A number from the system's random source (a clock-based one should it fail).
fn random() -> u64 {
    let mut bytes = [0; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return now_micros().wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    u64::from_le_bytes(bytes)
}

/// The faults one connection gets, each by its chance.
pub(crate) fn draw(faults: &[Fault]) -> Vec<Fault> {
    faults
        .iter()
        .filter(|f| f.chance >= 1_000_000 || random() % 1_000_000 < u64::from(f.chance))
        .copied()
        .collect()
}

/// The faults a connection drew, and the sockets a reset must reach.
#[derive(Debug, Default)]
pub(crate) struct Drawn {
    pub faults: Vec<Fault>,
    /// Handles on the connection's sockets, kept only when a reset was drawn.
    sockets: Mutex<Vec<OwnedFd>>,
}

impl Drawn {
    pub(crate) fn new(faults: Vec<Fault>) -> Drawn {
        Drawn {
            faults,
            sockets: Mutex::default(),
        }
    }

    /// The first fault that acts at accept (blackhole, refuse, status).
    pub(crate) fn at_accept(&self) -> Option<Fault> {
        self.faults.iter().copied().find(|f| {
            matches!(
                f.kind,
                FaultKind::Blackhole | FaultKind::Refuse | FaultKind::Status { .. }
            )
        })
    }

    /// Whether a reset was drawn.
    pub(crate) fn resets(&self) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(f.kind, FaultKind::ResetAfter { .. }))
    }

    /// Keeps a handle on `socket` when a reset may have to reach it.
    pub(crate) fn watch(&self, socket: Option<BorrowedFd<'_>>) {
        if let (true, Some(socket)) = (self.resets(), socket) {
            if let Ok(fd) = socket.try_clone_to_owned() {
                self.sockets
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(fd);
            }
        }
    }

    /// Makes every watched socket reset when it closes (a zero linger), and lets go of them:
    /// the connection ends next, and its peers see a reset.
    pub(crate) fn arm_reset(&self) {
        let sockets =
            std::mem::take(&mut *self.sockets.lock().unwrap_or_else(PoisonError::into_inner));
        for socket in sockets {
            let _ = reset_on_close(socket.as_fd());
        }
    }
}

/// Writes on the record the wire faults that act all along (latency, slices), as the
/// connection starts; cuts are written when they act.
pub(crate) fn note_wire_faults(ctx: &ConnCtx) {
    for fault in &ctx.faults.faults {
        if matches!(
            fault.kind,
            FaultKind::Latency { .. } | FaultKind::Slice { .. }
        ) {
            fault_acted(&ctx.core, ctx.id, fault);
        }
    }
}

/// A fault that acts at accept: `refuse` resets the connection at once, `blackhole` takes
/// what the client sends (recorded) and forwards nothing until it closes, `status` answers the
/// first request head with that status; the target is never contacted.
pub(crate) async fn act_at_accept(
    ctx: &ConnCtx,
    client: impl IntoHalves,
    fault: Fault,
) -> Result<(), ConnectionError> {
    fault_acted(&ctx.core, ctx.id, &fault);
    let code = match fault.kind {
        FaultKind::Refuse => {
            if let Some(socket) = client.socket() {
                let _ = reset_on_close(socket);
            }
            let what = format!("fault: {}", fault.describe());
            return Err(ConnectionError::new(Side::Client, FailureKind::Reset, what));
        }
        FaultKind::Status { code } => Some(code),
        _ => None,
    };
    let (mut r, w) = client.into_halves();
    let mut rec = ctx.recorder(Direction::ClientToServer);
    let mut head = Vec::new();
    let mut buf = vec![0; 8192];
    loop {
        let n = r
            .read(&mut buf)
            .await
            .map_err(|e| ConnectionError::relaying(Side::Client, e))?;
        if n == 0 {
            return Ok(());
        }
        rec.record(&buf[..n]);
        if code.is_some() && head.len() < MOST_HEAD {
            head.extend_from_slice(&buf[..n]);
            if head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() >= MOST_HEAD {
                break;
            }
        }
    }
    let code = code.unwrap_or_default();
    let body = format!("TCPMon: fault injected: status {code}\n");
    let response = format!(
        "HTTP/1.1 {code} TCPMon fault\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    ctx.recorder(Direction::ServerToClient)
        .record(response.as_bytes());
    let mut out = ctx.outbound(w, Direction::ServerToClient);
    out.send(response.as_bytes())
        .await
        .map_err(|e| ConnectionError::relaying(Side::Client, e))?;
    out.finish().await;
    Ok(())
}

/// Sets a zero linger on `socket`: closing it sends a reset.
pub(crate) fn reset_on_close(socket: BorrowedFd<'_>) -> std::io::Result<()> {
    socket2::SockRef::from(&socket).set_linger(Some(Duration::ZERO))
}

/// What a writer toward one side does besides writing.
#[derive(Debug, Clone, Default)]
pub(crate) struct WireFaults {
    latency: Option<(u64, u64)>,
    slice: Option<usize>,
    /// Where the connection is cut, and whether by a reset.
    cut: Option<(u64, bool)>,
    written: u64,
}

impl WireFaults {
    /// The faults of `drawn` for `dir`'s writes; `None` when there are none.
    pub(crate) fn of(drawn: &[Fault], dir: Direction) -> Option<(WireFaults, Vec<Fault>)> {
        let mut wire = WireFaults::default();
        let mut cuts = Vec::new();
        for fault in drawn.iter().filter(|f| f.on(dir)) {
            match fault.kind {
                FaultKind::Latency { mean_ms, jitter_ms } => {
                    wire.latency = Some((mean_ms, jitter_ms))
                }
                FaultKind::Slice { bytes } => wire.slice = Some(bytes as usize),
                FaultKind::CloseAfter { bytes } => {
                    wire.cut = Some((bytes, false));
                    cuts.push(*fault);
                }
                FaultKind::ResetAfter { bytes } => {
                    wire.cut = Some((bytes, true));
                    cuts.push(*fault);
                }
                _ => {}
            }
        }
        let any = wire.latency.is_some() || wire.slice.is_some() || wire.cut.is_some();
        any.then_some((wire, cuts))
    }

    /// The wait before a chunk.
    pub(crate) fn delay(&self) -> Option<Duration> {
        let (mean, jitter) = self.latency?;
        let spread = if jitter == 0 {
            0
        } else {
            random() % (2 * jitter + 1)
        };
        Some(Duration::from_millis(
            (mean + spread).saturating_sub(jitter),
        ))
    }

    /// How `data` is written: the pieces (sliced, and cut where the connection ends), and
    /// whether the cut comes after them (with whether it resets).
    pub(crate) fn pieces<'d>(&mut self, data: &'d [u8]) -> (Vec<&'d [u8]>, Option<bool>) {
        let (data, cut) = match self.cut {
            Some((at, reset)) if self.written + data.len() as u64 >= at => {
                let keep = at.saturating_sub(self.written) as usize;
                (&data[..keep.min(data.len())], Some(reset))
            }
            _ => (data, None),
        };
        self.written += data.len() as u64;
        let pieces = match self.slice {
            Some(n) => data.chunks(n).collect(),
            None => vec![data],
        };
        (pieces, cut)
    }

    /// How many of the next `len` bytes are written before the cut.
    pub(crate) fn room(&self, len: usize) -> usize {
        match self.cut {
            Some((at, _)) => len.min(at.saturating_sub(self.written) as usize),
            None => len,
        }
    }

    /// The pause between two slices.
    pub(crate) fn slice_pause(&self) -> Option<Duration> {
        self.slice.map(|_| Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_lines_faults_parse_or_say_why() {
        let f: Fault = "latency=200ms~50ms,dir=down,p=0.25".parse().unwrap();
        assert_eq!(
            f,
            Fault {
                kind: FaultKind::Latency {
                    mean_ms: 200,
                    jitter_ms: 50
                },
                dir: Some(Direction::ServerToClient),
                chance: 250_000
            }
        );
        assert_eq!(
            "slice=64".parse::<Fault>().unwrap().kind,
            FaultKind::Slice { bytes: 64 }
        );
        assert_eq!(
            "reset-after=10KiB,dir=up".parse::<Fault>().unwrap().kind,
            FaultKind::ResetAfter { bytes: 10240 }
        );
        assert_eq!("refuse,p=0.5".parse::<Fault>().unwrap().chance, 500_000);
        assert_eq!(
            "status=503".parse::<Fault>().unwrap().kind,
            FaultKind::Status { code: 503 }
        );
        for (bad, says) in [
            ("latency", "latency needs a value"),
            ("jitter=5", "no fault \"jitter\""),
            ("slice=0", "slice: give 1 byte"),
            ("refuse,p=2", "p=2: give a fraction"),
            ("blackhole,dir=sideways", "give dir=up"),
            ("status=42", "status: give a code"),
        ] {
            let err = bad.parse::<Fault>().unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn a_cut_keeps_exactly_the_bytes_before_it_and_slices_split_the_rest() {
        let fault: Fault = "close-after=10,dir=down".parse().unwrap();
        let slice: Fault = "slice=4".parse().unwrap();
        let (mut wire, _) = WireFaults::of(&[fault, slice], Direction::ServerToClient).unwrap();
        let (pieces, cut) = wire.pieces(b"abcdef");
        assert_eq!((pieces, cut), (vec![&b"abcd"[..], b"ef"], None));
        let (pieces, cut) = wire.pieces(b"ghijklmn");
        assert_eq!((pieces, cut), (vec![&b"ghij"[..]], Some(false)));
        assert!(WireFaults::of(&[fault], Direction::ClientToServer).is_none());
    }

    #[test]
    fn chances_draw_all_none_or_some() {
        let every: Fault = "refuse".parse().unwrap();
        let never: Fault = "refuse,p=0".parse().unwrap();
        assert_eq!(draw(&[every, never]), [every]);
        let half: Fault = "refuse,p=0.5".parse().unwrap();
        let drawn = (0..1000).filter(|_| !draw(&[half]).is_empty()).count();
        assert!((300..700).contains(&drawn), "{drawn} of 1000");
    }
}

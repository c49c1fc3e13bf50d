//! The accounting of one connection: what the client sent and received, what the server
//! received and sent, and what TCPMon relayed and recorded, each held against the bytes the
//! connection's plan says it carried.
//!
//! Rules, per direction (the sender is the client for requests, the server for responses):
//! - the sender sent exactly what its plan says (else the harness is broken: unexpected);
//! - the receiver got all of it, or, where a reset cuts the direction, a prefix of it;
//! - TCPMon relayed (its byte count) as much as the sender sent, or where a reset cuts, no
//!   more than was sent and no less than the receiver got;
//! - TCPMon recorded what it relayed, byte for byte, unless the record says recording
//!   stopped (then a prefix: "unrecorded", expected, not lost).
//!
//! Counted as *altered*: recorded bytes that differ from the plan's (exactly, byte by byte),
//! bytes beyond what was sent, and the whole of a receiver's stream whose checksum differs (a
//! checksum cannot say which bytes differ). Counted as *lost*: bytes a receiver did not get
//! where no reset explains it, bytes relayed but neither recorded nor marked truncated, and
//! everything a connection missing from the capture carried.

use super::plan::{Kind, Plan};
use super::wire::{ClientRec, Seen, ServerRec};

/// What a capture holds of one direction of a connection.
#[derive(Debug, Clone, Default)]
pub struct CapturedDir {
    /// The recorded bytes.
    pub data: Vec<u8>,
    /// The byte count the record gives (what was relayed).
    pub relayed: u64,
    /// Whether the record says recording stopped in this direction.
    pub truncated: bool,
}

/// What a capture holds of one connection.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    /// The capture's connection number.
    pub conn: u64,
    /// Its state: `done`, or `failed: why`, ...
    pub state: String,
    /// Why recording stopped, when it did.
    pub truncation: Option<String>,
    /// Client to server, server to client.
    pub dirs: [CapturedDir; 2],
}

/// What a connection was meant to carry.
pub struct Expected {
    /// Its kind.
    pub kind: Kind,
    /// Both directions in full.
    pub streams: [Vec<u8>; 2],
    /// How much of each the sender sends.
    pub sent: [u64; 2],
    /// Which directions a reset cuts.
    pub reset: [bool; 2],
}

impl Expected {
    /// Rebuilt from the plan.
    pub fn of(plan: &Plan) -> Self {
        let streams = plan.streams();
        let sent = plan.sent_lens(&streams);
        Self {
            kind: plan.kind,
            streams,
            sent,
            reset: plan.reset(),
        }
    }
}

/// Something that should not have happened, with its category for grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What kind of trouble.
    pub what: &'static str,
    /// The particulars.
    pub detail: String,
}

/// The accounting of one connection.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Bytes that differ from the plan's, or that should not be there.
    pub altered: u64,
    /// Bytes that should have arrived, or been recorded, and were not.
    pub lost: u64,
    /// Bytes relayed but not recorded in directions marked truncated (expected).
    pub unrecorded: u64,
    /// Bytes relayed per direction, by TCPMon's count.
    pub relayed: [u64; 2],
    /// What went wrong.
    pub issues: Vec<Issue>,
    /// Expected events (resets, truncations), in words for grouping.
    pub expected: Vec<String>,
}

impl Verdict {
    fn issue(&mut self, what: &'static str, detail: String) {
        self.issues.push(Issue { what, detail });
    }
}

/// Truncation reasons the soak causes on purpose: the keep-free stop and the capture limit.
pub fn truncation_expected(reason: &str) -> bool {
    reason.contains("free on the capture's disk") || reason.contains("capture limit")
}

/// Judges one connection.
pub fn judge(
    exp: &Expected,
    client: &ClientRec,
    server: Option<&ServerRec>,
    cap: Option<&Captured>,
) -> Verdict {
    let mut v = Verdict::default();
    outcomes(exp.kind, client, server, &mut v);
    for d in 0..2 {
        let (sender, receiver) = if d == 0 {
            (Some(client.sent), server.map(|s| s.recv))
        } else {
            (server.map(|s| s.sent), Some(client.recv))
        };
        let dir = Direction {
            label: ["request side", "response side"][d],
            intended: &exp.streams[d],
            planned: exp.sent[d],
            reset: exp.reset[d],
        };
        dir.judge(sender, receiver, cap.map(|c| &c.dirs[d]), &mut v);
        v.relayed[d] = cap.map_or(0, |c| c.dirs[d].relayed);
    }
    match cap {
        Some(cap) => captured_state(exp.kind, cap, &mut v),
        None => {
            v.lost += exp.sent[0] + exp.sent[1];
            v.issue("not in the capture", format!("connection {}", client.id));
        }
    }
    v
}

/// How the client and the server say the connection ended, against what its kind expects.
fn outcomes(kind: Kind, client: &ClientRec, server: Option<&ServerRec>, v: &mut Verdict) {
    let client_expects = if kind == Kind::ServerReset {
        "cut:"
    } else {
        "ok"
    };
    if client.outcome.starts_with(client_expects) {
        if kind == Kind::ServerReset {
            v.expected.push(format!("client saw {}", client.outcome));
        }
    } else {
        v.issue(
            "client failed",
            format!("{}: {}", client.id, client.outcome),
        );
    }
    let Some(server) = server else {
        v.issue("no server record", format!("connection {}", client.id));
        return;
    };
    let server_expects = match kind {
        Kind::ClientReset => "cut:",
        Kind::ServerReset => "reset-sent",
        _ => "ok",
    };
    if !server.outcome.starts_with(server_expects) {
        v.issue(
            "server failed",
            format!("{}: {}", client.id, server.outcome),
        );
    } else if kind == Kind::ClientReset {
        v.expected.push(format!("server saw {}", server.outcome));
    }
}

/// The capture's record of how the connection ended and why recording stopped.
fn captured_state(kind: Kind, cap: &Captured, v: &mut Verdict) {
    let reset = matches!(kind, Kind::ClientReset | Kind::ServerReset);
    if reset {
        v.expected.push(format!("capture says {}", cap.state));
    } else if cap.state != "done" {
        v.issue("capture state", format!("#{} {}", cap.conn, cap.state));
    }
    match &cap.truncation {
        Some(why) if truncation_expected(why) => v.expected.push(format!("truncated: {why}")),
        Some(why) => v.issue("unexpected truncation", format!("#{} {why}", cap.conn)),
        None if cap.dirs.iter().any(|d| d.truncated) => {
            v.issue("truncated without a reason", format!("#{}", cap.conn));
        }
        None => {}
    }
}

/// One direction's rules.
struct Direction<'a> {
    label: &'static str,
    intended: &'a [u8],
    planned: u64,
    reset: bool,
}

impl Direction<'_> {
    fn judge(
        &self,
        sender: Option<Seen>,
        receiver: Option<Seen>,
        cap: Option<&CapturedDir>,
        v: &mut Verdict,
    ) {
        let planned = &self.intended[..self.planned as usize];
        if let Some(s) = sender {
            if s.len != self.planned || !s.is_prefix_of(planned) {
                let detail = format!(
                    "{}: {} bytes sent, {} planned",
                    self.label, s.len, self.planned
                );
                v.issue("the harness sent other bytes", detail);
            }
        }
        if let Some(r) = receiver {
            if !r.is_prefix_of(planned) {
                v.altered += r.len;
                let detail = format!("{}: {} bytes received", self.label, r.len);
                v.issue("received bytes differ", detail);
            } else if !self.reset && r.len < self.planned {
                v.lost += self.planned - r.len;
                let detail = format!("{}: {} of {} bytes", self.label, r.len, self.planned);
                v.issue("received short", detail);
            }
        }
        if let Some(c) = cap {
            self.judge_capture(planned, receiver.map(|r| r.len), c, v);
        }
    }

    fn judge_capture(
        &self,
        planned: &[u8],
        received: Option<u64>,
        c: &CapturedDir,
        v: &mut Verdict,
    ) {
        let differ = differing(planned, &c.data);
        if differ > 0 {
            v.altered += differ;
            v.issue(
                "recorded bytes differ",
                format!("{}: {differ} bytes", self.label),
            );
        }
        let recorded = c.data.len() as u64;
        if recorded > c.relayed {
            let detail = format!("{}: {recorded} recorded, {} relayed", self.label, c.relayed);
            v.issue("recorded more than relayed", detail);
        } else if recorded < c.relayed && c.truncated {
            v.unrecorded += c.relayed - recorded;
        } else if recorded < c.relayed {
            v.lost += c.relayed - recorded;
            let detail = format!("{}: {recorded} of {} bytes", self.label, c.relayed);
            v.issue("recorded short, not marked truncated", detail);
        }
        let counted = if self.reset {
            c.relayed <= self.planned && received.is_none_or(|r| r <= c.relayed)
        } else {
            c.relayed == self.planned
        };
        if !counted {
            let detail = format!(
                "{}: relayed {}, sent {}, received {received:?}",
                self.label, c.relayed, self.planned
            );
            v.issue("relayed count", detail);
        }
    }
}

/// Bytes of `got` that differ from `want` at the same place, plus those beyond its end.
pub fn differing(want: &[u8], got: &[u8]) -> u64 {
    let common = want.len().min(got.len());
    let changed = want[..common]
        .iter()
        .zip(&got[..common])
        .filter(|(a, b)| a != b)
        .count();
    (changed + got.len() - common) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::wire::Tally;

    fn seen(data: &[u8]) -> Seen {
        let mut t = Tally::default();
        t.add(data);
        t.seen()
    }

    /// A connection of `kind` that went exactly as planned, with its capture.
    fn perfect(kind: Kind) -> (Expected, ClientRec, ServerRec, Captured) {
        let plan = (1..)
            .map(Plan::of)
            .find(|p| p.kind == kind)
            .expect("a plan");
        let exp = Expected::of(&plan);
        let [c2s, s2c] = [0, 1].map(|d| &exp.streams[d][..exp.sent[d] as usize]);
        let client = ClientRec {
            id: plan.id,
            kind,
            relay: 0,
            port: 1,
            start_us: 0,
            millis: 0,
            sent: seen(c2s),
            recv: seen(s2c),
            outcome: if kind == Kind::ServerReset {
                "cut: reset"
            } else {
                "ok"
            }
            .into(),
        };
        let server = ServerRec {
            id: Some(plan.id),
            recv: seen(c2s),
            sent: seen(s2c),
            outcome: match kind {
                Kind::ClientReset => "cut: reset",
                Kind::ServerReset => "reset-sent",
                _ => "ok",
            }
            .into(),
        };
        let dir = |data: &[u8]| CapturedDir {
            data: data.to_vec(),
            relayed: data.len() as u64,
            truncated: false,
        };
        let cap = Captured {
            conn: 1,
            state: "done".into(),
            truncation: None,
            dirs: [dir(c2s), dir(s2c)],
        };
        (exp, client, server, cap)
    }

    #[test]
    fn a_perfect_connection_counts_nothing() {
        for kind in Kind::ALL {
            let (exp, client, server, cap) = perfect(kind);
            let v = judge(&exp, &client, Some(&server), Some(&cap));
            assert_eq!((v.altered, v.lost, v.unrecorded), (0, 0, 0), "{kind:?}");
            assert_eq!(v.issues, [], "{kind:?}");
        }
    }

    #[test]
    fn a_changed_recorded_byte_is_counted_as_one() {
        let (exp, client, server, mut cap) = perfect(Kind::KeepAlive);
        cap.dirs[1].data[10] ^= 0x20;
        let v = judge(&exp, &client, Some(&server), Some(&cap));
        assert_eq!((v.altered, v.lost), (1, 0));
        assert_eq!(v.issues[0].what, "recorded bytes differ");
    }

    #[test]
    fn a_changed_received_byte_counts_the_whole_stream() {
        let (exp, mut client, server, cap) = perfect(Kind::Echo);
        let mut got = exp.streams[1].clone();
        got[3] ^= 1;
        client.recv = seen(&got);
        let v = judge(&exp, &client, Some(&server), Some(&cap));
        assert_eq!(v.altered, got.len() as u64);
    }

    #[test]
    fn short_streams_are_lost_unless_a_reset_or_a_truncation_explains_them() {
        let (exp, client, mut server, mut cap) = perfect(Kind::KeepAlive);
        let short = &exp.streams[0][..exp.streams[0].len() - 5];
        server.recv = seen(short);
        cap.dirs[0].data.truncate(short.len() - 2);
        let v = judge(&exp, &client, Some(&server), Some(&cap));
        assert_eq!(v.lost, 5 + 7, "5 not received, 7 not recorded");
        cap.dirs[0].truncated = true;
        cap.truncation = Some("less than 64 MiB free on the capture's disk".into());
        let v = judge(&exp, &client, Some(&server), Some(&cap));
        assert_eq!((v.lost, v.unrecorded), (5, 7));

        let (exp, mut client, server, mut cap) = perfect(Kind::ServerReset);
        let prefix = &exp.streams[1][..exp.sent[1] as usize - 100];
        client.recv = seen(prefix);
        cap.dirs[1].data.truncate(prefix.len() + 50);
        cap.dirs[1].relayed = prefix.len() as u64 + 50;
        let v = judge(&exp, &client, Some(&server), Some(&cap));
        assert_eq!((v.altered, v.lost), (0, 0), "{:?}", v.issues);
        assert_eq!(v.issues, []);
    }

    #[test]
    fn a_connection_missing_from_the_capture_is_lost_whole() {
        let (exp, client, server, _) = perfect(Kind::Pipelined);
        let v = judge(&exp, &client, Some(&server), None);
        assert_eq!(v.lost, exp.sent[0] + exp.sent[1]);
    }
}

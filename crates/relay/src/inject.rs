//! Sending a WebSocket message of the user's into a live connection, toward the server or the
//! client (no peer tool does). The message is framed as a peer would frame it (masked toward
//! the server; uncompressed with RSV1 clear, which RFC 7692 allows and which leaves both
//! compression contexts as they were), handed to that direction's pump, and written between
//! two messages, never between the fragments of one: the pump asks the store's tracker, which
//! has read everything relayed so far. It is recorded like relayed bytes (the capture shows
//! what each side received) and its range is marked injected on the record.

use crate::conn::ConnCtx;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::record::{ConnId, Direction, Injected};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tcpmon_inspect::ws::{Opcode, frame};
use tokio::sync::{mpsc, oneshot};

/// How long a message waits for a boundary (a peer in the middle of a long fragmented
/// message) before the user is told.
const WAIT_FOR_BOUNDARY: Duration = Duration::from_secs(10);

/// A framed message on its way to a pump, and who waits to hear it went out.
pub(crate) struct Injection {
    frame: Vec<u8>,
    done: oneshot::Sender<()>,
}

/// The pumps of the connections being relayed raw, by connection: where a message goes.
#[derive(Default)]
pub(crate) struct Injectors(Mutex<HashMap<ConnId, [mpsc::UnboundedSender<Injection>; 2]>>);

impl Injectors {
    fn lock(&self) -> MutexGuard<'_, HashMap<ConnId, [mpsc::UnboundedSender<Injection>; 2]>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One relayed connection's place in [`Injectors`], given up when relaying ends.
pub(crate) struct Registration<'a> {
    ctx: &'a ConnCtx,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.ctx.core.injectors.lock().remove(&self.ctx.id);
    }
}

/// Registers `ctx`'s connection for the time its pumps run; each pump gets its direction's
/// receiver.
pub(crate) fn register(
    ctx: &ConnCtx,
) -> (Registration<'_>, [mpsc::UnboundedReceiver<Injection>; 2]) {
    let (up, up_rx) = mpsc::unbounded_channel();
    let (down, down_rx) = mpsc::unbounded_channel();
    ctx.core.injectors.lock().insert(ctx.id, [up, down]);
    (Registration { ctx }, [up_rx, down_rx])
}

/// A pump's messages waiting for a boundary.
#[derive(Default)]
pub(crate) struct Waiting(Vec<Injection>);

impl Waiting {
    pub(crate) fn push(&mut self, injection: Injection) {
        self.0.push(injection);
    }

    /// The messages to write now: every one still awaited, when `dir`'s stream is between
    /// messages (a message whose sender gave up waiting is dropped); else none.
    pub(crate) fn due(&mut self, ctx: &ConnCtx, dir: Direction) -> Vec<Injection> {
        // Asked after every relayed chunk: nothing waiting must cost nothing (no store lock).
        if self.0.is_empty() || ctx.core.store.between_websocket_messages(ctx.id, dir) != Some(true)
        {
            return Vec::new();
        }
        self.0.retain(|i| !i.done.is_closed());
        std::mem::take(&mut self.0)
    }
}

impl Injection {
    /// The frame to write.
    pub(crate) fn frame(&self) -> &[u8] {
        &self.frame
    }

    /// It goes out at stream offset `start` of `dir`: marked on the record before it is
    /// recorded.
    pub(crate) fn mark(&self, ctx: &ConnCtx, dir: Direction, start: u64) {
        let end = start + self.frame.len() as u64;
        ctx.change(|r| r.injected.push(Injected { dir, start, end }));
    }

    /// It went out: its sender is told.
    pub(crate) fn sent(self) {
        let _ = self.done.send(());
    }
}

/// The message's frame: FIN, RSV clear, masked with a fresh key toward the server.
fn framed(opcode: Opcode, mut payload: Vec<u8>, to_server: bool) -> Vec<u8> {
    let mask = to_server.then(|| {
        let mut key = [0; 4];
        // The key only has to be unpredictable to the peer's intermediaries; a clock-based
        // one, should the system's random source fail, still frames correctly.
        if getrandom::fill(&mut key).is_err() {
            key = (crate::record::now_micros() as u32).to_be_bytes();
        }
        key
    });
    let mut out = frame::head(opcode, payload.len(), mask);
    if let Some(key) = mask {
        frame::unmask(&mut payload, key, 0);
    }
    out.extend(payload);
    out
}

impl Engine {
    /// Sends `payload` as one `opcode` message (text, which must be UTF-8, or binary) into
    /// exchange `exchange` of connection `id`, a live WebSocket, in direction `dir` (toward the
    /// server, or toward the client); returns once it is written, between two messages.
    pub async fn inject_websocket(
        &self,
        id: ConnId,
        exchange: usize,
        dir: Direction,
        opcode: Opcode,
        payload: Vec<u8>,
    ) -> Result<()> {
        let refuse = |why: &str| Err(Error::Injection(why.to_string()));
        let record = self
            .store()
            .record(id)
            .ok_or(Error::NoSuchConnection(id.0))?;
        let row = record
            .exchanges
            .get(exchange)
            .ok_or(Error::NoSuchExchange {
                conn: id.0,
                index: exchange,
            })?;
        if row.websocket().is_none() {
            return refuse("that exchange is no WebSocket");
        }
        match opcode {
            Opcode::Text if std::str::from_utf8(&payload).is_err() => {
                return refuse("a text message must be UTF-8 (send it as binary)");
            }
            Opcode::Text | Opcode::Binary => {}
            _ => return refuse("only text and binary messages can be sent"),
        }
        let (done, sent) = oneshot::channel();
        let injection = Injection {
            frame: framed(opcode, payload, dir == Direction::ClientToServer),
            done,
        };
        let queued = (self.inner.core.injectors.lock())
            .get(&id)
            .map(|pumps| pumps[dir.index()].send(injection));
        if !matches!(queued, Some(Ok(()))) {
            return refuse("the connection has ended");
        }
        match tokio::time::timeout(WAIT_FOR_BOUNDARY, sent).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => refuse("the connection ended before the message could go out"),
            Err(_) => refuse(
                "no boundary between messages within 10 s (a long fragmented message is under way); nothing was sent",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_framed_as_a_peer_frames_them() {
        let to_client = framed(Opcode::Text, b"hi".to_vec(), false);
        assert_eq!(to_client, b"\x81\x02hi");
        let mut to_server = framed(Opcode::Binary, vec![1, 2, 3], true);
        let head = frame::parse_head(&to_server).unwrap().unwrap();
        let key = head.mask.expect("masked toward the server");
        assert!(!head.rsv1 && head.fin);
        frame::unmask(&mut to_server[6..], key, 0);
        assert_eq!(&to_server[6..], [1, 2, 3]);
    }
}

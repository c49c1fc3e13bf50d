//! Breakpoints: a message a `break` rule matched waits here, whole, until the user decides
//! what becomes of it (the app's paused-message editor): send it on as it was or as edited,
//! drop the connection, or answer in its place. Many may wait at once, each holding only its
//! own connection; none times out, and the connection's idle clock stands still meanwhile.
//!
//! A waiting message is announced with [`EventKind::MessagePaused`] and leaves with
//! [`EventKind::MessageResumed`] (decided, or its connection ended: listener stopped, engine
//! shut down), each under the event bus's lock with the change, so a snapshot's `paused` list
//! agrees with the events after it.

use crate::conn::{ConnCtx, Core};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::event::EventKind;
use crate::record::{ConnId, ListenerId, Micros, now_micros};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tcpmon_inspect::http1::{parse_request, parse_response};
use tcpmon_inspect::rules::Phase;
use tokio::sync::oneshot;

/// A paused message's number (from 1, never reused by an engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PauseId(pub u64);

/// Which message of an exchange waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PausedPhase {
    /// The request, before it goes to the server.
    Request,
    /// The response, before it goes to the client.
    Response,
}

impl From<Phase> for PausedPhase {
    fn from(phase: Phase) -> Self {
        match phase {
            Phase::Request => Self::Request,
            Phase::Response => Self::Response,
        }
    }
}

/// A message waiting at a breakpoint, as subscribers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PausedMessage {
    /// Its number.
    pub id: PauseId,
    /// The listener whose rule paused it.
    pub listener: ListenerId,
    /// Its connection.
    pub connection: ConnId,
    /// Its exchange on the connection, from 0.
    pub exchange: u32,
    /// Request or response.
    pub phase: PausedPhase,
    /// The `break` rule that matched, from 1.
    pub rule: u32,
    /// Its first line (request or status line), for lists.
    pub summary: String,
    /// When it stopped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub since: Micros,
    /// Whether its body is held (and may be edited or replaced): not when it is larger than
    /// the rules' cap or its framing has no end before the connection's.
    pub body_held: bool,
}

/// A paused message with its bytes, for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PausedContent {
    /// What subscribers know of it.
    pub message: PausedMessage,
    /// Its head, as it would go on (the rules' edits made).
    pub head: Vec<u8>,
    /// Its body's payload (chunked framing removed), when held.
    pub body: Option<Vec<u8>>,
}

/// What becomes of a paused message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// It goes on as it was.
    Unchanged,
    /// It goes on as edited: `head` (a whole head, blank line included) and the new payload,
    /// or `None` to keep the held one; a held body goes with `Content-Length` set to its
    /// length in bytes (no chunked framing).
    Edited {
        /// The head.
        head: Vec<u8>,
        /// The payload, or `None` for the held one.
        body: Option<Vec<u8>>,
    },
    /// The client's connection is closed; nothing goes on.
    Drop,
    /// This response answers instead: a paused request never reaches the server, a paused
    /// response is replaced.
    Respond {
        /// The response's head.
        head: Vec<u8>,
        /// Its payload.
        body: Vec<u8>,
    },
}

impl Resolution {
    /// The words the record's rule event ends with.
    fn describe(&self) -> &'static str {
        match self {
            Resolution::Unchanged => "continued unchanged",
            Resolution::Edited { .. } => "continued as edited",
            Resolution::Drop => "dropped (the connection was closed)",
            Resolution::Respond { .. } => "answered from the app",
        }
    }

    /// Refuses what the waiting message cannot become: a head that does not parse as the
    /// message it must be, a body for a message whose body was not held.
    fn check(&self, message: &PausedMessage) -> Result<()> {
        let fail = |why: String| Err(Error::Paused(why));
        let (head, body, as_response) = match self {
            Resolution::Unchanged | Resolution::Drop => return Ok(()),
            Resolution::Edited { head, body } => {
                (head, body.is_some(), message.phase == PausedPhase::Response)
            }
            Resolution::Respond { head, .. } => (head, true, true),
        };
        let parsed = if as_response {
            parse_response(head).map(|h| h.map(|h| h.head.len))
        } else {
            parse_request(head).map(|h| h.map(|h| h.head.len))
        };
        let what = if as_response { "response" } else { "request" };
        match parsed {
            Ok(Some(len)) if len == head.len() => {}
            Ok(Some(_)) => return fail(format!("the {what} head ends before its last line")),
            Ok(None) => return fail(format!("the {what} head has no end (a blank line)")),
            Err(e) => return fail(format!("the {what} head does not parse: {e}")),
        }
        let replaces_body = body && (message.phase == PausedPhase::Response || !as_response);
        if replaces_body && !message.body_held {
            return fail(
                "its body was not held (larger than the rules' cap, or it ends with the connection): continue it with only the head edited, or drop it"
                    .into(),
            );
        }
        Ok(())
    }
}

/// A message waiting, and where its decision goes.
struct Waiting {
    content: PausedContent,
    answer: oneshot::Sender<Resolution>,
}

/// The messages waiting now, in an engine.
#[derive(Default)]
pub(crate) struct Breakpoints {
    next: AtomicU64,
    waiting: Mutex<BTreeMap<PauseId, Waiting>>,
}

impl Breakpoints {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<PauseId, Waiting>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The messages waiting, oldest first.
    pub(crate) fn list(&self) -> Vec<PausedMessage> {
        self.lock()
            .values()
            .map(|w| w.content.message.clone())
            .collect()
    }
}

/// Where a paused message sits: its exchange, phase and rule.
pub(crate) struct At {
    pub exchange: usize,
    pub phase: Phase,
    /// The rule, from 0.
    pub rule: usize,
}

/// Takes a message out of the list when its connection's task ends without a decision.
struct Unlist {
    core: Arc<Core>,
    id: PauseId,
}

impl Drop for Unlist {
    fn drop(&mut self) {
        let core = &self.core;
        core.bus.emit(|| {
            core.breakpoints
                .lock()
                .remove(&self.id)
                .map(|_| EventKind::MessageResumed {
                    id: self.id,
                    how: "its connection ended".into(),
                })
        });
    }
}

/// Holds a message until the user decides (or the connection's task is dropped): `head` as
/// it would go on, `body` its payload when held.
pub(crate) async fn pause(
    ctx: &ConnCtx,
    at: &At,
    head: Vec<u8>,
    body: Option<Vec<u8>>,
) -> Resolution {
    let core = &ctx.core;
    let id = PauseId(core.breakpoints.next.fetch_add(1, Ordering::Relaxed) + 1);
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let summary: String = String::from_utf8_lossy(first_line)
        .trim_end()
        .chars()
        .take(200)
        .collect();
    let listener = core
        .store
        .record(ctx.id)
        .map_or(ListenerId(0), |r| r.listener);
    let message = PausedMessage {
        id,
        listener,
        connection: ctx.id,
        exchange: at.exchange as u32,
        phase: at.phase.into(),
        rule: at.rule as u32 + 1,
        summary,
        since: now_micros(),
        body_held: body.is_some(),
    };
    let (answer, decided) = oneshot::channel();
    core.bus.emit(|| {
        let event = EventKind::MessagePaused {
            message: message.clone(),
        };
        let content = PausedContent {
            message,
            head,
            body,
        };
        core.breakpoints
            .lock()
            .insert(id, Waiting { content, answer });
        Some(event)
    });
    let _unlist = Unlist {
        core: core.clone(),
        id,
    };
    let _still = ctx.activity.as_ref().map(|a| a.pause());
    // The sender goes only with a decision, or with the engine.
    decided.await.unwrap_or(Resolution::Drop)
}

/// What a breakpoint did, for the record's rule event.
pub(crate) fn describe(phase: Phase, resolution: &Resolution) -> String {
    let which = match phase {
        Phase::Request => "request",
        Phase::Response => "response",
    };
    let after = match (phase, resolution) {
        (Phase::Request, Resolution::Edited { .. }) => {
            " (as the server got it; the capture keeps the client's)"
        }
        (Phase::Response, Resolution::Edited { .. } | Resolution::Respond { .. }) => {
            " (the capture has what the client got)"
        }
        _ => "",
    };
    format!("paused the {which}; {}{after}", resolution.describe())
}

impl Engine {
    /// The messages paused at breakpoints now, oldest first.
    pub fn paused(&self) -> Vec<PausedMessage> {
        self.inner.core.breakpoints.list()
    }

    /// A paused message with its bytes.
    pub fn paused_content(&self, id: PauseId) -> Result<PausedContent> {
        let list = self.inner.core.breakpoints.lock();
        let waiting = list.get(&id).ok_or(Error::NoSuchPause(id.0))?;
        Ok(waiting.content.clone())
    }

    /// Decides what becomes of a paused message; it stays paused when `resolution` cannot be
    /// used (the error says why).
    pub fn resume(&self, id: PauseId, resolution: Resolution) -> Result<()> {
        let core = &self.inner.core;
        let mut outcome = Err(Error::NoSuchPause(id.0));
        core.bus.emit(|| {
            let mut list = core.breakpoints.lock();
            let waiting = list.get(&id)?;
            if let Err(e) = resolution.check(&waiting.content.message) {
                outcome = Err(e);
                return None;
            }
            let waiting = list.remove(&id)?;
            let how = resolution.describe().to_string();
            // A task that is gone already took its message out of the list.
            let _ = waiting.answer.send(resolution);
            outcome = Ok(());
            Some(EventKind::MessageResumed { id, how })
        });
        outcome
    }

    /// Sends every paused message on unchanged (of one listener, or all); how many went.
    pub fn continue_all(&self, listener: Option<ListenerId>) -> usize {
        let ids: Vec<PauseId> = self
            .paused()
            .into_iter()
            .filter(|m| listener.is_none_or(|l| l == m.listener))
            .map(|m| m.id)
            .collect();
        ids.into_iter()
            .filter(|&id| self.resume(id, Resolution::Unchanged).is_ok())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(phase: PausedPhase, body_held: bool) -> PausedMessage {
        PausedMessage {
            id: PauseId(1),
            listener: ListenerId(1),
            connection: ConnId(1),
            exchange: 0,
            phase,
            rule: 1,
            summary: String::new(),
            since: 0,
            body_held,
        }
    }

    #[test]
    fn a_resolution_must_fit_the_message_it_decides() {
        let request = message(PausedPhase::Request, true);
        let response = message(PausedPhase::Response, false);
        let edited = |head: &str, body: Option<&str>| Resolution::Edited {
            head: head.into(),
            body: body.map(Into::into),
        };
        let get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let ok = "HTTP/1.1 200 OK\r\n\r\n";
        assert!(edited(get, Some("x")).check(&request).is_ok());
        assert!(edited(ok, None).check(&response).is_ok());
        let refused = |r: Resolution, m: &PausedMessage| match r.check(m) {
            Err(Error::Paused(why)) => why,
            other => panic!("{other:?}"),
        };
        assert!(refused(edited(ok, None), &request).contains("request head does not parse"));
        assert!(refused(edited("GET / HTTP/1.1\r\n", None), &request).contains("no end"));
        assert!(refused(edited(ok, Some("new")), &response).contains("not held"));
        let respond = Resolution::Respond {
            head: ok.into(),
            body: b"hi".to_vec(),
        };
        assert!(respond.check(&message(PausedPhase::Request, false)).is_ok());
        assert!(refused(respond, &response).contains("not held"));
        assert!(Resolution::Drop.check(&response).is_ok());
    }
}

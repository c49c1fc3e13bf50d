//! Metadata events for subscribers (the CLI, the desktop app), numbered so a subscriber that
//! loads a snapshot can drop what the snapshot already covers.
//!
//! Events carry whole records rather than deltas, so applying one twice is harmless. Sending
//! never waits: a subscriber that falls behind loses the oldest events and is told how many.

use crate::breakpoints::{PauseId, PausedMessage};
use crate::config::ListenerConfig;
use crate::record::{ConnId, ConnectionRecord, ExchangePatch, ListenerId};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// How many events a subscriber may fall behind before it starts missing them.
const BACKLOG: usize = 8192;

/// A listener as subscribers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListenerInfo {
    /// Its id.
    pub id: ListenerId,
    /// Its current settings.
    pub config: ListenerConfig,
    /// The bound address while running (the real port when 0 was asked for).
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    pub local_addr: Option<SocketAddr>,
    /// Whether it accepts connections now.
    pub running: bool,
    /// Why it last failed to start, if it did.
    pub error: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EventKind {
    /// A listener was added or changed (started, stopped, restarted, failed to start).
    ListenerChanged {
        /// Its new state.
        listener: ListenerInfo,
    },
    /// A listener was removed.
    ListenerRemoved {
        /// Its id.
        id: ListenerId,
    },
    /// A connection was accepted (or a resend started).
    ConnectionOpened {
        /// Its record.
        record: ConnectionRecord,
    },
    /// A connection's state or target changed; the last one has a finished state.
    ConnectionChanged {
        /// Its record.
        record: ConnectionRecord,
    },
    /// Bytes flowed (sent at most a few times a second per connection).
    #[cfg_attr(feature = "ts", ts(as = "ProgressJson"))]
    ConnectionProgress {
        /// The connection.
        id: ConnId,
        /// Bytes relayed so far, per direction.
        bytes: [u64; 2],
        /// The exchanges that changed, if any.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        exchanges: Option<ExchangePatch>,
    },
    /// Connections were removed from the store.
    ConnectionsRemoved {
        /// Their ids.
        ids: Vec<ConnId>,
    },
    /// A message stopped at a breakpoint and waits for the user.
    MessagePaused {
        /// It.
        message: PausedMessage,
    },
    /// A paused message went on, was dropped or answered, or its connection ended.
    MessageResumed {
        /// Its number.
        id: PauseId,
        /// What became of it, in words.
        how: String,
    },
    /// Recording stopped (the capture limit, low disk) or resumed; relaying never stops.
    RecordingChanged {
        /// Why recording is stopped; `None` once it records again.
        stopped: Option<String>,
    },
}

/// A progress event as the window sees it, for TypeScript: ts-rs cannot flatten the
/// `Option<ExchangePatch>` (both fields, or neither).
#[cfg(feature = "ts")]
struct ProgressJson;

/// [`ProgressJson`] without its tag.
#[cfg(feature = "ts")]
#[derive(ts_rs::TS)]
#[ts(optional_fields)]
#[expect(dead_code, reason = "only its TypeScript type is used")]
struct ProgressFields {
    id: ConnId,
    bytes: [u64; 2],
    exchanges_from: Option<usize>,
    exchanges: Option<Vec<tcpmon_inspect::exchange::Exchange>>,
}

#[cfg(feature = "ts")]
impl ts_rs::TS for ProgressJson {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(cfg: &ts_rs::Config) -> String {
        // One object: the enum joins `} & {` of its own.
        let fields = ProgressFields::inline(cfg);
        let fields = fields.trim_start_matches('{').trim_start();
        format!("{{ \"kind\": \"connection_progress\", {fields}")
    }

    fn inline(cfg: &ts_rs::Config) -> String {
        Self::name(cfg)
    }

    fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor) {
        ProgressFields::visit_dependencies(v);
    }
}

/// An event and its sequence number (1, 2, 3, ... in the order they were sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Event {
    /// Sequence number.
    pub seq: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Why [`Subscription::recv`] returned no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// The subscriber fell behind and this many events were dropped: reload a snapshot.
    Lagged(u64),
    /// The engine is gone.
    Closed,
}

/// A stream of events for one subscriber.
pub struct Subscription(broadcast::Receiver<Event>);

impl Subscription {
    /// The next event, or why there is none.
    pub async fn recv(&mut self) -> Result<Event, Missed> {
        self.0.recv().await.map_err(|e| match e {
            broadcast::error::RecvError::Lagged(n) => Missed::Lagged(n),
            broadcast::error::RecvError::Closed => Missed::Closed,
        })
    }

    /// The next event if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<Result<Event, Missed>> {
        match self.0.try_recv() {
            Ok(event) => Some(Ok(event)),
            Err(broadcast::error::TryRecvError::Empty) => None,
            Err(broadcast::error::TryRecvError::Lagged(n)) => Some(Err(Missed::Lagged(n))),
            Err(broadcast::error::TryRecvError::Closed) => Some(Err(Missed::Closed)),
        }
    }
}

/// Numbers and publishes events.
pub(crate) struct EventBus {
    seq: Mutex<u64>,
    sender: broadcast::Sender<Event>,
}

impl EventBus {
    pub(crate) fn new() -> Self {
        Self {
            seq: Mutex::new(0),
            sender: broadcast::channel(BACKLOG).0,
        }
    }

    pub(crate) fn subscribe(&self) -> Subscription {
        Subscription(self.sender.subscribe())
    }

    /// Runs `change` (a state change that returns the event describing it, if any) under the
    /// bus lock and sends the event, so that a snapshot taken with [`EventBus::at_seq`] holds
    /// exactly the changes of the events up to its sequence number.
    /// A change may be described by no event, one, or several.
    pub(crate) fn emit<E: IntoIterator<Item = EventKind>>(&self, change: impl FnOnce() -> E) {
        let mut seq = self.seq.lock().unwrap_or_else(|p| p.into_inner());
        for kind in change() {
            *seq += 1;
            // An error only means there is no subscriber right now.
            let _ = self.sender.send(Event { seq: *seq, kind });
        }
    }

    /// Runs `read` while no event can be sent, and returns the last sequence number with it.
    pub(crate) fn at_seq<T>(&self, read: impl FnOnce() -> T) -> (u64, T) {
        let seq = self.seq.lock().unwrap_or_else(|p| p.into_inner());
        (*seq, read())
    }
}

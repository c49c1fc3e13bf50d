//! What the engine knows about each connection, apart from its bytes.

use crate::config::HostPort;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};
pub use tcpmon_inspect::Direction;
use tcpmon_inspect::exchange::ExchangeList;
pub use tcpmon_inspect::tls::{CertificateFacts, Trust};

/// A connection's id: unique within an engine, increasing in accept order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnId(pub u64);

/// A listener's id: unique within an engine, kept across stop, start and restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListenerId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for ListenerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ConnectionState {
    /// Accepted; dialling the target.
    Connecting,
    /// Both directions open.
    Active,
    /// The client has finished sending (half-close); the response may still flow.
    ClientDone,
    /// The server has finished sending; the client may still send.
    ServerDone,
    /// Both directions ended normally.
    Done,
    /// Ended by an error, a reset, a refused target, or the listener stopping.
    Failed {
        /// Why, in words.
        reason: String,
    },
}

impl ConnectionState {
    /// Whether the connection has ended.
    pub fn is_finished(&self) -> bool {
        matches!(self, ConnectionState::Done | ConnectionState::Failed { .. })
    }

    /// A short label: `connecting`, `active`, `client done`, `server done`, `done`, `failed`.
    pub fn label(&self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Active => "active",
            ConnectionState::ClientDone => "client done",
            ConnectionState::ServerDone => "server done",
            ConnectionState::Done => "done",
            ConnectionState::Failed { .. } => "failed",
        }
    }
}

/// Microseconds since the Unix epoch, UTC.
pub type Micros = u64;

/// The current wall-clock time in [`Micros`].
pub fn now_micros() -> Micros {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Everything known about one connection except its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionRecord {
    /// This connection.
    pub id: ConnId,
    /// The listener that accepted it.
    pub listener: ListenerId,
    /// The port that listener listened on (for exports that name it).
    pub listen_port: u16,
    /// The client's address, or `resend` for a resent request.
    pub client: String,
    /// Where the bytes go: the forward target, or in proxy mode the origin of the latest request.
    pub target: Option<HostPort>,
    /// When the connection was accepted.
    pub accepted_at: Micros,
    /// When the target accepted (or the tunnel through the upstream proxy was ready).
    pub connected_at: Option<Micros>,
    /// When the connection ended.
    pub closed_at: Option<Micros>,
    /// Its state.
    pub state: ConnectionState,
    /// Bytes relayed, indexed by [`Direction::index`].
    pub bytes: [u64; 2],
    /// Whether recording stopped in that direction (relaying did not).
    pub truncated: [bool; 2],
    /// Why recording stopped (the per-connection cap, the capture limit, a full disk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<String>,
    /// The connection whose request this one resent.
    pub resend_of: Option<ConnId>,
    /// The first request line when the client spoke HTTP (`GET / HTTP/1.1`); `None` for a raw
    /// stream, or before the first line arrived.
    pub request_line: Option<String>,
    /// Its HTTP exchanges, in order; empty for a raw stream (or before the first request head
    /// is complete).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Vec<tcpmon_inspect::exchange::Exchange>"))]
    pub exchanges: ExchangeList,
    /// TCPMon's TLS session with the target, once its handshake completed.
    // Boxed, as is `client_tls`: most connections have neither, and inline the two took ~340
    // of a record's bytes, for each of 100,000 connections and each copy an event makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tls: Option<Box<TlsFacts>>,
    /// The client's TLS session with TCPMon (a TLS listener), once its handshake completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_tls: Option<Box<TlsFacts>>,
    /// Bytes TCPMon sent itself (WebSocket messages the user typed), by stream position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub injected: Vec<Injected>,
    /// Faults injected on purpose (`--fault`) as they acted: the capture explains itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultEvent>,
    /// What rules (`--rules`) did to its exchanges. The capture keeps the client's side: what
    /// the client sent, and what it received (a mock, a changed response); a request changed
    /// or mapped on its way to the server is said here.
    /// At most [`RULE_EVENTS_KEPT`] of them: a keep-alive connection can carry a million
    /// exchanges, and the rules' hit counts say how often each acted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleEvent>,
    /// Rule actions past [`RULE_EVENTS_KEPT`], counted, not listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rules_left_out: u64,
    /// Messages TCPMon changed whose server side is kept beside the capture (the first
    /// [`RULE_EVENTS_KEPT`]; the store keeps them all): read with
    /// [`Store::read_server_side`](crate::Store::read_server_side).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_side: Vec<ServerSide>,
}

/// A message of an exchange that TCPMon changed (a rule, a breakpoint): the capture has the
/// client's side, the store keeps the server's (the request as the server got it, or the
/// response as the server sent it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerSide {
    /// The exchange, from 0.
    pub exchange: u32,
    /// The message's direction.
    pub direction: Direction,
}

/// Most rule actions a connection's record lists.
pub const RULE_EVENTS_KEPT: usize = 64;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A rule that acted on one exchange of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleEvent {
    /// The exchange, counted from 0 on its connection.
    pub exchange: u32,
    /// The rule, counted from 1 in its file.
    pub rule: u32,
    /// Its action's name (`mock`, `setHeader`, ...).
    pub action: String,
    /// What it did, in words.
    pub what: String,
}

/// A fault that acted on the connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FaultEvent {
    /// What it did, in words.
    pub what: String,
    /// When (µs since the Unix epoch).
    pub at: Micros,
}

/// A range of one direction's stream that TCPMon wrote, not the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Injected {
    /// The direction it went.
    pub dir: Direction,
    /// Stream offset of its first byte.
    pub start: u64,
    /// Stream offset after its last byte.
    pub end: u64,
}

/// What a TLS handshake agreed on, and how the peer's certificate was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TlsFacts {
    /// `1.2` or `1.3`.
    pub version: String,
    /// The cipher suite, as rustls names it (`TLS13_AES_128_GCM_SHA256`).
    pub cipher: String,
    /// The protocol ALPN settled on, if any.
    pub alpn: Option<String>,
    /// The name sent as SNI (none for an IP address).
    pub server_name: Option<String>,
    /// Towards the target: whether its certificate was verified (the system store or
    /// `--target-ca`) rather than taken unverified (`--insecure`). Towards a client: whether it
    /// accepted TCPMon's certificate (always, once the handshake completed).
    pub verified: bool,
    /// What the certificate was checked against (none in files from before it was recorded).
    #[serde(default)]
    pub trust: Option<Trust>,
    /// The certificates presented, leaf first: the target's towards the target, TCPMon's own
    /// (the leaf its CA issued, and the CA) towards a client.
    #[serde(default)]
    pub chain: Vec<CertificateFacts>,
    /// When the handshake completed (µs since the Unix epoch): HAR's `ssl` runs from the
    /// connection's `connected_at` to here.
    #[serde(default)]
    pub completed_at: Micros,
}

impl ConnectionRecord {
    /// A connection just accepted at `at`: connecting, nothing relayed or known yet.
    pub fn accepted(
        id: ConnId,
        listener: ListenerId,
        listen_port: u16,
        client: String,
        target: Option<HostPort>,
        at: Micros,
    ) -> Self {
        Self {
            id,
            listener,
            listen_port,
            client,
            target,
            accepted_at: at,
            connected_at: None,
            closed_at: None,
            state: ConnectionState::Connecting,
            bytes: [0, 0],
            truncated: [false, false],
            truncation: None,
            resend_of: None,
            request_line: None,
            target_tls: None,
            client_tls: None,
            injected: Vec::new(),
            faults: Vec::new(),
            rules: Vec::new(),
            rules_left_out: 0,
            server_side: Vec::new(),
            exchanges: ExchangeList::new(),
        }
    }

    /// Milliseconds from accept to close, or to now while the connection lives.
    pub fn elapsed_ms(&self) -> u64 {
        self.closed_at
            .unwrap_or_else(now_micros)
            .saturating_sub(self.accepted_at)
            / 1000
    }
}

/// The exchanges of a connection that changed: those from `exchanges_from` on, replacing the
/// ones there were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExchangePatch {
    /// Index of the first exchange that changed.
    pub exchanges_from: usize,
    /// The exchanges from that index on.
    #[cfg_attr(feature = "ts", ts(as = "Vec<tcpmon_inspect::exchange::Exchange>"))]
    pub exchanges: ExchangeList,
}

impl ExchangePatch {
    /// The patch of `exchanges` from index `from` on.
    pub fn of(exchanges: &ExchangeList, from: usize) -> Self {
        Self {
            exchanges_from: from,
            exchanges: exchanges.split_from(from),
        }
    }

    /// Applies the patch to a connection's exchanges.
    pub fn apply(self, exchanges: &mut ExchangeList) {
        exchanges.truncate(self.exchanges_from);
        exchanges.extend(self.exchanges.iter());
    }

    /// One patch with the effect of `self` followed by `later`.
    pub fn then(mut self, later: ExchangePatch) -> ExchangePatch {
        match later.exchanges_from.checked_sub(self.exchanges_from) {
            None => later,
            Some(from) => {
                ExchangePatch {
                    exchanges_from: from,
                    exchanges: later.exchanges,
                }
                .apply(&mut self.exchanges);
                self
            }
        }
    }
}

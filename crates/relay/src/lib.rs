//! The TCPMon relay engine.
//!
//! An [`Engine`] runs listeners on the caller's tokio runtime ([`runtime()`] builds the one
//! the CLI and the app use). Each accepted connection is
//! relayed to its target (forward mode) or to the origin its requests name (HTTP proxy mode),
//! byte for byte, while every byte is recorded in a [`Store`] backed by a log file on disk. Subscribers
//! follow what happens through numbered metadata [`Event`]s and pull bytes from the store.
//! Captured connections can be resent ([`Engine::resend`]). Files (sessions, HAR, exports,
//! captures a crash left) are `tcpmon-files`' work: it reads and builds stores through the
//! store's public API ([`Store::read_only`], [`Store::insert`], [`Store::append_at`]) and the
//! record layout in [`log_format`].
//!
//! Layout: `config` (what a listener does), `validate` (the one rule for its settings),
//! `record` (what is known of a connection), `event` (what subscribers hear), `store` +
//! `log_format` + `capture_file` (the capture and its file on disk), `messages` (WebSocket
//! messages read back from it), `inject` (WebSocket messages the user sends), `listener` (accept and
//! dispatch), `forward` and `http_proxy` (the two modes), `pump` (raw relaying), `dial` (direct
//! or via upstream proxy), `conn_error` (why a connection failed), `throttle` (slow link),
//! `guard` and `idle` (exposure limits), `rules` (a listener's rules, loaded and counted),
//! `breakpoints` (messages a `break` rule holds for the user), `conn` (per-connection context), `engine` (the
//! registry), `runtime` (the tokio runtime the CLI and the app run it on).

mod breakpoints;
mod capture_file;
mod config;
mod conn;
mod conn_error;
mod dial;
mod engine;
mod error;
mod event;
mod fault;
mod forward;
mod guard;
mod http_proxy;
mod idle;
mod inject;
mod listener;
pub mod log_format;
pub mod messages;
mod pump;
mod record;
mod replay_h2;
pub mod rules;
mod runtime;
mod store;
mod throttle;
#[cfg(feature = "tls")]
mod tls;
mod validate;

pub use breakpoints::{PauseId, PausedContent, PausedMessage, PausedPhase, Resolution};
pub use capture_file::{LeftLog, left_logs, logs_folder};
pub use config::{
    BindCheck, HostPort, ListenerConfig, Mode, ProxyAuth, SlowLink, TargetTls, check_bind,
    is_loopback_ip,
};
pub use conn_error::{ConnectionError, FailureKind, Side};
pub use engine::{Engine, EngineOptions, SENDER, Snapshot, default_capture_dir};
pub use error::{Error, Result};
pub use event::{Event, EventKind, ListenerInfo, Missed, Subscription};
pub use fault::{Fault, FaultKind};
pub use record::{
    CertificateFacts, ConnId, ConnectionRecord, ConnectionState, Direction, ExchangePatch,
    FaultEvent, Injected, ListenerId, Micros, RULE_EVENTS_KEPT, RuleEvent, ServerSide, TlsFacts,
    Trust, now_micros,
};
pub use runtime::runtime;
pub use store::{
    ChunkRef, DEFAULT_CAPTURE_CAP, DEFAULT_KEEP_FREE, Limits, LogPlace, SideRef, Store,
    StreamReader,
};
pub use validate::{ConfigError, Field, ListenerText};

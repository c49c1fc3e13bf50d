//! The engine's error type: every failure a caller can act on, with the context to say it in words.

use crate::conn_error::ConnectionError;
use crate::validate::ConfigError;
use std::net::SocketAddr;
use thiserror::Error;

/// Result with the engine's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a user can act on.
#[derive(Debug, Error)]
pub enum Error {
    /// The listen address could not be bound (port in use, no permission, address not local).
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's reason (part of the message, so not a separate source).
        error: std::io::Error,
    },
    /// A `host:port` or address the user typed does not parse.
    #[error("invalid address {text:?}: {reason}")]
    InvalidAddress {
        /// What was typed.
        text: String,
        /// Why it is not an address.
        reason: &'static str,
    },
    /// The target (or upstream proxy) could not be resolved or reached. The message holds the
    /// operating system's words; the side, kind and source are the [`ConnectionError`]'s.
    #[error("{}", .0.reason())]
    Connection(ConnectionError),
    /// A listener's settings do not make a listener; names the setting.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A listener id that the engine does not know (never existed or was removed).
    #[error("no listener with id {0}")]
    NoSuchListener(u64),
    /// A connection id that the store does not know (never existed or was removed).
    #[error("no connection with id {0}")]
    NoSuchConnection(u64),
    /// An exchange a connection does not have (its list was cut short, or the row is stale).
    #[error("connection {conn} has no exchange {index}")]
    NoSuchExchange {
        /// The connection.
        conn: u64,
        /// The exchange asked for, from 0.
        index: usize,
    },
    /// TLS settings that cannot be used (a `--target-ca` file that holds no certificate, a
    /// client key that does not fit its certificate).
    #[error("TLS to the target: {0}")]
    Tls(String),
    /// A WebSocket message could not be sent into a connection; says why.
    #[error("cannot send the message: {0}")]
    Injection(String),
    /// A request that cannot be resent as it is; says why.
    #[error("cannot resend: {0}")]
    Resend(String),
    /// A paused message number the engine does not know (decided already, or its connection
    /// ended).
    #[error("no paused message {0} (it went on, or its connection ended)")]
    NoSuchPause(u64),
    /// A paused message cannot become what was asked; says why (it stays paused).
    #[error("cannot resume the paused message: {0}")]
    Paused(String),
    /// Reading or writing the capture log failed.
    #[error("capture store: {0}")]
    Capture(#[source] std::io::Error),
}

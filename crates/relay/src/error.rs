//! The engine's error type: every failure a caller can act on, with the context to say it in words.

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
    /// A host name does not resolve.
    #[error("cannot resolve {host}: {reason}")]
    Resolve {
        /// The name.
        host: String,
        /// The resolver's reason.
        reason: String,
    },
    /// The target (or upstream proxy) could not be reached.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// `host:port` that was dialled.
        target: String,
        /// Why it failed.
        reason: String,
    },
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
    /// Reading or writing the capture log failed.
    #[error("capture store: {0}")]
    Capture(#[source] std::io::Error),
}

//! Why a relayed connection failed: which end, what kind of failure, and the operating system's
//! error when there is one. The kind is what a user tells apart (refused is not timed out); the
//! words become the connection's `Failed` reason.

use std::io;
use thiserror::Error;

/// The end of a connection that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client that connected to the listener.
    Client,
    /// The target (forward mode) or the origin a request names (proxy mode).
    Target,
    /// The upstream HTTP proxy the listener reaches its targets through.
    UpstreamProxy,
}

impl Side {
    /// How a relaying failure names this end ("server: connection reset"), as captures always
    /// have.
    fn label(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Target => "server",
            Side::UpstreamProxy => "upstream proxy",
        }
    }
}

/// What kind of failure it was. Non-exhaustive: TLS and certificate failures come with HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// Nothing listens there (or a proxy refused the tunnel).
    Refused,
    /// No answer in time.
    TimedOut,
    /// The connection was reset or aborted.
    Reset,
    /// The host name does not resolve.
    Resolve,
    /// The other end closed before it was done.
    Closed,
    /// The other end sent what is not HTTP, or more of it than TCPMon accepts.
    Protocol,
    /// TCPMon's own rules turned the request away (credentials, loopback targets).
    Denied,
    /// A TLS handshake failed (no TLS there, no common version or cipher, an alert).
    Tls,
    /// The peer's certificate was not accepted (unknown issuer, expired, another name).
    Certificate,
    /// Anything else the operating system reports.
    Other,
}

impl FailureKind {
    /// The kind an operating system error is.
    fn of(error: &io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::ConnectionRefused => Self::Refused,
            io::ErrorKind::TimedOut => Self::TimedOut,
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => Self::Reset,
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => Self::Closed,
            _ => Self::Other,
        }
    }
}

/// A connection's failure. Its message says what failed (and why, when no operating system
/// error does); [`ConnectionError::reason`] adds the source's words for a one-line reason.
#[derive(Debug, Error)]
#[error("{what}")]
pub struct ConnectionError {
    side: Side,
    kind: FailureKind,
    what: String,
    #[source]
    source: Option<io::Error>,
}

impl ConnectionError {
    /// A failure `what` describes entirely.
    pub(crate) fn new(side: Side, kind: FailureKind, what: impl Into<String>) -> Self {
        Self {
            side,
            kind,
            what: what.into(),
            source: None,
        }
    }

    /// `what` failed with the operating system's `source`; its kind follows from the source.
    pub(crate) fn io(side: Side, what: impl Into<String>, source: io::Error) -> Self {
        Self {
            side,
            kind: FailureKind::of(&source),
            what: what.into(),
            source: Some(source),
        }
    }

    /// `host` does not resolve: the resolver's `source` says why.
    pub(crate) fn resolving(side: Side, host: &str, source: io::Error) -> Self {
        Self {
            kind: FailureKind::Resolve,
            ..Self::io(side, format!("cannot resolve {host}"), source)
        }
    }

    /// Reading from or writing to `side` failed while relaying. A TLS session's failure (an
    /// alert after the handshake, such as a TLS 1.3 server asking for a client certificate)
    /// is said in TLS words.
    pub(crate) fn relaying(side: Side, source: io::Error) -> Self {
        #[cfg(feature = "tls")]
        if let Some(tls) = tcpmon_tls::client::tls_error(&source) {
            let words = tcpmon_tls::client::describe(tls);
            return Self::new(side, FailureKind::Tls, format!("{}: {words}", side.label()));
        }
        Self::io(side, side.label(), source)
    }

    /// `side` stopped making sense or stopped early while relaying: `what` says how.
    pub(crate) fn broke(side: Side, kind: FailureKind, what: impl std::fmt::Display) -> Self {
        Self::new(side, kind, format!("{}: {what}", side.label()))
    }

    /// The end that failed.
    pub fn side(&self) -> Side {
        self.side
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The message and the operating system's words, on one line: what a `Failed` connection
    /// records ("cannot connect to example.org:80: Connection refused (os error 111)").
    pub fn reason(&self) -> String {
        match &self.source {
            Some(source) => format!("{}: {source}", self.what),
            None => self.what.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_timed_out_and_reset_are_told_apart_and_keep_their_source() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let error = ConnectionError::io(Side::Target, "cannot connect to h:1", refused);
        assert_eq!(error.kind(), FailureKind::Refused);
        assert_eq!(error.to_string(), "cannot connect to h:1");
        assert!(std::error::Error::source(&error).is_some());
        assert!(error.reason().starts_with("cannot connect to h:1: "));
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let error = ConnectionError::relaying(Side::Target, reset);
        assert_eq!(
            (error.side(), error.kind()),
            (Side::Target, FailureKind::Reset)
        );
        assert!(error.reason().starts_with("server: "), "{}", error.reason());
        let timed_out = ConnectionError::new(Side::UpstreamProxy, FailureKind::TimedOut, "slow");
        assert_eq!(timed_out.reason(), "slow");
        assert_eq!(
            FailureKind::of(&io::Error::from(io::ErrorKind::TimedOut)),
            FailureKind::TimedOut
        );
    }
}

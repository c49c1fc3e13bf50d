//! The error every command returns: words for a person, a stable `kind` for the UI to branch
//! on, and the form field it belongs to when there is one.

use serde::Serialize;
use tcpmon_relay::{ConfigError, Error, FailureKind};

/// What kind of failure a command had: what the window branches on (it shows the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorKind {
    /// The listen port is taken by another program.
    PortInUse,
    /// The listen address cannot be bound.
    Bind,
    /// Something typed is not valid (its `field` says where, when it is a form's).
    InvalidInput,
    /// A host name did not resolve.
    Resolve,
    /// No such listener, connection, exchange, session or left capture (any more).
    NotFound,
    /// The target did not accept.
    Connect,
    /// A file could not be read or written.
    Io,
    /// A session file could not be opened.
    Session,
}

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommandError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened, in words.
    pub message: String,
    /// The form field the error belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub field: Option<&'static str>,
}

impl CommandError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            field: None,
        }
    }

    /// The same error, attached to a form field.
    pub fn on(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match &e {
            Error::Bind { error, .. } if error.kind() == std::io::ErrorKind::AddrInUse => {
                Self::new(ErrorKind::PortInUse, message).on("listen_port")
            }
            Error::Bind { .. } => Self::new(ErrorKind::Bind, message).on("bind_address"),
            Error::InvalidAddress { .. } => Self::new(ErrorKind::InvalidInput, message),
            Error::Config(e) => e.clone().into(),
            Error::Connection(e) if e.kind() == FailureKind::Resolve => {
                Self::new(ErrorKind::Resolve, message).on("target_host")
            }
            Error::Connection(_) => Self::new(ErrorKind::Connect, message),
            Error::NoSuchListener(_)
            | Error::NoSuchConnection(_)
            | Error::NoSuchExchange { .. } => Self::new(ErrorKind::NotFound, message),
            Error::Capture(_) => Self::new(ErrorKind::Io, message),
            Error::Tls(_) => Self::new(ErrorKind::InvalidInput, message).on("target_tls"),
            Error::Injection(_) => Self::new(ErrorKind::InvalidInput, message).on("ws_send"),
            Error::Resend(_) => Self::new(ErrorKind::InvalidInput, message),
            Error::NoSuchPause(_) => Self::new(ErrorKind::NotFound, message),
            Error::Paused(_) => Self::new(ErrorKind::InvalidInput, message).on("paused"),
        }
    }
}

impl From<tcpmon_files::Error> for CommandError {
    fn from(e: tcpmon_files::Error) -> Self {
        match e {
            tcpmon_files::Error::Store(e) => e.into(),
            file @ tcpmon_files::Error::File { .. } => {
                Self::new(ErrorKind::Session, file.to_string())
            }
        }
    }
}

impl From<ConfigError> for CommandError {
    /// Settings that make no listener: invalid input, on the field it names.
    fn from(e: ConfigError) -> Self {
        let error = Self::new(ErrorKind::InvalidInput, e.to_string());
        match e.field() {
            Some(field) => error.on(field.name()),
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_their_wire_names() {
        let kinds = [
            (ErrorKind::PortInUse, "port_in_use"),
            (ErrorKind::Bind, "bind"),
            (ErrorKind::InvalidInput, "invalid_input"),
            (ErrorKind::Resolve, "resolve"),
            (ErrorKind::NotFound, "not_found"),
            (ErrorKind::Connect, "connect"),
            (ErrorKind::Io, "io"),
            (ErrorKind::Session, "session"),
        ];
        for (kind, name) in kinds {
            let json = serde_json::to_value(CommandError::new(kind, "x").on("url")).unwrap();
            assert_eq!(
                json,
                serde_json::json!({ "kind": name, "message": "x", "field": "url" })
            );
        }
    }
}

//! The error every command returns: words for a person, a stable `kind` for the UI to branch
//! on, and the form field it belongs to when there is one.

use serde::Serialize;
use tcpmon_relay::{ConfigError, Error, FailureKind};

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// Stable snake_case code: `port_in_use`, `bind`, `invalid_input`, `resolve`, `not_found`,
    /// `connect`, `io`, `session`, `read_only`.
    pub kind: &'static str,
    /// What happened, in words.
    pub message: String,
    /// The admin form field the error belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl CommandError {
    /// An error of `kind` with `message`.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
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
                Self::new("port_in_use", message).on("listen_port")
            }
            Error::Bind { .. } => Self::new("bind", message).on("bind_address"),
            Error::InvalidAddress { .. } => Self::new("invalid_input", message),
            Error::Config(e) => e.clone().into(),
            Error::Connection(e) if e.kind() == FailureKind::Resolve => {
                Self::new("resolve", message).on("target_host")
            }
            Error::Connection(_) => Self::new("connect", message),
            Error::NoSuchListener(_)
            | Error::NoSuchConnection(_)
            | Error::NoSuchExchange { .. } => Self::new("not_found", message),
            Error::Capture(_) => Self::new("io", message),
        }
    }
}

impl From<tcpmon_files::Error> for CommandError {
    fn from(e: tcpmon_files::Error) -> Self {
        match e {
            tcpmon_files::Error::Store(e) => e.into(),
            file @ tcpmon_files::Error::File { .. } => Self::new("session", file.to_string()),
        }
    }
}

impl From<ConfigError> for CommandError {
    /// Settings that make no listener: invalid input, on the field it names.
    fn from(e: ConfigError) -> Self {
        let error = Self::new("invalid_input", e.to_string());
        match e.field() {
            Some(field) => error.on(field.name()),
            None => error,
        }
    }
}

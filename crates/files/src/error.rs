//! Errors of keeping files: each names the file and what the file is to the user (a failed HAR
//! export says "HAR file x.har", not "session file x.har").

use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a file is to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// A TCPMon session file.
    Session,
    /// A capture log, usually one a crash left behind.
    CaptureLog,
    /// An HTTP Archive.
    Har,
    /// Apache TCPMon 1.0 text.
    Text,
    /// A shell script of curl commands.
    Curl,
    /// A certificate exported for clients to trust (the local CA's).
    Certificate,
}

impl fmt::Display for FileRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileRole::Session => "session file",
            FileRole::CaptureLog => "capture log",
            FileRole::Har => "HAR file",
            FileRole::Text => "text file",
            FileRole::Curl => "curl script",
            FileRole::Certificate => "certificate file",
        })
    }
}

/// What went wrong keeping or opening a file.
#[derive(Debug, Error)]
pub enum Error {
    /// A file could not be written or read, or is not what it should be.
    #[error("{role} {}: {reason}", path.display())]
    File {
        /// What the file is.
        role: FileRole,
        /// The file.
        path: PathBuf,
        /// What is wrong with it (the operating system's reason, or the content's).
        reason: String,
    },
    /// The capture a file is written from or read into failed (a connection removed
    /// meanwhile, the capture log unreadable).
    #[error(transparent)]
    Store(#[from] tcpmon_relay::Error),
}

impl Error {
    /// The error for `path`, a `role`, with `reason`.
    pub fn file(role: FileRole, path: &Path, reason: impl ToString) -> Self {
        Error::File {
            role,
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }
}

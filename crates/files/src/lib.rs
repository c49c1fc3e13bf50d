//! Keeping what TCPMon captured: the files a capture is saved to, exported as and opened from.
//!
//! `tcpmon-relay` relays and records into a [`Store`](tcpmon_relay::Store); `tcpmon-inspect`
//! knows the formats (HAR, curl, Apache TCPMon text) as pure functions over bytes. This crate
//! joins the two with the file system: it writes a store's connections to files, whole or not
//! at all, and builds read-only stores from files through the store's public building API.
//!
//! - [`save`]: what to save ([`Pick`]), in which [`Format`], and [`save::save`] that does it.
//! - [`session`]: TCPMon session files (and capture logs, also those a crash left) written and
//!   opened.
//! - [`har`]: HAR files written from a store and opened as sessions.
//! - [`text`], [`curl`]: Apache TCPMon 1.0 text and curl scripts.
//! - [`atomic`]: the one way files are written: temp file, sync, rename, sync the folder.
//! - [`error`]: file errors that name the file's role.

pub mod atomic;
pub mod curl;
pub mod error;
pub mod har;
mod rows;
pub mod save;
pub mod session;
pub mod text;

pub use error::{Error, FileRole, Result};
pub use save::{Format, Pick, RowRef};
pub use session::Session;

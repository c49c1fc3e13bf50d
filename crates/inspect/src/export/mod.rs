//! Exports: pure functions from captured bytes to the bytes of a file format, and back where
//! the format is one other tools write.
//!
//! - [`tcpmon_text`]: Apache TCPMon 1.0 "Save" text.
//! - [`har`]: HTTP Archive 1.2, written and read.
//! - [`curl`]: curl commands that send a captured request again.

pub mod curl;
pub mod har;
pub mod tcpmon_text;

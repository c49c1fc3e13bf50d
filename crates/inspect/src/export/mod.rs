//! Exports: pure functions from captured bytes to the bytes of a file format.

pub mod tcpmon_text;

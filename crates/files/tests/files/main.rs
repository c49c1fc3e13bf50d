//! Integration tests of keeping files: captures made by a real engine over real sockets on
//! 127.0.0.1, saved, exported and opened again. One binary, one link step.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod capture;
mod redaction;
mod session;
// The relay's own test support: real servers and clients, shared rather than copied (not
// every helper is used here).
#[allow(dead_code)]
#[path = "../../../relay/tests/relay/support.rs"]
mod support;

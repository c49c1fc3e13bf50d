//! Integration tests of the relay engine: real sockets on 127.0.0.1, real servers and clients
//! (nginx, tinyproxy, curl) where a user would have them. One binary, one link step.

// Tests stop at the first surprise, with its message: unwrap is the point here.
#![allow(clippy::unwrap_used)]

mod breakpoints;
#[cfg(feature = "tls")]
mod decrypt;
mod events;
mod exchanges;
mod exposed;
mod faults;
mod forward;
mod linear;
mod proxy;
mod resend;
mod support;
#[cfg(feature = "tls")]
mod tls;
mod upstream;
mod websocket;

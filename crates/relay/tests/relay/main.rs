//! Integration tests of the relay engine: real sockets on 127.0.0.1, real servers and clients
//! (nginx, tinyproxy, curl) where a user would have them. One binary, one link step.

mod events;
mod forward;
mod proxy;
mod resend;
mod session;
mod support;
mod upstream;

//! TLS for TCPMon, without sockets of its own: what `tcpmon-relay` needs to speak TLS to a
//! target and to present certificates to clients.
//!
//! - [`client`]: the client side towards targets: which certificates are trusted (the system
//!   store, `--target-ca` files, or anything with `--insecure`), the name sent and verified,
//!   client certificates, ALPN.
//!
//! rustls with the `ring` provider only (no OpenSSL in the product, one provider compiled).

pub mod client;

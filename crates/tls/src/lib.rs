//! TLS for TCPMon, without sockets of its own: what `tcpmon-relay` needs to speak TLS to a
//! target and to present certificates to clients.
//!
//! - [`client`]: the client side towards targets: which certificates are trusted (the system
//!   store, `--target-ca` files, or anything with `--insecure`), the name sent and verified,
//!   client certificates, ALPN.
//! - [`cert`]: certificates as a user checks them (subject, issuer, names, validity,
//!   fingerprint), and the names an origin's certificate lends the one TCPMon shows.
//! - [`keylog`]: NSS key-log lines for Wireshark (`SSLKEYLOGFILE`, `--keylog`), both legs.
//! - [`ca`]: the local CA, made on first use in the user's config folder; export and
//!   regenerate.
//! - [`leaf`]: the leaf certificates the CA issues for the names clients ask for, one key per
//!   process, cached per name.
//! - [`server`]: the server side towards clients: the certificate for each handshake's SNI
//!   (or the fallback names) and the rustls server configuration.
//!
//! rustls with the `aws-lc-rs` provider only (no OpenSSL in the product, one provider
//! compiled; rcgen signs with the same library).

pub mod ca;
pub mod cert;
pub mod client;
pub mod keylog;
pub mod leaf;
pub mod server;

use rustls::crypto::{CryptoProvider, aws_lc_rs};
use std::sync::{Arc, LazyLock};

/// The one crypto provider TCPMon uses, built once: every configuration shares it (a
/// decrypting proxy builds a server configuration per tunnel).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: LazyLock<Arc<CryptoProvider>> =
        LazyLock::new(|| Arc::new(aws_lc_rs::default_provider()));
    PROVIDER.clone()
}

//! TLS towards clients: the certificate a handshake gets (issued by the local CA for the name
//! the client asks for) and the rustls server configuration around it, for TLS listeners and
//! decrypted CONNECT tunnels alike.

use crate::leaf::{LeafError, Leaves};
use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::sync::Arc;

/// Picks a certificate for each handshake: one for the SNI name, or, when the client sends
/// none (IP addresses are never sent as SNI), one for all the fallback names.
#[derive(Debug)]
pub struct IssuingResolver {
    leaves: Arc<Leaves>,
    fallback: Vec<String>,
}

impl IssuingResolver {
    /// A resolver issuing from `leaves`, with `fallback` for clients without SNI (a TLS
    /// listener: `localhost` and its bind address; a CONNECT tunnel: its host). The fallback
    /// certificate is issued now, so a name that cannot be in one fails here, not later.
    pub fn new(leaves: Arc<Leaves>, fallback: Vec<String>) -> Result<Self, LeafError> {
        leaves.certificate(&fallback)?;
        Ok(Self { leaves, fallback })
    }
}

impl ResolvesServerCert for IssuingResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let certificate = match hello.server_name() {
            Some(name) => self.leaves.certificate(&[name.to_string()]),
            None => self.leaves.certificate(&self.fallback),
        };
        // None aborts the handshake; rustls's SNI names are valid DNS names, which issue.
        certificate.ok()
    }
}

/// Presents one certificate, chosen before the handshake: a decrypted tunnel's, issued once
/// the origin's certificate and ALPN pick are known.
#[derive(Debug)]
struct Presenting(Arc<CertifiedKey>);

impl ResolvesServerCert for Presenting {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// `base` (an issuing configuration: its session cache and ticketer are shared, so clients
/// resume across tunnels) presenting `certificate`, answering ALPN with `alpn` alone (none:
/// no ALPN, which clients take as HTTP/1.1).
pub fn presenting(
    base: &ServerConfig,
    certificate: Arc<CertifiedKey>,
    alpn: Option<&[u8]>,
) -> Arc<ServerConfig> {
    let mut config = base.clone();
    config.cert_resolver = Arc::new(Presenting(certificate));
    config.alpn_protocols = alpn.map(|p| vec![p.to_vec()]).unwrap_or_default();
    Arc::new(config)
}

/// A server configuration presenting what `resolver` picks: TLS 1.2 and 1.3, no client
/// certificates, `alpn` offered in order (none: no ALPN).
pub fn server_config(
    resolver: Arc<dyn ResolvesServerCert>,
    alpn: &[String],
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(crate::provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    if let Some(key_log) = crate::keylog::key_log() {
        config.key_log = key_log;
    }
    Ok(Arc::new(config))
}

//! TLS towards clients: the server configurations whose certificates TCPMon's local CA issues
//! (a TLS listener's, and the base a decrypting proxy's tunnels start from), a client's
//! handshake within the timeout, and what it agreed on.

use super::{HANDSHAKE_TIMEOUT, facts, prepare};
use crate::config::ListenerConfig;
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::error::{Error, Result};
use crate::record::{TlsFacts, Trust};
use rustls::ServerConfig;
use rustls::server::ServerConnection;
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use tcpmon_inspect::tls::HANDSHAKE_RECORD;
use tcpmon_tls::ca::Ca;
use tcpmon_tls::leaf::Leaves;
use tcpmon_tls::server::{IssuingResolver, server_config};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::{Accept, TlsAcceptor, server};

/// The names a TLS listener's certificate carries for clients that send no SNI: `localhost`
/// and the address it listens on (unless that is every address).
fn fallback_names(config: &ListenerConfig) -> Vec<String> {
    let mut names = vec!["localhost".to_string()];
    if !config.bind.is_unspecified() {
        names.push(config.bind.to_string());
    }
    names
}

/// What a server configuration depends on: the CA, the names for clients without SNI, and
/// the ALPN protocols it agrees to.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ServerKey {
    ca_dir: PathBuf,
    fallback: Vec<String>,
    alpn: Vec<String>,
}

impl ServerKey {
    /// A TLS listener's.
    fn listener(config: &ListenerConfig, ca_dir: Option<&Path>) -> Result<ServerKey> {
        let mut key = ServerKey::new(ca_dir, fallback_names(config))?;
        key.alpn = config.listen_alpn.clone();
        Ok(key)
    }

    fn new(ca_dir: Option<&Path>, fallback: Vec<String>) -> Result<ServerKey> {
        let ca_dir = ca_dir.ok_or_else(|| {
            Error::Tls(
                "TLS towards clients needs TCPMon's CA, and no folder for it is known".into(),
            )
        })?;
        Ok(ServerKey {
            ca_dir: ca_dir.to_path_buf(),
            fallback,
            alpn: Vec::new(),
        })
    }

    /// A decrypting proxy's base configuration: its tunnels each present their own
    /// certificate, and share its session cache.
    fn decrypting(ca_dir: Option<&Path>) -> Result<ServerKey> {
        ServerKey::new(ca_dir, vec!["localhost".into()])
    }
}

/// The leaf issuers, one per CA folder (one leaf key per process and CA), and the server
/// configurations built so far.
#[derive(Default)]
struct Servers {
    leaves: HashMap<PathBuf, Arc<Leaves>>,
    configs: HashMap<ServerKey, Arc<ServerConfig>>,
}

fn servers() -> MutexGuard<'static, Servers> {
    static SERVERS: LazyLock<Mutex<Servers>> = LazyLock::new(Mutex::default);
    SERVERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The issuer of the CA in `ca_dir` (the CA made on first use).
fn leaves(ca_dir: &Path) -> Result<Arc<Leaves>> {
    let tls_error = |e: &dyn std::fmt::Display| Error::Tls(e.to_string());
    let mut servers = servers();
    if let Some(leaves) = servers.leaves.get(ca_dir) {
        return Ok(leaves.clone());
    }
    let ca = Ca::load_or_create(ca_dir).map_err(|e| tls_error(&e))?;
    let leaves = Arc::new(Leaves::new(ca).map_err(|e| tls_error(&e))?);
    servers.leaves.insert(ca_dir.to_path_buf(), leaves.clone());
    Ok(leaves)
}

/// Builds the server configuration for `key` (the CA is made on first use, or read; the
/// certificate for clients without SNI issued now) and keeps it.
fn build(key: ServerKey) -> Result<()> {
    let tls_error = |e: &dyn std::fmt::Display| Error::Tls(e.to_string());
    let resolver = IssuingResolver::new(leaves(&key.ca_dir)?, key.fallback.clone())
        .map_err(|e| tls_error(&e))?;
    let config = server_config(Arc::new(resolver), &key.alpn).map_err(|e| tls_error(&e))?;
    servers().configs.insert(key, config);
    Ok(())
}

/// Builds the server configuration of a TLS listener at its start.
pub(crate) fn prepare_listener(config: &ListenerConfig, ca_dir: Option<&Path>) -> Result<()> {
    build(ServerKey::listener(config, ca_dir)?)
}

/// Readies a decrypting proxy at its start: TLS to origins as its target settings say (the
/// system's trust when unset), and TCPMon's CA (made now if it is not there yet).
pub(crate) fn prepare_decrypting(config: &ListenerConfig, ca_dir: Option<&Path>) -> Result<()> {
    prepare(&config.target_tls.clone().unwrap_or_default())?;
    build(ServerKey::decrypting(ca_dir)?)
}

fn configured(key: Result<ServerKey>) -> std::result::Result<Arc<ServerConfig>, ConnectionError> {
    let failed = |what: String| ConnectionError::new(Side::Client, FailureKind::Tls, what);
    let key = key.map_err(|e| failed(e.to_string()))?;
    let config = servers().configs.get(&key).cloned();
    config.ok_or_else(|| failed("the listener has no TLS settings".into()))
}

/// A decrypting proxy's base server configuration and the issuer of its tunnels'
/// certificates.
pub(super) fn decrypting(
    ca_dir: Option<&Path>,
) -> std::result::Result<(Arc<ServerConfig>, Arc<Leaves>), ConnectionError> {
    let base = configured(ServerKey::decrypting(ca_dir))?;
    let failed = |e: Error| ConnectionError::new(Side::Client, FailureKind::Tls, e.to_string());
    let key = ServerKey::decrypting(ca_dir).map_err(failed)?;
    let leaves = leaves(&key.ca_dir).map_err(failed)?;
    Ok((base, leaves))
}

/// Completes a client's handshake with a TLS listener, within [`HANDSHAKE_TIMEOUT`]; returns
/// the session and what it agreed on.
pub(crate) async fn accept(
    stream: TcpStream,
    config: &ListenerConfig,
    ca_dir: Option<&Path>,
) -> std::result::Result<(server::TlsStream<TcpStream>, TlsFacts), ConnectionError> {
    let failed = |kind, what: String| ConnectionError::new(Side::Client, kind, what);
    let fallback = fallback_names(config);
    let server = configured(ServerKey::listener(config, ca_dir))?;
    let mut first = [0; 1];
    let peeked = tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.peek(&mut first)).await;
    match peeked {
        Ok(Ok(1)) if first[0] != HANDSHAKE_RECORD => {
            let what = "the client sent plain bytes to a TLS listener (use https://, or a listener without TLS)";
            return Err(failed(FailureKind::Protocol, what.into()));
        }
        Ok(Ok(0)) => {
            return Err(failed(
                FailureKind::Closed,
                "the client closed before a TLS handshake".into(),
            ));
        }
        _ => {}
    }
    let session = handshake(TlsAcceptor::from(server).accept(stream)).await?;
    let state = session.get_ref().1;
    // The certificate the resolver picked, again (from the issuer's cache).
    let names = state
        .server_name()
        .map_or(fallback, |name| vec![name.to_string()]);
    let presented = ca_dir
        .and_then(|dir| leaves(dir).ok())
        .and_then(|leaves| leaves.certificate(&names).ok());
    let facts = client_facts(state, presented.as_deref());
    Ok((session, facts))
}

/// A client's side of a handshake, within [`HANDSHAKE_TIMEOUT`].
pub(super) async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    accept: Accept<S>,
) -> std::result::Result<server::TlsStream<S>, ConnectionError> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
        Err(_) => {
            let what = format!(
                "no TLS handshake from the client within {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            );
            Err(ConnectionError::new(
                Side::Client,
                FailureKind::TimedOut,
                what,
            ))
        }
        Ok(Err(e)) => Err(client_handshake_error(e)),
        Ok(Ok(session)) => Ok(session),
    }
}

/// What a client's completed handshake agreed on: it trusted `presented`, TCPMon's
/// certificate (and so the local CA).
pub(super) fn client_facts(state: &ServerConnection, presented: Option<&CertifiedKey>) -> TlsFacts {
    let chain = presented.map_or_else(Vec::new, |key| tcpmon_tls::cert::chain_facts(&key.cert));
    let name = state.server_name().map(str::to_string);
    facts(state, name, Trust::LocalCa, chain)
}

/// A client's failed handshake in words: a client that rejects TCPMon's certificate is told
/// how to trust it.
fn client_handshake_error(error: std::io::Error) -> ConnectionError {
    use rustls::AlertDescription::{BadCertificate, CertificateUnknown, UnknownCA};
    let (kind, words) = match tcpmon_tls::client::tls_error(&error) {
        Some(rustls::Error::AlertReceived(UnknownCA | BadCertificate | CertificateUnknown)) => (
            FailureKind::Certificate,
            "the client does not trust TCPMon's CA: install it (tcpmon-cli ca path prints it; docs/https.md says how)".to_string(),
        ),
        Some(e) => (FailureKind::Tls, format!("TLS with the client: {e}")),
        None => {
            return ConnectionError::io(
                Side::Client,
                "TLS with the client: the handshake failed",
                error,
            );
        }
    };
    ConnectionError::new(Side::Client, kind, words)
}

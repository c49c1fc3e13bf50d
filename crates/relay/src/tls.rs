//! TLS on the connection path, beside `dial`: towards a target, a dialled stream (direct or
//! through an upstream proxy's tunnel) is wrapped in a client session; from a client of a TLS
//! listener, the accepted stream in a server session whose certificate TCPMon's local CA
//! issues for the name asked. The pumps then relay and record the plaintext.
//!
//! rustls configurations are built when a listener starts (so a missing `--target-ca` file or
//! an unreadable CA fails the start, not each connection) and kept per settings.

use crate::config::{HostPort, ListenerConfig, TargetTls};
use crate::conn::{Reader, Writer};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::error::{Error, Result};
use crate::record::{TlsFacts, now_micros};
use rustls::{ClientConfig, ServerConfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tcpmon_tls::ca::Ca;
use tcpmon_tls::leaf::Leaves;
use tcpmon_tls::server::{IssuingResolver, server_config};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::{TlsAcceptor, TlsConnector, server};

/// A handshake that has not completed by then never will: the target speaks no TLS, or
/// waits for something else.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Client configurations by the settings they were built from (a handful per process).
fn configs() -> MutexGuard<'static, HashMap<TargetTls, Arc<ClientConfig>>> {
    static CONFIGS: LazyLock<Mutex<HashMap<TargetTls, Arc<ClientConfig>>>> =
        LazyLock::new(Mutex::default);
    CONFIGS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn settings(tls: &TargetTls) -> tcpmon_tls::client::TargetTls {
    tcpmon_tls::client::TargetTls {
        ca_files: tls.ca_files.iter().map(Into::into).collect(),
        insecure: tls.insecure,
        server_name: tls.server_name.clone(),
        client_cert: tls.client_cert.as_ref().map(Into::into),
        client_key: tls.client_key.as_ref().map(Into::into),
        alpn: tls.alpn.clone(),
    }
}

/// Builds (again) the configuration `tls` asks for: files are read now, at a listener's start.
pub(crate) fn prepare(tls: &TargetTls) -> Result<()> {
    let config =
        tcpmon_tls::client::client_config(&settings(tls)).map_err(|e| Error::Tls(e.to_string()))?;
    tcpmon_tls::client::server_name("localhost", tls.server_name.as_deref())
        .map_err(|e| Error::Tls(e.to_string()))?;
    configs().insert(tls.clone(), config);
    Ok(())
}

/// The configuration for `tls`, built on first use (a resend of a listener's connection).
fn config(tls: &TargetTls) -> std::result::Result<Arc<ClientConfig>, ConnectionError> {
    if let Some(config) = configs().get(tls) {
        return Ok(config.clone());
    }
    prepare(tls)
        .map_err(|e| ConnectionError::new(Side::Target, FailureKind::Tls, e.to_string()))?;
    configs()
        .get(tls)
        .cloned()
        .ok_or_else(|| ConnectionError::new(Side::Target, FailureKind::Tls, "no TLS settings"))
}

/// Opens TLS to `target` over `stream`, within [`HANDSHAKE_TIMEOUT`]; returns the session and
/// what it agreed on.
pub(crate) async fn connect(
    stream: TcpStream,
    target: &HostPort,
    tls: &TargetTls,
) -> std::result::Result<(TlsStream<TcpStream>, TlsFacts), ConnectionError> {
    let failed = |kind, what: String| ConnectionError::new(Side::Target, kind, what);
    let name = tcpmon_tls::client::server_name(&target.host, tls.server_name.as_deref())
        .map_err(|e| failed(FailureKind::Tls, e.to_string()))?;
    let connector = TlsConnector::from(config(tls)?);
    let handshake = connector.connect(name.clone(), stream);
    let session = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Err(_) => {
            let what = format!(
                "TLS with {target}: no handshake within {} s (does it speak TLS there?)",
                HANDSHAKE_TIMEOUT.as_secs()
            );
            return Err(failed(FailureKind::TimedOut, what));
        }
        Ok(Err(e)) => return Err(handshake_error(target, e)),
        Ok(Ok(session)) => session,
    };
    let server_name = match name {
        rustls::pki_types::ServerName::DnsName(dns) => Some(dns.as_ref().to_string()),
        _ => None,
    };
    let facts = facts(session.get_ref().1, server_name, !tls.insecure);
    Ok((session, facts))
}

/// What a completed handshake agreed on.
fn facts(state: &rustls::CommonState, server_name: Option<String>, verified: bool) -> TlsFacts {
    TlsFacts {
        version: version(state.protocol_version()),
        cipher: cipher(state.negotiated_cipher_suite()),
        alpn: state
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        server_name,
        verified,
        trust: None,
        chain: Vec::new(),
        completed_at: now_micros(),
    }
}

/// `1.3`, `1.2`: the TLS version as lines and the window show it.
fn version(version: Option<rustls::ProtocolVersion>) -> String {
    match version {
        Some(rustls::ProtocolVersion::TLSv1_3) => "1.3".into(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "1.2".into(),
        other => format!("{other:?}"),
    }
}

fn cipher(suite: Option<rustls::SupportedCipherSuite>) -> String {
    suite
        .map(|c| format!("{:?}", c.suite()))
        .unwrap_or_default()
}

/// A failed handshake in words: a certificate problem names the way out.
fn handshake_error(target: &HostPort, error: std::io::Error) -> ConnectionError {
    match tcpmon_tls::client::tls_error(&error) {
        Some(e) => {
            let kind = match e {
                rustls::Error::InvalidCertificate(_) => FailureKind::Certificate,
                _ => FailureKind::Tls,
            };
            let words = tcpmon_tls::client::describe(e);
            ConnectionError::new(Side::Target, kind, format!("TLS with {target}: {words}"))
        }
        None => {
            let what = format!("TLS with {target}: the handshake failed");
            let error = ConnectionError::io(Side::Target, what, error);
            match error.kind() {
                // A target that closes on a ClientHello speaks no TLS there (or not ours).
                FailureKind::Closed | FailureKind::Reset | FailureKind::Other => {
                    ConnectionError::new(
                        Side::Target,
                        FailureKind::Tls,
                        format!("{}: it closed during the handshake", error.reason()),
                    )
                }
                _ => error,
            }
        }
    }
}

/// The names a TLS listener's certificate carries for clients that send no SNI: `localhost`
/// and the address it listens on (unless that is every address).
fn fallback_names(config: &ListenerConfig) -> Vec<String> {
    let mut names = vec!["localhost".to_string()];
    if !config.bind.is_unspecified() {
        names.push(config.bind.to_string());
    }
    names
}

/// What a TLS listener's server configuration depends on.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ListenerKey {
    ca_dir: PathBuf,
    fallback: Vec<String>,
}

/// The leaf issuers, one per CA folder (one leaf key per process and CA), and the server
/// configurations of TLS listeners.
struct Servers {
    leaves: HashMap<PathBuf, Arc<Leaves>>,
    configs: HashMap<ListenerKey, Arc<ServerConfig>>,
}

fn servers() -> MutexGuard<'static, Servers> {
    static SERVERS: LazyLock<Mutex<Servers>> = LazyLock::new(|| {
        Mutex::new(Servers {
            leaves: HashMap::new(),
            configs: HashMap::new(),
        })
    });
    SERVERS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn listener_key(config: &ListenerConfig, ca_dir: Option<&Path>) -> Result<ListenerKey> {
    let ca_dir = ca_dir.ok_or_else(|| {
        Error::Tls("a TLS listener needs TCPMon's CA, and no folder for it is known".into())
    })?;
    Ok(ListenerKey {
        ca_dir: ca_dir.to_path_buf(),
        fallback: fallback_names(config),
    })
}

/// Builds the server configuration of a TLS listener at its start: the CA is made on first
/// use (or read), the certificate for clients without SNI issued now.
pub(crate) fn prepare_listener(config: &ListenerConfig, ca_dir: Option<&Path>) -> Result<()> {
    let key = listener_key(config, ca_dir)?;
    let server = issuing_config(&key.ca_dir, key.fallback.clone())?;
    servers().configs.insert(key, server);
    Ok(())
}

/// Readies a decrypting proxy at its start: TLS to origins as its target settings say (the
/// system's trust when unset), and TCPMon's CA (made now if it is not there yet).
pub(crate) fn prepare_decrypting(config: &ListenerConfig, ca_dir: Option<&Path>) -> Result<()> {
    prepare(&config.target_tls.clone().unwrap_or_default())?;
    let ca_dir = ca_dir.ok_or_else(|| {
        Error::Tls("decrypting needs TCPMon's CA, and no folder for it is known".into())
    })?;
    issuing_config(ca_dir, vec!["localhost".into()]).map(drop)
}

/// A server configuration whose certificates the CA in `ca_dir` issues (made on first use),
/// with `fallback` for clients without SNI.
fn issuing_config(ca_dir: &Path, fallback: Vec<String>) -> Result<Arc<ServerConfig>> {
    let tls_error = |e: &dyn std::fmt::Display| Error::Tls(e.to_string());
    let leaves = {
        let mut servers = servers();
        match servers.leaves.get(ca_dir) {
            Some(leaves) => leaves.clone(),
            None => {
                let ca = Ca::load_or_create(ca_dir).map_err(|e| tls_error(&e))?;
                let leaves = Arc::new(Leaves::new(ca).map_err(|e| tls_error(&e))?);
                servers.leaves.insert(ca_dir.to_path_buf(), leaves.clone());
                leaves
            }
        }
    };
    let resolver = IssuingResolver::new(leaves, fallback).map_err(|e| tls_error(&e))?;
    server_config(Arc::new(resolver), &[]).map_err(|e| tls_error(&e))
}

/// Completes a client's handshake with a TLS listener, within [`HANDSHAKE_TIMEOUT`]; returns
/// the session and what it agreed on.
pub(crate) async fn accept(
    stream: TcpStream,
    config: &ListenerConfig,
    ca_dir: Option<&Path>,
) -> std::result::Result<(server::TlsStream<TcpStream>, TlsFacts), ConnectionError> {
    let failed = |kind, what: String| ConnectionError::new(Side::Client, kind, what);
    let key = listener_key(config, ca_dir).map_err(|e| failed(FailureKind::Tls, e.to_string()))?;
    let server = servers().configs.get(&key).cloned();
    let server = server
        .ok_or_else(|| failed(FailureKind::Tls, "the listener has no TLS settings".into()))?;
    let mut first = [0; 1];
    let peeked = tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.peek(&mut first)).await;
    match peeked {
        Ok(Ok(1)) if first[0] != TLS_HANDSHAKE_RECORD => {
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
    handshake_with_client(server, stream).await
}

/// The client's side of a handshake with `server`, within [`HANDSHAKE_TIMEOUT`].
async fn handshake_with_client<S: AsyncRead + AsyncWrite + Unpin>(
    server: Arc<ServerConfig>,
    stream: S,
) -> std::result::Result<(server::TlsStream<S>, TlsFacts), ConnectionError> {
    let handshake = TlsAcceptor::from(server).accept(stream);
    let session = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Err(_) => {
            let what = format!(
                "no TLS handshake from the client within {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            );
            let error = ConnectionError::new(Side::Client, FailureKind::TimedOut, what);
            return Err(error);
        }
        Ok(Err(e)) => return Err(client_handshake_error(e)),
        Ok(Ok(session)) => session,
    };
    let state = session.get_ref().1;
    let facts = facts(state, state.server_name().map(str::to_string), true);
    Ok((session, facts))
}

/// Decrypts a CONNECT tunnel to `target` whose client speaks TLS (`early` holds what it sent
/// already, its ClientHello's start): TCPMon answers with a certificate for the name asked (the
/// CONNECT host without SNI), then opens TLS to the origin over `origin` as `tls` says. Returns
/// both plaintext sides and their facts: client's, then the origin's.
pub(crate) async fn intercept(
    (reader, writer): (Reader, Writer),
    early: Vec<u8>,
    origin: TcpStream,
    target: &HostPort,
    tls: &TargetTls,
    ca_dir: Option<&Path>,
) -> std::result::Result<Intercepted, ConnectionError> {
    let no_ca = || {
        let what = "decrypting needs TCPMon's CA, and no folder for it is known";
        ConnectionError::new(Side::Client, FailureKind::Tls, what)
    };
    let server = issuing_config(ca_dir.ok_or_else(no_ca)?, vec![target.host.clone()])
        .map_err(|e| ConnectionError::new(Side::Client, FailureKind::Tls, e.to_string()))?;
    let client = tokio::io::join(std::io::Cursor::new(early).chain(reader), writer);
    let (client, client_facts) = handshake_with_client(server, client).await?;
    let (origin, origin_facts) = connect(origin, target, tls).await?;
    let (cr, cw) = tokio::io::split(client);
    let (or, ow) = tokio::io::split(origin);
    Ok(Intercepted {
        client: (Box::new(cr), Box::new(cw)),
        origin: (Box::new(or), Box::new(ow)),
        client_facts,
        origin_facts,
    })
}

/// A decrypted tunnel's two plaintext sides and what each handshake agreed on.
pub(crate) struct Intercepted {
    pub client: (Reader, Writer),
    pub origin: (Reader, Writer),
    pub client_facts: TlsFacts,
    pub origin_facts: TlsFacts,
}

/// The first byte of every TLS connection: a handshake record.
pub(crate) const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// A client's failed handshake in words: a client that rejects TCPMon's certificate is told
/// how to trust it.
fn client_handshake_error(error: std::io::Error) -> ConnectionError {
    use rustls::AlertDescription::{BadCertificate, CertificateUnknown, UnknownCA};
    let words = match tcpmon_tls::client::tls_error(&error) {
        Some(rustls::Error::AlertReceived(UnknownCA | BadCertificate | CertificateUnknown)) => {
            "the client does not trust TCPMon's CA: install it (tcpmon-cli ca path prints it; docs/https.md says how)".to_string()
        }
        Some(e) => format!("TLS with the client: {e}"),
        None => {
            return ConnectionError::io(Side::Client, "TLS with the client: the handshake failed", error);
        }
    };
    ConnectionError::new(Side::Client, FailureKind::Tls, words)
}

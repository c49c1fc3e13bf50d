//! TLS on the connection path, beside `dial`: towards a target, a dialled stream (direct or
//! through an upstream proxy's tunnel) is wrapped in a client session (here); from a client of
//! a TLS listener, the accepted stream in a server session whose certificate TCPMon's local CA
//! issues for the name asked ([`listen`]); a decrypting proxy's CONNECT tunnels get both, the
//! origin first ([`intercept`]). The pumps then relay and record the plaintext.
//!
//! rustls configurations are built when a listener starts (so a missing `--target-ca` file or
//! an unreadable CA fails the start, not each connection) and kept per settings.

mod intercept;
mod listen;

pub(crate) use intercept::{Interception, intercept};

pub(crate) use listen::{accept, prepare_decrypting, prepare_listener};

use crate::config::{HostPort, TargetTls};
use crate::conn::{Reader, Writer};
use crate::conn_error::{ConnectionError, FailureKind, Side};
use crate::error::{Error, Result};
use crate::record::{TlsFacts, Trust, now_micros};
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tcpmon_inspect::tls::CertificateFacts;
use tcpmon_tls::client::Client;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A handshake that has not completed by then never will: the target speaks no TLS, or
/// waits for something else.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Client configurations by the settings they were built from (a handful per process: one per
/// listener's settings; a decrypting proxy derives each tunnel's ALPN offer from its own).
fn configs() -> MutexGuard<'static, HashMap<TargetTls, Arc<Client>>> {
    static CONFIGS: LazyLock<Mutex<HashMap<TargetTls, Arc<Client>>>> =
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
    let client =
        tcpmon_tls::client::client_config(&settings(tls)).map_err(|e| Error::Tls(e.to_string()))?;
    tcpmon_tls::client::server_name("localhost", tls.server_name.as_deref())
        .map_err(|e| Error::Tls(e.to_string()))?;
    configs().insert(tls.clone(), Arc::new(client));
    Ok(())
}

/// The configuration for `tls`, built on first use (a resend of a listener's connection, an
/// ALPN offer a decrypting proxy has not seen yet).
fn config(tls: &TargetTls) -> std::result::Result<Arc<Client>, ConnectionError> {
    if let Some(client) = configs().get(tls) {
        return Ok(client.clone());
    }
    prepare(tls)
        .map_err(|e| ConnectionError::new(Side::Target, FailureKind::Tls, e.to_string()))?;
    configs()
        .get(tls)
        .cloned()
        .ok_or_else(|| ConnectionError::new(Side::Target, FailureKind::Tls, "no TLS settings"))
}

/// What a decrypted tunnel's client asked the origin for: the name (SNI) and the ALPN
/// protocols to offer in its place.
#[derive(Default)]
pub(crate) struct Asked<'a> {
    pub name: Option<&'a str>,
    pub alpn: Option<&'a [String]>,
}

/// Opens TLS to `target` over `stream`, within [`HANDSHAKE_TIMEOUT`]; returns the session and
/// what it agreed on. The name sent and verified is `--tls-server-name`, else the name a
/// decrypted tunnel's client `asked` for, else the target host; ALPN offers what the client
/// asked, else the settings' list.
pub(crate) async fn connect(
    stream: TcpStream,
    target: &HostPort,
    asked: Asked<'_>,
    tls: &TargetTls,
) -> std::result::Result<(TlsStream<TcpStream>, TlsFacts), ConnectionError> {
    let failed = |kind, what: String| ConnectionError::new(Side::Target, kind, what);
    let host = asked.name.unwrap_or(&target.host);
    let name = tcpmon_tls::client::server_name(host, tls.server_name.as_deref())
        .map_err(|e| failed(FailureKind::Tls, e.to_string()))?;
    let client = config(tls)?;
    let config = match asked.alpn {
        Some(alpn) => client.offering(alpn),
        None => client.config.clone(),
    };
    let handshake = TlsConnector::from(config).connect(name.clone(), stream);
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
    let state = session.get_ref().1;
    let chain = state.peer_certificates().unwrap_or_default();
    let trust = client.trust(chain);
    let facts = facts(
        state,
        server_name,
        trust,
        tcpmon_tls::cert::chain_facts(chain),
    );
    Ok((session, facts))
}

/// What a completed handshake agreed on; `chain` is the certificates presented (the peer's
/// towards a target, TCPMon's own towards a client).
fn facts(
    state: &rustls::CommonState,
    server_name: Option<String>,
    trust: Trust,
    chain: Vec<CertificateFacts>,
) -> TlsFacts {
    TlsFacts {
        version: version(state.protocol_version()),
        cipher: cipher(state.negotiated_cipher_suite()),
        alpn: state
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        server_name,
        verified: trust != Trust::Insecure,
        trust: Some(trust),
        chain,
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

/// A TLS session's halves, its plaintext read so that a peer closing without `close_notify`
/// has closed, no more: Python's `ssl`, Java and Chromium close that way after complete
/// exchanges (HTTP framing says where each message ends), and curl and mitmproxy take it so.
pub(crate) fn halves<S>(session: S) -> (Reader, Writer)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (r, w) = tokio::io::split(session);
    (Box::new(EofWithoutNotify(r)), Box::new(w))
}

/// Reads as the inner reader, with rustls's "closed without close_notify" as the end.
struct EofWithoutNotify<R>(R);

impl<R: AsyncRead + Unpin> AsyncRead for EofWithoutNotify<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.0).poll_read(cx, buf) {
            Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
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
